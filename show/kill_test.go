package show

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The kill test re-executes the test binary as a child that appends in a loop and prints every
// acknowledged event; the parent SIGKILLs it mid-stream, reopens the store and checks that every
// acknowledged event is in the log.
const (
	killChildEnv = "LIVEHOST_SHOW_KILL_CHILD"
	killDirEnv   = "LIVEHOST_SHOW_KILL_DIR"
	killURLEnv   = "LIVEHOST_SHOW_KILL_URL"
	killShow     = "killed"
)

func killChild() {
	ctx := context.Background()
	s, err := OpenStore(ctx, os.Getenv(killDirEnv), os.Getenv(killURLEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := 0; ; c++ {
				batch := make([]NewEvent, 1+c%4)
				for i := range batch {
					batch[i] = chat("w"+strconv.Itoa(w), fmt.Sprintf("%d/%d/%d", w, c, i))
				}
				evs, err := s.Append(ctx, killShow, batch...)
				if err != nil {
					fmt.Fprintln(os.Stderr, "child append:", err)
					os.Exit(4)
				}
				var b strings.Builder
				for _, ev := range evs {
					var p ChatReceived
					_ = ev.Decode(&p)
					fmt.Fprintf(&b, "ack %d %s\n", ev.Seq, p.Text)
				}
				out.Lock()
				os.Stdout.WriteString(b.String()) // unbuffered: the line is in the pipe before the next append
				out.Unlock()
			}
		}()
	}
	wg.Wait()
	os.Exit(0)
}

func TestKillLosesNoAckedEvent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, loc location) {
		s := loc.open(t)
		mustCreate(t, s, Show{ID: killShow})
		s.Close()

		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killChildEnv+"=1", killDirEnv+"="+loc.dataDir, killURLEnv+"="+loc.dbURL)
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := map[int64]string{}
		sc := bufio.NewScanner(stdout)
		killed := false
		deadline := time.AfterFunc(90*time.Second, func() { cmd.Process.Kill() })
		defer deadline.Stop()
		for sc.Scan() {
			f := strings.SplitN(sc.Text(), " ", 3)
			if len(f) != 3 || f[0] != "ack" {
				t.Fatalf("child printed %q", sc.Text())
			}
			seq, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatalf("child printed %q: %v", sc.Text(), err)
			}
			acked[seq] = f[2]
			if !killed && len(acked) >= 400 {
				// Kill in the middle of the stream: appends are in flight right now.
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
		err = cmd.Wait()
		if !killed {
			t.Fatalf("child ended before it was killed after %d acks: %v", len(acked), err)
		}
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("child did not die of SIGKILL: %v", err)
		}

		s = loc.open(t)
		defer s.Close()
		evs := readAll(t, s, killShow)
		checkDense(t, evs, 1)
		have := map[int64]string{}
		for _, ev := range evs {
			var p ChatReceived
			if err := ev.Decode(&p); err != nil {
				t.Fatal(err)
			}
			have[ev.Seq] = p.Text
		}
		for seq, text := range acked {
			if got, ok := have[seq]; !ok || got != text {
				t.Fatalf("acked seq %d (%q) is not in the log after SIGKILL (have %q, %v)", seq, text, got, ok)
			}
		}
		t.Logf("%s: %d acked before and during the kill, %d events in the log after reopening", loc.name, len(acked), len(evs)-1)
		more, err := s.Append(testCtx(t), killShow, chat("after", "restart"))
		if err != nil || more[0].Seq != int64(len(evs))+1 {
			t.Fatalf("append after restart = %+v, %v; want seq %d", more, err, len(evs)+1)
		}
	})
}
