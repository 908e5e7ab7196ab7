package show

import (
	"encoding/json"
	"sort"
	"time"
)

// Event types. Producers append these; the payload struct for each is named after it.
const (
	TypeShowCreated  = "show.created"   // ShowCreated (appended by CreateShow)
	TypeShowUpdated  = "show.updated"   // ShowUpdated (appended by UpdateShow)
	TypeShowStarted  = "show.started"   // ShowStarted; sets the show's Status to live
	TypeShowStopped  = "show.stopped"   // ShowStopped; sets the show's Status to stopped
	TypeProductOnAir = "product.on_air" // ProductOnAir

	TypeChatReceived     = "chat.received"     // ChatReceived
	TypeChatVerdict      = "chat.verdict"      // ChatVerdict
	TypeChatHeld         = "chat.held"         // ChatHeld: waiting for a moderator to allow or deny
	TypeChatAllowed      = "chat.allowed"      // ChatDecision
	TypeChatDenied       = "chat.denied"       // ChatDecision
	TypeChatBulkDenied   = "chat.bulk_denied"  // ChatBulkDecision: a moderator denied many held messages at once
	TypeChatHeldExpired  = "chat.held_expired" // ChatBulkDecision: held messages nobody decided in time
	TypeQuestionDetected = "question.detected" // QuestionDetected

	TypeDraftCreated   = "draft.created"   // DraftCreated
	TypeDraftAsked     = "draft.asked"     // DraftAsked: another viewer asked a pending draft's question
	TypeDraftClaimed   = "draft.claimed"   // DraftAction (Until: when the claim lapses)
	TypeDraftReleased  = "draft.released"  // DraftAction: a moderator gave a claim up
	TypeDraftApproved  = "draft.approved"  // DraftAction (Text is the approved text)
	TypeDraftEdited    = "draft.edited"    // DraftAction (Text is the edited, approved text)
	TypeDraftRejected  = "draft.rejected"  // DraftAction
	TypeDraftExpired   = "draft.expired"   // DraftAction
	TypeDraftPublished = "draft.published" // DraftPublished
	TypeDraftPolicy    = "draft.policy"    // DraftPolicy: the show's auto-approve policy from now on

	TypeCrossSellSuggested = "crosssell.suggested" // CrossSellSuggested
	TypeTranscriptSegment  = "transcript.segment"  // TranscriptSegment
	TypeHostCompliance     = "host.compliance"     // HostCompliance
	TypeProductMentioned   = "product.mentioned"   // ProductMentioned
	TypeAvatarUtterance    = "avatar.utterance"    // AvatarUtterance
	TypeTranscriptDropped  = "transcript.dropped"  // TranscriptDropped
	TypeScriptSet          = "script.set"          // ScriptSet
	TypeScriptPosition     = "script.position"     // ScriptPosition

	// The avatar show (package avatar): every type begins with "avatar.".
	TypeAvatarPlan     = "avatar.plan"     // AvatarPlan: the run-of-show was set
	TypeAvatarState    = "avatar.state"    // AvatarState: started, paused, resumed, stopped
	TypeAvatarSegment  = "avatar.segment"  // AvatarSegment: the plan moved to a segment
	TypeAvatarSkipped  = "avatar.skipped"  // AvatarSkipped: a sentence replaced or dropped by the gate, a question dropped
	TypeAvatarFallback = "avatar.fallback" // AvatarFallback: a TTS engine failed
	TypeAvatarCut      = "avatar.cut"      // AvatarCut: an utterance ends early, at a break, for an answer
	// Platform connectors (package connector): their configuration, health and cursor, and the
	// replies they post.
	TypeConnectorConfigured = "connector.configured" // ConnectorConfigured: started or replaced
	TypeConnectorRemoved    = "connector.removed"    // ConnectorRemoved
	TypeConnectorState      = "connector.state"      // ConnectorState: connecting, live, backoff, stopped
	TypeConnectorCursor     = "connector.cursor"     // ConnectorCursor: where a connector resumes, and its quota spend
	TypeConnectorViewers    = "connector.viewers"    // ConnectorViewers: the audience a platform counts, when it changed
	TypeReplySending        = "reply.sending"        // ReplySending: about to post, once
	TypeReplySent           = "reply.sent"           // ReplySent
	TypeReplyFailed         = "reply.failed"         // ReplyFailed
	// TypeOrderImported is one line of a shop order imported after (or during) the show, for the
	// report's sales per segment; (OrderID, SKU) identifies it, so a re-import adds nothing.
	TypeOrderImported = "order.imported" // OrderImported

	// TypeStreamResync is never stored: a Subscription sends it (Seq 0, payload StreamResync) when
	// the subscriber fell behind its buffer; the events that follow come from the log.
	TypeStreamResync = "stream.resync"
)

