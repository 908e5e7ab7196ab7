package show

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livehost/livehost/internal/pgtest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(killChildEnv) != "" {
		killChild() // never returns
	}
	goleak.VerifyTestMain(m)
}

// location is where a backend's data lives, so a test can close and reopen the same store.
type location struct {
	name    string
	dataDir string
	dbURL   string
}

func (l location) open(t testing.TB) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := OpenStore(ctx, l.dataDir, l.dbURL)
	if err != nil {
		t.Fatalf("open %s store: %v", l.name, err)
	}
	return s
}

// forEachBackend runs f against a fresh SQLite store and a fresh PostgreSQL database.
func forEachBackend(t *testing.T, f func(t *testing.T, loc location)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, location{name: "sqlite", dataDir: t.TempDir()})
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, location{name: "postgres", dbURL: pgtest.URL(t)})
	})
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func chat(user, text string) NewEvent {
	return MustEncode(TypeChatReceived, ChatReceived{Platform: "test", User: user, Text: text})
}

func mustCreate(t testing.TB, s *Store, sh Show) Show {
	t.Helper()
	out, err := s.CreateShow(testCtx(t), sh)
	if err != nil {
		t.Fatalf("create show: %v", err)
	}
	return out
}

func readAll(t testing.TB, s *Store, showID string) []Event {
	t.Helper()
	var all []Event
	var after int64
	for {
		evs, err := s.Read(testCtx(t), showID, after, 0)
		if err != nil {
			t.Fatalf("read %s after %d: %v", showID, after, err)
		}
		all = append(all, evs...)
		if len(evs) < ReadLimit {
			return all
		}
		after = evs[len(evs)-1].Seq
	}
}

func checkDense(t testing.TB, evs []Event, from int64) {
	t.Helper()
	for i, ev := range evs {
		if want := from + int64(i); ev.Seq != want {
			t.Fatalf("event %d has seq %d, want %d (gap or duplicate)", i, ev.Seq, want)
		}
	}
}

