// Package agent wires the collectors of the agent deployment, an exporter
// beside a TaskManager: the host collector (package host) and the
// round-trip probe of the JobManager (package jmprobe), with their
// command-line flags.
package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/host"
	"github.com/flink-exporter/flink_exporter/jmprobe"
)

// Flags are the agent's command-line flags, read once the application's
// flags are parsed.
type Flags struct {
	host          *bool
	procfs        *string
	taskManagerID *string
	hostname      *string
	probeTarget   *string
	probeRESTURL  *string
	probeInterval *time.Duration
	probeTimeout  *time.Duration
}

// AddFlags adds the agent's flags (--collector.host, --host.*, --probe.*
// of the JobManager probe) to app.
func AddFlags(app *kingpin.Application) *Flags {
	return &Flags{
		host:          app.Flag("collector.host", "Export flink_host_* from the local /proc: CPU (steal, iowait), load, memory, pressure stall, disk and network errors, TCP retransmissions. For exporters beside a TaskManager. (default: disabled)").Default("false").Bool(),
		procfs:        app.Flag("host.procfs", "Mount point of the proc filesystem read by --collector.host.").Default("/proc").String(),
		taskManagerID: app.Flag("host.taskmanager-id", "Resource id of the TaskManager this exporter runs beside; set as the tm_id label of every flink_host_* and flink_jobmanager_probe_* series so they join flink_taskmanager_* series.").Default("").String(),
		hostname:      app.Flag("host.hostname", "Hostname for flink_host_info; defaults to the machine's (in a sidecar, the pod's: pass the node name through the downward API instead).").Default("").String(),
		probeTarget:   app.Flag("probe.jobmanager", "host:port of the JobManager (RPC or REST port) to time TCP connects to; enables the round-trip probe.").Default("").String(),
		probeRESTURL:  app.Flag("probe.jobmanager-rest-url", "Base URL of the JobManager REST API whose /config answer the probe times; enables the probe.").Default("").String(),
		probeInterval: app.Flag("probe.interval", "Time between two probes of the JobManager.").Default(jmprobe.DefaultInterval.String()).Duration(),
		probeTimeout:  app.Flag("probe.timeout", "Deadline of each probe phase (connect, REST answer).").Default(jmprobe.DefaultTimeout.String()).Duration(),
	}
}

// Register adds the enabled agent collectors to reg and starts the
// JobManager probe, which runs until ctx ends and never blocks a scrape.
// The probe logs its target when it starts, then a warning when a phase
// starts failing and a note when it recovers, not at every probe.
func (f *Flags) Register(ctx context.Context, reg prometheus.Registerer, logger log.Logger) error {
	if *f.host {
		c, err := host.NewCollector(host.Config{ProcPath: *f.procfs, TaskManagerID: *f.taskManagerID, Hostname: *f.hostname, Logger: log.With(logger, "collector", "host")})
		if err != nil {
			return fmt.Errorf("host collector: %w", err)
		}
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("host collector: %w", err)
		}
		level.Info(logger).Log("msg", "host collector enabled", "procfs", *f.procfs, "tm_id", *f.taskManagerID)
	}
	if *f.probeTarget == "" && *f.probeRESTURL == "" {
		return nil
	}
	probeLogger := log.With(logger, "probe", "jobmanager")
	p, err := jmprobe.New(jmprobe.Config{
		Target:   *f.probeTarget,
		RESTURL:  *f.probeRESTURL,
		Interval: *f.probeInterval,
		Timeout:  *f.probeTimeout,
		// The probe's series join the TaskManager's like the host's do.
		TaskManagerID: *f.taskManagerID,
		Logger:        probeLogger,
	})
	if err != nil {
		return fmt.Errorf("JobManager probe: %w", err)
	}
	if err := reg.Register(p); err != nil {
		return fmt.Errorf("JobManager probe: %w", err)
	}
	// jmprobe refuses a REST URL with credentials, so it logs as given.
	level.Info(probeLogger).Log("msg", "JobManager probe started", "target", p.Target(), "rest_url", *f.probeRESTURL, "interval", *f.probeInterval, "timeout", *f.probeTimeout, "tm_id", *f.taskManagerID)
	go p.Run(ctx)
	return nil
}
