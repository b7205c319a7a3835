// Package flinksim simulates the REST API of an Apache Flink JobManager.
//
// It stands in for a Flink cluster in the exporter's tests, benchmarks and
// demo mode. A Simulator models TaskManagers, a JobManager and streaming jobs
// with a checkpoint coordinator each, and answers the REST endpoints the
// exporter reads in the wire format of the configured Flink version (1.14 to
// 2.2), using the types of package flinkapi so that the simulator and the
// exporter's client cannot drift apart.
//
// The model is deterministic given Config.Seed and Config.Clock and is
// evaluated lazily: every request first advances the model to Clock() under
// a mutex, so there are no background goroutines and tests step time with a
// fake clock. Each checkpoint's subtask acknowledgements are built from
// phases (barrier start delay, alignment, synchronous and asynchronous
// snapshot, transit to the JobManager, JobManager processing) whose sizes a
// scenario chooses, so that each scenario moves the signals a real cluster
// shows for its cause and leaves the others as in "healthy". Per-subtask
// details are recomputed from (seed, job, checkpoint, vertex, subtask) and a
// few parameters stored per checkpoint rather than stored, which keeps a
// 100-job cluster small.
//
// The acknowledgement model follows Flink where a naive reading of the REST
// API would go wrong: a sink's pre-barrier flush and a GC pause after the
// async phase are spent but reported in no phase (unexplained time, as in
// SubtaskCheckpointCoordinatorImpl and AsyncCheckpointRunnable); unaligned
// checkpoints overlap the async phase with the alignment; incremental
// uploads to object storage pay a per-file latency (RocksDBStateUploader).
// Scenarios named healthy-* show such behaviour and must page nothing;
// ScenarioCause names the cause every other scenario stands for.
//
// The REST side can be slow in two places: the JobManager itself
// (Config.RESTLatency/RESTLatencyMax, bounded by Config.RESTThreads like
// rest.server.numThreads) and the exporter's network path
// (Config.ExporterPathLatency), which Handler applies and LocalHandler, the
// view from the JobManager's host, does not.
//
// Faults (latency, error statuses, hangs, malformed or truncated bodies) and
// cluster events (JobManager failover, TaskManager loss, job restarts) can be
// switched at run time for reliability tests.
package flinksim
