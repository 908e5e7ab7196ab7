package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/livehost/livehost/server"
)

// A request for a show owned elsewhere travels as one NATS request: the method, URL and client
// address in headers of their own, the HTTP headers as NATS headers, the body as the payload.
// The reply carries the status, the response headers and the body the same way.
const (
	hdrMethod = "Livehost-Method"
	hdrURL    = "Livehost-Url"
	hdrRemote = "Livehost-Remote"
	hdrFrom   = "Livehost-From"
	hdrStatus = "Livehost-Status"
)

// Forward answers req on the show's owner (server.Router). It returns false when this node
// owns the show. A request that never reached an owner (none yet, or it just died) is tried again
// until one answers or the timeout passes; one that reached an owner which then fell silent is
// not, since it may have been applied: the client gets a 503 and may send it again (a chat
// message with an id is logged once).
func (n *Node) Forward(ctx context.Context, showID string, req *http.Request, body []byte, w http.ResponseWriter) (bool, error) {
	deadline := time.Now().Add(n.opt.ForwardTimeout)
	for attempt := 0; ; attempt++ {
		// While a drain hands the show over, the lease is still here but the runtime has let
		// the show go: wait for the next owner rather than refuse the request.
		if n.Owns(showID) && n.opt.Shows.Owns(showID) {
			return false, nil
		}
		if attempt > 0 {
			if time.Now().After(deadline) {
				n.m.forwardErrors.Inc()
				return true, fmt.Errorf("%w within %s: no node owns it yet", server.ErrMoved, n.opt.ForwardTimeout)
			}
			select {
			case <-ctx.Done():
				return true, ctx.Err()
			case <-time.After(min(50*time.Millisecond*time.Duration(attempt), 250*time.Millisecond)):
			}
		}
		if !n.nc.IsConnected() {
			n.m.forwardErrors.Inc()
			return true, fmt.Errorf("%w: the bus between nodes (NATS) is down; send it to the node that runs the show, or retry", server.ErrMoved)
		}
		owner, err := n.owner(ctx, showID)
		if err != nil {
			return true, err
		}
		if owner == "" || owner == n.id {
			continue // no owner yet, or a stale row naming this node: wait for the lease pass
		}
		msg := nats.NewMsg(subjFwd + owner)
		for k, vs := range req.Header {
			for _, v := range vs {
				msg.Header.Add(k, v)
			}
		}
		msg.Header.Set(hdrMethod, req.Method)
		msg.Header.Set(hdrURL, req.URL.RequestURI())
		msg.Header.Set(hdrRemote, req.RemoteAddr)
		msg.Header.Set(hdrFrom, n.id)
		msg.Data = body
		rctx, cancel := context.WithDeadline(ctx, time.Now().Add(n.opt.ForwardTimeout))
		start := time.Now()
		reply, err := n.nc.RequestMsgWithContext(rctx, msg)
		cancel()
		switch {
		case errors.Is(err, nats.ErrNoResponders):
			n.forget(showID, owner) // the owner is gone: its lease is about to move
			continue
		case err != nil:
			n.m.forwardErrors.Inc()
			return true, fmt.Errorf("%w: node %s did not answer (%v); the request may have been applied", server.ErrMoved, owner, err)
		}
		status, _ := strconv.Atoi(reply.Header.Get(hdrStatus))
		if status == http.StatusMisdirectedRequest {
			n.forget(showID, owner) // it gave the show up meanwhile
			continue
		}
		if status == 0 {
			status = http.StatusBadGateway
		}
		n.m.forwarded.Observe(time.Since(start).Seconds())
		for k, vs := range reply.Header {
			if k == hdrStatus {
				continue
			}
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(status)
		_, _ = w.Write(reply.Data)
		return true, nil
	}
}

// owner is the node that owns a show, "" when none does.
func (n *Node) owner(ctx context.Context, showID string) (string, error) {
	n.mu.Lock()
	node, ok := n.owners[showID]
	n.mu.Unlock()
	if ok {
		return node, nil
	}
	node, err := n.opt.Store.Owner(ctx, showID)
	if err != nil {
		return "", err
	}
	if node == "" {
		return "", nil
	}
	n.mu.Lock()
	n.owners[showID] = node
	n.mu.Unlock()
	return node, nil
}

func (n *Node) forget(showID, owner string) {
	n.mu.Lock()
	if n.owners[showID] == owner {
		delete(n.owners, showID)
	}
	n.mu.Unlock()
}

// onForward serves a request another node forwarded, with this node's own HTTP handler.
func (n *Node) onForward(m *nats.Msg) {
	select {
	case n.fwdSem <- struct{}{}:
	default:
		n.reply(m, http.StatusServiceUnavailable, nil, []byte(`{"error":"node overloaded: too many forwarded requests"}`))
		return
	}
	go func() {
		defer func() { <-n.fwdSem }()
		n.serveForwarded(m)
	}()
}

func (n *Node) serveForwarded(m *nats.Msg) {
	hp := n.handler.Load()
	if hp == nil {
		n.reply(m, http.StatusMisdirectedRequest, nil, nil)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.opt.ForwardTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, m.Header.Get(hdrMethod), m.Header.Get(hdrURL), bytes.NewReader(m.Data))
	if err != nil {
		n.reply(m, http.StatusBadRequest, nil, []byte(`{"error":"bad forwarded request"}`))
		return
	}
	for k, vs := range m.Header {
		switch k {
		case hdrMethod, hdrURL, hdrRemote, hdrFrom:
			continue
		}
		req.Header[k] = vs
	}
	req.Header.Set(server.ForwardedHeader, m.Header.Get(hdrFrom))
	req.RemoteAddr = m.Header.Get(hdrRemote)
	req.ContentLength = int64(len(m.Data))
	rec := &recorder{h: http.Header{}}
	(*hp).ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	n.reply(m, rec.status, rec.h, rec.body.Bytes())
}

func (n *Node) reply(m *nats.Msg, status int, h http.Header, body []byte) {
	out := nats.NewMsg(m.Reply)
	for k, vs := range h {
		out.Header[k] = vs
	}
	out.Header.Set(hdrStatus, strconv.Itoa(status))
	out.Data = body
	if err := m.RespondMsg(out); err != nil {
		n.log.Warn("answer a forwarded request", "err", err)
	}
}

// recorder is the response of a forwarded request, kept whole to send back.
type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
