// Package prompts owns the text livehost speaks with: the offline answer templates, the LLM system
// prompt, a brand's persona (tone, first person, sign-off) and the shop policy (shipping, returns).
// Everything is an embedded file under a version directory, so a change of wording is a new version
// that evals can compare; a brand overrides persona and policy with files of its own (Load).
package prompts

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

//go:embed v1 brands
var files embed.FS

// Version is the template version Default loads.
const Version = "v1"

// Persona is how a brand speaks.
type Persona struct {
	Brand string `json:"brand"`
	// Tone is a short instruction for the LLM ("明るく丁寧", "friendly and concise").
	Tone        string `json:"tone"`
	FirstPerson Text   `json:"first_person"` // 「私たち」 / "we"
	SignOff     Text   `json:"sign_off"`     // appended to answers; may be empty
}

// Text is one phrase in each language livehost speaks.
type Text struct {
	JA string `json:"ja"`
	EN string `json:"en"`
}

// In returns the text for lang ("ja" or "en"); Japanese is the fallback.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.JA
}

// Policy is the shop's shipping and returns policy. The numbers are fields, not prose, so that the
// fact guard can check an answer that quotes them.
type Policy struct {
	ShippingFee      float64 `json:"shipping_fee"`       // yen, tax included
	FreeShippingOver float64 `json:"free_shipping_over"` // order total from which shipping is free; 0: never
	ShipWithinDays   int     `json:"ship_within_days"`   // business days from order to dispatch
	DeliveryDays     int     `json:"delivery_days"`      // usual days from dispatch to arrival
	ReturnWithinDays int     `json:"return_within_days"` // days after arrival to ask for a return; 0: no returns
	Shipping         Text    `json:"shipping"`           // extra sentence about shipping (carrier, areas)
	Returns          Text    `json:"returns"`            // conditions of returns
}

// Numbers lists every number the policy states, for the fact guard.
func (p Policy) Numbers() []float64 {
	return []float64{p.ShippingFee, p.FreeShippingOver, float64(p.ShipWithinDays), float64(p.DeliveryDays), float64(p.ReturnWithinDays)}
}

// Set is one loaded version of the templates with a brand's persona and policy.
type Set struct {
	Version string
	Persona Persona
	Policy  Policy
	answers map[string]*template.Template // by language
	system  *template.Template
	avatar  map[string]map[string][]*template.Template // language → kind → variants
}

// Default loads the embedded templates with the default brand.
func Default() (*Set, error) { return load(Version, "") }

// Load loads the embedded templates with a brand directory that may hold persona.json and
// policy.json; a missing file keeps the default, a malformed one is an error.
func Load(brandDir string) (*Set, error) { return load(Version, brandDir) }

// MustDefault is Default for package initialisation and tests; the embedded files are checked by
// this package's tests, so it cannot fail in a built binary.
func MustDefault() *Set {
	s, err := Default()
	if err != nil {
		panic(err)
	}
	return s
}

func load(version, brandDir string) (*Set, error) {
	s := &Set{Version: version, answers: map[string]*template.Template{}}
	funcs := template.FuncMap{"join": strings.Join}
	for _, lang := range []string{"ja", "en"} {
		name := version + "/answers." + lang + ".tmpl"
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("prompts: read %s: %w", name, err)
		}
		t, err := template.New(lang).Funcs(funcs).Option("missingkey=error").Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("prompts: parse %s: %w", name, err)
		}
		s.answers[lang] = t
	}
	b, err := files.ReadFile(version + "/system.tmpl")
	if err != nil {
		return nil, fmt.Errorf("prompts: read %s/system.tmpl: %w", version, err)
	}
	if s.system, err = template.New("system").Funcs(funcs).Option("missingkey=error").Parse(string(b)); err != nil {
		return nil, fmt.Errorf("prompts: parse %s/system.tmpl: %w", version, err)
	}
	if s.avatar, err = loadAvatar(version+"/avatar.json", funcs); err != nil {
		return nil, err
	}
	def, _ := fs.Sub(files, "brands/default")
	if err := readJSON(def, "persona.json", &s.Persona); err != nil {
		return nil, err
	}
	if err := readJSON(def, "policy.json", &s.Policy); err != nil {
		return nil, err
	}
	if brandDir != "" {
		dir := os.DirFS(brandDir)
		for name, v := range map[string]any{"persona.json": &s.Persona, "policy.json": &s.Policy} {
			if _, err := fs.Stat(dir, name); errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err := readJSON(dir, name, v); err != nil {
				return nil, fmt.Errorf("brand %s: %w", brandDir, err)
			}
		}
	}
	return s, nil
}

func readJSON(dir fs.FS, name string, v any) error {
	b, err := fs.ReadFile(dir, name)
	if err != nil {
		return fmt.Errorf("prompts: read %s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("prompts: %s: %w", filepath.Base(name), err)
	}
	return nil
}

// Answer renders the offline answer template name ("price", "stock", …) in lang with data.
func (s *Set) Answer(lang, name string, data any) (string, error) {
	t, ok := s.answers[lang]
	if !ok {
		t = s.answers["ja"]
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("prompts: answer %s/%s: %w", lang, name, err)
	}
	return strings.TrimSpace(b.String()), nil
}

// System renders the LLM system prompt with data.
func (s *Set) System(data any) (string, error) {
	var b strings.Builder
	if err := s.system.Execute(&b, data); err != nil {
		return "", fmt.Errorf("prompts: system: %w", err)
	}
	return strings.TrimSpace(b.String()), nil
}

func loadAvatar(name string, funcs template.FuncMap) (map[string]map[string][]*template.Template, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("prompts: read %s: %w", name, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("prompts: %s: %w", name, err)
	}
	out := map[string]map[string][]*template.Template{}
	for lang, kinds := range raw {
		if lang == "_" {
			continue
		}
		var m map[string][]string
		if err := json.Unmarshal(kinds, &m); err != nil {
			return nil, fmt.Errorf("prompts: %s: %s: %w", name, lang, err)
		}
		out[lang] = map[string][]*template.Template{}
		for kind, variants := range m {
			for i, v := range variants {
				t, err := template.New(fmt.Sprintf("%s/%s/%d", lang, kind, i)).Funcs(funcs).Option("missingkey=zero").Parse(v)
				if err != nil {
					return nil, fmt.Errorf("prompts: %s: %s.%s[%d]: %w", name, lang, kind, i, err)
				}
				out[lang][kind] = append(out[lang][kind], t)
			}
		}
	}
	if out["ja"] == nil {
		return nil, fmt.Errorf("prompts: %s has no Japanese talk", name)
	}
	return out, nil
}

// AvatarTalk renders every variant of the avatar's offline talk of kind ("intro", "feature",
// "usage", "price", "stock", "crosssell", "cta", "idle", "address", "address_neutral") in lang
// (Japanese when lang has none) with data. A variant that fails to render is left out.
func (s *Set) AvatarTalk(lang, kind string, data any) []string {
	kinds, ok := s.avatar[lang]
	if !ok {
		kinds = s.avatar["ja"]
	}
	var out []string
	for _, t := range kinds[kind] {
		var b strings.Builder
		if err := t.Execute(&b, data); err != nil {
			continue
		}
		if line := strings.TrimSpace(b.String()); line != "" {
			out = append(out, line)
		}
	}
	return out
}
