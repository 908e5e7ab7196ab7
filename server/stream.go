package server

import (
	"context"
	"errors"
	"runtime"
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
	g := grantOf(c)
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

	sub, err := s.store.Subscribe(ctx, rt.id, after, s.opt.StreamBuffer)
	if err != nil {
		conn.Close(websocket.StatusInternalError, "subscribe failed")
		return nil
	}
	defer sub.Close()
	// When events are waiting, several go in one message (one JSON object per line): under load
	// that saves a write per event, and an idle stream still sends each event at once.
	buf := make([]byte, 0, 64<<10)
	for ev := range sub.C() {
		buf = buf[:0]
		n := 0
	batch:
		for {
			if visible(g, ev.Type) {
				if ev.Type == show.TypeStreamResync {
					s.m.resyncs.Inc()
				}
				data, err := rt.enc.encode(ev)
				if err != nil {
					s.log.Error("stream: marshal event", "show", rt.id, "seq", ev.Seq, "err", err)
				} else {
					if n > 0 {
						buf = append(buf, '\n')
					}
					buf = append(buf, data...)
					n++
				}
			}
			if n >= maxStreamBatch || len(buf) >= 64<<10 {
				break
			}
			select {
			case next, ok := <-sub.C():
				if !ok {
					break batch
				}
				ev = next
				continue
			default:
			}
			// The subscription hands events over one at a time; let it run once before
			// deciding that nothing more is waiting.
			runtime.Gosched()
			select {
			case next, ok := <-sub.C():
				if !ok {
					break batch
				}
				ev = next
			default:
				break batch
			}
		}
		if n == 0 {
			continue
		}
		wctx, wcancel := context.WithTimeout(ctx, writeTimeout)
		err := conn.Write(wctx, websocket.MessageText, buf)
		wcancel()
		if err != nil {
			return nil
		}
		s.m.streamMsgs.Inc()
		s.m.streamEvents.Add(float64(n))
	}
	if err := sub.Err(); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Error("stream ended", "show", rt.id, "err", err)
		conn.Close(websocket.StatusInternalError, "log read failed")
		return nil
	}
	if s.isClosing() {
		conn.Close(websocket.StatusGoingAway, "server shutting down")
	} else {
		conn.Close(websocket.StatusNormalClosure, "")
	}
	return nil
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
