package live

import (
	"context"
	"encoding/json"
	"regexp"
	"sort"
	"time"

	"github.com/livehost/livehost/show"
)

// ConnectorItem is one of a show's platform connectors as its log tells it: the configuration
// (no secrets: those never reach the log), the last health state and the resume cursor.
type ConnectorItem struct {
	Name         string          `json:"name"`
	Platform     string          `json:"platform"`
	Settings     json.RawMessage `json:"settings,omitempty"`
	ReplyAll     bool            `json:"reply_all,omitempty"`
	ConfiguredAt time.Time       `json:"configured_at"`
	ConfiguredBy string          `json:"configured_by,omitempty"`
	// ConfigSeq is the seq of the connector.configured event: a runner started from an older one
	// is out of date.
	ConfigSeq int64     `json:"config_seq"`
	State     string    `json:"state"`
	Reason    string    `json:"reason,omitempty"`
	StateAt   time.Time `json:"state_at,omitzero"`
	Cursor    string    `json:"cursor,omitempty"`
	// QuotaUsed is what it spent of the platform's daily quota in the day that ends at
	// QuotaResetsAt (YouTube), as last logged.
	QuotaUsed     int       `json:"quota_used,omitempty"`
	QuotaResetsAt time.Time `json:"quota_resets_at,omitzero"`
	Messages      int       `json:"messages"`
	Replies       int       `json:"replies_sent"`
	Failed        int       `json:"replies_failed"`
}

