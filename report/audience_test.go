package report

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/livehost/livehost/show"
)

// TestViewers: connector.viewers counts hold until the connector's next one, add up across
// connectors, end when a connector stops or is removed and when the show stops; the report gives
// the peak and each segment's time-weighted average and peak.
func TestViewers(t *testing.T) {
	min := time.Minute
	yt := func(n int) show.ConnectorViewers {
		return show.ConnectorViewers{Name: "yt", Platform: "youtube", Viewers: n}
	}
	tw := func(n int) show.ConnectorViewers {
		return show.ConnectorViewers{Name: "tw", Platform: "twitch", Viewers: n}
	}
	head := []step{
		{0, show.TypeShowCreated, show.ShowCreated{Title: "t", Lineup: []string{"A", "B"}}},
		{0, show.TypeShowStarted, show.ShowStarted{}},
	}
	type seg struct {
		avg  float64
		peak int
	}
	for _, tt := range []struct {
		name     string
		steps    []step
		peak     int // -1: none
		peakAt   time.Duration
		segs     []*seg // nil: no figures
		minuteAt time.Duration
		minute   int
		held     map[time.Duration]int // minutes with no sample: the count held then, -1 for none
	}{
		{
			name: "one connector, counts held between samples",
			steps: []step{
				{0, show.TypeProductOnAir, show.ProductOnAir{SKU: "A"}},
				{0, show.TypeConnectorViewers, yt(100)},
				{5 * min, show.TypeConnectorViewers, yt(300)}, // A: 100 for 5 min, 300 for 5 min
				{10 * min, show.TypeProductOnAir, show.ProductOnAir{SKU: "B"}},
				{15 * min, show.TypeConnectorViewers, yt(200)}, // B: 300 for 5 min, 200 for 5 min
				{20 * min, show.TypeShowStopped, show.ShowStopped{}},
			},
			peak: 300, peakAt: 5 * min,
			segs:     []*seg{{200, 300}, {250, 300}},
			minuteAt: 15 * min, minute: 200,
			held: map[time.Duration]int{2 * min: 100, 7 * min: 300, 17 * min: 200},
		},
		{
			name: "two platforms add up",
			steps: []step{
				{0, show.TypeProductOnAir, show.ProductOnAir{SKU: "A"}},
				{0, show.TypeConnectorViewers, yt(100)},
				{2 * min, show.TypeConnectorViewers, tw(50)},  // 150
				{4 * min, show.TypeConnectorViewers, yt(130)}, // 180
				{10 * min, show.TypeShowStopped, show.ShowStopped{}},
			},
			// (100·2 + 150·2 + 180·6) / 10
			peak: 180, peakAt: 4 * min,
			segs:     []*seg{{158, 180}},
			minuteAt: 2 * min, minute: 150,
		},
		{
			name: "a stopped connector's count ends, and the average is over the time a count was known",
			steps: []step{
				{0, show.TypeProductOnAir, show.ProductOnAir{SKU: "A"}},
				{0, show.TypeConnectorViewers, yt(100)},
				{0, show.TypeConnectorViewers, tw(40)},
				{3 * min, show.TypeConnectorState, show.ConnectorState{Name: "tw", Platform: "twitch", State: show.ConnectorStopped}}, // 100
				{6 * min, show.TypeConnectorRemoved, show.ConnectorRemoved{Name: "yt"}},                                               // none
				{10 * min, show.TypeProductOnAir, show.ProductOnAir{SKU: "B"}},
				{20 * min, show.TypeShowStopped, show.ShowStopped{}},
			},
			// A: (140·3 + 100·3) / 6; B: nothing known.
			peak: 140, peakAt: 0,
			segs:     []*seg{{120, 140}, nil},
			minuteAt: 0, minute: 140,
			held: map[time.Duration]int{4 * min: 100, 8 * min: -1},
		},
		{
			name: "a count from before the segment carries in; a backoff keeps it",
			steps: []step{
				{0, show.TypeConnectorViewers, yt(80)},
				{4 * min, show.TypeProductOnAir, show.ProductOnAir{SKU: "A"}},
				{6 * min, show.TypeConnectorState, show.ConnectorState{Name: "yt", Platform: "youtube", State: show.ConnectorBackoff, Reason: "backendError (503)"}},
				{8 * min, show.TypeConnectorViewers, yt(60)},
				{12 * min, show.TypeShowStopped, show.ShowStopped{}},
			},
			// A from 4 to 12 min: 80 for 4 min, 60 for 4 min.
			peak: 80, peakAt: 0,
			segs:     []*seg{{70, 80}},
			minuteAt: 8 * min, minute: 60,
		},
		{
			name:  "no connector counted viewers",
			steps: []step{{0, show.TypeProductOnAir, show.ProductOnAir{SKU: "A"}}, {5 * min, show.TypeShowStopped, show.ShowStopped{}}},
			peak:  -1,
			segs:  []*seg{nil},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := build(t, logOf(t, append(append([]step{}, head...), tt.steps...)), Options{})
			switch {
			case tt.peak < 0 && r.Totals.ViewersPeak != nil:
				t.Fatalf("peak %d, want none", *r.Totals.ViewersPeak)
			case tt.peak >= 0 && (r.Totals.ViewersPeak == nil || *r.Totals.ViewersPeak != tt.peak || !r.Totals.ViewersPeakAt.Equal(t0.Add(tt.peakAt))):
				t.Fatalf("peak %v at %v, want %d at %v", r.Totals.ViewersPeak, r.Totals.ViewersPeakAt, tt.peak, t0.Add(tt.peakAt))
			}
			if len(r.Segments) != len(tt.segs) {
				t.Fatalf("%d segments, want %d", len(r.Segments), len(tt.segs))
			}
			for i, want := range tt.segs {
				s := r.Segments[i]
				if want == nil {
					if s.ViewersAvg != nil || s.ViewersPeak != nil {
						t.Errorf("segment %d: viewers %v/%v, want none", i, s.ViewersAvg, s.ViewersPeak)
					}
					continue
				}
				if s.ViewersAvg == nil || s.ViewersPeak == nil || *s.ViewersAvg != want.avg || *s.ViewersPeak != want.peak {
					t.Errorf("segment %d (%s): avg %v peak %v, want %v and %d", i, s.SKU, s.ViewersAvg, s.ViewersPeak, want.avg, want.peak)
				}
			}
			if tt.peak >= 0 {
				var found bool
				for _, m := range r.Minutes {
					if m.At.Equal(t0.Add(tt.minuteAt)) {
						found = true
						if m.Viewers == nil || *m.Viewers != tt.minute {
							t.Errorf("minute %v: viewers %v, want %d", m.At, m.Viewers, tt.minute)
						}
					}
				}
				if !found {
					t.Errorf("no minute at %v", t0.Add(tt.minuteAt))
				}
			}
			for at, want := range tt.held {
				for _, m := range r.Minutes {
					if !m.At.Equal(t0.Add(at)) {
						continue
					}
					if want < 0 && m.Viewers != nil || want >= 0 && (m.Viewers == nil || *m.Viewers != want) {
						t.Errorf("minute %v with no sample: viewers %v, want %d held", m.At, m.Viewers, want)
					}
				}
			}
			// The segments' CSV has the figures.
			var buf bytes.Buffer
			if err := r.WriteCSV(&buf, PartSegments); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			col := map[string]int{}
			for i, h := range rows[0] {
				col[h] = i
			}
			for i, want := range tt.segs {
				avg, peak := rows[i+1][col["viewers_avg"]], rows[i+1][col["viewers_peak"]]
				if want == nil && (avg != "" || peak != "") || want != nil && (avg != optNum(&want.avg) || peak != itoa(want.peak)) {
					t.Errorf("CSV segment %d: viewers %q/%q, want %+v", i, avg, peak, want)
				}
			}
		})
	}
}
