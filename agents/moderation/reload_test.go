package moderation

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func writeList(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBrandListsAndReload(t *testing.T) {
	dir := t.TempDir()
	writeList(t, dir, "competitor.txt", "ライバルコスメ | reason=competitor\n")
	writeList(t, dir, "profanity.txt", "-ばか\n") // the brand allows ばか
	writeList(t, dir, "link.txt", "@allow-domain shop.example.com\n")
	e, err := New(Config{Dir: dir, NoReadings: true})
	if err != nil {
		t.Fatal(err)
	}
	if v := e.Moderate("ライバルコスメの方が安い", SourceChat); v.Action != ActionHold || !slices.Contains(v.Categories, CatCompetitor) {
		t.Errorf("competitor: %+v", v)
	}
	if v := e.Moderate("ばか", SourceChat); v.Action != ActionAllow {
		t.Errorf("removed term still fires: %+v", v)
	}
	if v := e.Moderate("see https://shop.example.com/item/1", SourceChat); v.Action != ActionAllow {
		t.Errorf("allowed domain: %+v", v)
	}
	if v := e.Moderate("see https://evil.example.net/item/1", SourceChat); v.Action != ActionHold {
		t.Errorf("other domain: %+v", v)
	}

	// A new term appears after Reload; a broken file keeps the old lists.
	writeList(t, dir, "competitor.txt", "ライバルコスメ\n新ブランド | high\n")
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	if v := e.Moderate("新ブランドいいよ", SourceChat); v.Action != ActionBlock {
		t.Errorf("after reload: %+v", v)
	}
	writeList(t, dir, "spam.txt", "re:(unclosed\n")
	err = e.Reload()
	if err == nil || !strings.Contains(err.Error(), "spam.txt line 1") {
		t.Errorf("broken list: err %v, want it to name spam.txt line 1", err)
	}
	if v := e.Moderate("新ブランドいいよ", SourceChat); v.Action != ActionBlock {
		t.Errorf("old lists not kept after a failed reload: %+v", v)
	}
}

func TestWatchReloadsOnChange(t *testing.T) {
	dir := t.TempDir()
	writeList(t, dir, "competitor.txt", "ライバルコスメ\n")
	e, err := New(Config{Dir: dir, NoReadings: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.Watch(ctx, 10*time.Millisecond, func(err error) { t.Errorf("watch: %v", err) })
	}()
	defer func() { cancel(); wg.Wait() }()
	// Move the file's time forward so the change is seen even on coarse file systems.
	writeList(t, dir, "competitor.txt", "ライバルコスメ\n別ブランド | high\n")
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(filepath.Join(dir, "competitor.txt"), later, later)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if v := e.Moderate("別ブランド", SourceChat); v.Action == ActionBlock {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("Watch did not pick up the new term")
}

func TestListErrors(t *testing.T) {
	tests := []struct{ body, want string }{
		{"term | severe\n", `line 1: unknown field "severe"`},
		{"@severity loud\n", "line 1: unknown severity"},
		{"@nonsense\n", "line 1: unknown directive @nonsense"},
		{"ok\nre:(x\n", "line 2: regexp"},
		{"ok\n\n!\n", "line 3: empty pattern"},
		{"re:シミ\n", "not in plain form"},
		{"@sources radio\n", "unknown source"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		writeList(t, dir, "brand.txt", tt.body)
		_, err := New(Config{Dir: dir, NoReadings: true, NoDefaults: true})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "brand.txt") {
			t.Errorf("%q: err %v, want %q naming brand.txt", tt.body, err, tt.want)
		}
	}
}

func TestFloodAndRaid(t *testing.T) {
	e, err := New(Config{NoReadings: true, Flood: FloodConfig{PerUser: 3, Window: 10 * time.Second, RaidUsers: 3, RaidWindow: 30 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if v := e.ModerateChat(Message{User: "a", Text: "こんにちは", At: t0.Add(time.Duration(i) * time.Second)}); v.Action != ActionAllow {
			t.Fatalf("message %d held: %+v", i, v)
		}
	}
	v := e.ModerateChat(Message{User: "a", Text: "まだいるよ", At: t0.Add(3 * time.Second)})
	if v.Action != ActionHold || !slices.Contains(v.Rules, "spam.flood") {
		t.Errorf("4th message in 10s: %+v", v)
	}
	if v := e.ModerateChat(Message{User: "a", Text: "また来たよ", At: t0.Add(30 * time.Second)}); v.Action != ActionAllow {
		t.Errorf("after the window: %+v", v)
	}
	raid := "このショップは詐欺だから買うな拡散希望"
	for i, u := range []string{"r1", "r2", "r3"} {
		v := e.ModerateChat(Message{User: u, Text: raid, At: t0.Add(time.Duration(i) * time.Second)})
		isRaid := slices.Contains(v.Rules, "spam.raid")
		if isRaid != (i == 2) {
			t.Errorf("raid message from %s: raid=%v (%v)", u, isRaid, v.Rules)
		}
	}
	// A short cheer from many users is not a raid.
	for i := 0; i < 5; i++ {
		if v := e.ModerateChat(Message{User: string(rune('a' + i)), Text: "かわいい", At: t0.Add(40 * time.Second)}); slices.Contains(v.Rules, "spam.raid") {
			t.Errorf("short cheer counted as a raid")
		}
	}
}

// Every compliance entry must say why it is risky and what to say instead; every list loads.
func TestComplianceEntriesExplain(t *testing.T) {
	ls, err := loadLists("", true)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, e := range ls.entries {
		if e.Kind == kindException {
			continue
		}
		counts[e.Category]++
		if (e.Category == CatYakkiho || e.Category == CatKeihyo) && (e.Reason == "" || e.Suggestion == "") {
			t.Errorf("%s line %d %q: reason %q, suggestion %q", e.File, e.Line, e.Pattern, e.Reason, e.Suggestion)
		}
	}
	for _, c := range []string{CatProfanity, CatHarassment, CatDiscrimination, CatSexual, CatPersonalInfo, CatSpam, CatLink,
		CatCompetitor, CatYakkiho, CatKeihyo} {
		if counts[c] == 0 {
			t.Errorf("no entries in category %s", c)
		}
	}
	t.Logf("entries per category: %v", counts)
}
