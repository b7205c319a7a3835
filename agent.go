package main

import (
	"context"
	"fmt"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/host"
	"github.com/flink-exporter/flink_exporter/jmprobe"
)

// agentFlags are the flags of the agent deployment, beside a TaskManager:
// the host collector and the round-trip probe of the JobManager.
type agentFlags struct {
	host          *bool
	procfs        *string
	taskManagerID *string
	hostname      *string
	probeTarget   *string
	probeRESTURL  *string
	probeInterval *time.Duration
	probeTimeout  *time.Duration
}

func addAgentFlags(app *kingpin.Application) agentFlags {
	return agentFlags{
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

// register adds the enabled agent collectors to reg and starts the probe,
// which runs until ctx ends and never blocks a scrape.
func (f agentFlags) register(ctx context.Context, reg *prometheus.Registry, logger log.Logger) error {
	if *f.host {
		c, err := host.NewCollector(host.Config{ProcPath: *f.procfs, TaskManagerID: *f.taskManagerID, Hostname: *f.hostname, Logger: log.With(logger, "collector", "host")})
		if err != nil {
			return fmt.Errorf("host collector: %w", err)
		}
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("host collector: %w", err)
		}
	}
	if *f.probeTarget == "" && *f.probeRESTURL == "" {
		return nil
	}
	p, err := jmprobe.New(jmprobe.Config{
		Target:   *f.probeTarget,
		RESTURL:  *f.probeRESTURL,
		Interval: *f.probeInterval,
		Timeout:  *f.probeTimeout,
		// The probe's series join the TaskManager's like the host's do.
		TaskManagerID: *f.taskManagerID,
		Logger:        log.With(logger, "probe", "jobmanager"),
	})
	if err != nil {
		return fmt.Errorf("JobManager probe: %w", err)
	}
	if err := reg.Register(p); err != nil {
		return fmt.Errorf("JobManager probe: %w", err)
	}
	go p.Run(ctx)
	return nil
}
