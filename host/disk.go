package host

import (
	"fmt"
	"regexp"

	"github.com/prometheus/client_golang/prometheus"
)

// notWholeDisk matches the /proc/diskstats names that are not a whole
// device carrying data: partitions (their I/O is already counted in the
// device), loop devices, RAM and zram disks, floppies and optical drives.
// Device-mapper devices (dm-N, LVM and dm-crypt volumes) are kept because
// Flink's local state often lives on one and its latency is what the
// TaskManager sees. The pattern is compiled once and never changed.
var notWholeDisk = regexp.MustCompile(`^(?:` +
	`loop\d+|` +
	`z?ram\d+|` +
	`fd\d+|` +
	`sr\d+|` +
	`(?:h|s|v|xv)d[a-z]+\d+|` +
	`nvme\d+n\d+p\d+|` +
	`mmcblk\d+p\d+` +
	`)$`)

// wholeDisk reports whether a /proc/diskstats device name is a whole device.
func wholeDisk(name string) bool {
	return !notWholeDisk.MatchString(name)
}

// updateDiskstats sends busy time, completed operations and time spent per
// whole device from /proc/diskstats, converting the kernel's milliseconds
// to seconds.
func (c *Collector) updateDiskstats(ch chan<- prometheus.Metric) error {
	stats, err := c.block.ProcDiskstats()
	if err != nil {
		return fmt.Errorf("read diskstats: %w", err)
	}
	for _, s := range stats {
		if !wholeDisk(s.DeviceName) {
			continue
		}
		dev := s.DeviceName
		ch <- prometheus.MustNewConstMetric(c.d.diskIOTime, prometheus.CounterValue, milliseconds(s.IOsTotalTicks), dev)
		ch <- prometheus.MustNewConstMetric(c.d.diskReads, prometheus.CounterValue, float64(s.ReadIOs), dev)
		ch <- prometheus.MustNewConstMetric(c.d.diskWrites, prometheus.CounterValue, float64(s.WriteIOs), dev)
		ch <- prometheus.MustNewConstMetric(c.d.diskReadTime, prometheus.CounterValue, milliseconds(s.ReadTicks), dev)
		ch <- prometheus.MustNewConstMetric(c.d.diskWriteTime, prometheus.CounterValue, milliseconds(s.WriteTicks), dev)
	}
	return nil
}

// milliseconds converts a count of milliseconds to seconds.
func milliseconds(ms uint64) float64 {
	return float64(ms) / 1e3
}
