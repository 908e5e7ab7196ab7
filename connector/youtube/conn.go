package youtube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/livehost/livehost/connector"
	"github.com/livehost/livehost/show"
)

// conn is one show's YouTube connector.
type conn struct {
	s   Settings
	c   *client
	log *slog.Logger
	b   *budget
	now func() time.Time

	mu      sync.Mutex
	chatID  string
	viewers int
	viewAt  time.Time
	own     map[string]bool // ids of the replies this connector posted: not read back as chat
	// posting is held (write) while a reply is posted and its id recorded, and (read) while a page
	// is mapped, so a page fetched while the reply was being posted never reads it back as chat.
	posting sync.RWMutex
}

func newConn(s Settings, creds Credentials, env connector.Env) *conn {
	hc := env.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	log := env.Logger
	if log == nil {
		log = slog.Default()
	}
	var end time.Time
	if s.Duration != "" {
		d, _ := time.ParseDuration(s.Duration)
		end = time.Now().Add(d)
	}
	return &conn{s: s, log: log, now: time.Now, chatID: s.LiveChatID, own: map[string]bool{},
		c: &client{base: s.APIBase, http: hc, auth: &connector.Refresher{Config: oauthConfig(s, creds), RefreshToken: creds.RefreshToken, HTTP: hc}},
		b: newBudget(s.QuotaPerDay, s.ReplyReserve, end, time.Now)}
}

func (k *conn) Replies() bool { return k.s.Reply }

// Status is the budget estimate and the audience, for the connectors list.
type Status struct {
	LiveChatID string    `json:"live_chat_id,omitempty"`
	Quota      Estimate  `json:"quota"`
	Viewers    int       `json:"concurrent_viewers,omitempty"`
	ViewersAt  time.Time `json:"viewers_at,omitzero"`
}

func (k *conn) Status() any {
	k.mu.Lock()
	defer k.mu.Unlock()
	return Status{LiveChatID: k.chatID, Quota: k.b.estimate(), Viewers: k.viewers, ViewersAt: k.viewAt}
}

// Quota is what the connector spent of the project's quota today; the manager logs it.
func (k *conn) Quota() connector.Quota {
	used, resets := k.b.spent()
	return connector.Quota{Used: used, ResetsAt: resets}
}

// RestoreQuota takes back the spend logged before a restart, if it was today's (Pacific).
func (k *conn) RestoreQuota(q connector.Quota) { k.b.restore(q.Used, q.ResetsAt) }

// Run polls the live chat until ctx ends or the chat ends.
func (k *conn) Run(ctx context.Context, cursor string, sink connector.Sink) error {
	sink.State(show.ConnectorConnecting, "")
	bo := connector.Backoff{Min: time.Second, Max: time.Minute}
	// backoff reports why and waits; it returns false when ctx ended.
	backoff := func(reason string, d time.Duration) bool {
		sink.State(show.ConnectorBackoff, reason)
		return connector.Sleep(ctx, d)
	}
	for k.liveChatID() == "" {
		err := k.findChat(ctx, sink)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, connector.ErrEnded) {
			return err
		}
		if !backoff(k.reason(err), k.wait(err, &bo)) {
			return nil
		}
	}
	page := cursor
	var nextViewers time.Time
	for {
		res, err := k.c.list(ctx, k.liveChatID(), page)
		if err == nil {
			k.b.spend(listCost) // answered, so counted, even if the show stops now
		}
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			status, reason := reasonOf(err)
			switch {
			case reason == "liveChatEnded" || reason == "liveChatDisabled":
				return fmt.Errorf("%w: %v", connector.ErrEnded, err)
			case reason == "pageTokenInvalid" || (status == http.StatusBadRequest && page != ""):
				// A stale cursor (a restart long after): start from the recent messages again;
				// the log drops the ones it has.
				page = ""
				continue
			}
			if !backoff(k.reason(err), k.wait(err, &bo)) {
				return nil
			}
			continue
		}
		bo.Reset()
		msgs := k.messages(res.Items)
		if err := sink.Deliver(ctx, res.NextPageToken, msgs); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// Not logged: read the same page again after a pause.
			if !backoff("logging messages: "+err.Error(), bo.Next()) {
				return nil
			}
			continue
		}
		sink.State(show.ConnectorLive, "")
		page = res.NextPageToken
		if k.s.VideoID != "" && k.s.ViewersEveryS > 0 && !k.now().Before(nextViewers) {
			k.sampleViewers(ctx, sink)
			nextViewers = k.now().Add(time.Duration(k.s.ViewersEveryS) * time.Second)
		}
		wait := max(time.Duration(res.PollingIntervalMillis)*time.Millisecond, k.b.interval(), time.Duration(k.s.MinIntervalMS)*time.Millisecond)
		if !connector.Sleep(ctx, wait) {
			return nil
		}
	}
}

func (k *conn) liveChatID() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.chatID
}

// findChat looks up the live chat of video_id (videos.list → activeLiveChatId).
func (k *conn) findChat(ctx context.Context, sink connector.Sink) error {
	d, found, err := k.c.video(ctx, k.s.VideoID)
	if err != nil {
		return err
	}
	k.b.spend(videosCost)
	switch {
	case !found:
		return fmt.Errorf("youtube: no video %q", k.s.VideoID)
	case d.ActiveLiveChatID == "":
		return fmt.Errorf("youtube: video %q has no active live chat (not live yet, or over)", k.s.VideoID)
	}
	k.mu.Lock()
	k.chatID = d.ActiveLiveChatID
	k.mu.Unlock()
	k.setViewers(d, sink)
	return nil
}

