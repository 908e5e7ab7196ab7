// Package freeport picks loopback TCP ports for tests and the load program that start servers
// on fixed ports (a README block, a NATS server restarted on the port it had).
//
// A port from listening on :0 comes from the kernel's ephemeral range, the range outgoing
// connections take their local ports from: between closing that listener and a server binding
// the port, a client connecting anywhere may take it, and a second :0 may hand out the same one.
// Ports are picked below the ephemeral range instead, and each is held until all are picked.
package freeport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// lowest port picked: above the registered services most machines run.
const lowest = 20000

// Pick returns n distinct loopback ports that nothing listened on when it returned and that
// outgoing connections will not take.
func Pick(n int) ([]int, error) {
	top := ephemeralLow()
	if top-lowest < 4*n {
		return nil, fmt.Errorf("freeport: %d ports wanted, only %d–%d below the ephemeral range", n, lowest, top-1)
	}
	held := make([]net.Listener, 0, n)
	defer func() {
		for _, ln := range held {
			ln.Close()
		}
	}()
	ports := make([]int, 0, n)
	for tries := 0; len(ports) < n; tries++ {
		if tries > 200*n {
			return nil, fmt.Errorf("freeport: found only %d of %d free ports in %d–%d", len(ports), n, lowest, top-1)
		}
		p := lowest + rand.IntN(top-lowest)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue // taken
		}
		held = append(held, ln)
		ports = append(ports, p)
	}
	return ports, nil
}

// ephemeralLow is the first port of the kernel's ephemeral range (Linux; 32768 elsewhere).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 32768
	}
	low, err := strconv.Atoi(f[0])
	if err != nil || low <= lowest {
		return 32768
	}
	return low
}
