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

// statsSummary is Flink's StatsSummary: min, max and average over every
// value since the JobManager started, percentiles over a recent window.
type statsSummary struct {
	min, max, sum, count int64
	window               [summaryWindow]int64
	next                 int
}

// add records one value.
func (s *statsSummary) add(v int64) {
	if s.count == 0 || v < s.min {
		s.min = v
	}
	if s.count == 0 || v > s.max {
		s.max = v
	}
	s.sum += v
	s.count++
	s.window[s.next] = v
	s.next = (s.next + 1) % summaryWindow
}

// dto renders the summary as Flink's StatsSummaryDto; without values the
// percentiles are NaN and min/max/avg 0.
func (s *statsSummary) dto() flinkapi.StatsSummary {
	if s.count == 0 {
		return nanSummary(0, 0, 0)
	}
	n := int(min(s.count, summaryWindow))
	vals := make([]float64, n)
	for i := range n {
		vals[i] = float64(s.window[i])
	}
	slices.Sort(vals)
	q := func(p float64) *flinkapi.Float { return flinkapi.NewFloat(percentile(vals, p)) }
	return flinkapi.StatsSummary{
		Min: s.min, Max: s.max, Avg: s.sum / s.count,
		P50: q(50), P90: q(90), P95: q(95), P99: q(99), P999: q(99.9),
	}
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

// nanSummary is a StatsSummaryDto without histogram: the given min, max and
// average and "NaN" percentiles, as Flink sends for per-subtask summaries and
// for job summaries without completed checkpoints.
func nanSummary(minV, maxV, avg int64) flinkapi.StatsSummary {
	nan := flinkapi.NewFloat(math.NaN())
	return flinkapi.StatsSummary{Min: minV, Max: maxV, Avg: avg, P50: nan, P90: nan, P95: nan, P99: nan, P999: nan}
}

// zeroSummary is the hard-coded alignment_buffered DTO: zeros with 0.0
// percentiles, never NaN.
func zeroSummary() flinkapi.StatsSummary {
	z := flinkapi.NewFloat(0)
	return flinkapi.StatsSummary{P50: z, P90: z, P95: z, P99: z, P999: z}
}

// minMaxAvg accumulates a per-subtask summary (no histogram).
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

// dto renders the accumulated values with NaN percentiles.
func (s *minMaxAvg) dto() flinkapi.StatsSummary {
	if s.count == 0 {
		return nanSummary(0, 0, 0)
	}
	return nanSummary(s.min, s.max, s.sum/s.count)
}
