package perf

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestAgeSummary(t *testing.T) {
	ages := []float64{-1, -1, 15, -1, 30, 15, 45, 15}
	none, median, largest := ageSummary(ages, 2)
	if none != 1 || median != 15 || largest != 45 {
		t.Errorf("ageSummary = %d, %v, %v; want 1, 15, 45", none, median, largest)
	}
	if none, median, _ := ageSummary([]float64{-1, -1}, 0); none != 2 || median != -1 {
		t.Errorf("no analysis: %d, %v; want 2, -1", none, median)
	}
}

// TestWriteSlow: the slow JobManager section shows each collector's
// success ratio of both exporters and the analysis age.
func TestWriteSlow(t *testing.T) {
	ages := make([]float64, 12)
	for i := range ages {
		ages[i] = 15
	}
	r := &Report{Slow: &SlowResult{
		Scrapes:    12,
		Background: SlowOutcome{Up: 12, Success: map[string]int{"checkpoints": 11, "checkpoint_acks": 12}, FailedAt: map[string][]int{"checkpoints": {1}}, AckAges: ages, Durations: []time.Duration{3 * time.Second}},
		Waiting:    SlowOutcome{Up: 12, Success: map[string]int{"checkpoints": 6}, AckAges: make([]float64, 12), Durations: []time.Duration{9 * time.Second}},
	}}
	var b strings.Builder
	r.writeSlow(func(format string, args ...any) { b.WriteString(fmt.Sprintf(format, args...)) })
	out := b.String()
	for _, want := range []string{
		"## Slow JobManager, 1–3 s per answer",
		"| checkpoints | 92 % (11 of 12) | 1 | 50 % (6 of 12) | none |",
		"| checkpoint_acks | 100 % (12 of 12) | none | 0 % (0 of 12) | none |",
		"| background detail | 0 of 5 | 15 s | 15 s | 3.0 s |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("section lacks %q:\n%s", want, out)
		}
	}
}
