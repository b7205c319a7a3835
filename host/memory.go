package host

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// updateMeminfo sends MemAvailable and MemTotal from /proc/meminfo. Both
// are required: a kernel without MemAvailable (before 3.14) fails the
// source rather than report a misleading free-memory figure.
func (c *Collector) updateMeminfo(ch chan<- prometheus.Metric) error {
	mem, err := c.proc.Meminfo()
	if err != nil {
		return fmt.Errorf("read meminfo: %w", err)
	}
	if mem.MemTotalBytes == nil || mem.MemAvailableBytes == nil {
		return errors.New("meminfo: MemTotal or MemAvailable missing")
	}
	ch <- prometheus.MustNewConstMetric(c.d.memTotal, prometheus.GaugeValue, float64(*mem.MemTotalBytes))
	ch <- prometheus.MustNewConstMetric(c.d.memAvailable, prometheus.GaugeValue, float64(*mem.MemAvailableBytes))
	return nil
}
