package manager

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// runner runs one connector of a show from one configuration.
type runner struct {
	sl        *showLoop
	name      string
	platform  string
	configSeq int64
	conn      connector.Connector
	interval  time.Duration
	cancel    context.CancelCauseFunc
	done      chan struct{}

	mu      sync.Mutex
	viewers int // the audience last logged, -1 before the first
}

// start builds the connector and runs it; sl.mu is held. A configuration that no longer builds
// (credentials removed from the environment since) is logged as stopped with the reason.
//
// prev is the runner of the configuration this one replaces, if any: the new one starts once prev
// has stopped and logged its last quota spend, so that it carries on from that.
func (sl *showLoop) start(ctx context.Context, want live.ConnectorItem, prev *runner) *runner {
	m := sl.m
	p, ok := m.platforms[want.Platform]
	var conn connector.Connector
	var err error
	if !ok {
		err = errors.New("this server has no platform " + want.Platform)
	} else {
		conn, err = p.New(want.Settings, connector.Env{HTTP: m.opt.HTTP, Logger: m.log.With("show", sl.id, "connector", want.Name)})
	}
	if err != nil {
		m.log.Error("connector cannot start", "show", sl.id, "connector", want.Name, "err", err)
		sl.setState(want.Name, want.Platform, want.ConfigSeq, show.ConnectorStopped, err.Error())
		return nil
	}
	rctx, cancel := context.WithCancelCause(ctx)
	r := &runner{sl: sl, name: want.Name, platform: want.Platform, configSeq: want.ConfigSeq, conn: conn, interval: p.ReplyInterval,
		cancel: cancel, done: make(chan struct{}), viewers: -1}
	if r.interval <= 0 {
		r.interval = time.Second
	}
	m.wg.Add(1)
	m.m.running.WithLabelValues(want.Platform).Inc()
	go r.run(rctx, prev)
	return r
}

// resume reads where the connector left off: its cursor, and for a connector with a daily quota
// what it spent today (RestoreQuota).
func (r *runner) resume(ctx context.Context) string {
	cs, err := r.sl.m.rt.Connectors(ctx, r.sl.id)
	if err != nil {
		return ""
	}
	for _, c := range cs {
		if c.Name != r.name {
			continue
		}
		if q, ok := r.conn.(connector.QuotaKeeper); ok && !c.QuotaResetsAt.IsZero() {
			q.RestoreQuota(connector.Quota{Used: c.QuotaUsed, ResetsAt: c.QuotaResetsAt})
		}
		return c.Cursor
	}
	return ""
}

func (r *runner) stop(reason string) { r.cancel(errors.New(reason)) }

func (r *runner) run(ctx context.Context, prev *runner) {
	m := r.sl.m
	defer m.wg.Done()
	defer close(r.done)
	defer m.m.running.WithLabelValues(r.platform).Dec()
	if prev != nil {
		select {
		case <-prev.done:
		case <-ctx.Done():
			return
		}
	}
	cursor := r.resume(ctx)
	bo := connector.Backoff{Min: m.opt.RestartMin, Max: time.Minute}
	sink := &sink{r: r}
	if q, ok := r.conn.(connector.QuotaKeeper); ok {
		kctx, stopKeeping := context.WithCancel(ctx)
		kept := make(chan struct{})
		go func() { defer close(kept); r.keepQuota(kctx, q) }()
		// After Run returned (a chat that ended returns with ctx still live), so that the last
		// poll's units are in; before done, so that a runner started after this one reads them.
		defer func() { stopKeeping(); <-kept; r.saveQuota(q) }()
	}
	for {
		err := r.conn.Run(ctx, cursor, sink)
		if ctx.Err() != nil {
			reason := "stopped"
			if c := context.Cause(ctx); c != nil && !errors.Is(c, context.Canceled) {
				reason = c.Error()
			}
			r.sl.setState(r.name, r.platform, r.configSeq, show.ConnectorStopped, reason)
			return
		}
		if errors.Is(err, connector.ErrEnded) {
			r.sl.setState(r.name, r.platform, r.configSeq, show.ConnectorStopped, err.Error())
			return
		}
		reason := "connector returned"
		if err != nil {
			reason = err.Error()
		}
		r.sl.setState(r.name, r.platform, r.configSeq, show.ConnectorBackoff, reason)
		if !connector.Sleep(ctx, bo.Next()) {
			continue // ctx ended: report it above
		}
		if cs, err := m.rt.Connectors(ctx, r.sl.id); err == nil {
			for _, c := range cs {
				if c.Name == r.name {
					cursor = c.Cursor
				}
			}
		}
	}
}