func TestStoreContract(t *testing.T) {
	forEachBackend(t, func(t *testing.T, loc location) {
		ctx := testCtx(t)
		s := loc.open(t)
		defer func() { s.Close() }()

		if err := s.Ping(ctx); err != nil || s.Backend() != loc.name {
			t.Fatalf("Ping = %v, Backend = %q", err, s.Backend())
		}
		sh := mustCreate(t, s, Show{ID: "spring-sale", Title: "春の新作コスメ", Lineup: []string{"LIP-001", "EYE-002"}})
		if sh.Mode != ModeHost || sh.Status != StatusCreated || sh.LastSeq != 1 || sh.CreatedAt.IsZero() {
			t.Fatalf("created show = %+v, want mode host, status created, last seq 1", sh)
		}
		if _, err := s.CreateShow(ctx, Show{ID: "spring-sale"}); !errors.Is(err, ErrExists) {
			t.Fatalf("create duplicate: err = %v, want ErrExists", err)
		}
		gen := mustCreate(t, s, Show{Title: "avatar 24/7", Mode: ModeAvatar})
		if !strings.HasPrefix(gen.ID, "sh_") || gen.Mode != ModeAvatar {
			t.Fatalf("generated show = %+v", gen)
		}
		got, err := s.GetShow(ctx, "spring-sale")
		if err != nil || !reflect.DeepEqual(got, sh) {
			t.Fatalf("GetShow = %+v, %v; want %+v", got, err, sh)
		}
		if _, err := s.GetShow(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetShow unknown: err = %v, want ErrNotFound", err)
		}
		shows, err := s.ListShows(ctx)
		if err != nil || len(shows) != 2 {
			t.Fatalf("ListShows = %v, %v; want 2 shows", shows, err)
		}

		// The first event is show.created with the show's fields.
		evs := readAll(t, s, sh.ID)
		if len(evs) != 1 || evs[0].Type != TypeShowCreated || evs[0].Seq != 1 || evs[0].Show != sh.ID {
			t.Fatalf("log after create = %+v", evs)
		}
		var created ShowCreated
		if err := evs[0].Decode(&created); err != nil || created.Title != sh.Title || !reflect.DeepEqual(created.Lineup, sh.Lineup) {
			t.Fatalf("show.created payload = %+v, %v", created, err)
		}

		// Appends get consecutive seqs and read back identical.
		out, err := s.Append(ctx, sh.ID, chat("a", "こんにちは"), chat("b", "price?"),
			MustEncode(TypeShowStarted, ShowStarted{By: "host"}))
		if err != nil {
			t.Fatalf("append: %v", err)
		}
		checkDense(t, out, 2)
		all := readAll(t, s, sh.ID)
		if !reflect.DeepEqual(all[1:], out) {
			t.Fatalf("read back %+v\nwant %+v", all[1:], out)
		}
		if page, _ := s.Read(ctx, sh.ID, 2, 1); len(page) != 1 || page[0].Seq != 3 {
			t.Fatalf("Read(after 2, limit 1) = %+v", page)
		}
		if last, err := s.LastSeq(ctx, sh.ID); err != nil || last != 4 {
			t.Fatalf("LastSeq = %d, %v; want 4", last, err)
		}
		if got, _ := s.GetShow(ctx, sh.ID); got.Status != StatusLive {
			t.Fatalf("status after show.started = %q, want live", got.Status)
		}

		// UpdateShow changes the row and logs show.updated.
		upd, err := s.UpdateShow(ctx, Show{ID: sh.ID, Title: "春の新作", Lineup: []string{"EYE-002"}})
		if err != nil || upd.Title != "春の新作" || upd.Status != StatusLive || upd.LastSeq != 5 || !reflect.DeepEqual(upd.Lineup, []string{"EYE-002"}) {
			t.Fatalf("UpdateShow = %+v, %v", upd, err)
		}
		// An explicit status is applied and logged; an empty one is left alone.
		stopped, err := s.UpdateShow(ctx, Show{ID: sh.ID, Title: upd.Title, Lineup: upd.Lineup, Status: StatusStopped})
		if err != nil || stopped.Status != StatusStopped || stopped.LastSeq != 6 {
			t.Fatalf("UpdateShow(status stopped) = %+v, %v", stopped, err)
		}
		if _, err := s.Append(ctx, sh.ID, MustEncode(TypeShowStarted, nil)); err != nil {
			t.Fatal(err)
		}
		kept, err := s.UpdateShow(ctx, Show{ID: sh.ID, Title: upd.Title, Lineup: upd.Lineup})
		if err != nil || kept.Status != StatusLive || kept.LastSeq != 8 {
			t.Fatalf("UpdateShow(no status) after show.started = %+v, %v; want live", kept, err)
		}
		if _, err := s.UpdateShow(ctx, Show{ID: sh.ID, Status: "paused"}); err == nil {
			t.Fatal("UpdateShow accepted status paused")
		}
		if _, err := s.UpdateShow(ctx, Show{ID: "nope"}); !errors.Is(err, ErrNotFound) {
			t.Fatalf("UpdateShow unknown: err = %v, want ErrNotFound", err)
		}

		// Tokens.
		tok := Token{Hash: "h1", Role: "moderator", ShowID: sh.ID, Label: "mod"}
		if err := s.PutToken(ctx, tok); err != nil {
			t.Fatalf("PutToken: %v", err)
		}
		if err := s.PutToken(ctx, Token{Hash: "h0", Role: "admin", CreatedAt: time.Unix(100, 0)}); err != nil {
			t.Fatalf("PutToken: %v", err)
		}
		gt, ok, err := s.LookupToken(ctx, "h1")
		if err != nil || !ok || gt.Role != "moderator" || gt.ShowID != sh.ID || gt.CreatedAt.IsZero() {
			t.Fatalf("LookupToken = %+v, %v, %v", gt, ok, err)
		}
		if _, ok, err := s.LookupToken(ctx, "zz"); ok || err != nil {
			t.Fatalf("LookupToken unknown = %v, %v", ok, err)
		}
		if ts, err := s.ListTokens(ctx); err != nil || len(ts) != 2 || ts[0].Hash != "h0" {
			t.Fatalf("ListTokens = %+v, %v", ts, err)
		}
		if err := s.DeleteToken(ctx, "h0"); err != nil {
			t.Fatalf("DeleteToken: %v", err)
		}
		if err := s.DeleteToken(ctx, "h0"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("DeleteToken twice: err = %v, want ErrNotFound", err)
		}

		// Everything is still there after reopening, and appends continue.
		before := readAll(t, s, sh.ID)
		if err := s.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		if _, err := s.Append(ctx, sh.ID, chat("c", "x")); !errors.Is(err, ErrClosed) {
			t.Fatalf("append after close: err = %v, want ErrClosed", err)
		}
		s = loc.open(t)
		if again := readAll(t, s, sh.ID); len(again) != 8 || !reflect.DeepEqual(again, before) {
			t.Fatalf("after reopen read %+v\nwant %+v", again, before)
		}
		more, err := s.Append(ctx, sh.ID, chat("c", "again"))
		if err != nil || len(more) != 1 || more[0].Seq != 9 {
			t.Fatalf("append after reopen = %+v, %v; want seq 9", more, err)
		}
		if _, ok, _ := s.LookupToken(ctx, "h1"); !ok {
			t.Fatal("token lost after reopen")
		}
	})
}

