package live

// Limits on what a show takes in. The HTTP edge checks its own (body size, batch size); these are
// the show's.
const (
	MaxChatText = 2000  // runes of one chat message
	MaxUserLen  = 200   // bytes of a user name
	MaxSpeech   = 4000  // runes of one transcript segment
	MaxScript   = 50000 // runes of a host script: a long show's talking points
	// MaxChatBatch is the most chat messages one IngestChat call takes, so that any call fits in
	// one append (a message makes at most three events).
	MaxChatBatch = maxEventsPerRequest / 3
)