// versions holds the current payload version of each type whose payload changed; absent means 1.
// Bump a type's version when its payload changes incompatibly, and keep decoding the old one.
var versions = map[string]int{}

// Version is the current payload version of an event type.
func Version(typ string) int {
	if v, ok := versions[typ]; ok {
		return v
	}
	return 1
}

// Show modes and statuses.
const (
	ModeHost   = "host"
	ModeAvatar = "avatar"

	StatusCreated = "created"
	StatusLive    = "live"
	StatusStopped = "stopped"
)

// ShowCreated is the first event of every show.
type ShowCreated struct {
	Title  string   `json:"title"`
	Lineup []string `json:"lineup"`
	Mode   string   `json:"mode"`
}

// ShowUpdated records a change of title, lineup, mode or status (the whole new value of each;
// Status is empty when the update left it as it was).
type ShowUpdated struct {
	Title  string   `json:"title"`
	Lineup []string `json:"lineup"`
	Mode   string   `json:"mode"`
	Status string   `json:"status,omitempty"`
}

// ShowStarted and ShowStopped mark the show going live and ending.
type ShowStarted struct {
	By string `json:"by,omitempty"`
}

type ShowStopped struct {
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// ProductOnAir puts a product (by SKU) on air; an empty SKU takes the product off air.
type ProductOnAir struct {
	SKU string `json:"sku"`
	By  string `json:"by,omitempty"`
}

// ChatReceived is a viewer's chat message as ingested.
type ChatReceived struct {
	ID       string `json:"id,omitempty"` // the platform's message ID, if any
	Platform string `json:"platform"`
	User     string `json:"user"`
	Text     string `json:"text"`
	// PlatformID repeats ID under the name the connector contract uses; a show never logs two
	// messages with the same platform and platform_id.
	PlatformID string `json:"platform_id,omitempty"`
	// Connector names the connector that brought the message in (empty for the chat API).
	Connector string `json:"connector,omitempty"`
	UserID    string `json:"user_id,omitempty"` // the platform's id of the author
	// Badges: owner, moderator, member, verified … as the platform marks the author.
	Badges []string `json:"badges,omitempty"`
	// Paid messages and gifts: the amount in millionths of Currency (ISO 4217), and what it was.
	AmountMicros int64  `json:"amount_micros,omitempty"`
	Currency     string `json:"currency,omitempty"`
	Kind         string `json:"kind,omitempty"` // "" (text), superchat, supersticker, gift, membership
	// SentAt is when the platform says the message was sent.
	SentAt time.Time `json:"sent_at,omitzero"`
}

// Match is one flagged span of a text, with rune offsets into the original text.
type Match struct {
	Term       string `json:"term"`
	Category   string `json:"category"`
	Start      int    `json:"start"`
	End        int    `json:"end"`
	Severity   string `json:"severity,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Suggestion string `json:"suggestion,omitempty"`
	Rule       string `json:"rule,omitempty"`
}

// Verdict actions.
const (
	ActionAllow = "allow"
	ActionHold  = "hold"
	ActionBlock = "block"
)

// ChatVerdict is the moderation verdict on the chat message at ChatSeq.
type ChatVerdict struct {
	ChatSeq    int64    `json:"chat_seq"`
	Action     string   `json:"action"` // allow | hold | block
	Categories []string `json:"categories,omitempty"`
	Matches    []Match  `json:"matches,omitempty"`
	Rules      []string `json:"rules,omitempty"`
	Reason     string   `json:"reason,omitempty"`
}

// ChatHeld puts the chat message at ChatSeq in the moderators' queue. User and Text repeat the
// message so a page needs no lookup.
type ChatHeld struct {
	ChatSeq  int64  `json:"chat_seq"`
	Platform string `json:"platform,omitempty"`
	User     string `json:"user,omitempty"`
	Text     string `json:"text,omitempty"`
	Reason   string `json:"reason,omitempty"`
	// Rules and Categories are the verdict's, so that held messages can be decided by rule.
	Rules      []string `json:"rules,omitempty"`
	Categories []string `json:"categories,omitempty"`
}

// ChatBulkDecision is many held messages leaving the queue at once: denied by a moderator by
// user, rule or age (chat.bulk_denied), or expired (chat.held_expired).
type ChatBulkDecision struct {
	ChatSeqs []int64 `json:"chat_seqs"`
	Count    int     `json:"count"`
	By       string  `json:"by,omitempty"`
	User     string  `json:"user,omitempty"`          // every held message of this user
	Rule     string  `json:"rule,omitempty"`          // … or with this rule or category
	OlderMS  int64   `json:"older_than_ms,omitempty"` // … or held longer than this
	Reason   string  `json:"reason,omitempty"`
}

// ChatDecision is a moderator's allow (chat.allowed) or deny (chat.denied) of a held message.
type ChatDecision struct {
	ChatSeq int64  `json:"chat_seq"`
	By      string `json:"by,omitempty"`
}

// QuestionDetected says the chat message at ChatSeq is a product question.
type QuestionDetected struct {
	ChatSeq int64  `json:"chat_seq"`
	Intent  string `json:"intent,omitempty"`
	SKU     string `json:"sku,omitempty"`
	Lang    string `json:"lang,omitempty"`
}

// Fact is one catalog field an answer is grounded on.
type Fact struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// DraftCreated is an AI-drafted reply waiting for review.
type DraftCreated struct {
	DraftID    string    `json:"draft_id"`
	ChatSeq    int64     `json:"chat_seq,omitempty"`
	Question   string    `json:"question,omitempty"`
	User       string    `json:"user,omitempty"`
	Text       string    `json:"text"`
	SKU        string    `json:"sku,omitempty"`
	Intent     string    `json:"intent,omitempty"`
	Facts      []Fact    `json:"facts,omitempty"`
	Confidence float64   `json:"confidence,omitempty"`
	Engine     string    `json:"engine,omitempty"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	// NeedsReview: a person should look before it goes out (the catalog does not know, the
	// message tried to instruct the model, or the fact guard replaced a model's draft).
	NeedsReview bool `json:"needs_review,omitempty"`
	// Fallback says why a model's draft was replaced by the offline answer.
	Fallback string `json:"fallback,omitempty"`
	// Change is the approval queue's record of this step, replayed on restart.
	Change json.RawMessage `json:"change,omitempty"`
}

// DraftAsked is another viewer asking a pending draft's question: counted on the draft.
type DraftAsked struct {
	DraftID  string          `json:"draft_id"`
	ChatSeq  int64           `json:"chat_seq,omitempty"`
	User     string          `json:"user,omitempty"`
	Question string          `json:"question"`
	Change   json.RawMessage `json:"change,omitempty"`
}

// DraftAction is a step in a draft's review: claimed, approved, edited, rejected, expired.
// Text is set on approved (the text approved) and edited (the new text).
type DraftAction struct {
	DraftID string          `json:"draft_id"`
	By      string          `json:"by,omitempty"`
	Text    string          `json:"text,omitempty"`
	Reason  string          `json:"reason,omitempty"`
	Until   time.Time       `json:"until,omitzero"`
	Change  json.RawMessage `json:"change,omitempty"`
}

// DraftPolicy is a show's auto-approve policy: which drafted answers go out (in an avatar show:
// are spoken) without a moderator's approval. A draft is approved by itself when Enabled, its
// engine and intent are listed, its confidence is at least MinConfidence and it needs no review.
type DraftPolicy struct {
	Enabled       bool            `json:"enabled"`
	Engines       []string        `json:"engines"`
	Intents       []string        `json:"intents"`
	MinConfidence float64         `json:"min_confidence"`
	By            string          `json:"by,omitempty"`
	Change        json.RawMessage `json:"change,omitempty"` // the approval queue's change, replayed on restart
}

// DraftPublished says an approved reply went out, to the chat and/or the host.
type DraftPublished struct {
	DraftID string   `json:"draft_id"`
	Text    string   `json:"text"`
	By      string   `json:"by,omitempty"`
	To      []string `json:"to,omitempty"` // "chat", "host"
}

// CrossSellSuggested prompts the host to mention related products.
type CrossSellSuggested struct {
	SKU         string   `json:"sku"`         // the product the suggestion is for
	Suggestions []string `json:"suggestions"` // SKUs to mention
	Text        string   `json:"text,omitempty"`
	ChatSeq     int64    `json:"chat_seq,omitempty"`
}

// TranscriptSegment is a piece of the host's speech (interim when Final is false).
type TranscriptSegment struct {
	Text    string `json:"text"`
	Final   bool   `json:"final"`
	StartMS int64  `json:"start_ms,omitempty"`
	EndMS   int64  `json:"end_ms,omitempty"`
	Source  string `json:"source,omitempty"` // "caption", "browser", "stt", …
}

// HostCompliance flags risky claims in the transcript segment at TranscriptSeq.
type HostCompliance struct {
	TranscriptSeq int64   `json:"transcript_seq"`
	Text          string  `json:"text,omitempty"`
	Matches       []Match `json:"matches"`
}

// ProductMentioned says the host (or avatar) spoke about a product.
type ProductMentioned struct {
	SKU           string `json:"sku"`
	TranscriptSeq int64  `json:"transcript_seq,omitempty"`
	Text          string `json:"text,omitempty"`
}

// TranscriptDropped says a piece of the host's speech was never transcribed (the speech-to-text
// server was down or too slow and the bounded queue had to let it go), so it was not checked either.
type TranscriptDropped struct {
	StartMS int64  `json:"start_ms"`
	EndMS   int64  `json:"end_ms"`
	Reason  string `json:"reason"`
	Source  string `json:"source,omitempty"`
}

// ScriptSet gives the show its host script, the teleprompter's text to follow (lines separated by
// newlines); an empty Text removes it. The place in the script starts again at the top.
type ScriptSet struct {
	Text string `json:"text"`
	By   string `json:"by,omitempty"`
}

// ScriptPosition is where the host is in the script after the transcript segment at
// TranscriptSeq: Offset is a rune offset into the script just after the last text matched, Line
// the 0-based line of Offset, Score the share of the segment that matched the script.
type ScriptPosition struct {
	Offset        int     `json:"offset"`
	Line          int     `json:"line"`
	Score         float64 `json:"score"`
	TranscriptSeq int64   `json:"transcript_seq,omitempty"`
}

// AvatarUtterance is a sentence the avatar host speaks. Audio is the URL of its audio (empty when
// no engine could speak it: captions only), Marks the mouth shapes over time.
type AvatarUtterance struct {
	Text       string `json:"text"`
	SKU        string `json:"sku,omitempty"`
	Lang       string `json:"lang,omitempty"`
	Voice      string `json:"voice,omitempty"`
	DurationMS int64  `json:"duration_ms,omitempty"`
	ChatSeq    int64  `json:"chat_seq,omitempty"` // set when answering a viewer question

	ID     string      `json:"id,omitempty"`     // the utterance's audio ID
	Kind   string      `json:"kind,omitempty"`   // talk, answer, say, scheduled, idle
	Engine string      `json:"engine,omitempty"` // the TTS engine that spoke it
	Audio  string      `json:"audio,omitempty"`  // URL of the audio
	Marks  []MouthMark `json:"marks,omitempty"`
	User   string      `json:"user,omitempty"` // the asker addressed (only a name moderation found clean)
	// Question is the viewer's question an answer is for; Askers how many asked it.
	Question string `json:"question,omitempty"`
	Askers   int    `json:"askers,omitempty"`
	// Gate says the sentence passed the host-compliance lists and the fact guard ("passed"), or
	// was the offline replacement of one that did not ("replaced").
	Gate string `json:"gate,omitempty"`
	// Sentence is the whole gated sentence when Text is one clause of it (a long talk sentence is
	// spoken in clauses of about 2.5 s, so that an answer waits little); Part counts the clauses
	// from 0.
	Sentence string `json:"sentence,omitempty"`
	Part     int    `json:"part,omitempty"`
	// Writer is "llm" when the LLM writer wrote the line; empty for the offline writer.
	Writer string `json:"writer,omitempty"`
	// Breaks are the moments (ms into the audio) between two phrases where talk may stop for an
	// answer (avatar.cut); empty when the engine gives none.
	Breaks []int64 `json:"breaks,omitempty"`
}

// AvatarCut ends the talk utterance Utterance early, at the break AtMS of its audio, because
// something waits to be said (Reason: "answer", "say") or the show was paused or skipped ("pause",
// "skip"): the page stops the audio there (or at the next break after where it is, if it is past
// it) and reports the end.
type AvatarCut struct {
	Utterance string `json:"utterance"`
	AtMS      int64  `json:"at_ms"`
	Reason    string `json:"reason"`
}

// MouthMark is a mouth shape from T milliseconds into an utterance on: a, i, u, e, o or n (closed).
type MouthMark struct {
	T int64  `json:"t"`
	V string `json:"v"`
}

// AvatarPlan is an avatar show's run-of-show: segments in a loop, scheduled lines, idle talk.
type AvatarPlan struct {
	Segments  []AvatarPlanSegment `json:"segments"`
	Scheduled []AvatarScheduled   `json:"scheduled,omitempty"`
	Idle      []string            `json:"idle,omitempty"` // lines for when there is nothing else to say
	Lang      string              `json:"lang,omitempty"` // ja (default) or en
	By        string              `json:"by,omitempty"`
}

// AvatarPlanSegment is one segment: a product (SKU) or free talk (Text lines), for about Seconds.
type AvatarPlanSegment struct {
	SKU     string   `json:"sku,omitempty"`
	Text    []string `json:"text,omitempty"`
	Seconds int      `json:"seconds"`
}

// AvatarScheduled is a line said every EveryMinutes, or at minute AtMinute of every hour.
type AvatarScheduled struct {
	Text         string `json:"text"`
	EveryMinutes int    `json:"every_minutes,omitempty"`
	AtMinute     *int   `json:"at_minute,omitempty"`
}

// AvatarState is the avatar runner's state: running, paused or stopped.
type AvatarState struct {
	State  string `json:"state"`
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// AvatarSegment is the plan's position: segment Index of the plan, in its Loop-th pass.
type AvatarSegment struct {
	Index int    `json:"index"`
	Loop  int    `json:"loop"`
	SKU   string `json:"sku,omitempty"`
	By    string `json:"by,omitempty"` // set when a person skipped to it
}

// AvatarSkipped says a sentence was not spoken as written (Action "replaced" with Replacement,
// or "dropped") or a question was not answered (Action "stale", "held"), and why.
type AvatarSkipped struct {
	Action      string `json:"action"`
	Text        string `json:"text"`
	Reason      string `json:"reason"`
	Replacement string `json:"replacement,omitempty"`
	Kind        string `json:"kind,omitempty"`
	ChatSeq     int64  `json:"chat_seq,omitempty"`
}

// AvatarFallback says a TTS engine failed on a sentence; Next is the engine tried next, empty when
// the sentence went out as a caption only. With Engine "llm" and Next "offline" it says the LLM
// writer failed (down, late, cut off) and the offline writer talks instead.
type AvatarFallback struct {
	Engine string `json:"engine,omitempty"`
	Next   string `json:"next,omitempty"`
	Reason string `json:"reason"`
}

// ConnectorConfigured starts or replaces the show's connector Name. Settings are the platform's
// settings without secrets: credentials come from the server's environment, never from events.
type ConnectorConfigured struct {
	Name     string          `json:"name"`
	Platform string          `json:"platform"`
	Settings json.RawMessage `json:"settings,omitempty"`
	// ReplyAll: post every approved draft here, whichever platform (or the chat API) asked,
	// not only the answers to this connector's own messages.
	ReplyAll bool   `json:"reply_all,omitempty"`
	By       string `json:"by,omitempty"`
}

// ConnectorRemoved stops and forgets the show's connector Name.
type ConnectorRemoved struct {
	Name string `json:"name"`
	By   string `json:"by,omitempty"`
}

// Connector states.
const (
	ConnectorConnecting = "connecting"
	ConnectorLive       = "live"
	ConnectorBackoff    = "backoff" // Reason says why; it retries by itself
	ConnectorStopped    = "stopped" // Reason says why (removed, show stopped, chat ended)
)

// ConnectorState is a change of a connector's health.
type ConnectorState struct {
	Name     string `json:"name"`
	Platform string `json:"platform"`
	State    string `json:"state"`
	Reason   string `json:"reason,omitempty"`
}

// ConnectorCursor is where connector Name resumes reading (a YouTube page token, an EventSub
// session); it is logged in the same append as the messages it follows. A connector that spends a
// platform's daily quota (YouTube) also logs here what it has spent of it, so that it starts again
// from that spend after a restart or on another node; those are logged with its messages and, when
// the spend changed, every few minutes and when it stops, with Cursor as it was.
type ConnectorCursor struct {
	Name   string `json:"name"`
	Cursor string `json:"cursor"`
	// QuotaUsed is the units spent in the quota day that ends at QuotaResetsAt.
	QuotaUsed     int       `json:"quota_used,omitempty"`
	QuotaResetsAt time.Time `json:"quota_resets_at,omitzero"`
}

// ConnectorViewers is how many viewers a platform counted on connector Name's stream (YouTube's
// concurrentViewers). It is logged when the count changed; it holds until the connector's next
// one, or until the connector stops or the show stops.
type ConnectorViewers struct {
	Name     string `json:"name"`
	Platform string `json:"platform"`
	Viewers  int    `json:"viewers"`
}

// ReplySending is logged once before a reply is first posted: a reply.sending with neither
// reply.sent nor reply.failed after it means livehost stopped mid-post, and the reply is not posted
// again (a platform may already show it).
type ReplySending struct {
	DraftID   string `json:"draft_id"`
	Connector string `json:"connector"`
	Platform  string `json:"platform"`
	ChatSeq   int64  `json:"chat_seq,omitempty"`
}

// ReplySent says an approved draft was posted to a platform; PlatformID is the platform's id of
// the posted message.
type ReplySent struct {
	DraftID    string `json:"draft_id"`
	Connector  string `json:"connector"`
	Platform   string `json:"platform"`
	PlatformID string `json:"platform_id,omitempty"`
	ChatSeq    int64  `json:"chat_seq,omitempty"` // the question replied to
	Attempts   int    `json:"attempts,omitempty"`
}

// ReplyFailed says an approved draft could not be posted; it is not tried again.
type ReplyFailed struct {
	DraftID   string `json:"draft_id"`
	Connector string `json:"connector"`
	Platform  string `json:"platform"`
	Reason    string `json:"reason"`
	ChatSeq   int64  `json:"chat_seq,omitempty"`
	Attempts  int    `json:"attempts,omitempty"`
}

// OrderImported is one order line (an order's quantity of one SKU) from a shop's order export.
// OrderedAt is when the order was placed; the event's own time is when it was imported.
type OrderImported struct {
	OrderID   string    `json:"order_id"`
	SKU       string    `json:"sku"`
	Quantity  int       `json:"quantity"`
	Price     float64   `json:"price"` // unit price
	Currency  string    `json:"currency,omitempty"`
	OrderedAt time.Time `json:"ordered_at"`
	Source    string    `json:"source,omitempty"` // "shopify", "csv", "json"
}

// StreamResync is the payload of the stream.resync marker: the subscriber fell behind, events
// after After follow from the log.
type StreamResync struct {
	After  int64  `json:"after"`
	Reason string `json:"reason"`
}

// payloads makes the payload struct of each known type.
var payloads = map[string]func() any{
	TypeShowCreated:        func() any { return new(ShowCreated) },
	TypeShowUpdated:        func() any { return new(ShowUpdated) },
	TypeShowStarted:        func() any { return new(ShowStarted) },
	TypeShowStopped:        func() any { return new(ShowStopped) },
	TypeProductOnAir:       func() any { return new(ProductOnAir) },
	TypeChatReceived:       func() any { return new(ChatReceived) },
	TypeChatVerdict:        func() any { return new(ChatVerdict) },
	TypeChatHeld:           func() any { return new(ChatHeld) },
	TypeChatAllowed:        func() any { return new(ChatDecision) },
	TypeChatDenied:         func() any { return new(ChatDecision) },
	TypeChatBulkDenied:     func() any { return new(ChatBulkDecision) },
	TypeChatHeldExpired:    func() any { return new(ChatBulkDecision) },
	TypeQuestionDetected:   func() any { return new(QuestionDetected) },
	TypeDraftCreated:       func() any { return new(DraftCreated) },
	TypeDraftPolicy:        func() any { return new(DraftPolicy) },
	TypeDraftAsked:         func() any { return new(DraftAsked) },
	TypeDraftClaimed:       func() any { return new(DraftAction) },
	TypeDraftReleased:      func() any { return new(DraftAction) },
	TypeDraftApproved:      func() any { return new(DraftAction) },
	TypeDraftEdited:        func() any { return new(DraftAction) },
	TypeDraftRejected:      func() any { return new(DraftAction) },
	TypeDraftExpired:       func() any { return new(DraftAction) },
	TypeDraftPublished:     func() any { return new(DraftPublished) },
	TypeCrossSellSuggested: func() any { return new(CrossSellSuggested) },
	TypeTranscriptSegment:  func() any { return new(TranscriptSegment) },
	TypeHostCompliance:     func() any { return new(HostCompliance) },
	TypeProductMentioned:   func() any { return new(ProductMentioned) },
	TypeAvatarUtterance:    func() any { return new(AvatarUtterance) },
	TypeTranscriptDropped:  func() any { return new(TranscriptDropped) },
	TypeScriptSet:          func() any { return new(ScriptSet) },
	TypeScriptPosition:     func() any { return new(ScriptPosition) },
	TypeStreamResync:       func() any { return new(StreamResync) },
	TypeAvatarPlan:         func() any { return new(AvatarPlan) },
	TypeAvatarState:        func() any { return new(AvatarState) },
	TypeAvatarSegment:      func() any { return new(AvatarSegment) },
	TypeAvatarSkipped:      func() any { return new(AvatarSkipped) },
	TypeAvatarFallback:     func() any { return new(AvatarFallback) },
	TypeAvatarCut:          func() any { return new(AvatarCut) },

	TypeConnectorConfigured: func() any { return new(ConnectorConfigured) },
	TypeConnectorRemoved:    func() any { return new(ConnectorRemoved) },
	TypeConnectorState:      func() any { return new(ConnectorState) },
	TypeConnectorCursor:     func() any { return new(ConnectorCursor) },
	TypeConnectorViewers:    func() any { return new(ConnectorViewers) },
	TypeReplySending:        func() any { return new(ReplySending) },
	TypeReplySent:           func() any { return new(ReplySent) },
	TypeReplyFailed:         func() any { return new(ReplyFailed) },
	TypeOrderImported:       func() any { return new(OrderImported) },
}

// Types lists the event types this package defines, sorted.
func Types() []string {
	out := make([]string, 0, len(payloads))
	for t := range payloads {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Payload decodes an event's payload into its type's struct and returns a pointer to it (for
// example *ChatReceived). A type this package does not define decodes to map[string]any.
func (e Event) Payload() (any, error) {
	mk, ok := payloads[e.Type]
	var p any
	if ok {
		p = mk()
	} else {
		p = &map[string]any{}
	}
	if err := e.Decode(p); err != nil {
		return nil, err
	}
	if !ok {
		return *(p.(*map[string]any)), nil
	}
	return p, nil
}