func TestStoreBadInput(t *testing.T) {
	s := location{name: "sqlite", dataDir: t.TempDir()}.open(t)
	defer s.Close()
	ctx := testCtx(t)
	mustCreate(t, s, Show{ID: "s1"})
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"append to unknown show", func() error { _, err := s.Append(ctx, "missing", chat("a", "b")); return err }, "not found"},
		{"append with bad show id", func() error { _, err := s.Append(ctx, "a b", chat("a", "b")); return err }, "is not one of"},
		{"append empty type", func() error { _, err := s.Append(ctx, "s1", NewEvent{}); return err }, "event type is empty"},
		{"append bad type", func() error { _, err := s.Append(ctx, "s1", NewEvent{Type: "Chat!"}); return err }, "is not one of a-z"},
		{"append non-object payload", func() error {
			_, err := s.Append(ctx, "s1", NewEvent{Type: "x", Data: []byte(`[1]`)})
			return err
		}, "must be a JSON object"},
		{"append invalid JSON", func() error {
			_, err := s.Append(ctx, "s1", NewEvent{Type: "x", Data: []byte(`{"a":`)})
			return err
		}, "must be a JSON object"},
		{"append reserved key", func() error {
			_, err := s.Append(ctx, "s1", NewEvent{Type: "x", Data: []byte(`{"seq":1}`)})
			return err
		}, "clashes with the event envelope"},
		{"append store-owned type", func() error {
			_, err := s.Append(ctx, "s1", MustEncode(TypeShowCreated, nil))
			return err
		}, "written by the store itself"},
		{"append oversize payload", func() error {
			_, err := s.Append(ctx, "s1", NewEvent{Type: "x", Data: []byte(`{"a":"` + strings.Repeat("x", MaxDataSize) + `"}`)})
			return err
		}, "more than"},
		{"append too many", func() error {
			_, err := s.Append(ctx, "s1", make([]NewEvent, MaxAppend+1)...)
			return err
		}, "more than"},
		{"create bad mode", func() error { _, err := s.CreateShow(ctx, Show{Mode: "robot"}); return err }, "mode"},
		{"create empty sku", func() error { _, err := s.CreateShow(ctx, Show{Lineup: []string{""}}); return err }, "lineup[0]"},
		{"create bad id", func() error { _, err := s.CreateShow(ctx, Show{ID: "../x"}); return err }, "show id"},
		{"read negative after", func() error { _, err := s.Read(ctx, "s1", -1, 10); return err }, "negative"},
		{"subscribe unknown", func() error { _, err := s.Subscribe(ctx, "missing", 0, 0); return err }, "not found"},
		{"token without role", func() error { return s.PutToken(ctx, Token{Hash: "x"}) }, "role"},
		{"token without hash", func() error { return s.PutToken(ctx, Token{Role: "admin"}) }, "hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
	// Nothing partial was written by the failures.
	if evs := readAll(t, s, "s1"); len(evs) != 1 {
		t.Fatalf("log has %d events after bad input, want 1", len(evs))
	}
}

