package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// writeTimeout bounds one WebSocket write: a client that cannot take a message in this long is
// cut off (it reconnects and resumes from its last seq).
const writeTimeout = 10 * time.Second

// maxStreamBatch is the most events one WebSocket message carries.
const maxStreamBatch = 256

// stream is GET /api/shows/{id}/stream?after=SEQ: the show's events, from the log and then live
// (live.Subscription), each text message carrying one or more events, one JSON object per line.
func (s *Server) stream(c echo.Context) error {
	id, err := showID(c, RoleModerator, RoleHost, RoleOverlay)
	if err != nil {
		return err
	}
	after, err := queryInt(c, "after", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	// Checked here, before the library's own checks, so that refusals are JSON like every other.
	r := c.Request()
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		c.Response().Header().Set("Upgrade", "websocket")
		return errorf(http.StatusUpgradeRequired, "this is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket)")
	}
	if o := r.Header.Get("Origin"); o != "" {
		if u, err := url.Parse(o); err != nil || !strings.EqualFold(u.Host, r.Host) {
			return errorf(http.StatusForbidden, "origin %q is not this server (%s): streams are for this server's pages and for clients that send no Origin", o, r.Host)
		}
	}
	th, _ := c.Get(ctxToken).(string)
	release, err := s.streams.open(id, th, s.opt.MaxStreamsPerShow, s.opt.MaxStreamsPerToken)
	if err != nil {
		s.m.streamRefused.Inc()
		c.Response().Header().Set("Retry-After", "10")
		return errorf(http.StatusTooManyRequests, "%v", err)
	}
	defer release()
	sub, err := s.rt.Subscribe(r.Context(), id, after)
	if err != nil {
		return s.httpErr(err)
	}
	defer sub.Close()
	conn, err := websocket.Accept(c.Response(), r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil // Accept has written the HTTP error
	}
	defer conn.CloseNow()
	s.m.subscribers.Inc()
	defer s.m.subscribers.Dec()

	ctx, cancel := context.WithCancel(c.Request().Context())
	defer cancel()
	stop := context.AfterFunc(s.qctx, cancel)
	defer stop()
	// Reading is how the library notices the client closing (and answers pongs); clients send
	// nothing we need.
	ctx = conn.CloseRead(ctx)
	go s.keepalive(ctx, conn, cancel)

	w := &streamWriter{s: s, sub: sub, conn: conn, grant: grantOf(c), buf: make([]byte, 0, 64<<10)}
	for {
		evs, err := sub.Next(ctx)
		if err != nil {
			switch {
			case errors.Is(err, live.ErrUnavailable):
				s.log.Error("stream: read log", "show", id, "err", err)
				conn.Close(websocket.StatusInternalError, "log read failed")
			case s.isClosing() || errors.Is(err, live.ErrClosed):
				conn.Close(websocket.StatusGoingAway, "server shutting down")
			default:
				conn.Close(websocket.StatusNormalClosure, "")
			}
			return nil
		}
		if err := w.write(ctx, evs); err != nil {
			return nil
		}
	}
}

// streamWriter writes events to one client, several to a message (one JSON object per line).
type streamWriter struct {
	s     *Server
	sub   *live.Subscription
	conn  *websocket.Conn
	grant Grant
	buf   []byte
}

func (w *streamWriter) write(ctx context.Context, evs []show.Event) error {
	w.buf = w.buf[:0]
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		wctx, cancel := context.WithTimeout(ctx, writeTimeout)
		err := w.conn.Write(wctx, websocket.MessageText, w.buf)
		cancel()
		w.s.m.streamMsgs.Inc()
		w.s.m.streamEvents.Add(float64(n))
		w.buf, n = w.buf[:0], 0
		return err
	}
	for _, ev := range evs {
		if !visible(w.grant, ev.Type) {
			continue
		}
		data, err := w.sub.Encode(ev)
		if err != nil {
			w.s.log.Error("stream: marshal event", "show", ev.Show, "seq", ev.Seq, "err", err)
			continue
		}
		if n > 0 {
			w.buf = append(w.buf, '\n')
		}
		w.buf = append(w.buf, data...)
		n++
		if n >= maxStreamBatch || len(w.buf) >= 64<<10 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

func (s *Server) isClosing() bool {
	select {
	case <-s.quit:
		return true
	default:
		return false
	}
}

// keepalive pings a stream every StreamPing and cuts it when a pong does not come back within
// the same time: a client that stopped reading (a frozen tab, a dead overlay) would otherwise
// hold its buffers forever on a quiet show, where writes are too rare to time out.
func (s *Server) keepalive(ctx context.Context, conn *websocket.Conn, cancel context.CancelFunc) {
	t := time.NewTicker(s.opt.StreamPing)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, pcancel := context.WithTimeout(ctx, s.opt.StreamPing)
		err := conn.Ping(pctx)
		pcancel()
		if err != nil {
			if ctx.Err() == nil {
				s.m.streamsCut.Inc()
				conn.Close(websocket.StatusPolicyViolation, "no pong: the client stopped reading")
			}
			cancel()
			return
		}
	}
}

// streamCounts caps open streams per show and per token.
type streamCounts struct {
	mu      sync.Mutex
	byShow  map[string]int
	byToken map[string]int
}

func newStreamCounts() *streamCounts {
	return &streamCounts{byShow: map[string]int{}, byToken: map[string]int{}}
}

// open counts a stream in, or says which cap it would pass; release counts it out.
func (c *streamCounts) open(show, token string, perShow, perToken int) (release func(), err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.byShow[show] >= perShow:
		return nil, fmt.Errorf("show %s has %d open streams, the most it may have", show, c.byShow[show])
	case token != "" && c.byToken[token] >= perToken:
		return nil, fmt.Errorf("this token has %d open streams, the most one token may have: close one first", c.byToken[token])
	}
	c.byShow[show]++
	c.byToken[token]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.byShow[show]--; c.byShow[show] == 0 {
				delete(c.byShow, show)
			}
			if c.byToken[token]--; c.byToken[token] == 0 {
				delete(c.byToken, token)
			}
		})
	}, nil
}
