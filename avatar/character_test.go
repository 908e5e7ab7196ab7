package avatar_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/livehost/livehost/avatar"
)

// TestLoadCharacter: a brand folder without an avatar folder draws the default character; one
// with images gives a frame per mouth shape; a broken one is refused, naming the file.
func TestLoadCharacter(t *testing.T) {
	gif := "GIF89a\x01\x00\x01\x00\x00\x00\x00;"
	svg := `<svg xmlns="http://www.w3.org/2000/svg"/>`
	cases := []struct {
		name   string
		files  map[string]string
		frames map[string]string // part → file, when it loads
		err    string
	}{
		{name: "no folder"},
		{name: "empty folder", files: map[string]string{"README.txt": "x"}},
		{name: "closed mouth only", files: map[string]string{"mouth-n.gif": gif},
			frames: map[string]string{"n": "mouth-n.gif", "a": "mouth-n.gif", "o": "mouth-n.gif"}},
		{name: "open shapes fall back to a", files: map[string]string{"mouth-n.gif": gif, "mouth-a.svg": svg, "blink.gif": gif},
			frames: map[string]string{"n": "mouth-n.gif", "a": "mouth-a.svg", "u": "mouth-a.svg", "blink": "blink.gif"}},
		{name: "no closed mouth", files: map[string]string{"mouth-a.gif": gif}, err: "mouth-n"},
		{name: "not an image", files: map[string]string{"mouth-n.png": "hello"}, err: "mouth-n.png is not a png image"},
		{name: "two of one shape", files: map[string]string{"mouth-n.png": gif, "mouth-n.gif": gif}, err: "both"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.files != nil {
				if err := os.Mkdir(filepath.Join(dir, "avatar"), 0o755); err != nil {
					t.Fatal(err)
				}
				for n, b := range tc.files {
					if err := os.WriteFile(filepath.Join(dir, "avatar", n), []byte(b), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			c, err := avatar.LoadCharacter(dir)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want one naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.frames == nil {
				if c != nil {
					t.Fatalf("character %+v, want none", c.Frames())
				}
				return
			}
			got := c.Frames()
			for part, file := range tc.frames {
				if got[part] != file {
					t.Fatalf("frames %v, want %s → %s", got, part, file)
				}
			}
			if _, ok := got["blink"]; ok != (tc.frames["blink"] != "") {
				t.Fatalf("frames %v: blink", got)
			}
			if im, ok := c.Image(got["n"]); !ok || len(im.Data) == 0 {
				t.Fatalf("image %s not served", got["n"])
			}
		})
	}
}
