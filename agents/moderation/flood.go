package moderation

import (
	"sync"
	"time"
	"unicode/utf8"
)

// FloodConfig sets the chat-history rules. Zero fields take the defaults.
type FloodConfig struct {
	PerUser int           // messages one user may send per Window (default 5)
	Window  time.Duration // default 10s
	// RaidUsers distinct users sending the same message (folded) within RaidWindow make a raid
	// (default 5 users in 30s); only messages of at least RaidMinRunes folded characters count,
	// so that a room full of 「かわいい」 is not a raid (default 8).
	RaidUsers    int
	RaidWindow   time.Duration
	RaidMinRunes int
}

// Flood tracks per-user message rates and repeated messages across users. It is safe for
// concurrent use and forgets what is older than its windows.
type Flood struct {
	cfg   FloodConfig
	mu    sync.Mutex
	users map[string][]time.Time
	texts map[uint64]*raidState
	seen  int
}

type raidState struct {
	users map[string]time.Time
}

// NewFlood returns a tracker with cfg (defaults for zero fields).
func NewFlood(cfg FloodConfig) *Flood {
	if cfg.PerUser <= 0 {
		cfg.PerUser = 5
	}
	if cfg.Window <= 0 {
		cfg.Window = 10 * time.Second
	}
	if cfg.RaidUsers <= 0 {
		cfg.RaidUsers = 5
	}
	if cfg.RaidWindow <= 0 {
		cfg.RaidWindow = 30 * time.Second
	}
	if cfg.RaidMinRunes <= 0 {
		cfg.RaidMinRunes = 8
	}
	return &Flood{cfg: cfg, users: map[string][]time.Time{}, texts: map[uint64]*raidState{}}
}

// Observe records a message of user with the folded text at time at and reports whether the user
// is flooding and whether the message is part of a copy-paste raid.
func (f *Flood) Observe(user string, folded []byte, at time.Time) (flood, raid bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen++
	if f.seen%1024 == 0 {
		f.sweep(at)
	}
	if user != "" {
		ts := f.users[user]
		keep := ts[:0]
		for _, t := range ts {
			if at.Sub(t) < f.cfg.Window {
				keep = append(keep, t)
			}
		}
		keep = append(keep, at)
		f.users[user] = keep
		flood = len(keep) > f.cfg.PerUser
	}
	if utf8.RuneCount(folded) >= f.cfg.RaidMinRunes {
		key := fnv64a(folded)
		st := f.texts[key]
		if st == nil {
			st = &raidState{users: map[string]time.Time{}}
			f.texts[key] = st
		}
		for u, t := range st.users {
			if at.Sub(t) >= f.cfg.RaidWindow {
				delete(st.users, u)
			}
		}
		id := user
		if id == "" {
			id = "\x00anon" + at.String() // anonymous messages count once each
		}
		st.users[id] = at
		raid = len(st.users) >= f.cfg.RaidUsers
	}
	return flood, raid
}

// sweep drops users and texts with nothing inside their windows, bounding memory.
func (f *Flood) sweep(now time.Time) {
	for u, ts := range f.users {
		if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= f.cfg.Window {
			delete(f.users, u)
		}
	}
	for k, st := range f.texts {
		alive := false
		for _, t := range st.users {
			if now.Sub(t) < f.cfg.RaidWindow {
				alive = true
				break
			}
		}
		if !alive {
			delete(f.texts, k)
		}
	}
}

func fnv64a(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