// keepQuota logs the connector's quota spend every QuotaEvery while it changes. Deliveries log
// it too, with the messages, but a quiet chat spends 5 units a poll with nothing to deliver:
// without this a crash would forget them. One event every few minutes at most, not one a poll.
func (r *runner) keepQuota(ctx context.Context, q connector.QuotaKeeper) {
	t := time.NewTicker(r.sl.m.opt.QuotaEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.saveQuota(q)
		}
	}
}

// saveQuota logs the spend if it changed since it was last logged.
func (r *runner) saveQuota(q connector.QuotaKeeper) {
	spent := q.Quota()
	if spent.ResetsAt.IsZero() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := r.sl.m.rt.SetConnectorQuota(ctx, r.sl.id, r.name, r.platform, spent.Used, spent.ResetsAt); err != nil && !errors.Is(err, live.ErrClosed) {
		r.sl.m.log.Warn("log connector quota", "show", r.sl.id, "connector", r.name, "err", err)
	}
}

// setState logs a connector's health change (the runtime drops repeats).
func (sl *showLoop) setState(name, platform string, configSeq int64, state, reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	logged, err := sl.m.rt.SetConnectorState(ctx, sl.id, configSeq, show.ConnectorState{Name: name, Platform: platform, State: state, Reason: reason})
	if err != nil {
		if !errors.Is(err, live.ErrClosed) {
			sl.m.log.Warn("log connector state", "show", sl.id, "connector", name, "state", state, "err", err)
		}
		return
	}
	if logged {
		sl.m.m.states.WithLabelValues(platform, state).Inc()
		sl.m.log.Info("connector state", "show", sl.id, "connector", name, "platform", platform, "state", state, "reason", reason)
	}
}

// sink hands a runner's messages to the runtime.
type sink struct{ r *runner }

func (s *sink) Deliver(ctx context.Context, cursor string, msgs []connector.Message) error {
	_, err := s.deliver(ctx, cursor, msgs)
	return err
}

func (s *sink) deliver(ctx context.Context, cursor string, msgs []connector.Message) ([]live.ChatResult, error) {
	r := s.r
	var all []live.ChatResult
	for start := 0; start < len(msgs); start += live.MaxChatBatch {
		end := min(len(msgs), start+live.MaxChatBatch)
		batch := live.ConnectorBatch{Connector: r.name, Messages: make([]live.ChatIn, 0, end-start)}
		for _, m := range msgs[start:end] {
			if m.ID == "" {
				continue // cannot be deduplicated: a connector always sets it
			}
			batch.Messages = append(batch.Messages, m.ChatIn())
		}
		if end == len(msgs) {
			batch.Cursor = cursor
			if q, ok := r.conn.(connector.QuotaKeeper); ok {
				spent := q.Quota()
				batch.QuotaUsed, batch.QuotaResetsAt = spent.Used, spent.ResetsAt
			}
		}
		if len(batch.Messages) == 0 {
			continue
		}
		res, err := r.sl.m.rt.IngestConnector(ctx, r.sl.id, batch)
		if err != nil {
			return all, err
		}
		all = append(all, res...)
		for _, x := range res {
			if x.Duplicate {
				r.sl.m.m.duplicates.WithLabelValues(r.platform).Inc()
			} else {
				r.sl.m.m.messages.WithLabelValues(r.platform).Inc()
			}
		}
	}
	return all, nil
}

func (s *sink) State(state, reason string) {
	s.r.sl.setState(s.r.name, s.r.platform, s.r.configSeq, state, reason)
}

// Viewers logs the audience when it changed since this runner last logged it: a platform's count
// that holds still adds nothing to the log, and the report holds a count until the next one.
func (s *sink) Viewers(n int) {
	r := s.r
	if n < 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock() // one at a time, so two samples never log out of order
	if n == r.viewers {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	logged, err := r.sl.m.rt.LogViewers(ctx, r.sl.id, r.configSeq, show.ConnectorViewers{Name: r.name, Platform: r.platform, Viewers: n})
	if err != nil {
		if !errors.Is(err, live.ErrClosed) {
			r.sl.m.log.Warn("log connector viewers", "show", r.sl.id, "connector", r.name, "err", err)
		}
		return
	}
	if logged {
		r.viewers = n
	}
}
