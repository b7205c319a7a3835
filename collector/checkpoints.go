package collector

import (
	"maps"
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// checkpointsCollector exports, per job, the checkpoint configuration,
// Flink's checkpoint counts, the latest checkpoints and the derived health
// values, from /jobs/:jobid/checkpoints and /jobs/:jobid/checkpoints/config.
type checkpointsCollector struct {
	descSet
	timeout, interval, minPause, maxConcurrent, tolerable, unaligned, configInfo *prometheus.Desc
	completed, failed, restored, triggered, inProgress, failures                 *prometheus.Desc
	lastID, lastDuration, lastFullSize, lastSize, lastCompleted                  *prometheus.Desc
	lastProcessed, lastPersisted, lastFailure, lastRestore                       *prometheus.Desc
	ratio, inProgressAge, inProgressRatio, growth                                *prometheus.Desc
}

func newCheckpointsCollector() Collector {
	c := &checkpointsCollector{}
	const src = "/jobs/:jobid/checkpoints"
	const cfg = "/jobs/:jobid/checkpoints/config"
	c.timeout = c.add("job", "checkpoint_timeout_seconds", "Checkpoint timeout (execution.checkpointing.timeout), from "+cfg+" timeout.", jobLabels...)
	c.interval = c.add("job", "checkpoint_interval_seconds", "Checkpoint interval (execution.checkpointing.interval), from "+cfg+" interval; absent when periodic checkpointing is off.", jobLabels...)
	c.minPause = c.add("job", "checkpoint_min_pause_seconds", "Minimum pause between checkpoints (execution.checkpointing.min-pause), from "+cfg+" min_pause.", jobLabels...)
	c.maxConcurrent = c.add("job", "checkpoint_max_concurrent", "Checkpoints allowed in flight at once (execution.checkpointing.max-concurrent-checkpoints), from "+cfg+" max_concurrent.", jobLabels...)
	c.tolerable = c.add("job", "checkpoint_tolerable_failures", "Checkpoint failures tolerated before the job fails (execution.checkpointing.tolerable-failed-checkpoints), from "+cfg+" tolerable_failed_checkpoints.", jobLabels...)
	c.unaligned = c.add("job", "checkpoint_unaligned_enabled", "1 when unaligned checkpoints are enabled (execution.checkpointing.unaligned.enabled), from "+cfg+" unaligned_checkpoints.", jobLabels...)
	c.configInfo = c.add("job", "checkpoint_config_info", "Checkpointing mode, state backend and checkpoint storage, from "+cfg+"; value 1.", "job_id", "job_name", "mode", "state_backend", "checkpoint_storage")

	c.completed = c.add("job", "checkpoints_completed_total", "Completed checkpoints since the JobManager started, from "+src+" counts.completed.", jobLabels...)
	c.failed = c.add("job", "checkpoints_failed_total", "Failed checkpoints since the JobManager started, including failures while triggering that never reach the history, from "+src+" counts.failed.", jobLabels...)
	c.restored = c.add("job", "checkpoints_restored_total", "Restores from a checkpoint (failovers) since the JobManager started, from "+src+" counts.restored.", jobLabels...)
	c.triggered = c.add("job", "checkpoints_triggered_total", "Checkpoints triggered since the JobManager started, from "+src+" counts.total.", jobLabels...)
	c.inProgress = c.add("job", "checkpoints_in_progress", "Checkpoints in progress, from "+src+" counts.in_progress.", jobLabels...)
	c.failures = c.add("job", "checkpoint_failures_total", "Failed checkpoints of the current run of the job, by reason: each failed checkpoint this exporter saw in "+src+" history or latest.failed counted once, by reason classified from failure_message; reason=\"unseen\" counts the rest of Flink's counts.failed (failures before the exporter started, gone from the history between scrapes, or failed while triggering), so that the reasons add up to flink_job_checkpoints_failed_total. Starts over with a new run (checkpoint counts falling, or a new start time).", "job_id", "job_name", "reason")

	c.lastID = c.add("job", "last_checkpoint_id", "Id of the latest completed checkpoint, from "+src+" latest.completed.id.", jobLabels...)
	c.lastDuration = c.add("job", "last_checkpoint_duration_seconds", "End-to-end duration of the latest completed checkpoint, from "+src+" latest.completed.end_to_end_duration.", jobLabels...)
	c.lastFullSize = c.add("job", "last_checkpoint_full_size_bytes", "Full state size of the latest completed checkpoint, from "+src+" latest.completed.state_size.", jobLabels...)
	c.lastSize = c.add("job", "last_checkpoint_size_bytes", "Bytes the latest completed checkpoint persisted (incremental size), from "+src+" latest.completed.checkpointed_size (state_size before Flink 1.15).", jobLabels...)
	c.lastCompleted = c.add("job", "last_checkpoint_completed_timestamp_seconds", "When the latest completed checkpoint was acknowledged by its last subtask, from "+src+" latest.completed.latest_ack_timestamp.", jobLabels...)
	c.lastProcessed = c.add("job", "last_checkpoint_processed_bytes", "Bytes processed during alignment of the latest completed checkpoint, from "+src+" latest.completed.processed_data.", jobLabels...)
	c.lastPersisted = c.add("job", "last_checkpoint_persisted_bytes", "In-flight bytes persisted by the latest completed (unaligned) checkpoint, from "+src+" latest.completed.persisted_data.", jobLabels...)
	c.lastFailure = c.add("job", "last_checkpoint_failure_timestamp_seconds", "When the latest failed checkpoint failed, from "+src+" latest.failed.failure_timestamp.", jobLabels...)
	c.lastRestore = c.add("job", "last_checkpoint_restore_timestamp_seconds", "When the job last restored from a checkpoint, from "+src+" latest.restored.restore_timestamp.", jobLabels...)

	c.ratio = c.add("job", "checkpoint_duration_to_timeout_ratio", "Longest end-to-end duration over the checkpoint timeout among the checkpoints completed since the previous scrape (from "+src+" history and latest.completed, each id once; the latest completed one at the first scrape), kept until another completes: a near-expiry followed by a fast checkpoint within one scrape interval still shows; 1 means it took all the time it may.", jobLabels...)
	c.inProgressAge = c.add("job", "checkpoint_in_progress_age_seconds", "Age of the oldest in-progress checkpoint (now minus its trigger time); 0 when none is in progress.", jobLabels...)
	c.inProgressRatio = c.add("job", "checkpoint_in_progress_to_timeout_ratio", "Age of the oldest in-progress checkpoint over the checkpoint timeout: the warning before it expires; 0 when none is in progress.", jobLabels...)
	c.growth = c.add("job", "checkpoint_state_growth_bytes_per_second", "Least-squares slope of the full state size of the completed checkpoints in "+src+" history against their completion time; absent with fewer than two.", jobLabels...)
	return c
}

func (c *checkpointsCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	jobs, err := s.ActiveJobs()
	if err != nil {
		return err
	}
	return forEachJobInOrder(jobs, ch, func(j flinkapi.JobOverview, b *batch) error { return c.updateJob(s, j, b) })
}

// prefetchJobs asks each job's /jobs/:jobid/checkpoints before the
// collectors run.
func (c *checkpointsCollector) prefetchJobs(s *Scrape, jobs []flinkapi.JobOverview) {
	parallel(len(jobs), func(i int) error {
		_, err := s.Checkpoints(jobs[i].ID)
		return err
	})
}

func (c *checkpointsCollector) updateJob(s *Scrape, j flinkapi.JobOverview, b *batch) error {
	js := s.state.Job(j.ID)
	js.prefetchConfig(s, j.ID)
	stats, err := s.Checkpoints(j.ID)
	if flinkapi.IsNotFound(err) {
		js.setCheckpointing(false)
		return nil // checkpointing is not enabled, or the job just left
	}
	if err != nil {
		return err
	}
	js.setCheckpointing(true)
	l := []string{j.ID, j.Name}

	b.counter(c.completed, float64(stats.Counts.Completed), l...)
	b.counter(c.failed, float64(stats.Counts.Failed), l...)
	b.counter(c.restored, float64(stats.Counts.Restored), l...)
	b.counter(c.triggered, float64(stats.Counts.Total), l...)
	b.gauge(c.inProgress, float64(stats.Counts.InProgress), l...)
	failures := js.recordFailures(stats)
	for _, reason := range slices.Sorted(maps.Keys(failures)) {
		b.counter(c.failures, failures[reason], j.ID, j.Name, reason)
	}

	if last := stats.Latest.Completed; last != nil {
		b.gauge(c.lastID, float64(last.ID), l...)
		b.gauge(c.lastDuration, msToSeconds(last.EndToEndDuration), l...)
		b.gauge(c.lastFullSize, float64(last.StateSize), l...)
		b.gauge(c.lastSize, float64(last.Size()), l...)
		b.gauge(c.lastCompleted, msToSeconds(last.LatestAckTimestamp), l...)
		b.gauge(c.lastProcessed, float64(last.ProcessedData), l...)
		b.gauge(c.lastPersisted, float64(last.PersistedData), l...)
	}
	if f := stats.Latest.Failed; f != nil && f.FailureTimestamp != nil {
		b.gauge(c.lastFailure, msToSeconds(*f.FailureTimestamp), l...)
	}
	if r := stats.Latest.Restored; r != nil {
		b.gauge(c.lastRestore, msToSeconds(r.RestoreTimestamp), l...)
	}
	if g, ok := StateGrowthRate(stats.History); ok {
		b.gauge(c.growth, g, l...)
	}

	cfg, err := js.checkpointConfig(s, j.ID, stats.Counts)
	if flinkapi.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	c.updateConfig(cfg, l, b)
	if worst, ok := js.worstCompletedDuration(stats); ok {
		if r, ok := DurationToTimeoutRatio(worst, cfg.Timeout); ok {
			b.gauge(c.ratio, r, l...)
		}
	}
	// The age is 0 only when Flink counts no checkpoint in flight; one in
	// flight that the history does not show (web.checkpoints.history too
	// short) has no known age, and none is exported.
	var age float64
	if oldest := OldestInProgress(stats.History); oldest != nil {
		age = InProgressAge(oldest, s.JobManagerNow())
	} else if stats.Counts.InProgress > 0 {
		return nil
	}
	b.gauge(c.inProgressAge, age, l...)
	if cfg.Timeout > 0 {
		b.gauge(c.inProgressRatio, age/msToSeconds(cfg.Timeout), l...)
	}
	return nil
}

func (c *checkpointsCollector) updateConfig(cfg *flinkapi.CheckpointConfig, l []string, b *batch) {
	b.gauge(c.timeout, msToSeconds(cfg.Timeout), l...)
	if cfg.PeriodicCheckpointing() {
		b.gauge(c.interval, msToSeconds(cfg.Interval), l...)
	}
	b.gauge(c.minPause, msToSeconds(cfg.MinPause), l...)
	b.gauge(c.maxConcurrent, float64(cfg.MaxConcurrent), l...)
	b.gauge(c.tolerable, float64(cfg.TolerableFailedCheckpoints), l...)
	b.gauge(c.unaligned, boolValue(cfg.UnalignedCheckpoints), l...)
	b.gauge(c.configInfo, 1, l[0], l[1], cfg.Mode, deref(cfg.StateBackend), deref(cfg.CheckpointStorage))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// durationWindow remembers, for one job, the newest completed checkpoint
// id seen and the longest end-to-end duration among the checkpoints that
// completed between the last two scrapes that saw a new one.
type durationWindow struct {
	lastID  int64
	worstMs int64
	ok      bool
}

// worstCompletedDuration returns the longest end-to-end duration, in ms,
// of the checkpoints completed since the previous scrape, each id counted
// once; when none completed since, the value of the previous scrape. The
// first scrape, and the first after the ids started over (a new run),
// take the latest completed checkpoint alone.
func (js *jobState) worstCompletedDuration(stats *flinkapi.CheckpointingStatistics) (int64, bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	w := &js.durations
	latest := stats.Latest.Completed
	if latest == nil {
		*w = durationWindow{}
		return 0, false
	}
	if !w.ok || latest.ID < w.lastID {
		*w = durationWindow{lastID: latest.ID, worstMs: latest.EndToEndDuration, ok: true}
		return w.worstMs, true
	}
	if worst, newest, ok := WorstCompletedDuration(stats, w.lastID); ok {
		w.lastID, w.worstMs = newest, worst
	}
	return w.worstMs, true
}