// ReplyItem is the delivery of an approved draft to a platform.
type ReplyItem struct {
	DraftID    string    `json:"draft_id"`
	Connector  string    `json:"connector"`
	Platform   string    `json:"platform"`
	Status     string    `json:"status"` // sending | sent | failed
	PlatformID string    `json:"platform_id,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	ChatSeq    int64     `json:"chat_seq,omitempty"`
	At         time.Time `json:"at"`
}

const maxReplies = 200 // deliveries kept for the pages

// connectorBook folds a show's connector events.
type connectorBook struct {
	byName  map[string]*ConnectorItem
	replies []*ReplyItem // newest last, at most maxReplies
}

func (b *connectorBook) apply(ev show.Event) {
	switch ev.Type {
	case show.TypeConnectorConfigured:
		var p show.ConnectorConfigured
		if ev.Decode(&p) == nil {
			c := &ConnectorItem{Name: p.Name, Platform: p.Platform, Settings: p.Settings, ReplyAll: p.ReplyAll, ConfiguredAt: ev.At,
				ConfiguredBy: p.By, ConfigSeq: ev.Seq, State: show.ConnectorConnecting, StateAt: ev.At}
			// New settings start a new cursor, but the platform's quota spent today stays spent.
			if old := b.byName[p.Name]; old != nil && old.Platform == p.Platform {
				c.QuotaUsed, c.QuotaResetsAt = old.QuotaUsed, old.QuotaResetsAt
			}
			b.byName[p.Name] = c
		}
	case show.TypeConnectorRemoved:
		var p show.ConnectorRemoved
		if ev.Decode(&p) == nil {
			delete(b.byName, p.Name)
		}
	case show.TypeConnectorState:
		var p show.ConnectorState
		if ev.Decode(&p) == nil {
			if c := b.byName[p.Name]; c != nil {
				c.State, c.Reason, c.StateAt = p.State, p.Reason, ev.At
			}
		}
	case show.TypeConnectorCursor:
		var p show.ConnectorCursor
		if ev.Decode(&p) == nil {
			if c := b.byName[p.Name]; c != nil {
				c.Cursor = p.Cursor
				if !p.QuotaResetsAt.IsZero() {
					c.QuotaUsed, c.QuotaResetsAt = p.QuotaUsed, p.QuotaResetsAt
				}
			}
		}
	case show.TypeReplySending, show.TypeReplySent, show.TypeReplyFailed:
		var p struct {
			DraftID    string `json:"draft_id"`
			Connector  string `json:"connector"`
			Platform   string `json:"platform"`
			PlatformID string `json:"platform_id"`
			Reason     string `json:"reason"`
			ChatSeq    int64  `json:"chat_seq"`
		}
		if ev.Decode(&p) != nil {
			return
		}
		status := map[string]string{show.TypeReplySending: "sending", show.TypeReplySent: "sent", show.TypeReplyFailed: "failed"}[ev.Type]
		it := &ReplyItem{DraftID: p.DraftID, Connector: p.Connector, Platform: p.Platform, Status: status,
			PlatformID: p.PlatformID, Reason: p.Reason, ChatSeq: p.ChatSeq, At: ev.At}
		if c := b.byName[p.Connector]; c != nil {
			switch status {
			case "sent":
				c.Replies++
			case "failed":
				c.Failed++
			}
		}
		for i := len(b.replies) - 1; i >= 0; i-- {
			if r := b.replies[i]; r.DraftID == p.DraftID && r.Connector == p.Connector {
				*r = *it
				return
			}
		}
		b.replies = append(b.replies, it)
		if len(b.replies) > maxReplies {
			b.replies = b.replies[1:]
		}
	}
}

func (b *connectorBook) list() []ConnectorItem {
	out := make([]ConnectorItem, 0, len(b.byName))
	for _, c := range b.byName {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (b *connectorBook) deliveries() []ReplyItem {
	out := make([]ReplyItem, len(b.replies))
	for i, r := range b.replies {
		out[i] = *r
	}
	return out
}

var connectorName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ConnectorBatch is what one read of a connector brings in: messages, and the cursor to resume
// after them; a connector that spends a daily quota adds its spend (QuotaResetsAt set).
type ConnectorBatch struct {
	Connector     string
	Cursor        string
	Messages      []ChatIn
	QuotaUsed     int
	QuotaResetsAt time.Time
}

// IngestConnector is IngestChat for a connector: each message is logged once per (platform, id)
// with the connector's name, and the cursor in the same append.
func (rt *Runtime) IngestConnector(ctx context.Context, showID string, b ConnectorBatch) ([]ChatResult, error) {
	if !connectorName.MatchString(b.Connector) {
		return nil, invalidf("connector name %q: want 1–64 of a-z, 0-9, _ and -", b.Connector)
	}
	if b.QuotaUsed < 0 {
		return nil, invalidf("quota used %d is negative", b.QuotaUsed)
	}
	return rt.ingest(ctx, showID, b.Messages, b.Connector, show.ConnectorCursor{Cursor: b.Cursor, QuotaUsed: b.QuotaUsed, QuotaResetsAt: b.QuotaResetsAt.UTC()})
}

// SetConnectorQuota logs what connector name spent of its platform's daily quota, when that
// changed, in a connector.cursor with the cursor as it was: between message deliveries, polls that
// bring nothing spend quota too. A runner replaced by new settings of the same platform still logs
// its last spend (the quota is the platform's, whatever the settings), and the new one starts after
// it. It reports whether it logged anything.
func (rt *Runtime) SetConnectorQuota(ctx context.Context, showID, name, platform string, used int, resetsAt time.Time) (bool, error) {
	if used < 0 || resetsAt.IsZero() {
		return false, invalidf("quota: used %d until %v: want a spend of zero or more and when the quota resets", used, resetsAt)
	}
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return false, err
	}
	resetsAt = resetsAt.UTC()
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		c := v.connectors.byName[name]
		if c == nil || c.Platform != platform || (c.QuotaUsed == used && c.QuotaResetsAt.Equal(resetsAt)) {
			return nil, nil
		}
		return []show.NewEvent{event(show.TypeConnectorCursor, show.ConnectorCursor{Name: name, Cursor: c.Cursor, QuotaUsed: used, QuotaResetsAt: resetsAt})}, nil
	})
	return len(out) > 0, err
}

// LogViewers logs the audience a connector's platform counted (connector.viewers); the caller
// logs it only when it changed. A connector replaced or removed since is not logged.
func (rt *Runtime) LogViewers(ctx context.Context, showID string, configSeq int64, p show.ConnectorViewers) (bool, error) {
	if p.Viewers < 0 {
		return false, invalidf("viewers %d is negative", p.Viewers)
	}
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return false, err
	}
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		if c := v.connectors.byName[p.Name]; c == nil || c.ConfigSeq != configSeq {
			return nil, nil
		}
		return []show.NewEvent{event(show.TypeConnectorViewers, p)}, nil
	})
	return len(out) > 0, err
}

// ConfigureConnector starts or replaces a show's connector: it logs connector.configured.
// Settings must hold no secrets; the connector package checks them before this is called.
func (rt *Runtime) ConfigureConnector(ctx context.Context, showID string, c show.ConnectorConfigured) (ConnectorItem, error) {
	if !connectorName.MatchString(c.Name) {
		return ConnectorItem{}, invalidf("connector name %q: want 1–64 of a-z, 0-9, _ and -", c.Name)
	}
	if c.Platform == "" {
		return ConnectorItem{}, invalidf("platform is required")
	}
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return ConnectorItem{}, err
	}
	if _, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		return []show.NewEvent{event(show.TypeConnectorConfigured, c)}, nil
	}); err != nil {
		return ConnectorItem{}, err
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return *ls.st.connectors.byName[c.Name], nil
}

// RemoveConnector stops and forgets a show's connector; an unknown one is ErrNotFound.
func (rt *Runtime) RemoveConnector(ctx context.Context, showID, name, by string) error {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return err
	}
	_, err = rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		if v.connectors.byName[name] == nil {
			return nil, notFoundf("show %s has no connector %q", showID, name)
		}
		return []show.NewEvent{event(show.TypeConnectorRemoved, show.ConnectorRemoved{Name: name, By: by})}, nil
	})
	return err
}

// SetConnectorState logs a connector's health when it changed (state or reason); configSeq is the
// configuration the reporting runner was started from, so a replaced runner's last words are not
// taken for the new one's. It reports whether it logged anything.
func (rt *Runtime) SetConnectorState(ctx context.Context, showID string, configSeq int64, s show.ConnectorState) (bool, error) {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return false, err
	}
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		c := v.connectors.byName[s.Name]
		if c == nil || c.ConfigSeq != configSeq || (c.State == s.State && c.Reason == s.Reason) {
			return nil, nil
		}
		return []show.NewEvent{event(show.TypeConnectorState, s)}, nil
	})
	return len(out) > 0, err
}

// Connectors lists a show's connectors by name.
func (rt *Runtime) Connectors(ctx context.Context, showID string) ([]ConnectorItem, error) {
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return nil, err
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.st.connectors.list(), nil
}

// RecordReply logs a reply's delivery: a *show.ReplySending, *show.ReplySent or *show.ReplyFailed.
// A second reply.sending for the same draft and connector is ErrConflict, so a reply is posted
// at most once.
func (rt *Runtime) RecordReply(ctx context.Context, showID string, rec any) (show.Event, error) {
	var typ, draft, conn string
	switch r := rec.(type) {
	case *show.ReplySending:
		typ, draft, conn = show.TypeReplySending, r.DraftID, r.Connector
	case *show.ReplySent:
		typ, draft, conn = show.TypeReplySent, r.DraftID, r.Connector
	case *show.ReplyFailed:
		typ, draft, conn = show.TypeReplyFailed, r.DraftID, r.Connector
	default:
		return show.Event{}, invalidf("unknown reply record %T", rec)
	}
	ls, err := rt.show(ctx, showID)
	if err != nil {
		return show.Event{}, err
	}
	out, err := rt.appendEvents(ctx, ls, func(v *State, next int64) ([]show.NewEvent, error) {
		if typ == show.TypeReplySending {
			for _, r := range v.connectors.replies {
				if r.DraftID == draft && r.Connector == conn {
					return nil, conflictf("draft %s was already posted through %s (%s)", draft, conn, r.Status)
				}
			}
		}
		return []show.NewEvent{event(typ, rec)}, nil
	})
	if err != nil {
		return show.Event{}, err
	}
	return out[0], nil
}
