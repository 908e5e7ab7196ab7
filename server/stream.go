package server

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/show"
)

// writeTimeout bounds one WebSocket write: a client that cannot take a message in this long is
// cut off (it reconnects and resumes from its last seq).
const writeTimeout = 10 * time.Second

// maxStreamBatch is the most events one WebSocket message carries.
const maxStreamBatch = 256

// stream is GET /api/shows/{id}/stream?after=SEQ: the show's events, from the log and then live.
// Each text message carries one or more events, one JSON object per line. Each client has its own bounded buffer inside the subscription;
// a client that falls behind gets a stream.resync marker and is caught up from the log, so ingest
// never waits for it.
func (s *Server) stream(c echo.Context) error {
	rt, err := s.showFor(c, RoleModerator, RoleHost, RoleOverlay)
	if err != nil {
		return err
	}
	after, err := queryInt(c, "after", 0, 0, 1<<62)
	if err != nil {
		return err
	}
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

	h, err := s.hubFor(rt)
	if err != nil {
		s.log.Error("stream: subscribe", "show", rt.id, "err", err)
		conn.Close(websocket.StatusInternalError, "subscribe failed")
		return nil
	}
	w := &streamWriter{s: s, rt: rt, conn: conn, grant: grantOf(c), buf: make([]byte, 0, 64<<10)}
	client := &hubClient{wake: make(chan struct{}, 1)}
	defer h.leave(client)
	cursor := after
	var evs []show.Event
	for {
		// Join the hub first, then read the log up to where the hub is: nothing falls between.
		joined := h.join(client)
		if cursor, err = w.fromLog(ctx, cursor, joined); err != nil {
			return nil
		}
		// Live: whatever the hub buffered for us.
		for {
			var overflow bool
			evs, overflow, err = client.take(ctx, evs)
			if err != nil {
				s.closeStream(conn)
				return nil
			}
			if overflow {
				s.m.resyncs.Inc()
				marker := show.Event{Show: rt.id, Type: show.TypeStreamResync, At: time.Now().UTC(), V: 1,
					Data: []byte(fmt.Sprintf(`{"after":%d,"reason":"subscriber fell behind; resuming from the log"}`, cursor))}
				if err := w.write(ctx, []show.Event{marker}); err != nil {
					return nil
				}
				break // rejoin and catch up from the log
			}
			if len(evs) > 0 && evs[0].Seq > cursor+1 {
				// Events the hub had fanned out before we joined: they are in the log.
				if cursor, err = w.fromLog(ctx, cursor, evs[0].Seq-1); err != nil {
					return nil
				}
			}
			fresh := evs[:0]
			for _, ev := range evs {
				if ev.Seq > cursor {
					fresh = append(fresh, ev)
				}
			}
			if len(fresh) == 0 {
				continue
			}
			if err := w.write(ctx, fresh); err != nil {
				return nil
			}
			cursor = fresh[len(fresh)-1].Seq
		}
	}
}

func (s *Server) closeStream(conn *websocket.Conn) {
	if s.isClosing() {
		conn.Close(websocket.StatusGoingAway, "server shutting down")
	} else {
		conn.Close(websocket.StatusNormalClosure, "")
	}
}

// streamWriter writes events to one client, several to a message (one JSON object per line).
type streamWriter struct {
	s     *Server
	rt    *showRuntime
	conn  *websocket.Conn
	grant Grant
	buf   []byte
}

// fromLog writes the events after cursor up to at least upTo from the log and returns the new
// cursor. An error means the stream is over (the client is gone or the log failed).
func (w *streamWriter) fromLog(ctx context.Context, cursor, upTo int64) (int64, error) {
	for cursor < upTo {
		page, err := w.s.store.Read(ctx, w.rt.id, cursor, show.ReadLimit)
		if err != nil {
			if ctx.Err() == nil {
				w.s.log.Error("stream: read log", "show", w.rt.id, "err", err)
				w.conn.Close(websocket.StatusInternalError, "log read failed")
			}
			return cursor, err
		}
		if len(page) == 0 {
			break
		}
		if err := w.write(ctx, page); err != nil {
			return cursor, err
		}
		cursor = page[len(page)-1].Seq
	}
	return cursor, nil
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
		data, err := w.rt.enc.encode(ev)
		if err != nil {
			w.s.log.Error("stream: marshal event", "show", w.rt.id, "seq", ev.Seq, "err", err)
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

// encCache keeps the JSON of a show's recent events so that twenty subscribers cost one encoding,
// not twenty. A ring indexed by seq: old entries are simply overwritten.
type encCache struct {
	mu   sync.Mutex
	ring [encCacheSize]encEntry
}

const encCacheSize = 1 << 14

type encEntry struct {
	seq  int64
	data []byte
}

func (c *encCache) encode(ev show.Event) ([]byte, error) {
	if ev.Seq <= 0 { // markers are not events of the log
		return ev.MarshalJSON()
	}
	i := ev.Seq % encCacheSize
	c.mu.Lock()
	if e := c.ring[i]; e.seq == ev.Seq && e.data != nil {
		c.mu.Unlock()
		return e.data, nil
	}
	c.mu.Unlock()
	// MarshalJSON directly: json.Marshal would validate and compact its output all over again.
	data, err := ev.MarshalJSON()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.ring[i] = encEntry{ev.Seq, data}
	c.mu.Unlock()
	return data, nil
}