func TestConcurrentAppendsDense(t *testing.T) {
	forEachBackend(t, func(t *testing.T, loc location) {
		s := loc.open(t)
		defer s.Close()
		ctx := testCtx(t)
		shows := []string{"a", "b"}
		for _, id := range shows {
			mustCreate(t, s, Show{ID: id})
		}
		const workers, calls = 8, 40
		var mu sync.Mutex
		acked := map[string]map[int64]string{"a": {}, "b": {}}
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := 0; c < calls; c++ {
					id := shows[(w+c)%2]
					n := 1 + c%3
					batch := make([]NewEvent, n)
					for i := range batch {
						batch[i] = chat(fmt.Sprint(w), fmt.Sprintf("%d-%d-%d", w, c, i))
					}
					out, err := s.Append(ctx, id, batch...)
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					for i, ev := range out {
						if i > 0 && ev.Seq != out[i-1].Seq+1 {
							errs <- fmt.Errorf("one call's seqs not consecutive: %d then %d", out[i-1].Seq, ev.Seq)
						}
						if _, dup := acked[id][ev.Seq]; dup {
							errs <- fmt.Errorf("seq %d of show %s acked twice", ev.Seq, id)
						}
						acked[id][ev.Seq] = string(ev.Data)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for _, id := range shows {
			evs := readAll(t, s, id)
			checkDense(t, evs, 1)
			if len(evs)-1 != len(acked[id]) {
				t.Fatalf("show %s: log has %d appended events, %d were acked", id, len(evs)-1, len(acked[id]))
			}
			for _, ev := range evs[1:] {
				if acked[id][ev.Seq] != string(ev.Data) {
					t.Fatalf("show %s seq %d: log has %s, ack said %s", id, ev.Seq, ev.Data, acked[id][ev.Seq])
				}
			}
		}
	})
}

func TestAppendCanceledContext(t *testing.T) {
	s := location{name: "sqlite", dataDir: t.TempDir()}.open(t)
	defer s.Close()
	mustCreate(t, s, Show{ID: "s1"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Append(ctx, "s1", chat("a", "b")); !errors.Is(err, context.Canceled) {
		t.Fatalf("append with canceled ctx: err = %v", err)
	}
	// Whatever happened to that call, the log stays dense.
	if _, err := s.Append(testCtx(t), "s1", chat("a", "c")); err != nil {
		t.Fatal(err)
	}
	checkDense(t, readAll(t, s, "s1"), 1)
}

// TestBatchOrdering commits one group commit holding creates, updates and appends to several
// shows, and checks that each call sees the show as the calls before it left it.
func TestBatchOrdering(t *testing.T) {
	forEachBackend(t, func(t *testing.T, loc location) {
		s := loc.open(t)
		defer s.Close()
		ctx := testCtx(t)
		mustCreate(t, s, Show{ID: "b"})
		now := time.Now().UTC().Truncate(time.Microsecond)
		mk := func(id string, n int) []NewEvent {
			evs := make([]NewEvent, n)
			for i := range evs {
				evs[i] = chat(id, fmt.Sprint(i))
				evs[i].At = now
			}
			return evs
		}
		created := MustEncode(TypeShowCreated, ShowCreated{Title: "A"})
		created.At = now
		updated := MustEncode(TypeShowUpdated, ShowUpdated{Title: "A2", Mode: ModeHost, Status: StatusLive})
		updated.At = now
		started := MustEncode(TypeShowStarted, nil)
		started.At = now
		reqs := []*request{
			{showID: "a", evs: mk("a", 1)}, // before a exists
			{showID: "b", evs: mk("b", 2)},
			{showID: "a", create: &Show{ID: "a", Title: "A", Lineup: []string{}, Mode: ModeHost, Status: StatusCreated, CreatedAt: now}, evs: []NewEvent{created}},
			{showID: "a", evs: mk("a", 2)},
			{showID: "b", evs: append(mk("b", 1), started)},
			{showID: "a", update: &Show{ID: "a", Title: "A2", Lineup: []string{}, Mode: ModeHost, Status: StatusLive}, evs: []NewEvent{updated}},
			{showID: "a", evs: mk("a", 1)},
			{showID: "b", create: &Show{ID: "b", Lineup: []string{}, Mode: ModeHost, Status: StatusCreated, CreatedAt: now}, evs: []NewEvent{created}},
			{showID: "zz", evs: mk("zz", 1)},
		}
		if err := s.db.commit(ctx, reqs); err != nil {
			t.Fatal(err)
		}
		wantSeqs := [][]int64{nil, {2, 3}, {1}, {2, 3}, {4, 5}, {4}, {5}, nil, nil}
		wantErr := []error{ErrNotFound, nil, nil, nil, nil, nil, nil, ErrExists, ErrNotFound}
		for i, r := range reqs {
			if !errors.Is(r.err, wantErr[i]) || (wantErr[i] == nil) != (r.err == nil) {
				t.Errorf("request %d: err = %v, want %v", i, r.err, wantErr[i])
			}
			var seqs []int64
			for _, ev := range r.out {
				seqs = append(seqs, ev.Seq)
			}
			if r.err == nil && !reflect.DeepEqual(seqs, wantSeqs[i]) {
				t.Errorf("request %d: seqs %v, want %v", i, seqs, wantSeqs[i])
			}
		}
		checkDense(t, readAll(t, s, "a"), 1)
		checkDense(t, readAll(t, s, "b"), 1)
		if a, _ := s.GetShow(ctx, "a"); a.Title != "A2" || a.Status != StatusLive || a.LastSeq != 5 {
			t.Errorf("show a = %+v", a)
		}
		if b, _ := s.GetShow(ctx, "b"); b.Status != StatusLive || b.LastSeq != 5 {
			t.Errorf("show b = %+v", b)
		}
	})
}

func TestSQLitePathWithSpecialCharacters(t *testing.T) {
	dir := t.TempDir() + "/data dir #1?x=%20&y"
	s := location{name: "sqlite", dataDir: dir}.open(t)
	mustCreate(t, s, Show{ID: "p"})
	s.Close()
	if _, err := os.Stat(dir + "/events.db"); err != nil {
		t.Fatalf("events.db is not where it was asked to be: %v", err)
	}
	s = location{name: "sqlite", dataDir: dir}.open(t)
	defer s.Close()
	if _, err := s.GetShow(testCtx(t), "p"); err != nil {
		t.Fatalf("reopen: %v", err)
	}
}

func TestOpenStoreErrors(t *testing.T) {
	ctx := testCtx(t)
	if _, err := OpenStore(ctx, "", ""); err == nil || !strings.Contains(err.Error(), "neither") {
		t.Fatalf("no dir, no URL: err = %v", err)
	}
	if _, err := OpenStore(ctx, "", "postgres://%zz"); err == nil || !strings.Contains(err.Error(), "database URL") {
		t.Fatalf("bad URL: err = %v", err)
	}
	f := t.TempDir() + "/file"
	if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(ctx, f, ""); err == nil {
		t.Fatal("a data dir that is a file opened")
	}
	// A file that is not a SQLite database.
	d := t.TempDir()
	if err := os.WriteFile(d+"/events.db", []byte(strings.Repeat("not a database ", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenStore(ctx, d, ""); err == nil || !strings.Contains(err.Error(), d) {
		t.Fatalf("garbage events.db: err = %v", err)
	}
}

// TestBadCallDoesNotFailItsBatch: a call the database refuses fails alone; the calls committed in
// the same group commit still succeed, with dense seqs.
func TestBadCallDoesNotFailItsBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, loc location) {
		s := loc.open(t)
		defer s.Close()
		mustCreate(t, s, Show{ID: "a"})
		mustCreate(t, s, Show{ID: "b"})
		now := time.Now().UTC().Truncate(time.Microsecond)
		good := func(show string) *request {
			ne := chat(show, "ok")
			ne.At = now
			return &request{ctx: context.Background(), showID: show, evs: []NewEvent{ne}, done: make(chan struct{})}
		}
		// Not JSON: Append's checks would refuse it; here it reaches the database, which must too.
		bad := &request{ctx: context.Background(), showID: "a", done: make(chan struct{}),
			evs: []NewEvent{{Type: TypeChatReceived, V: 1, At: now, Data: []byte(`{"text":`)}}}
		reqs := []*request{good("a"), bad, good("b"), good("a")}
		s.commit(reqs)
		if bad.err == nil {
			t.Fatal("the database accepted a payload that is not JSON")
		}
		for i, r := range []*request{reqs[0], reqs[2], reqs[3]} {
			if r.err != nil {
				t.Fatalf("good call %d failed with the bad one: %v", i, r.err)
			}
		}
		if reqs[0].out[0].Seq != 2 || reqs[3].out[0].Seq != 3 || reqs[2].out[0].Seq != 2 {
			t.Fatalf("seqs %d %d %d, want 2 3 2", reqs[0].out[0].Seq, reqs[3].out[0].Seq, reqs[2].out[0].Seq)
		}
		checkDense(t, readAll(t, s, "a"), 1)
		if n := len(readAll(t, s, "a")); n != 3 {
			t.Fatalf("show a has %d events, want 3", n)
		}
	})
}

// TestLongLogPaging crosses ReadLimit in Read, State and a subscription's catch-up, and checks
// that versions are stored as given.
func TestLongLogPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, loc location) {
		s := loc.open(t)
		defer s.Close()
		ctx := testCtx(t)
		mustCreate(t, s, Show{ID: "long"})
		const n = 2*ReadLimit + 345
		batch := make([]NewEvent, 500)
		for i := range batch {
			batch[i] = chat("u", fmt.Sprint(i))
		}
		for done := 0; done < n; done += len(batch) {
			if _, err := s.Append(ctx, "long", batch[:min(len(batch), n-done)]...); err != nil {
				t.Fatal(err)
			}
		}
		v2 := chat("u", "v2")
		v2.V = 2
		out, err := s.Append(ctx, "long", v2)
		if err != nil || out[0].V != 2 {
			t.Fatalf("append v2 = %+v, %v", out, err)
		}
		all := readAll(t, s, "long")
		checkDense(t, all, 1)
		if len(all) != n+2 || all[len(all)-1].V != 2 || all[1].V != 1 {
			t.Fatalf("read %d events (last v%d), want %d", len(all), all[len(all)-1].V, n+2)
		}
		for _, after := range []int64{0, ReadLimit - 1, ReadLimit, int64(n)} {
			sub, err := s.Subscribe(ctx, "long", after, 0)
			if err != nil {
				t.Fatal(err)
			}
			evs, _ := collect(t, sub, n+2-int(after))
			sub.Close()
			checkDense(t, evs, after+1)
		}
	})
}
