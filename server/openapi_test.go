package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/livehost/livehost/avatar"
	"github.com/livehost/livehost/catalog"
	"github.com/livehost/livehost/hostscript"
	"github.com/livehost/livehost/live"
	"github.com/livehost/livehost/prompts"
	"github.com/livehost/livehost/show"
	"github.com/livehost/livehost/tts"
)

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// wildcardDocs says which documented operations each wildcard ("*") route of the server stands
// for, by method: "METHOD" → documented paths. A method an Any route registers that is not listed
// here is answered 405 by its handler and is deliberately left out of the document.
var wildcardDocs = map[string]map[string][]string{
	// http.FileServer under /static/: the path may contain slashes.
	"/static/*": {http.MethodGet: {"/static/{path}"}},
	// Voice.Mount registers e.Any("/whip/*"); media.WHIP answers POST {showID} (offer), DELETE
	// {showID}/{resource} (end), PATCH {showID}/{resource} (405: no trickle ICE) and OPTIONS on
	// both (204). CONNECT, GET, HEAD, PUT, TRACE, PROPFIND and REPORT get 405.
	"/whip/*": {
		http.MethodPost:    {"/whip/{showID}"},
		http.MethodOptions: {"/whip/{showID}", "/whip/{showID}/{resource}"},
		http.MethodDelete:  {"/whip/{showID}/{resource}"},
		http.MethodPatch:   {"/whip/{showID}/{resource}"},
	},
}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// undocumentedRoutes compares the operations of an OpenAPI document with the routes of an echo
// server, as "METHOD /path" in the document's form (echo's :id is {id}; wildcard routes go through
// wildcardDocs). missingInDoc are served but not documented, missingInServer documented but not
// served. echo's group catch-alls (RouteNotFound: answered 404, or 401 without a token) are no
// operations.
func undocumentedRoutes(doc []byte, routes []*echo.Route) (missingInDoc, missingInServer []string, err error) {
	var d struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, nil, fmt.Errorf("parse the document: %w", err)
	}
	documented := map[string]bool{}
	for path, item := range d.Paths {
		for key := range item {
			if slices.Contains(openAPIMethods, key) {
				documented[strings.ToUpper(key)+" "+path] = true
			}
		}
	}
	served := map[string]bool{}
	for _, r := range routes {
		if r.Method == echo.RouteNotFound {
			continue
		}
		if strings.Contains(r.Path, "*") {
			byMethod, ok := wildcardDocs[r.Path]
			if !ok {
				// A wildcard route nobody mapped: it must be documented by hand first.
				served[r.Method+" "+r.Path+" (wildcard route missing from wildcardDocs)"] = true
				continue
			}
			for _, p := range byMethod[r.Method] {
				served[r.Method+" "+p] = true
			}
			continue
		}
		served[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	for k := range served {
		if !documented[k] {
			missingInDoc = append(missingInDoc, k)
		}
	}
	for k := range documented {
		if !served[k] {
			missingInServer = append(missingInServer, k)
		}
	}
	sort.Strings(missingInDoc)
	sort.Strings(missingInServer)
	return missingInDoc, missingInServer, nil
}

// openAPITestServer is the one place these tests build a server: as `livehost serve` does, with
// WHIP voice ingest mounted, but with stand-in agents (routes do not depend on them).
func openAPITestServer(t *testing.T) *Server {
	t.Helper()
	ctx := context.Background()
	st, err := show.OpenStore(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rt, err := live.New(ctx, live.Options{Store: st, Agents: live.Agents{Moderator: standInAgents{}, Answerer: standInAgents{}},
		ScriptReader: func(string) []hostscript.Word { return nil }, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	voice, err := NewVoice(VoiceConfig{Runtime: rt, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { voice.Close() }) // before the runtime, as serve does
	av, err := avatar.New(avatar.Options{Runtime: rt, Products: standInProducts{}, Speech: &tts.Chain{Engines: []tts.Engine{&tts.Tone{}}},
		Gate: &avatar.Gate{}, Prompts: prompts.MustDefault(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(av.Close)
	s, err := New(Options{
		Runtime: rt, Tokens: StoreTokens(st), AdminToken: "lh_openapi_test_admin", Logger: log,
		Mount: []func(*echo.Echo, Auth){voice.Mount, AvatarRoutes(av)}, Collectors: append(voice.Collectors(), av.Collectors()...),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// registeredRoutes is every route of a real server.
func registeredRoutes(t *testing.T) []*echo.Route {
	t.Helper()
	return openAPITestServer(t).routeList()
}

// standInAgents hold chat that says HOLD, flag host speech that says 消えます, and draft a reply
// that needs review to every message ending in "?".
type standInAgents struct{}

func (standInAgents) ModerateChat(m live.ChatMessage) live.Verdict {
	if i := strings.Index(m.Text, "HOLD"); i >= 0 {
		return live.Verdict{Action: show.ActionHold, Categories: []string{"test"}, Reason: "stand-in hold",
			Matches: []show.Match{{Term: "HOLD", Category: "test", Start: i, End: i + 4}}}
	}
	return live.Verdict{Action: show.ActionAllow}
}

func (standInAgents) ModerateHost(text string) live.Verdict {
	if i := strings.Index(text, "消えます"); i >= 0 {
		i = len([]rune(text[:i]))
		return live.Verdict{Action: show.ActionHold, Matches: []show.Match{{Term: "消えます", Category: "efficacy", Start: i, End: i + 4, Suggestion: "目立たなくします"}}}
	}
	return live.Verdict{Action: show.ActionAllow}
}

func (standInAgents) Detect(text string) live.Question {
	return live.Question{IsQuestion: strings.HasSuffix(text, "?"), Intent: "other", Lang: "en"}
}

func (standInAgents) Answer(_ context.Context, r live.AnswerRequest) (live.Answer, error) {
	return live.Answer{IsQuestion: true, Intent: "other", SKU: r.OnAir, Text: "a drafted reply", Confidence: 0.5, NeedsReview: true, Engine: "stand-in",
		Facts: []show.Fact{{Field: "name", Value: "x"}}}, nil
}

// standInProducts knows no product.
type standInProducts struct{}

func (standInProducts) Get(context.Context, string) (catalog.Product, bool, error) {
	return catalog.Product{}, false, nil
}

func TestOpenAPIRoutesMatchServer(t *testing.T) {
	routes := registeredRoutes(t)
	missingInDoc, missingInServer, err := undocumentedRoutes(openAPIDoc, routes)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range missingInDoc {
		t.Errorf("served but not in server/openapi.json: %s", r)
	}
	for _, r := range missingInServer {
		t.Errorf("in server/openapi.json but not served: %s", r)
	}
	// The comparison must have seen the routes it is about, not an empty list.
	seen := map[string]bool{}
	for _, r := range routes {
		seen[r.Method+" "+r.Path] = true
	}
	for _, want := range []string{"POST /api/shows/:id/chat", "GET /api/shows/:id/stream", "POST /whip/*", "GET /api/openapi.json"} {
		if !seen[want] {
			t.Errorf("the test server does not register %s", want)
		}
	}
}

func TestUndocumentedRoutes(t *testing.T) {
	doc := []byte(`{"openapi":"3.1.0","paths":{
		"/a/{id}":{"parameters":[],"get":{},"x-note":{}},
		"/static/{path}":{"get":{}},
		"/whip/{showID}":{"post":{},"options":{}},
		"/whip/{showID}/{resource}":{"delete":{},"patch":{},"options":{}},
		"/gone":{"post":{}}}}`)
	routes := []*echo.Route{
		{Method: "GET", Path: "/a/:id"},
		{Method: "PUT", Path: "/a/:id"},
		{Method: "GET", Path: "/static/*"},
		{Method: "GET", Path: "/whip/*"}, // an Any method the mapping leaves out
		{Method: "POST", Path: "/whip/*"},
		{Method: "DELETE", Path: "/whip/*"},
		{Method: "PATCH", Path: "/whip/*"},
		{Method: "OPTIONS", Path: "/whip/*"},
		{Method: "GET", Path: "/new/*"},
		{Method: echo.RouteNotFound, Path: "/api/*"},
	}
	inDoc, inServer, err := undocumentedRoutes(doc, routes)
	if err != nil {
		t.Fatal(err)
	}
	wantDoc := []string{"GET /new/* (wildcard route missing from wildcardDocs)", "PUT /a/{id}"}
	wantServer := []string{"POST /gone"}
	if !slices.Equal(inDoc, wantDoc) || !slices.Equal(inServer, wantServer) {
		t.Fatalf("missing in doc %q, want %q; missing in server %q, want %q", inDoc, wantDoc, inServer, wantServer)
	}
	if _, _, err := undocumentedRoutes([]byte(`{"paths":`), nil); err == nil {
		t.Fatal("a malformed document gave no error")
	}
}

func TestOpenAPIDocument(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("server/openapi.json is not JSON: %v", err)
	}
	if v, _ := doc["openapi"].(string); !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(v) {
		t.Fatalf(`"openapi" is %q, want 3.1.x`, v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] != "livehost" || info["version"] == nil {
		t.Errorf("info %v: want title livehost and a version", info)
	}

	// Every $ref points inside the document.
	var refs int
	walkJSON(doc, "#", func(at string, m map[string]any) {
		ref, ok := m["$ref"].(string)
		if !ok {
			return
		}
		refs++
		if _, err := resolvePointer(doc, ref); err != nil {
			t.Errorf("%s: $ref %q: %v", at, ref, err)
		}
	})
	if refs == 0 {
		t.Error("no $ref at all")
	}

	components, _ := doc["components"].(map[string]any)
	schemes, _ := components["securitySchemes"].(map[string]any)
	if _, ok := schemes["bearer"]; !ok {
		t.Error("no bearer security scheme")
	}
	roles := []string{"admin", "moderator", "host", "ingest", "overlay"}
	ids := map[string]string{}
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("no paths")
	}
	for path, v := range paths {
		item := v.(map[string]any)
		for _, method := range openAPIMethods {
			raw, ok := item[method]
			if !ok {
				continue
			}
			op := raw.(map[string]any)
			where := strings.ToUpper(method) + " " + path
			resp, _ := op["responses"].(map[string]any)
			if len(resp) == 0 {
				t.Errorf("%s has no responses", where)
			}
			for code := range resp {
				if !regexp.MustCompile(`^([1-5][0-9][0-9]|default)$`).MatchString(code) {
					t.Errorf("%s: response %q is neither a status code nor default", where, code)
				}
			}
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s has no operationId", where)
			} else if prev, dup := ids[id]; dup {
				t.Errorf("%s and %s share operationId %q", prev, where, id)
			}
			ids[id] = where
			sec, ok := op["security"].([]any)
			if !ok {
				t.Errorf("%s does not say its security ([] for none)", where)
			}
			for _, req := range sec {
				for name := range req.(map[string]any) {
					if _, ok := schemes[name]; !ok {
						t.Errorf("%s: security scheme %q is not in components", where, name)
					}
				}
			}
			xr, hasRoles := op["x-roles"].([]any)
			if len(sec) > 0 && !hasRoles {
				t.Errorf("%s needs a token but has no x-roles", where)
			}
			if len(sec) > 0 && !slices.Contains(xr, any("admin")) {
				t.Errorf("%s: x-roles %v leaves out admin, which may do everything", where, xr)
			}
			for _, r := range xr {
				if !slices.Contains(roles, r.(string)) {
					t.Errorf("%s: unknown role %v in x-roles", where, r)
				}
			}
			// Every {name} of the path is a declared path parameter, and only those.
			declared := map[string]bool{}
			for _, list := range []any{item["parameters"], op["parameters"]} {
				ps, _ := list.([]any)
				for _, p := range ps {
					pm := p.(map[string]any)
					if ref, ok := pm["$ref"].(string); ok {
						r, err := resolvePointer(doc, ref)
						if err != nil {
							continue // reported above
						}
						pm = r.(map[string]any)
					}
					if pm["in"] == "path" {
						declared[pm["name"].(string)] = true
						if pm["required"] != true {
							t.Errorf("%s: path parameter %v is not required", where, pm["name"])
						}
					}
				}
			}
			inPath := map[string]bool{}
			for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
				inPath[m[1]] = true
				if !declared[m[1]] {
					t.Errorf("%s: path parameter {%s} is not declared", where, m[1])
				}
			}
			for name := range declared {
				if !inPath[name] {
					t.Errorf("%s: parameter %q is not in the path", where, name)
				}
			}
		}
	}
}

// TestOpenAPIValidates runs the document through an OpenAPI 3.1 validator (kin-openapi), which
// also checks the examples against their schemas.
func TestOpenAPIValidates(t *testing.T) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(openAPIDoc)
	if err != nil {
		t.Fatalf("load server/openapi.json: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi %q is not 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("server/openapi.json is not a valid OpenAPI 3.1 document: %v", err)
	}
	// Validate leaves the JSON Schema "examples" of the component schemas alone.
	for name, ref := range doc.Components.Schemas {
		for i, ex := range ref.Value.Examples {
			if err := doc.ValidateSchemaJSON(ref.Value, ex, openapi3.EnableJSONSchema2020()); err != nil {
				t.Errorf("schema %s: example %d does not match it: %v", name, i, err)
			}
		}
	}
}

// walkJSON calls f on every object of v, with its JSON pointer.
func walkJSON(v any, at string, f func(at string, m map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(at, x)
		for k, c := range x {
			walkJSON(c, at+"/"+strings.NewReplacer("~", "~0", "/", "~1").Replace(k), f)
		}
	case []any:
		for i, c := range x {
			walkJSON(c, fmt.Sprintf("%s/%d", at, i), f)
		}
	}
}

// resolvePointer follows a local reference ("#/components/schemas/Error") in doc.
func resolvePointer(doc any, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("not a reference inside the document")
	}
	cur := doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q is not inside an object", tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("no %q", tok)
		}
	}
	return cur, nil
}

func TestOpenAPIServedWithoutToken(t *testing.T) {
	s := openAPITestServer(t)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/openapi.json without a token: %d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("the answer is not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") || doc.Paths["/api/openapi.json"] == nil {
		t.Fatalf("the answer is not this document: openapi %q, %d paths", doc.OpenAPI, len(doc.Paths))
	}
	// Its neighbours under /api still need a token.
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/shows", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("GET /api/shows without a token: %d, want 401", rec.Code)
	}
}

// TestOpenAPIResponsesMatchSchemas drives a show through the API and checks every request body it
// sends and every JSON answer it gets against the document's schemas for that operation and status.
func TestOpenAPIResponsesMatchSchemas(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openAPIDoc)
	if err != nil {
		t.Fatal(err)
	}
	s := openAPITestServer(t)
	const admin = "lh_openapi_test_admin"
	checked := map[string]bool{}
	// call sends a request to path (of the documented template tmpl) and checks both bodies; it
	// returns the status and the decoded answer.
	call := func(method, tmpl, path, token string, body any) (int, any) {
		t.Helper()
		op := doc.Paths.Find(tmpl).GetOperation(method)
		if op == nil {
			t.Fatalf("%s %s is not documented", method, tmpl)
		}
		var reqBody []byte
		if body != nil {
			reqBody, _ = json.Marshal(body)
		}
		req := httptest.NewRequest(method, path, strings.NewReader(string(reqBody)))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		where := fmt.Sprintf("%s %s → %d", method, path, rec.Code)
		if body != nil && rec.Code < 300 {
			if op.RequestBody == nil {
				t.Errorf("%s: sent a body the document does not describe", where)
			} else if err := validateJSON(doc, op.RequestBody.Value.Content.Get("application/json").Schema.Value, body); err != nil {
				t.Errorf("%s: the request body was accepted but does not match its schema: %v", where, err)
			}
		}
		resp := op.Responses.Status(rec.Code)
		if resp == nil {
			resp = op.Responses.Default()
		}
		if resp == nil {
			t.Errorf("%s: status not documented (%s)", where, rec.Body)
			return rec.Code, nil
		}
		var out any
		if ct := rec.Header().Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			mt := resp.Value.Content.Get("application/json")
			if mt == nil {
				t.Errorf("%s: answered JSON the document does not describe: %s", where, rec.Body)
			} else if err := validateJSON(doc, mt.Schema.Value, out); err != nil {
				t.Errorf("%s: the answer does not match its schema: %v\n%s", where, err, rec.Body)
			}
		}
		checked[fmt.Sprintf("%s %s %d", method, tmpl, rec.Code)] = true
		return rec.Code, out
	}
	field := func(v any, keys ...string) any {
		for _, k := range keys {
			v = v.(map[string]any)[k]
		}
		return v
	}
	want := func(code, wantCode int, what string) {
		t.Helper()
		if code != wantCode {
			t.Fatalf("%s: %d, want %d", what, code, wantCode)
		}
	}

	code, _ := call("GET", "/healthz", "/healthz", "", nil)
	want(code, 200, "healthz")
	code, _ = call("POST", "/api/shows", "/api/shows", admin, map[string]any{"id": "s1", "title": "Spring LIVE", "lineup": []string{"A-1", "B-2"}, "mode": "host"})
	want(code, 201, "create show")
	code, _ = call("POST", "/api/shows", "/api/shows", admin, map[string]any{"id": "s1", "title": "again"})
	want(code, 409, "create the show again")
	toks := map[string]string{}
	for _, role := range []string{"moderator", "host", "ingest", "overlay"} {
		code, out := call("POST", "/api/shows/{id}/tokens", "/api/shows/s1/tokens", admin, map[string]string{"role": role, "label": role + "-1"})
		want(code, 201, "token")
		toks[role] = field(out, "token").(string)
	}
	code, _ = call("GET", "/api/shows", "/api/shows", admin, nil)
	want(code, 200, "list shows")
	code, _ = call("GET", "/api/shows", "/api/shows", toks["host"], nil)
	want(code, 403, "list shows as host")
	code, _ = call("GET", "/api/shows/{id}", "/api/shows/s1", toks["overlay"], nil)
	want(code, 200, "get show")
	code, _ = call("GET", "/api/shows/{id}", "/api/shows/nope", admin, nil)
	want(code, 404, "get an unknown show")
	code, _ = call("GET", "/api/shows/{id}", "/api/shows/s1", "", nil)
	want(code, 401, "get show without a token")
	code, _ = call("POST", "/api/shows/{id}/on-air", "/api/shows/s1/on-air", toks["host"], map[string]any{"sku": "A-1"})
	want(code, 200, "on air")
	code, _ = call("POST", "/api/shows/{id}/start", "/api/shows/s1/start", toks["host"], nil)
	want(code, 200, "start")
	code, _ = call("POST", "/api/shows/{id}/start", "/api/shows/s1/start", toks["host"], nil)
	want(code, 409, "start again")

	code, _ = call("POST", "/api/shows/{id}/chat", "/api/shows/s1/chat", toks["ingest"], map[string]any{"platform": "youtube", "user": "a", "text": "hello", "id": "yt-1"})
	want(code, 202, "one chat message")
	code, out := call("POST", "/api/shows/{id}/chat", "/api/shows/s1/chat", toks["ingest"], []map[string]any{
		{"user": "b", "text": "is it waterproof?"}, {"user": "c", "text": "HOLD this"}})
	want(code, 202, "a batch")
	heldSeq := int64(field(out, "results").([]any)[1].(map[string]any)["seq"].(float64))
	code, _ = call("POST", "/api/shows/{id}/chat", "/api/shows/s1/chat", toks["ingest"], map[string]any{"user": "a", "txt": "typo"})
	want(code, 400, "unknown field")

	code, _ = call("POST", "/api/shows/{id}/transcript", "/api/shows/s1/transcript", toks["host"], map[string]any{"text": "シミが消えます", "final": true, "source": "caption"})
	want(code, 202, "final transcript")
	code, _ = call("POST", "/api/shows/{id}/transcript", "/api/shows/s1/transcript", toks["ingest"], map[string]any{"text": "interim", "final": false})
	want(code, 202, "interim transcript")
	code, _ = call("POST", "/api/shows/{id}/script/position", "/api/shows/s1/script/position", toks["host"], map[string]any{"line": 0})
	want(code, 409, "position without a script")
	code, _ = call("PUT", "/api/shows/{id}/script", "/api/shows/s1/script", toks["moderator"], map[string]any{"text": "first line\nsecond line"})
	want(code, 200, "script")
	code, _ = call("POST", "/api/shows/{id}/script/position", "/api/shows/s1/script/position", toks["host"], map[string]any{"line": 1})
	want(code, 200, "position")

	var draftID string
	for deadline := time.Now().Add(10 * time.Second); draftID == ""; time.Sleep(10 * time.Millisecond) {
		code, out = call("GET", "/api/shows/{id}/drafts", "/api/shows/s1/drafts?status=pending", toks["host"], nil)
		want(code, 200, "drafts")
		if ds := field(out, "drafts").([]any); len(ds) > 0 {
			draftID = ds[0].(map[string]any)["draft_id"].(string)
		} else if time.Now().After(deadline) {
			t.Fatal("no draft for the question")
		}
	}
	code, _ = call("POST", "/api/drafts/{draft}/claim", "/api/drafts/"+draftID+"/claim", toks["moderator"], nil)
	want(code, 200, "claim")
	code, _ = call("POST", "/api/drafts/{draft}/release", "/api/drafts/"+draftID+"/release", toks["moderator"], nil)
	want(code, 200, "release")
	code, _ = call("POST", "/api/drafts/{draft}/approve", "/api/drafts/"+draftID+"/approve", toks["moderator"], map[string]any{"text": "an edited reply"})
	want(code, 200, "approve")
	code, _ = call("POST", "/api/drafts/{draft}/reject", "/api/drafts/"+draftID+"/reject", toks["moderator"], map[string]any{"reason": "too late"})
	want(code, 409, "reject after approval")
	code, _ = call("POST", "/api/drafts/{draft}/approve", "/api/drafts/nope/approve", toks["moderator"], nil)
	want(code, 404, "unknown draft")

	code, _ = call("GET", "/api/shows/{id}/state", "/api/shows/s1/state", toks["moderator"], nil)
	want(code, 200, "state with a held message")
	code, _ = call("POST", "/api/shows/{id}/held/{seq}/allow", fmt.Sprintf("/api/shows/s1/held/%d/allow", heldSeq), toks["moderator"], nil)
	want(code, 200, "allow")
	code, _ = call("POST", "/api/shows/{id}/held/{seq}/deny", fmt.Sprintf("/api/shows/s1/held/%d/deny", heldSeq), toks["moderator"], nil)
	want(code, 404, "deny after allow")
	code, _ = call("GET", "/api/shows/{id}/state", "/api/shows/s1/state", toks["host"], nil)
	want(code, 200, "state")
	code, _ = call("GET", "/api/shows/{id}/state", "/api/shows/s1/state", toks["overlay"], nil)
	want(code, 403, "state as overlay")
	code, _ = call("GET", "/api/shows/{id}/products", "/api/shows/s1/products?sku=A-1,B-2", toks["overlay"], nil)
	want(code, 200, "products")
	for _, role := range []string{"moderator", "overlay"} {
		code, _ = call("GET", "/api/shows/{id}/events", "/api/shows/s1/events?after=0&limit=1000", toks[role], nil)
		want(code, 200, "events as "+role)
	}
	code, _ = call("GET", "/api/shows/{id}/events", "/api/shows/s1/events?limit=0", toks["host"], nil)
	want(code, 400, "events with limit 0")
	code, _ = call("POST", "/api/shows/{id}/stop", "/api/shows/s1/stop", toks["moderator"], nil)
	want(code, 200, "stop")
	code, _ = call("POST", "/api/shows/{id}/stop", "/api/shows/s1/stop", toks["moderator"], nil)
	want(code, 409, "stop again")
	code, _ = call("POST", "/whip/{showID}", "/whip/s1", toks["moderator"], nil)
	want(code, 403, "WHIP as moderator")
	code, _ = call("POST", "/whip/{showID}", "/whip/s1", toks["host"], nil)
	want(code, 503, "WHIP without speech-to-text")

	// After the show: orders, the report, its list.
	code, _ = call("POST", "/api/shows/{id}/orders", "/api/shows/s1/orders", toks["moderator"], map[string]any{"orders": []map[string]any{
		{"order_id": "#1", "at": time.Now().UTC().Format(time.RFC3339), "sku": "A-1", "quantity": 1, "price": 1980},
		{"order_id": "#2", "at": "yesterday", "sku": "A-1", "quantity": 1, "price": 1980}}})
	want(code, 200, "orders")
	code, _ = call("POST", "/api/shows/{id}/orders", "/api/shows/s1/orders", toks["host"], map[string]any{"orders": []any{}})
	want(code, 403, "orders as host")
	code, _ = call("GET", "/api/shows/{id}/report", "/api/shows/s1/report", toks["moderator"], nil)
	want(code, 200, "report")
	code, _ = call("GET", "/api/shows/{id}/report", "/api/shows/s1/report?window=soon", toks["moderator"], nil)
	want(code, 400, "report with a bad window")
	code, _ = call("GET", "/api/shows/{id}/report", "/api/shows/nope/report", admin, nil)
	want(code, 404, "report of an unknown show")
	code, _ = call("GET", "/api/shows/{id}/report.csv", "/api/shows/s1/report.csv?part=segments", toks["moderator"], nil)
	want(code, 200, "report CSV")
	code, _ = call("GET", "/api/shows/{id}/report.csv", "/api/shows/s1/report.csv?part=nope", toks["moderator"], nil)
	want(code, 400, "report CSV of no part")
	code, _ = call("GET", "/api/reports", "/api/reports", admin, nil)
	want(code, 200, "reports")
	code, _ = call("GET", "/api/reports", "/api/reports", toks["overlay"], nil)
	want(code, 403, "reports as overlay")
	if len(checked) < 30 {
		t.Errorf("checked only %d operation/status pairs", len(checked))
	}
}

// validateJSON checks a decoded JSON value against a schema of doc (JSON Schema 2020-12).
func validateJSON(doc *openapi3.T, schema *openapi3.Schema, v any) error {
	// Round-trip through JSON so that v has the types a decoder gives (float64, map[string]any).
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var val any
	if err := json.Unmarshal(b, &val); err != nil {
		return err
	}
	return doc.ValidateSchemaJSON(schema, val, openapi3.EnableJSONSchema2020())
}
