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
		restLatency   = app.Flag("rest-latency", "Latency added to every REST answer.").Default("0s").Duration()
		systemMetrics = app.Flag("system-metrics", "Expose System.* metrics, as with metrics.system-resource: true.").Bool()
		warmup        = app.Flag("metrics-warmup", "How long after start the metric endpoints answer [] (MetricFetcher warm-up).").Default("0s").Duration()
		seed          = app.Flag("seed", "Seed of the simulation's random choices.").Default("1").Int64()
	)
	if _, err := app.Parse(args); err != nil {
		fmt.Fprintf(stderr, "flinksim: %v\n", err)
		return 2
	}
	logger := log.With(log.NewLogfmtLogger(log.NewSyncWriter(stderr)), "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller)

	sim, err := flinksim.New(flinksim.Config{
		FlinkVersion: *flinkVersion, Scenario: *scenario,
		Jobs: *jobs, Vertices: *vertices, Parallelism: *parallelism, TaskManagers: *taskManagers,
		RESTLatency: *restLatency, SystemResourceMetrics: *systemMetrics, MetricsWarmup: *warmup, Seed: *seed,
	})
	if err != nil {
		level.Error(logger).Log("msg", "Invalid simulation", "err", err)
		return 2
	}
	if err := serve(ctx, logger, *listen, sim); err != nil {
		level.Error(logger).Log("msg", "Server failed", "err", err)
		return 1
	}
	return 0
}

// serve listens on addr and serves the simulator until ctx ends, then shuts
// the server down gracefully.
func serve(ctx context.Context, logger log.Logger, addr string, sim *flinksim.Simulator) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	level.Info(logger).Log("msg", "Serving simulated Flink REST API", "address", ln.Addr().String(),
		"scenario", sim.Scenario(), "flink_version", sim.FlinkVersion(), "jobs", len(sim.JobIDs()),
		"taskmanagers", len(sim.TaskManagerIDs()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve on %s: %w", addr, err)
	case <-ctx.Done():
	}
	level.Info(logger).Log("msg", "Shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve on %s: %w", addr, err)
	}
	return nil
}
