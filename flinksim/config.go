package flinksim

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Defaults applied by New to zero fields of Config.
const (
	DefaultFlinkVersion = "2.1"
	DefaultScenario     = "healthy"
	DefaultJobs         = 3
	DefaultVertices     = 3
	DefaultParallelism  = 2
	DefaultTaskManagers = 3
)

// Upper bounds New accepts, so that a typo cannot make the simulator build a
// cluster that does not fit in memory.
const (
	maxJobs         = 2000
	maxVertices     = 64
	maxParallelism  = 1024
	maxTaskManagers = 10000
)

// Config describes the simulated cluster. Zero values mean the documented
// default, so Config{} is a small healthy Flink 2.1 cluster.
type Config struct {
	// FlinkVersion selects the wire format: one of Versions(). Default "2.1".
	FlinkVersion string
	// Scenario selects the cause of trouble the cluster shows: one of
	// Scenarios(). Default "healthy".
	Scenario string

	// Jobs is the number of RUNNING streaming jobs with periodic
	// checkpointing. Default 3.
	Jobs int
	// Vertices is the number of job vertices per job: a source, processing
	// vertices and a sink. Default 3.
	Vertices int
	// Parallelism of every vertex. Default 2.
	Parallelism int
	// TaskManagers is the number of TaskManagers. Default 3.
	TaskManagers int

	// UncheckpointedJobs adds RUNNING jobs whose checkpoint coordinator
	// exists but periodic checkpointing is off: /checkpoints/config reports
	// interval Long.MAX_VALUE and /checkpoints has no history.
	UncheckpointedJobs int
	// CheckpointingDisabledJobs adds RUNNING jobs without a checkpoint
	// coordinator: their checkpoint endpoints answer 404 with Flink's
	// "Checkpointing has not been enabled." bodies.
	CheckpointingDisabledJobs int
	// FinishedJobs adds FINISHED batch jobs (checkpoint endpoints 404).
	FinishedJobs int

	// RESTLatency is added to every answer by the JobManager itself, on top
	// of the scenario's own JobManager delay and any fault latency. It
	// works with any scenario: RESTLatency 1s and RESTLatencyMax 3s make a
	// JobManager whose REST answers take 1-3 s.
	RESTLatency time.Duration
	// RESTLatencyMax, when above RESTLatency, makes the added latency a
	// uniform draw per request from [RESTLatency, RESTLatencyMax].
	RESTLatencyMax time.Duration
	// RESTThreads bounds how many answers the JobManager works on at once,
	// as rest.server.numThreads (default 4) bounds Flink's REST handler
	// executor; further requests wait for a free thread. 0 keeps the
	// scenario's bound (none, except jobmanager-overload-slow-rest: 4).
	RESTThreads int
	// ExporterPathLatency is the network between the exporter and the
	// JobManager: added to every answer Handler serves, but not to those
	// of LocalHandler (a client on the JobManager's host, like the agent's
	// probe), and without making the JobManager busier. It works with any
	// scenario: with network-latency it puts the exporter across the
	// degraded link. It adds to the scenario's own path delay.
	ExporterPathLatency time.Duration
	// ExporterPathLatencyMax, when above ExporterPathLatency, makes the
	// path latency a uniform draw per request from the two.
	ExporterPathLatencyMax time.Duration
	// SystemResourceMetrics mirrors metrics.system-resource: when true the
	// JobManager and TaskManagers expose System.* metrics.
	SystemResourceMetrics bool
	// MetricsWarmup is how long after start (and after RestartJobManager)
	// the metric endpoints answer [] and back-pressure answers
	// {"status":"deprecated"}, as a fresh JobManager's MetricFetcher does.
	MetricsWarmup time.Duration

	// Clock is the wall clock of the model; tests inject a fake one to
	// step time deterministically. Default time.Now.
	Clock func() time.Time
	// Sleep waits for the answer delays (RESTLatency, scenario delays,
	// fault latency). It must return early with the context's error when
	// ctx ends. Tests inject a recorder so that no real time passes.
	// Default: a timer that honours ctx.
	Sleep func(ctx context.Context, d time.Duration) error
	// Seed makes every random choice of the model reproducible.
	Seed int64
}

