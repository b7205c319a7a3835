package host

import (
	"fmt"
	"os"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/procfs"
	"github.com/prometheus/procfs/blockdevice"
)

const (
	namespace = "flink"
	subsystem = "host"
)

// Config configures a Collector. The zero value reads /proc with an empty
// tm_id, the machine's hostname and no logging.
type Config struct {
	// ProcPath is the mount point of the proc filesystem to read, "/proc"
	// if empty. In a container that mounts the host's /proc elsewhere (for
	// example /host/proc) point it there.
	ProcPath string
	// TaskManagerID is the resource id of the TaskManager this exporter runs
	// beside. It becomes the constant label tm_id of every series, so that
	// host series join the exporter's flink_taskmanager_*{tm_id} series. It
	// may be empty.
	TaskManagerID string
	// Hostname is reported by flink_host_info; os.Hostname() if empty.
	Hostname string
	// Logger receives one line per source that fails in a scrape; nothing
	// is logged if nil.
	Logger log.Logger
}

// Collector is a prometheus.Collector that reads the local host's kernel
// counters at every scrape. It holds no state between scrapes beyond the
// descriptors built once in NewCollector, so it is safe for concurrent
// scrapes.
type Collector struct {
	proc     procfs.FS
	procPath string
	block    blockdevice.FS
	logger   log.Logger
	sources  []source
	d        descs
}

// source is one file of the proc filesystem. update reads and checks the
// whole file before it sends anything, so a failed source sends no series.
type source struct {
	name   string
	update func(ch chan<- prometheus.Metric) error
}

// NewCollector checks that cfg.ProcPath is a readable directory and builds
// the descriptors. It does not read any source yet: a source that fails at
// startup may recover, and flink_host_scrape_success reports it per scrape.
func NewCollector(cfg Config) (*Collector, error) {
	if cfg.ProcPath == "" {
		cfg.ProcPath = procfs.DefaultMountPoint
	}
	if cfg.Logger == nil {
		cfg.Logger = log.NewNopLogger()
	}
	if cfg.Hostname == "" {
		name, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("host collector: hostname: %w", err)
		}
		cfg.Hostname = name
	}
	proc, err := procfs.NewFS(cfg.ProcPath)
	if err != nil {
		return nil, fmt.Errorf("host collector: proc filesystem %q: %w", cfg.ProcPath, err)
	}
	// Only ProcDiskstats is used, which never touches the sysfs root;
	// passing the proc root there keeps the collector from requiring a
	// /sys mount it does not read.
	block, err := blockdevice.NewFS(cfg.ProcPath, cfg.ProcPath)
	if err != nil {
		return nil, fmt.Errorf("host collector: block devices under %q: %w", cfg.ProcPath, err)
	}
	c := &Collector{
		proc:     proc,
		procPath: cfg.ProcPath,
		block:    block,
		logger:   cfg.Logger,
		d:        newDescs(cfg.TaskManagerID, cfg.Hostname),
	}
	c.sources = []source{
		{name: "stat", update: c.updateStat},
		{name: "loadavg", update: c.updateLoadavg},
		{name: "meminfo", update: c.updateMeminfo},
		{name: "pressure", update: c.updatePressure},
		{name: "diskstats", update: c.updateDiskstats},
		{name: "netdev", update: c.updateNetDev},
		{name: "snmp", update: c.updateSnmp},
	}
	return c, nil
}

// Describe sends every descriptor the Collector can emit.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.d.all() {
		ch <- d
	}
}

// Collect reads every source and sends its series followed by
// flink_host_scrape_success for it. A failing source is logged and reports
// 0; it hides no other source.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.d.info, prometheus.GaugeValue, 1)
	for _, s := range c.sources {
		success := 1.0
		if err := s.update(ch); err != nil {
			level.Error(c.logger).Log("msg", "reading host source failed", "source", s.name, "err", err)
			success = 0
		}
		ch <- prometheus.MustNewConstMetric(c.d.scrapeSuccess, prometheus.GaugeValue, success, s.name)
	}
}
