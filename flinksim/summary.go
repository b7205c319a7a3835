package flinksim

import (
	"math"
	"slices"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// summaryWindow is how many recent values the percentiles of a checkpoint
// summary are computed over. Flink keeps 10000; a small window keeps a
// 100-job cluster small and changes nothing an exporter can observe in the
// simulator's short runs.
const summaryWindow = 128

// minMaxAvg accumulates min, max and average over every value recorded:
// all a per-subtask summary holds, and the part of a job summary that is
// not windowed.
type minMaxAvg struct {
	min, max, sum, count int64
}

// add records one value.
func (s *minMaxAvg) add(v int64) {
	if s.count == 0 || v < s.min {
		s.min = v
	}
	if s.count == 0 || v > s.max {
		s.max = v
	}
	s.sum += v
	s.count++
}

// summary is the StatsSummaryDto without percentiles: min, max and
// average, all 0 without values.
func (s *minMaxAvg) summary() flinkapi.StatsSummary {
	if s.count == 0 {
		return flinkapi.StatsSummary{}
	}
	return flinkapi.StatsSummary{Min: s.min, Max: s.max, Avg: s.sum / s.count}
}

// dto renders a summary without histogram, as Flink sends it for
// subtasks: "NaN" percentiles.
func (s *minMaxAvg) dto() flinkapi.StatsSummary {
	return withPercentiles(s.summary(), allPercentiles(math.NaN()))
}

// statsSummary is Flink's StatsSummary: min, max and average over every
// value since the JobManager started, percentiles over a recent window.
type statsSummary struct {
	all    minMaxAvg
	window [summaryWindow]int64
	next   int
}

// add records one value.
func (s *statsSummary) add(v int64) {
	s.all.add(v)
	s.window[s.next] = v
	s.next = (s.next + 1) % summaryWindow
}

// dto renders the summary as Flink's StatsSummaryDto; without values the
// percentiles are NaN and min/max/avg 0.
func (s *statsSummary) dto() flinkapi.StatsSummary {
	if s.all.count == 0 {
		return s.all.dto()
	}
	n := int(min(s.all.count, summaryWindow))
	vals := make([]float64, n)
	for i := range n {
		vals[i] = float64(s.window[i])
	}
	slices.Sort(vals)
	return withPercentiles(s.all.summary(), func(p float64) *flinkapi.Float {
		return flinkapi.NewFloat(percentile(vals, p))
	})
}

// zeroSummary is the hard-coded alignment_buffered DTO: zeros with 0.0
// percentiles, never NaN.
func zeroSummary() flinkapi.StatsSummary {
	return withPercentiles(flinkapi.StatsSummary{}, allPercentiles(0))
}

// withPercentiles sets every percentile a StatsSummaryDto carries to q of
// that percentile.
func withPercentiles(s flinkapi.StatsSummary, q func(p float64) *flinkapi.Float) flinkapi.StatsSummary {
	s.P50, s.P90, s.P95, s.P99, s.P999 = q(50), q(90), q(95), q(99), q(99.9)
	return s
}

// allPercentiles is a percentile function that answers v for every
// percentile.
func allPercentiles(v float64) func(float64) *flinkapi.Float {
	f := flinkapi.NewFloat(v)
	return func(float64) *flinkapi.Float { return f }
}

// percentile is commons-math's default (legacy) estimate over sorted
// values, which Flink's DescriptiveStatisticsHistogram uses.
func percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	if n == 1 {
		return sorted[0]
	}
	pos := p * float64(n+1) / 100
	switch {
	case pos < 1:
		return sorted[0]
	case pos >= float64(n):
		return sorted[n-1]
	}
	lower := sorted[int(pos)-1]
	upper := sorted[int(pos)]
	return lower + (pos-math.Floor(pos))*(upper-lower)
}
