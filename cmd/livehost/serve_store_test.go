package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/livehost/livehost/internal/config"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/internal/pgtest"
)

const storeAdmin = "lh_store_test_admin_0123456789"

// lockedBuffer is serve's stderr, written by its goroutines and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveInProcess runs `livehost serve --json` in this process until stop is called or the test
// ends, and returns what it printed on startup and its log.
func serveInProcess(t *testing.T, args ...string) (info startupInfo, logs *lockedBuffer, stop func()) {
	t.Helper()
	return serveInProcessEnv(t, nil, args...)
}

// serveInProcessEnv is serveInProcess with more environment variables.
func serveInProcessEnv(t *testing.T, vars map[string]string, args ...string) (info startupInfo, logs *lockedBuffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &lockedBuffer{}
	environ := map[string]string{"LIVEHOST_ADMIN_TOKEN": storeAdmin}
	for k, v := range vars {
		environ[k] = v
	}
	env := &cliEnv{stdin: strings.NewReader(""), stdout: pw, stderr: stderr, getenv: func(k string) string { return environ[k] }}
	exited := make(chan int, 1)
	go func() {
		code := runMain(ctx, env, append([]string{"serve", "--addr", "127.0.0.1:0", "--json", "--log-level", "info"}, args...))
		pw.Close()
		exited <- code
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case code := <-exited:
				if code != 0 {
					t.Errorf("serve exited %d:\n%s", code, stderr)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("serve did not stop 30 s after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(pr)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case l, ok := <-line:
		if !ok {
			t.Fatalf("serve printed nothing; log:\n%s", stderr)
		}
		if err := json.Unmarshal([]byte(l), &info); err != nil {
			t.Fatalf("startup line %q: %v", l, err)
		}
		return info, stderr, stop
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start; log:\n%s", stderr)
	}
	return info, stderr, stop
}

type productCardJSON struct {
	SKU   string `json:"sku"`
	Name  string `json:"name"`
	Stock *int   `json:"stock"`
}

// productCard reads a product card the way the pages do.
func productCard(t *testing.T, base, show, token, sku string) productCardJSON {
	t.Helper()
	var res struct {
		Products []productCardJSON `json:"products"`
	}
	if code, err := call(base+"/api/shows/"+show+"/products?sku="+sku, token, "GET", nil, &res); code != 200 || err != nil {
		t.Fatalf("product card %s: %d %v", sku, code, err)
	}
	if len(res.Products) != 1 || res.Products[0].SKU != sku {
		t.Fatalf("product card %s: got %+v", sku, res.Products)
	}
	return res.Products[0]
}

// askDraft posts a viewer question and waits for the answer drafted for it.
func askDraft(t *testing.T, base, show, ingest, user, text string) string {
	t.Helper()
	if code, err := call(base+"/api/shows/"+show+"/chat", ingest, "POST", map[string]string{"user": user, "text": text}, nil); code != 202 {
		t.Fatalf("chat %q: %d %v", text, code, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	var after float64
	for time.Now().Before(deadline) {
		var page struct {
			Events []map[string]any `json:"events"`
		}
		if code, err := call(fmt.Sprintf("%s/api/shows/%s/events?after=%d&limit=1000", base, show, int64(after)), storeAdmin, "GET", nil, &page); code != 200 {
			t.Fatalf("events: %d %v", code, err)
		}
		for _, ev := range page.Events {
			after = ev["seq"].(float64)
			if ev["type"] == "draft.created" && ev["user"] == user {
				s, _ := ev["text"].(string)
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no draft for %q within 30 s", text)
	return ""
}

var soldOut = regexp.MustCompile(`在庫切れ|品切れ|売り切れ|売切れ|完売`)

// TestServeStoreLiveOffer runs serve --demo on a data directory: the example catalog is imported
// into the embedded store and served from it, and a `catalog offer` run by another command on the
// same directory reaches the running server's product card and its answer about stock.
func TestServeStoreLiveOffer(t *testing.T) {
	data := t.TempDir()
	info, logs, stop := serveInProcess(t, "--data", data, "--demo", "--demo-rate", "0.001")
	if !strings.Contains(logs.String(), "imported the example catalog") {
		t.Fatalf("the demo did not import the example catalog into the store; log:\n%s", logs)
	}
	var show struct {
		OnAir string `json:"on_air"`
	}
	if code, err := call(info.URL+"/api/shows/"+info.Show, info.Tokens["host"], "GET", nil, &show); code != 200 || show.OnAir == "" {
		t.Fatalf("demo show: %d %v %+v", code, err, show)
	}
	sku := show.OnAir
	before := productCard(t, info.URL, info.Show, info.Tokens["host"], sku)
	if before.Stock == nil || *before.Stock == 0 {
		t.Fatalf("%s should be in stock before the offer change: %+v", sku, before)
	}

	code, out, errOut := runCLI(t, "", nil, "catalog", "offer", sku, "--stock", "0", "--data", data)
	if code != 0 {
		t.Fatalf("catalog offer: exit %d\n%s%s", code, out, errOut)
	}
	after := productCard(t, info.URL, info.Show, info.Tokens["host"], sku)
	if after.Stock == nil || *after.Stock != 0 {
		t.Fatalf("the running server's card for %s after `catalog offer --stock 0`: %+v", sku, after)
	}
	if answer := askDraft(t, info.URL, info.Show, info.Tokens["ingest"], "viewer-stock", "在庫ありますか？"); !soldOut.MatchString(answer) {
		t.Fatalf("the answer to 在庫ありますか？ after the stock went to 0 does not say sold out: %q", answer)
	}

	// A product imported while the show runs can go on air at once.
	newCatalog := filepath.Join(t.TempDir(), "new.jsonl")
	if err := os.WriteFile(newCatalog, []byte(`{"sku":"LIVE-NEW-1","name":"ふわもこ 湯たんぽカバー","category":"ホーム","price":2480,"currency":"JPY","stock":7}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", nil, "catalog", "import", newCatalog, "--data", data); code != 0 {
		t.Fatalf("catalog import while serving: exit %d\n%s%s", code, out, errOut)
	}
	if code, err := call(info.URL+"/api/shows/"+info.Show+"/on-air", info.Tokens["host"], "POST", map[string]string{"sku": "LIVE-NEW-1"}, nil); code != 200 {
		t.Fatalf("put a product imported during the show on air: %d %v", code, err)
	}
	if card := productCard(t, info.URL, info.Show, info.Tokens["host"], "LIVE-NEW-1"); card.Stock == nil || *card.Stock != 7 {
		t.Fatalf("card of a product imported during the show: %+v", card)
	}

	// A restarted demo keeps the stock changed during the show: only missing products are imported.
	stop()
	info, logs, _ = serveInProcess(t, "--data", data, "--demo", "--demo-rate", "0.001")
	if strings.Contains(logs.String(), "imported the example catalog") {
		t.Errorf("the restarted demo imported the example catalog again; log:\n%s", logs)
	}
	if card := productCard(t, info.URL, info.Show, info.Tokens["host"], sku); card.Stock == nil || *card.Stock != 0 {
		t.Fatalf("the restarted demo's card for %s: %+v, want the stock set during the show (0)", sku, card)
	}
}

// TestServeEmptyStoreWarns starts serve on an empty data directory: it runs, and says how to
// import a catalog.
func TestServeEmptyStoreWarns(t *testing.T) {
	data := t.TempDir()
	info, logs, _ := serveInProcess(t, "--data", data)
	if code, err := call(info.URL+"/healthz", "", "GET", nil, nil); code != 200 {
		t.Fatalf("healthz: %d %v", code, err)
	}
	for _, want := range []string{"catalog store is empty", "livehost catalog import FILE --data " + data, "--catalog FILE"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// TestServePostgresCatalog serves from a PostgreSQL catalog filled by `catalog import --db`, and a
// `catalog offer --db` reaches the running server.
func TestServePostgresCatalog(t *testing.T) {
	url := pgtest.URL(t)
	code, out, errOut := runCLI(t, "", nil, "catalog", "import", catalogFile, "--db", url)
	if code != 0 {
		t.Fatalf("catalog import --db: exit %d\n%s%s", code, out, errOut)
	}
	info, _, _ := serveInProcess(t, "--db", url, "--data", t.TempDir()) // the speech cache lives in the data directory with any store
	const sku = "LH-COS-001"
	if code, err := call(info.URL+"/api/shows", storeAdmin, "POST", map[string]any{"id": "pg1", "title": "pg", "lineup": []string{sku}}, nil); code != 201 {
		t.Fatalf("create show with a lineup from the PostgreSQL catalog: %d %v", code, err)
	}
	tokens := map[string]string{}
	for _, role := range []string{"host", "ingest"} {
		var tok struct {
			Token string `json:"token"`
		}
		if code, err := call(info.URL+"/api/shows/pg1/tokens", storeAdmin, "POST", map[string]string{"role": role}, &tok); code != 201 {
			t.Fatalf("%s token: %d %v", role, code, err)
		}
		tokens[role] = tok.Token
	}
	if code, err := call(info.URL+"/api/shows/pg1/on-air", tokens["host"], "POST", map[string]string{"sku": sku}, nil); code != 200 {
		t.Fatalf("on air: %d %v", code, err)
	}
	card := productCard(t, info.URL, "pg1", tokens["host"], sku)
	if !strings.Contains(card.Name, "リップティント") || card.Stock == nil || *card.Stock == 0 {
		t.Fatalf("product card from PostgreSQL: %+v", card)
	}
	if answer := askDraft(t, info.URL, "pg1", tokens["ingest"], "viewer-price", "いくらですか？"); !strings.Contains(answer, "1,580") && !strings.Contains(answer, "1580") {
		t.Fatalf("price answer from the PostgreSQL catalog: %q", answer)
	}

	if code, out, errOut := runCLI(t, "", nil, "catalog", "offer", sku, "--stock", "0", "--db", url); code != 0 {
		t.Fatalf("catalog offer --db: exit %d\n%s%s", code, out, errOut)
	}
	if card := productCard(t, info.URL, "pg1", tokens["host"], sku); card.Stock == nil || *card.Stock != 0 {
		t.Fatalf("card after catalog offer --db: %+v", card)
	}
	if answer := askDraft(t, info.URL, "pg1", tokens["ingest"], "viewer-stock", "在庫ありますか？"); !soldOut.MatchString(answer) {
		t.Fatalf("stock answer after catalog offer --db: %q", answer)
	}
}

// TestServePostgresCatalogRefresh checks that with PostgreSQL, whose store does not tell the
// searcher about other processes' imports, a product imported while serving reaches the word index
// at the next refresh, and that Close stops the refresh.
func TestServePostgresCatalogRefresh(t *testing.T) {
	url := pgtest.URL(t)
	if code, out, errOut := runCLI(t, "", nil, "catalog", "import", catalogFile, "--db", url); code != 0 {
		t.Fatalf("catalog import --db: exit %d\n%s%s", code, out, errOut)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := serveConfig{Config: config.FromEnv(func(string) string { return "" }), embedder: "auto", catalogRefresh: 20 * time.Millisecond}
	cfg.DatabaseURL = url
	ag, err := openStoreCatalog(context.Background(), cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer ag.Close()
	before := ag.searcher.Len()
	newCatalog := filepath.Join(t.TempDir(), "new.jsonl")
	if err := os.WriteFile(newCatalog, []byte(`{"sku":"LIVE-NEW-1","name":"ふわもこ 湯たんぽカバー","category":"ホーム","price":2480,"currency":"JPY","stock":7}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "", nil, "catalog", "import", newCatalog, "--db", url); code != 0 {
		t.Fatalf("catalog import while serving: exit %d\n%s%s", code, out, errOut)
	}
	deadline := time.Now().Add(10 * time.Second)
	for ag.searcher.Len() != before+1 {
		if time.Now().After(deadline) {
			t.Fatalf("the word index still has %d products 10 s after an import of one more (refresh every 20 ms)", ag.searcher.Len())
		}
		time.Sleep(20 * time.Millisecond)
	}
	hits, err := ag.searcher.Search(context.Background(), catalog.Query{Text: "湯たんぽカバー", K: 3})
	if err != nil || len(hits) == 0 || hits[0].Product.SKU != "LIVE-NEW-1" {
		t.Fatalf("search for the product imported while serving: %v %+v", err, hits)
	}
}
