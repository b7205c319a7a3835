package host

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// updateStat sends the CPU time per mode summed over CPUs and the CPU count
// from /proc/stat. procfs has already divided the kernel's USER_HZ ticks
// into seconds.
func (c *Collector) updateStat(ch chan<- prometheus.Metric) error {
	stat, err := c.proc.Stat()
	if err != nil {
		return fmt.Errorf("read stat: %w", err)
	}
	t := stat.CPUTotal
	modes := []struct {
		mode    string
		seconds float64
	}{
		{"user", t.User},
		{"nice", t.Nice},
		{"system", t.System},
		{"idle", t.Idle},
		{"iowait", t.Iowait},
		{"irq", t.IRQ},
		{"softirq", t.SoftIRQ},
		{"steal", t.Steal},
	}
	for _, m := range modes {
		ch <- prometheus.MustNewConstMetric(c.d.cpuSeconds, prometheus.CounterValue, m.seconds, m.mode)
	}
	ch <- prometheus.MustNewConstMetric(c.d.cpus, prometheus.GaugeValue, float64(len(stat.CPU)))
	return nil
}

// updateLoadavg sends the 1- and 5-minute load averages from /proc/loadavg.
func (c *Collector) updateLoadavg(ch chan<- prometheus.Metric) error {
	load, err := c.proc.LoadAvg()
	if err != nil {
		return fmt.Errorf("read loadavg: %w", err)
	}
	ch <- prometheus.MustNewConstMetric(c.d.load1, prometheus.GaugeValue, load.Load1)
	ch <- prometheus.MustNewConstMetric(c.d.load5, prometheus.GaugeValue, load.Load5)
	return nil
}
