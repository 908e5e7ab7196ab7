package report

// hist counts durations in fixed buckets, so that the median and p90 of a show's answer and
// decision times cost the same memory for a 3-hour show and a 24/7 one: tenths of a second up to
// a minute, seconds up to an hour, minutes up to a day (longer is counted as a day).
type hist struct {
	n      int
	counts [600 + 3540 + 1380]uint32
}

func (h *hist) add(secs float64) {
	var i int
	switch {
	case secs < 0:
		i = 0
	case secs < 60:
		i = int(secs * 10)
	case secs < 3600:
		i = 600 + int(secs-60)
	case secs < 86400:
		i = 600 + 3540 + int((secs-3600)/60)
	default:
		i = len(h.counts) - 1
	}
	h.counts[i]++
	h.n++
}

// lower is the smallest duration bucket i holds.
func (h *hist) lower(i int) float64 {
	switch {
	case i < 600:
		return float64(i) / 10
	case i < 600+3540:
		return 60 + float64(i-600)
	default:
		return 3600 + float64(i-600-3540)*60
	}
}

// quantile is the q-quantile (nearest rank, to the bucket's lower bound), nil when empty.
func (h *hist) quantile(q float64) *float64 {
	if h == nil || h.n == 0 {
		return nil
	}
	rank := int(q*float64(h.n) + 0.999999)
	rank = max(1, min(h.n, rank))
	seen := 0
	for i, c := range h.counts {
		seen += int(c)
		if seen >= rank {
			v := h.lower(i)
			return &v
		}
	}
	return nil
}