func (k *conn) sampleViewers(ctx context.Context, sink connector.Sink) {
	d, found, err := k.c.video(ctx, k.s.VideoID)
	if err != nil || !found {
		return
	}
	k.b.spend(videosCost)
	k.setViewers(d, sink)
}

// setViewers keeps the sample for the status and reports it; YouTube leaves concurrentViewers
// out when the broadcast hides it or is over, and nothing is reported then.
func (k *conn) setViewers(d liveDetails, sink connector.Sink) {
	n, err := strconv.Atoi(d.ConcurrentViewers)
	if err != nil || n < 0 {
		return
	}
	k.mu.Lock()
	k.viewers, k.viewAt = n, k.now().UTC()
	k.mu.Unlock()
	sink.Viewers(n)
}

// wait is how long to back off after err: until the quota resets when it is used up, else the
// exponential backoff.
func (k *conn) wait(err error, bo *connector.Backoff) time.Duration {
	if _, reason := reasonOf(err); reason == "quotaExceeded" || reason == "dailyLimitExceeded" || reason == "rateLimitExceeded" {
		if reason != "rateLimitExceeded" {
			k.b.exhausted()
			// Back off in steps of at most a few minutes, so a raised quota is noticed.
			return min(k.b.interval(), 5*time.Minute)
		}
	}
	return bo.Next()
}

// reason is what the backoff state says: the API's reason and status, never a token.
func (k *conn) reason(err error) string {
	var e *apiError
	if errors.As(err, &e) {
		switch e.Reason {
		case "":
			return fmt.Sprintf("%s (%d)", http.StatusText(e.Status), e.Status)
		case "tokenRefresh":
			return fmt.Sprintf("refreshing the access token failed: %s", e.Message)
		}
		return fmt.Sprintf("%s (%d)", e.Reason, e.Status)
	}
	return err.Error()
}

func (k *conn) messages(items []chatMessage) []connector.Message {
	k.posting.RLock()
	defer k.posting.RUnlock()
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]connector.Message, 0, len(items))
	for _, it := range items {
		if it.ID == "" || k.own[it.ID] {
			continue
		}
		sn, a := it.Snippet, it.AuthorDetails
		m := connector.Message{Platform: "youtube", ID: it.ID, UserID: a.ChannelID, User: a.DisplayName, At: parseTime(sn.PublishedAt)}
		if m.UserID == "" {
			m.UserID = sn.AuthorChannelID
		}
		switch sn.Type {
		case "textMessageEvent":
			if sn.TextMessageDetails != nil {
				m.Text = sn.TextMessageDetails.MessageText
			}
		case "superChatEvent":
			m.Kind = "superchat"
			if d := sn.SuperChatDetails; d != nil {
				m.Text, m.AmountMicros, m.Currency = d.UserComment, atoi64(d.AmountMicros), d.Currency
			}
		case "superStickerEvent":
			m.Kind = "supersticker"
			if d := sn.SuperStickerDetails; d != nil {
				m.Text, m.AmountMicros, m.Currency = d.Metadata.AltText, atoi64(d.AmountMicros), d.Currency
			}
		case "newSponsorEvent", "memberMilestoneChatEvent", "membershipGiftingEvent", "giftMembershipReceivedEvent":
			m.Kind = "membership"
		default:
			continue // deletions, bans, polls, tombstones: not chat
		}
		if m.Text == "" {
			m.Text = sn.DisplayMessage
		}
		if a.IsOwner {
			m.Badges = append(m.Badges, connector.BadgeOwner)
		}
		if a.IsModerator {
			m.Badges = append(m.Badges, connector.BadgeModerator)
		}
		if a.IsSponsor {
			m.Badges = append(m.Badges, connector.BadgeMember)
		}
		if a.IsVerified {
			m.Badges = append(m.Badges, connector.BadgeVerified)
		}
		out = append(out, m)
	}
	return out
}

// Reply posts text to the live chat (liveChatMessages.insert, cut to 200 characters).
func (k *conn) Reply(ctx context.Context, r connector.Reply) (string, error) {
	chatID := k.liveChatID()
	if chatID == "" {
		return "", errors.New("youtube: the live chat is not known yet")
	}
	if !k.b.canReply() {
		return "", connector.Permanent(errors.New("youtube: no quota left today for a reply"))
	}
	text := r.Text
	if utf8.RuneCountInString(text) > MaxReply {
		text = string([]rune(text)[:MaxReply-1]) + "…"
	}
	k.posting.Lock()
	defer k.posting.Unlock()
	id, err := k.c.insert(ctx, chatID, text)
	if err != nil {
		status, reason := reasonOf(err)
		switch {
		case reason == "quotaExceeded" || reason == "dailyLimitExceeded":
			k.b.exhausted()
			return "", connector.Permanent(err)
		case status >= 500 || status == http.StatusTooManyRequests || reason == "rateLimitExceeded" || status == 0:
			return "", err // worth another try
		default:
			return "", connector.Permanent(err)
		}
	}
	k.b.spend(insertCost)
	k.mu.Lock()
	k.own[id] = true
	k.mu.Unlock()
	return id, nil
}
