package host

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"
)

// updatePressure sends the stall totals of /proc/pressure/{cpu,memory,io},
// converted from microseconds to seconds. A resource whose file is missing
// or unsupported (no PSI in the kernel, or PSI disabled at boot) is skipped
// without error, as is a missing full line (cpu before 5.13): that is the
// kernel offering less, not the source failing.
func (c *Collector) updatePressure(ch chan<- prometheus.Metric) error {
	type reading struct {
		resource string
		stats    procfs.PSIStats
	}
	var readings []reading
	for _, res := range []string{"cpu", "memory", "io"} {
		stats, err := c.proc.PSIStatsForResource(res)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errors.ErrUnsupported) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read pressure/%s: %w", res, err)
		}
		readings = append(readings, reading{res, stats})
	}
	for _, r := range readings {
		if r.stats.Some != nil {
			ch <- prometheus.MustNewConstMetric(c.d.pressureWaiting, prometheus.CounterValue, microseconds(r.stats.Some.Total), r.resource)
		}
		if r.stats.Full != nil {
			ch <- prometheus.MustNewConstMetric(c.d.pressureStalled, prometheus.CounterValue, microseconds(r.stats.Full.Total), r.resource)
		}
	}
	return nil
}

// microseconds converts a count of microseconds to seconds.
func microseconds(us uint64) float64 {
	return float64(us) / 1e6
}
