package avatar

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// Character is a brand's own avatar: one full-frame image per mouth shape (the same size, eyes
// open) and, optionally, a blink layer drawn over whatever frame shows while the eyes close. It is
// read from the "avatar" folder of the brand folder:
//
//	mouth-n.png   the mouth closed (required; the frame shown between sentences)
//	mouth-a.png … mouth-o.png   the open shapes a, i, u, e, o (optional: a missing one shows mouth-a,
//	              or mouth-n when there is no mouth-a either)
//	blink.png     the closed eyes, on a transparent background (optional)
//
// PNG, WebP, GIF, JPEG or SVG. Without the folder the page draws its default SVG character.
type Character struct {
	images map[string]CharacterImage // by part: n, a, i, u, e, o, blink
}

// CharacterImage is one image of a Character.
type CharacterImage struct {
	Name        string // the file's name, which the page asks for
	ContentType string
	Data        []byte
}

// Character limits: a few frames of an OBS overlay, not a sprite sheet.
const (
	MaxCharacterImage = 8 << 20
	MaxCharacterTotal = 32 << 20
)

// CharacterParts are a Character's parts: the mouth shapes, then the blink layer.
var CharacterParts = []string{"n", "a", "i", "u", "e", "o", "blink"}

var imageTypes = map[string]string{".png": "image/png", ".webp": "image/webp", ".gif": "image/gif", ".jpg": "image/jpeg",
	".jpeg": "image/jpeg", ".svg": "image/svg+xml"}

// LoadCharacter reads the character in brandDir/avatar; nil (and no error) when the brand has
// none, so the default character is drawn.
func LoadCharacter(brandDir string) (*Character, error) {
	if brandDir == "" {
		return nil, nil
	}
	dir := filepath.Join(brandDir, "avatar")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("avatar character: %w", err)
	}
	c := &Character{images: map[string]CharacterImage{}}
	total := 0
	for _, e := range entries {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		stem := strings.TrimSuffix(name, filepath.Ext(name))
		part := strings.TrimPrefix(stem, "mouth-")
		if stem == "blink" {
			part = "blink"
		} else if part == stem {
			continue // not a character image: a README, say
		}
		typ, ok := imageTypes[ext]
		if !ok || e.IsDir() || !validPart(part) {
			continue
		}
		if prev, dup := c.images[part]; dup {
			return nil, fmt.Errorf("avatar character %s: %s and %s are both the %q image", dir, prev.Name, name, part)
		}
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("avatar character: %w", err)
		}
		if info.Size() > MaxCharacterImage {
			return nil, fmt.Errorf("avatar character %s: %s is %d bytes, at most %d", dir, name, info.Size(), MaxCharacterImage)
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("avatar character: %w", err)
		}
		if total += len(b); total > MaxCharacterTotal {
			return nil, fmt.Errorf("avatar character %s: the images are more than %d bytes", dir, MaxCharacterTotal)
		}
		if typ != "image/svg+xml" && !strings.HasPrefix(http.DetectContentType(b), "image/") {
			return nil, fmt.Errorf("avatar character %s: %s is not a %s image", dir, name, strings.TrimPrefix(ext, "."))
		}
		c.images[part] = CharacterImage{Name: name, ContentType: typ, Data: b}
	}
	if len(c.images) == 0 {
		return nil, nil
	}
	if _, ok := c.images["n"]; !ok {
		return nil, fmt.Errorf("avatar character %s: mouth-n (the closed mouth) is required", dir)
	}
	return c, nil
}

func validPart(p string) bool {
	for _, x := range CharacterParts {
		if x == p {
			return true
		}
	}
	return false
}

// Frames maps each part to the file the page shows for it: every mouth shape has one (a missing
// open shape shows mouth-a, or mouth-n), the blink only when the brand has one.
func (c *Character) Frames() map[string]string {
	out := map[string]string{}
	if c == nil {
		return out
	}
	for _, p := range CharacterParts {
		if im, ok := c.images[p]; ok {
			out[p] = im.Name
			continue
		}
		if p == "blink" {
			continue
		}
		if im, ok := c.images["a"]; ok {
			out[p] = im.Name
		} else {
			out[p] = c.images["n"].Name
		}
	}
	return out
}

// Image is one of the character's images by its file name.
func (c *Character) Image(name string) (CharacterImage, bool) {
	if c == nil {
		return CharacterImage{}, false
	}
	for _, im := range c.images {
		if im.Name == name {
			return im, true
		}
	}
	return CharacterImage{}, false
}
