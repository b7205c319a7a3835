package perf

import (
	"math"
	"slices"
	"time"
)

// percentile is the nearest-rank p-th percentile (0 < p <= 100) of ds: the
// smallest sample that at least p % of the samples do not exceed. With
// fewer than 100 samples the 99th percentile is the largest.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	return s[max(rank, 1)-1]
}

// mean is the arithmetic mean of ns.
func mean[T int | int64 | time.Duration](ns []T) float64 {
	if len(ns) == 0 {
		return 0
	}
	var sum float64
	for _, n := range ns {
		sum += float64(n)
	}
	return sum / float64(len(ns))
}

// largest is the largest of ns, 0 for none.
func largest[T int | int64 | time.Duration](ns []T) T {
	var m T
	for _, n := range ns {
		m = max(m, n)
	}
	return m
}

// ms is d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// mib is n bytes in MiB.
func mib[T int64 | uint64](n T) float64 { return float64(n) / (1 << 20) }