// withDefaults returns cfg with zero fields replaced by their defaults.
func (cfg Config) withDefaults() Config {
	if cfg.FlinkVersion == "" {
		cfg.FlinkVersion = DefaultFlinkVersion
	}
	if cfg.Scenario == "" {
		cfg.Scenario = DefaultScenario
	}
	if cfg.Jobs == 0 {
		cfg.Jobs = DefaultJobs
	}
	if cfg.Vertices == 0 {
		cfg.Vertices = DefaultVertices
	}
	if cfg.Parallelism == 0 {
		cfg.Parallelism = DefaultParallelism
	}
	if cfg.TaskManagers == 0 {
		cfg.TaskManagers = DefaultTaskManagers
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepContext
	}
	return cfg
}

// validate reports the first problem of a defaulted Config.
func (cfg Config) validate() error {
	if !slices.Contains(Versions(), cfg.FlinkVersion) {
		return fmt.Errorf("unsupported Flink version %q (supported: %v)", cfg.FlinkVersion, Versions())
	}
	if !slices.Contains(Scenarios(), cfg.Scenario) {
		return fmt.Errorf("unknown scenario %q (known: %v)", cfg.Scenario, Scenarios())
	}
	bounds := []struct {
		name     string
		val, max int
		min      int
	}{
		{"jobs", cfg.Jobs, maxJobs, 0},
		{"vertices", cfg.Vertices, maxVertices, 1},
		{"parallelism", cfg.Parallelism, maxParallelism, 1},
		{"taskmanagers", cfg.TaskManagers, maxTaskManagers, 1},
		{"uncheckpointed jobs", cfg.UncheckpointedJobs, maxJobs, 0},
		{"checkpointing-disabled jobs", cfg.CheckpointingDisabledJobs, maxJobs, 0},
		{"finished jobs", cfg.FinishedJobs, maxJobs, 0},
	}
	for _, b := range bounds {
		if b.val < b.min || b.val > b.max {
			return fmt.Errorf("%s = %d out of range [%d, %d]", b.name, b.val, b.min, b.max)
		}
	}
	if cfg.RESTLatency < 0 {
		return fmt.Errorf("negative REST latency %v", cfg.RESTLatency)
	}
	if cfg.RESTLatencyMax != 0 && cfg.RESTLatencyMax < cfg.RESTLatency {
		return fmt.Errorf("REST latency max %v below REST latency %v", cfg.RESTLatencyMax, cfg.RESTLatency)
	}
	if cfg.RESTThreads < 0 {
		return fmt.Errorf("negative REST threads %d", cfg.RESTThreads)
	}
	if cfg.ExporterPathLatency < 0 {
		return fmt.Errorf("negative exporter path latency %v", cfg.ExporterPathLatency)
	}
	if cfg.ExporterPathLatencyMax != 0 && cfg.ExporterPathLatencyMax < cfg.ExporterPathLatency {
		return fmt.Errorf("exporter path latency max %v below exporter path latency %v", cfg.ExporterPathLatencyMax, cfg.ExporterPathLatency)
	}
	sc, _ := lookupScenario(cfg.Scenario)
	if cfg.Vertices < sc.MinVertices {
		return fmt.Errorf("scenario %s needs at least %d vertices, got %d", sc.Name, sc.MinVertices, cfg.Vertices)
	}
	if cfg.TaskManagers < sc.MinTaskManagers {
		return fmt.Errorf("scenario %s needs at least %d TaskManagers, got %d", sc.Name, sc.MinTaskManagers, cfg.TaskManagers)
	}
	if cfg.MetricsWarmup < 0 {
		return fmt.Errorf("negative metrics warmup %v", cfg.MetricsWarmup)
	}
	return nil
}

// sleepContext waits for d or until ctx ends, whichever comes first.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
