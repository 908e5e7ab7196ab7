package server

import (
	"context"
	"errors"
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
	sub, err := s.rt.Subscribe(c.Request().Context(), id, after)
	if err != nil {
		return s.httpErr(err)
	}
	defer sub.Close()
	conn, err := websocket.Accept(c.Response(), c.Request(), &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
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
	// Reading is how the library notices the client closing; clients send nothing we need.
	ctx = conn.CloseRead(ctx)

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
