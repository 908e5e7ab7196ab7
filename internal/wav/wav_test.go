package wav

import (
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	b := Mono16(make([]int16, 24000*3/2), 24000)
	info, err := Parse(b)
	if err != nil || info.SampleRate != 24000 || info.Channels != 1 || info.BitsPerSample != 16 || info.Duration != 1500*time.Millisecond {
		t.Fatalf("Mono16: %+v %v", info, err)
	}
	f, err := Parse(MonoFloat([]float32{0, 1, -1, 2, -2}, 16000))
	if err != nil || f.DataBytes != 10 {
		t.Fatalf("MonoFloat: %+v %v", f, err)
	}
	// Full scale either way, and clipped beyond it.
	want := []int16{0, 32767, -32767, 32767, -32768}
	for i, w := range want {
		if got := int16(uint16(f.Data[2*i]) | uint16(f.Data[2*i+1])<<8); got != w {
			t.Errorf("sample %d = %d, want %d", i, got, w)
		}
	}
}

func TestParseErrors(t *testing.T) {
	good := Mono16([]int16{1, 2, 3}, 16000)
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"not riff", []byte("RIFX0000WAVE")},
		{"no data", good[:36]},
		{"data before fmt", append([]byte("RIFF\x00\x00\x00\x00WAVE"), []byte("data\x02\x00\x00\x00\x01\x02")...)},
		{"short fmt", append([]byte("RIFF\x00\x00\x00\x00WAVE"), []byte("fmt \x04\x00\x00\x00\x01\x00\x01\x00")...)},
	}
	for _, tt := range tests {
		if _, err := Parse(tt.in); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	// A data chunk that claims more than is present is cut to what is there.
	info, err := Parse(good[:len(good)-2])
	if err != nil || info.DataBytes != 4 {
		t.Errorf("truncated: %+v %v", info, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Mono16([]int16{1, -1, 300}, 24000))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Parse(b)
		if err == nil && (info.DataBytes != len(info.Data) || info.Duration < 0) {
			t.Fatalf("inconsistent %+v", info)
		}
	})
}
