// Package manager runs the platform connectors of every show that configured one: it starts a
// show's connectors from its log (so they come back after a restart, from their cursors), stops
// them when they are removed, replaced or the show stops, hands what they read to the show
// runtime (which logs each platform message once), and posts each approved draft back to the
// platform its question came from, once, rate-limited and retried, logging reply.sent or
// reply.failed. It uses only the runtime's public API.
package manager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/show"
)

// Options configure a Manager. Runtime is required.
type Options struct {
	Runtime   *live.Runtime
	Platforms []connector.Platform
	HTTP      *http.Client // for the platforms' APIs (nil: http.DefaultClient)
	Logger    *slog.Logger
	// ReplyMaxAge: a draft published longer ago than this when its reply would go out (after a
	// restart) is not posted (default 10 min): the moment has passed.
	ReplyMaxAge time.Duration
	// ReplyAttempts is how many times a reply is tried before reply.failed (default 5), waiting
	// RetryMin, doubling, between tries (default 1 s).
	ReplyAttempts int
	RetryMin      time.Duration
	// RestartMin is the first wait before a connector whose Run failed is run again (default 1 s).
	RestartMin time.Duration
	// QuotaEvery is how often the quota spend of a connector that keeps one (YouTube) is logged
	// when it changed (default 5 min); it is logged with every message delivery and when the
	// connector stops too.
	QuotaEvery time.Duration
}

// Manager runs connectors. Create it with New, Start it, and Close it before the runtime.
type Manager struct {
	opt       Options
	rt        *live.Runtime
	log       *slog.Logger
	platforms map[string]connector.Platform
	m         *metrics

	mu    sync.Mutex
	shows map[string]*showLoop
	ctx   context.Context
	stop  context.CancelFunc
	wg    sync.WaitGroup
	done  bool
}

