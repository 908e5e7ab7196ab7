package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/livehost/livehost/show"
)

// Subjects on the bus between nodes.
const (
	subjEvents = "livehost.events." // + show ID: a batch of events its owner committed
	subjOwner  = "livehost.owner"   // a show changed hands (payload: ownerNote)
	subjHint   = "livehost.hint"    // shows were freed: run a lease pass now
	subjFwd    = "livehost.fwd."    // + node ID: a request forwarded to that node
)

// wireEvent is an event on the bus: the payload travels as it is in the log, byte for byte.
type wireEvent struct {
	Seq  int64           `json:"s"`
	Type string          `json:"t"`
	At   time.Time       `json:"a"`
	V    int             `json:"v"`
	Data json.RawMessage `json:"d"`
}

type ownerNote struct {
	Show string `json:"show"`
	Node string `json:"node"` // "" when freed
}

// carry wires the store to the bus: what this node commits goes out, what others commit comes
// in, and forwarded requests are served.
func (n *Node) carry() error {
	n.opt.Store.OnCommit(func(showID string, evs []show.Event) {
		out := make([]wireEvent, len(evs))
		for i, ev := range evs {
			out[i] = wireEvent{ev.Seq, ev.Type, ev.At, ev.V, ev.Data}
		}
		b, err := json.Marshal(out)
		if err != nil {
			return // plain data: cannot fail
		}
		// Publish only buffers; while NATS is away the buffer holds the batch, and the other
		// nodes read it from the log meanwhile (catchUpLoop).
		if err := n.nc.Publish(subjEvents+showID, b); err != nil {
			n.m.publishErrors.Inc()
		}
	})
	sub := func(subj string, h nats.MsgHandler) error {
		s, err := n.nc.Subscribe(subj, h)
		if err != nil {
			return fmt.Errorf("cluster: subscribe to %s: %w", subj, err)
		}
		// Events come in bursts; the default pending limits would drop them.
		_ = s.SetPendingLimits(-1, 256<<20)
		n.subs = append(n.subs, s)
		return nil
	}
	if err := sub(subjEvents+"*", n.onEvents); err != nil {
		return err
	}
	if err := sub(subjOwner, n.onOwner); err != nil {
		return err
	}
	if err := sub(subjHint, func(*nats.Msg) { n.kick() }); err != nil {
		return err
	}
	return sub(subjFwd+n.id, n.onForward)
}

func (n *Node) onEvents(m *nats.Msg) {
	showID := strings.TrimPrefix(m.Subject, subjEvents)
	evs, err := decodeBatch(showID, m.Data)
	if err != nil {
		n.m.badMessages.Inc()
		n.log.Debug("dropped a message from the bus", "subject", m.Subject, "err", err)
		return
	}
	n.m.received.Add(float64(len(evs)))
	n.opt.Store.Deliver(showID, evs)
}

// decodeBatch reads a batch of a show's events from the bus: consecutive seqs, each with a type.
// Anything else is refused (the log fills in for it).
func decodeBatch(showID string, data []byte) ([]show.Event, error) {
	if err := show.ValidShowID(showID); err != nil {
		return nil, err
	}
	var in []wireEvent
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("events of show %s: %w", showID, err)
	}
	if len(in) == 0 {
		return nil, fmt.Errorf("events of show %s: an empty batch", showID)
	}
	evs := make([]show.Event, len(in))
	for i, w := range in {
		if w.Seq <= 0 || w.Type == "" || (i > 0 && w.Seq != in[i-1].Seq+1) {
			return nil, fmt.Errorf("events of show %s: event %d (seq %d, type %q) is out of order or untyped", showID, i, w.Seq, w.Type)
		}
		if !json.Valid(w.Data) {
			return nil, fmt.Errorf("events of show %s: event %d (seq %d): payload is not JSON", showID, i, w.Seq)
		}
		evs[i] = show.Event{Seq: w.Seq, Show: showID, Type: w.Type, At: w.At, V: w.V, Data: w.Data}
	}
	return evs, nil
}

func (n *Node) onOwner(m *nats.Msg) {
	var note ownerNote
	if json.Unmarshal(m.Data, &note) != nil || show.ValidShowID(note.Show) != nil {
		n.m.badMessages.Inc()
		return
	}
	n.mu.Lock()
	if note.Node == "" {
		delete(n.owners, note.Show)
	} else if !n.owned[note.Show] {
		n.owners[note.Show] = note.Node
	}
	n.mu.Unlock()
	if note.Node == "" {
		n.kick()
	}
}

// announce tells the other nodes who owns a show now.
func (n *Node) announce(showID string) {
	note := ownerNote{Show: showID}
	if n.Owns(showID) {
		note.Node = n.id
	}
	b, _ := json.Marshal(note)
	_ = n.nc.Publish(subjOwner, b)
}

// hint asks every node for a lease pass now (shows were freed).
func (n *Node) hint() {
	_ = n.nc.Publish(subjHint, nil)
	_ = n.nc.FlushTimeout(time.Second)
}

// catchUpLoop reads from the log, every lease period, the events of followed shows that the
// bus did not bring: while NATS is down, or when a batch was lost.
func (n *Node) catchUpLoop() {
	defer n.wg.Done()
	t := time.NewTicker(n.opt.LeaseEvery)
	defer t.Stop()
	for {
		select {
		case <-n.quit:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := n.opt.Store.CatchUp(ctx); err != nil {
			n.log.Warn("catch up from the log", "err", err)
		}
		cancel()
	}
}
