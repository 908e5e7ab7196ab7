package catalog

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// DefaultHashDim is the dimension of the offline embedder's vectors.
const DefaultHashDim = 256

// HashEmbedder is the built-in offline embedder: signed feature hashing of character 1–3-grams of
// the folded text (so ﾘｯﾌﾟ, りっぷ and リップ are the same features), whole words for Latin text,
// and the kana readings of kanji words (黒 → くろ), L2-normalized. It needs no model and no network,
// and is deterministic: the same text always gives the same vector.
type HashEmbedder struct {
	dim int
}

// NewHashEmbedder returns the offline embedder with dim dimensions (DefaultHashDim when dim <= 0).
func NewHashEmbedder(dim int) *HashEmbedder {
	if dim <= 0 {
		dim = DefaultHashDim
	}
	return &HashEmbedder{dim: dim}
}

// HashEmbedderName is recorded in a store built by the offline embedder.
const HashEmbedderName = "livehost-hash-ngram-v1"

func (e *HashEmbedder) Name() string { return HashEmbedderName }
func (e *HashEmbedder) Dim() int     { return e.dim }

// Embed never fails except when ctx is done.
func (e *HashEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		out[i] = e.EmbedOne(t)
	}
	return out, nil
}

// Feature weights: bigrams and trigrams carry most of the meaning of Japanese text, single
// characters a little (a kanji alone is a word: 黒, 肌), whole Latin words a lot, and readings less
// than the written text so that an exact spelling still ranks first.
const (
	wUnigram = 0.4
	// A kana or Latin letter alone means little and is shared by most texts (っ, ー, の): its
	// weight stays small so it adds little noise to the cosine.
	wKanaUnigram = 0.1
	wBigram      = 1.0
	wTrigram     = 1.0
	wWord        = 1.5
	wWordTri     = 0.4
	wReading     = 0.6
	wTitle       = 2.0
)

// EmbedOne embeds one text.
func (e *HashEmbedder) EmbedOne(text string) []float32 {
	v := make([]float32, e.dim)
	features := 0
	add := func(h uint64, w float64) {
		features++
		idx := int(h % uint64(e.dim))
		if h>>63 == 1 {
			w = -w
		}
		v[idx] += float32(w)
	}
	// The first line weighs more: in Product.EmbedText it is the product's name.
	title, rest, _ := strings.Cut(text, "\n")
	forEachFeature(title, func(h uint64, w float64) { add(h, w*wTitle) })
	forEachFeature(rest, add)
	if features == 0 || invNorm(v) == 0 {
		// Only symbols, nothing at all, or features that cancelled out: one feature for the whole
		// text, so that the vector is never zero (a store refuses zero vectors) and equal texts
		// still meet.
		clear(v)
		add(hashRunes('0', []rune(text)), 1)
	}
	normalize(v)
	return v
}

// forEachFeature calls add with the hash and weight of every feature of text.
func forEachFeature(text string, add func(h uint64, w float64)) {
	for _, s := range segments(text, true) {
		scale := 1.0
		if s.reading {
			scale = wReading
		}
		r := s.runes
		if s.latin {
			add(hashRunes('w', r), wWord*scale)
			if len(r) >= 3 {
				// Character trigrams of the word with boundary marks, so "jean" and "jeans" are near.
				b := make([]rune, 0, len(r)+2)
				b = append(b, '^')
				b = append(b, r...)
				b = append(b, '$')
				for i := 0; i+3 <= len(b); i++ {
					add(hashRunes('t', b[i:i+3]), wWordTri*scale)
				}
			}
			continue
		}
		for i := range r {
			uw := wKanaUnigram
			if isHan(r[i]) || len(r) == 1 {
				uw = wUnigram
			}
			add(hashRunes('1', r[i:i+1]), uw*scale)
			if i+2 <= len(r) {
				add(hashRunes('2', r[i:i+2]), wBigram*scale)
			}
			if i+3 <= len(r) {
				add(hashRunes('3', r[i:i+3]), wTrigram*scale)
			}
		}
	}
}

// hashRunes is FNV-1a over a kind byte and the runes, finished with a 64-bit mixer so that both
// the low bits (the index) and the top bit (the sign) are well spread.
func hashRunes(kind byte, rs []rune) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	h ^= uint64(kind)
	h *= prime
	for _, r := range rs {
		for x := uint32(r); ; x >>= 8 {
			h ^= uint64(x & 0xff)
			h *= prime
			if x < 0x100 {
				break
			}
		}
		h ^= 0xfe // rune separator
		h *= prime
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// normalize scales v to unit length in place; a zero vector stays zero.
func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

func checkDim(name string, want int, v []float32) error {
	if len(v) != want {
		return fmt.Errorf("%w: embedder %s returned %d dimensions, want %d", ErrDimensionMismatch, name, len(v), want)
	}
	return nil
}