// New builds a manager; Start starts the connectors the shows' logs configure.
func New(opt Options) (*Manager, error) {
	if opt.Runtime == nil {
		return nil, errors.New("connector manager: a runtime is required")
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.HTTP == nil {
		opt.HTTP = http.DefaultClient
	}
	if opt.ReplyMaxAge <= 0 {
		opt.ReplyMaxAge = 10 * time.Minute
	}
	if opt.ReplyAttempts <= 0 {
		opt.ReplyAttempts = 5
	}
	if opt.RetryMin <= 0 {
		opt.RetryMin = time.Second
	}
	if opt.RestartMin <= 0 {
		opt.RestartMin = time.Second
	}
	if opt.QuotaEvery <= 0 {
		opt.QuotaEvery = 5 * time.Minute
	}
	m := &Manager{opt: opt, rt: opt.Runtime, log: opt.Logger, platforms: map[string]connector.Platform{}, m: newMetrics(), shows: map[string]*showLoop{}}
	for _, p := range opt.Platforms {
		m.platforms[p.Name] = p
	}
	m.ctx, m.stop = context.WithCancel(context.Background())
	return m, nil
}

// Platforms names the platforms connectors can be configured for.
func (m *Manager) Platforms() []string {
	out := make([]string, 0, len(m.platforms))
	for n := range m.platforms {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Collectors are the manager's Prometheus series.
func (m *Manager) Collectors() []prometheus.Collector { return m.m.collectors() }

// Start runs the connectors of every show whose log configures one.
func (m *Manager) Start(ctx context.Context) error {
	shows, err := m.rt.ListShows(ctx)
	if err != nil {
		return fmt.Errorf("connector manager: %w", err)
	}
	for _, sh := range shows {
		if err := m.Adopt(ctx, sh.ID); err != nil {
			return err
		}
	}
	return nil
}

// Adopt runs the show's connectors, if its log configures any: with several nodes, the show's
// owner calls it when it takes the show (and Start is not called).
func (m *Manager) Adopt(ctx context.Context, showID string) error {
	cs, err := m.rt.Connectors(ctx, showID)
	if err != nil {
		return fmt.Errorf("connector manager: show %s: %w", showID, err)
	}
	if len(cs) > 0 {
		m.follow(showID)
	}
	return nil
}

// Release stops the show's connectors and reply worker and waits for them: the show moves to
// another node, which polls and posts from where the log says this one stopped.
func (m *Manager) Release(_ context.Context, showID string) {
	m.mu.Lock()
	sl := m.shows[showID]
	delete(m.shows, showID)
	m.mu.Unlock()
	if sl == nil {
		return
	}
	sl.cancel()
	<-sl.gone
}

// Close stops every connector and reply worker and waits for them.
func (m *Manager) Close() error {
	m.mu.Lock()
	m.done = true
	m.mu.Unlock()
	m.stop()
	m.wg.Wait()
	return nil
}

// Error kinds of Put, for the HTTP edge: a bad platform or settings is live.ErrInvalid.
func invalid(format string, args ...any) error {
	return &live.Error{Kind: live.ErrInvalid, Msg: fmt.Sprintf(format, args...)}
}

// Put starts or replaces a show's connector. The settings are checked by building the connector
// (unknown keys, such as a secret put in settings, are refused) and logged as given; the running
// connector follows from the log.
func (m *Manager) Put(ctx context.Context, showID, name, platform string, settings json.RawMessage, by string) (Item, error) {
	return m.PutConfig(ctx, showID, show.ConnectorConfigured{Name: name, Platform: platform, Settings: settings, By: by})
}

// PutConfig is Put with the whole configuration (ReplyAll: post every approved draft here).
func (m *Manager) PutConfig(ctx context.Context, showID string, c show.ConnectorConfigured) (Item, error) {
	name, platform, settings, by := c.Name, c.Platform, c.Settings, c.By
	p, ok := m.platforms[platform]
	if !ok {
		return Item{}, invalid("unknown platform %q (have %v)", platform, m.Platforms())
	}
	if _, err := p.New(settings, connector.Env{HTTP: m.opt.HTTP, Logger: m.log}); err != nil {
		return Item{}, invalid("%s connector %q: %v", platform, name, err)
	}
	if len(settings) == 0 {
		settings = json.RawMessage("{}")
	}
	c.Settings = settings
	it, err := m.rt.ConfigureConnector(ctx, showID, c)
	if err != nil {
		return Item{}, err
	}
	m.follow(showID)
	m.log.Info("connector configured", "show", showID, "connector", name, "platform", platform, "by", by)
	return Item{ConnectorItem: it}, nil
}

// Delete stops and removes a show's connector.
func (m *Manager) Delete(ctx context.Context, showID, name, by string) error {
	if err := m.rt.RemoveConnector(ctx, showID, name, by); err != nil {
		return err
	}
	m.log.Info("connector removed", "show", showID, "connector", name, "by", by)
	return nil
}

// Item is a connector as the list shows it: its log record, whether it runs here, and its live
// figures (YouTube: the quota estimate).
type Item struct {
	live.ConnectorItem
	Running bool `json:"running"`
	Status  any  `json:"status,omitempty"`
}

// List lists a show's connectors with their state; settings hold no secrets.
func (m *Manager) List(ctx context.Context, showID string) ([]Item, error) {
	cs, err := m.rt.Connectors(ctx, showID)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	sl := m.shows[showID]
	m.mu.Unlock()
	out := make([]Item, len(cs))
	for i, c := range cs {
		out[i] = Item{ConnectorItem: c}
		if sl != nil {
			if r := sl.runner(c.Name); r != nil && r.configSeq == c.ConfigSeq {
				out[i].Running, out[i].Status = true, r.conn.Status()
			}
		}
	}
	return out, nil
}

// follow starts the show's loop if it has none.
func (m *Manager) follow(showID string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done || m.shows[showID] != nil {
		return
	}
	sl := newShowLoop(m, showID)
	m.shows[showID] = sl
	ctx, cancel := context.WithCancel(m.ctx)
	sl.cancel, sl.gone = cancel, make(chan struct{})
	var both sync.WaitGroup
	both.Add(2)
	m.wg.Add(1) // the third goroutine: it ends after the other two
	go func() { defer both.Done(); sl.run(ctx) }()
	go func() { defer both.Done(); sl.replyWorker(ctx) }()
	go func() { defer m.wg.Done(); both.Wait(); close(sl.gone) }()
}

// Webhook hands a pushed request to the show's connector name (a connector.Receiver) and logs its
// messages. A bad signature is an error wrapping connector.ErrUnauthorized; an unknown connector,
// or one that is not running, is live.ErrNotFound.
func (m *Manager) Webhook(ctx context.Context, showID, name string, h http.Header, body []byte) ([]live.ChatResult, error) {
	m.mu.Lock()
	sl := m.shows[showID]
	m.mu.Unlock()
	var r *runner
	if sl != nil {
		r = sl.runner(name)
	}
	if r == nil {
		return nil, &live.Error{Kind: live.ErrNotFound, Msg: fmt.Sprintf("show %s has no running connector %q", showID, name)}
	}
	recv, ok := r.conn.(connector.Receiver)
	if !ok {
		return nil, &live.Error{Kind: live.ErrNotFound, Msg: fmt.Sprintf("connector %q is a %s connector, which takes no webhook", name, r.platform)}
	}
	msgs, err := recv.Receive(h, body, time.Now())
	if err != nil {
		if errors.Is(err, connector.ErrUnauthorized) {
			return nil, err
		}
		return nil, invalid("%v", err)
	}
	return (&sink{r: r}).deliver(ctx, "", msgs)
}

// WebhookVerify answers a platform's GET verification of a push connector's callback URL (Meta's
// hub.challenge). A wrong verify token is an error wrapping connector.ErrUnauthorized.
func (m *Manager) WebhookVerify(ctx context.Context, showID, name string, q url.Values) (string, error) {
	m.mu.Lock()
	sl := m.shows[showID]
	m.mu.Unlock()
	var r *runner
	if sl != nil {
		r = sl.runner(name)
	}
	if r == nil {
		return "", &live.Error{Kind: live.ErrNotFound, Msg: fmt.Sprintf("show %s has no running connector %q", showID, name)}
	}
	v, ok := r.conn.(connector.Verifier)
	if !ok {
		return "", &live.Error{Kind: live.ErrNotFound, Msg: fmt.Sprintf("connector %q is a %s connector, which takes no verification", name, r.platform)}
	}
	return v.Verify(q)
}
