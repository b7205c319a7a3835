package collector

import "github.com/flink-exporter/flink_exporter/flinkapi"

// This file states how many series an Exporter produces for a cluster, so
// that the cost of scraping a large cluster is known before it is scraped.
//
// With J the active jobs whose /jobs/:jobid/checkpoints answers, Jr the
// RUNNING jobs, Ja all jobs /jobs/overview lists, V the vertices per job, T
// the TaskManagers, G the garbage collectors per JVM and I the physical
// network interfaces per host (only with metrics.system-resource: true;
// lo and the virtual interfaces of containers are left out), the
// default collectors produce at most
//
//	exporter          1 + 2·7 + 11                       (flink_up, success and duration per collector, jobs skipped by state)
//	cluster           5 + 11                             (11 job states)
//	jobs              12·Ja                              (11 states + start time)
//	checkpoints       36·J                               (25 + 11 failure reasons, unseen included)
//	checkpoint_acks   J·(24·V + 4·T + 12)                (3 analyses; per TaskManager: at most min(T, V·parallelism) per job)
//	taskmanagers      T·(14 + 2·G)   + T·(6 + 2·I)       (second term with system metrics only)
//	jobmanager        11 + 2·G       + 6 + 2·I           (idem)
//	backpressure      7·V·Jr ≤ 7·V·Ja                    (3 ratios + 3 levels + age per vertex)
//
// in all 53 + 2·G + 12·Ja + 7·V·Jr + J·(48 + 24·V + 4·T) + T·(14 + 2·G)
// series, plus (T + 1)·(6 + 2·I) with system metrics. No series is labelled
// with a subtask index, a checkpoint id or an attempt. The client's own
// flink_exporter_rest_* series are bounded by the endpoint templates and
// are not counted here.

// ClusterSize is what the number of series depends on.
type ClusterSize struct {
	// Jobs is Ja, every job /jobs/overview lists.
	Jobs int
	// RunningJobs is Jr, the RUNNING jobs.
	RunningJobs int
	// CheckpointedJobs is J, the active jobs whose checkpoint statistics
	// exist.
	CheckpointedJobs int
	// Vertices is V, the vertices per job.
	Vertices int
	// TaskManagers is T.
	TaskManagers int
	// GarbageCollectors is G, the collectors per JVM (without Flink
	// 1.19+'s All group).
	GarbageCollectors int
	// NetworkInterfaces is I, the interfaces per host; only counted with
	// SystemMetrics.
	NetworkInterfaces int
	// SystemMetrics is metrics.system-resource.
	SystemMetrics bool
}

// SeriesBounds returns, per default collector and for "exporter" (flink_up,
// the per-collector success and duration, and flink_exporter_jobs_skipped),
// the most series it
// produces for a cluster of the given size.
func SeriesBounds(z ClusterSize) map[string]int {
	collectors := 0
	for _, a := range Areas() {
		if a.DefaultEnabled {
			collectors++
		}
	}
	system := 0
	if z.SystemMetrics {
		system = 6 + 2*z.NetworkInterfaces
	}
	return map[string]int{
		"exporter":        1 + 2*collectors + len(flinkapi.JobStates()),
		"cluster":         5 + len(flinkapi.JobStates()),
		"jobs":            (len(flinkapi.JobStates()) + 1) * z.Jobs,
		"checkpoints":     (25 + len(FailureReasons())) * z.CheckpointedJobs,
		"checkpoint_acks": z.CheckpointedJobs * (24*z.Vertices + 4*z.TaskManagers + 12),
		"taskmanagers":    z.TaskManagers * (14 + 2*z.GarbageCollectors + system),
		"jobmanager":      11 + 2*z.GarbageCollectors + system,
		"backpressure":    7 * z.Vertices * z.RunningJobs,
	}
}

// SeriesBound is the most series an Exporter with the default collectors
// produces for a cluster of the given size: the sum of SeriesBounds.
func SeriesBound(z ClusterSize) int {
	n := 0
	for _, b := range SeriesBounds(z) {
		n += b
	}
	return n
}
