// Command flinksim serves a simulated Apache Flink JobManager REST API, the
// stand-in for a Flink cluster when developing, demonstrating or testing the
// exporter without one:
//
//	flinksim --web.listen-address=127.0.0.1:8081 --scenario=slow-storage --flink-version=2.1
//
// The simulation lives in package flinksim; this command only wires flags,
// the logger and the HTTP server.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// shutdownTimeout bounds the graceful shutdown on SIGINT/SIGTERM.
const shutdownTimeout = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

// run parses the flags, builds the simulator and serves it until ctx ends
// or the server fails. It returns the process exit code.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	app := kingpin.New("flinksim", "Serves a simulated Apache Flink JobManager REST API (all endpoints also under /v1).")
	app.HelpFlag.Short('h')
	app.UsageWriter(stderr)
	app.ErrorWriter(stderr)
	var scenarioHelp strings.Builder
	for _, s := range flinksim.Scenarios() {
		fmt.Fprintf(&scenarioHelp, "\n  %s: %s", s, flinksim.ScenarioDescription(s))
	}
	var (
		listen        = app.Flag("web.listen-address", "Address to serve the REST API on.").Default("127.0.0.1:8081").String()
		scenario      = app.Flag("scenario", "Cause of trouble the cluster shows. One of:"+scenarioHelp.String()).Default(flinksim.DefaultScenario).Enum(flinksim.Scenarios()...)
		flinkVersion  = app.Flag("flink-version", "Flink version whose wire format to speak. One of: "+strings.Join(flinksim.Versions(), ", ")).Default(flinksim.DefaultFlinkVersion).Enum(flinksim.Versions()...)
		jobs          = app.Flag("jobs", "Running streaming jobs with periodic checkpointing.").Default(fmt.Sprint(flinksim.DefaultJobs)).Int()
		vertices      = app.Flag("vertices", "Vertices per job.").Default(fmt.Sprint(flinksim.DefaultVertices)).Int()
		parallelism   = app.Flag("parallelism", "Parallelism of every vertex.").Default(fmt.Sprint(flinksim.DefaultParallelism)).Int()
		taskManagers  = app.Flag("taskmanagers", "TaskManagers.").Default(fmt.Sprint(flinksim.DefaultTaskManagers)).Int()
		localListen   = app.Flag("web.local-listen-address", "Also serve the REST API here without the exporter path latency, as a client on the JobManager's host (the agent's probe) sees it. Empty: off.").Default("").String()
		restLatency   = app.Flag("rest-latency", "Latency the JobManager adds to every REST answer, with any scenario (the minimum when --rest-latency-max is set).").Default("0s").Duration()
		restLatencyMx = app.Flag("rest-latency-max", "With --rest-latency: draw each answer's latency from [--rest-latency, this], e.g. 1s and 3s for a JobManager answering in 1-3 s.").Default("0s").Duration()
		restThreads   = app.Flag("rest-threads", "Answers the JobManager works on at once, like rest.server.numThreads (Flink's default 4); more requests queue. 0: the scenario's (unbounded except jobmanager-overload-slow-rest: 4).").Default("0").Int()
		pathLatency   = app.Flag("exporter-path-latency", "Network latency between the exporter and the JobManager, added to every answer on --web.listen-address but not on --web.local-listen-address; combines with any scenario (e.g. network-latency with the exporter across the degraded link).").Default("0s").Duration()
		pathLatencyMx = app.Flag("exporter-path-latency-max", "With --exporter-path-latency: draw each answer's path latency from [--exporter-path-latency, this].").Default("0s").Duration()
		systemMetrics = app.Flag("system-metrics", "Expose System.* metrics, as with metrics.system-resource: true.").Bool()
		warmup        = app.Flag("metrics-warmup", "How long after start the metric endpoints answer [] (MetricFetcher warm-up).").Default("0s").Duration()
		seed          = app.Flag("seed", "Seed of the simulation's random choices.").Default("1").Int64()
		clockSpeed    = app.Flag("clock-speed", "How many times as fast as real time the cluster's clock runs (checkpoints, ages, metrics), e.g. 4 for a benchmark that scrapes every 3.75 s with an exporter clock as fast, to see 15 s pass between scrapes. REST latencies stay in real time.").Default("1").Float64()
	)
	if _, err := app.Parse(args); err != nil {
		fmt.Fprintf(stderr, "flinksim: %v\n", err)
		return 2
	}
	logger := log.With(log.NewLogfmtLogger(log.NewSyncWriter(stderr)), "time", log.DefaultTimestampUTC, "caller", log.DefaultCaller)
	if !(*clockSpeed > 0) {
		level.Error(logger).Log("msg", "Invalid simulation", "err", fmt.Sprintf("--clock-speed must be above 0, not %v", *clockSpeed))
		return 2
	}
	var clock func() time.Time
	if *clockSpeed != 1 {
		clock = flinksim.FastClock(time.Now(), *clockSpeed)
	}

	sim, err := flinksim.New(flinksim.Config{
		FlinkVersion: *flinkVersion, Scenario: *scenario,
		Jobs: *jobs, Vertices: *vertices, Parallelism: *parallelism, TaskManagers: *taskManagers,
		RESTLatency: *restLatency, RESTLatencyMax: *restLatencyMx, RESTThreads: *restThreads,
		ExporterPathLatency: *pathLatency, ExporterPathLatencyMax: *pathLatencyMx,
		SystemResourceMetrics: *systemMetrics, MetricsWarmup: *warmup, Seed: *seed, Clock: clock,
	})
	if err != nil {
		level.Error(logger).Log("msg", "Invalid simulation", "err", err)
		return 2
	}
	if err := serve(ctx, logger, *listen, *localListen, sim); err != nil {
		level.Error(logger).Log("msg", "Server failed", "err", err)
		return 1
	}
	return 0
}

// serve listens on addr (and on localAddr unless empty, without the
// exporter path latency) and serves the simulator until ctx ends, then
// shuts the servers down gracefully.
func serve(ctx context.Context, logger log.Logger, addr, localAddr string, sim *flinksim.Simulator) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	servers := []*http.Server{{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}}
	listeners := []net.Listener{ln}
	if localAddr != "" {
		lln, err := net.Listen("tcp", localAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s: %w", localAddr, err)
		}
		servers = append(servers, &http.Server{Handler: sim.LocalHandler(), ReadHeaderTimeout: 10 * time.Second})
		listeners = append(listeners, lln)
	}
	level.Info(logger).Log("msg", "Serving simulated Flink REST API", "address", ln.Addr().String(),
		"scenario", sim.Scenario(), "flink_version", sim.FlinkVersion(), "jobs", len(sim.JobIDs()),
		"taskmanagers", len(sim.TaskManagerIDs()))
	if len(listeners) > 1 {
		level.Info(logger).Log("msg", "Serving it without the exporter path latency too", "local_address", listeners[1].Addr().String())
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	select {
	case err := <-errc:
		for _, srv := range servers {
			srv.Close()
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	level.Info(logger).Log("msg", "Shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	for range servers {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	}
	return nil
}
