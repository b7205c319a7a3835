package flinksim

import (
	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// classKey sets a checkpoint or subtask discriminator under the key the
// version uses: "@class" up to 1.14, "className" from 1.15.
func (m *model) classKey(class string) (className, atClass string) {
	if m.ver.atClass {
		return "", class
	}
	return class, ""
}

// snapshotOf returns the acknowledged totals of a checkpoint: stored once it
// ended, counted at now while it is pending.
func (m *model) snapshotOf(j *job, cp *checkpoint, now int64) (taskAgg, []taskAgg) {
	if cp.status == flinkapi.CheckpointInProgress {
		return aggregate(cp, j.coord.parts, len(j.vertices), j.parallelism, now)
	}
	return cp.total, cp.tasks
}

// ackDuration is Flink's end-to-end duration of an ack at latestAck: -1
// without ack.
func ackDuration(trigger, latestAck int64) int64 {
	if latestAck < 0 {
		return -1
	}
	return max(0, latestAck-trigger)
}

// checkpointStats renders a checkpoint as CheckpointStatistics, with the
// per-vertex tasks map filled only for the details endpoint.
func (m *model) checkpointStats(j *job, cp *checkpoint, now int64, withTasks bool) flinkapi.CheckpointStatistics {
	total, tasks := m.snapshotOf(j, cp, now)
	s := flinkapi.CheckpointStatistics{
		ID: cp.id, Status: cp.status, IsSavepoint: false,
		TriggerTimestamp: cp.trigger, LatestAckTimestamp: total.latestAck,
		StateSize: total.stateSize, EndToEndDuration: ackDuration(cp.trigger, total.latestAck),
		ProcessedData: total.processed, PersistedData: total.persisted,
		NumSubtasks: j.numSubtasks(), NumAcknowledgedSubtasks: total.acked,
		CheckpointType: m.checkpointType(), Tasks: map[string]flinkapi.TaskCheckpointStatistics{},
	}
	s.ClassName, s.AtClass = m.classKey(classNameOf(cp.status))
	if m.ver.savepointFormat {
		s.SavepointFormat = flinkapi.Null[string]()
	}
	if m.ver.checkpointedSize {
		s.CheckpointedSize = ptr(total.checkpointedSize)
	}
	switch cp.status {
	case flinkapi.CheckpointCompleted:
		s.ExternalPath = flinkapi.Some(externalPath(j.id, cp.id))
		s.Discarded = ptr(cp.discarded)
	case flinkapi.CheckpointFailed:
		s.EndToEndDuration = max(0, cp.end-cp.trigger)
		s.FailureTimestamp = ptr(cp.end)
		s.FailureMessage = flinkapi.Some(cp.failure)
	}
	if withTasks {
		for v, vx := range j.vertices {
			s.Tasks[vx.id] = m.taskStats(j, cp, tasks[v])
		}
	}
	return s
}

// checkpointType is the checkpoint_type of a periodic checkpoint: from 1.18
// CheckpointStatistics.RestAPICheckpointType tells unaligned checkpoints
// apart as UNALIGNED_CHECKPOINT.
func (m *model) checkpointType() string {
	if m.sc.Unaligned && m.ver.num >= 118 {
		return "UNALIGNED_CHECKPOINT"
	}
	return "CHECKPOINT"
}

// taskStats renders one vertex's part of a checkpoint.
func (m *model) taskStats(j *job, cp *checkpoint, t taskAgg) flinkapi.TaskCheckpointStatistics {
	ts := flinkapi.TaskCheckpointStatistics{
		ID: cp.id, Status: cp.status, LatestAckTimestamp: t.latestAck,
		StateSize: t.stateSize, EndToEndDuration: ackDuration(cp.trigger, t.latestAck),
		ProcessedData: t.processed, PersistedData: t.persisted,
		NumSubtasks: j.parallelism, NumAcknowledgedSubtasks: t.acked,
	}
	if m.ver.checkpointedSize {
		ts.CheckpointedSize = ptr(t.checkpointedSize)
	}
	return ts
}

// checkpointingStatistics renders GET /jobs/:jobid/checkpoints.
func (m *model) checkpointingStatistics(j *job, now int64) flinkapi.CheckpointingStatistics {
	c := j.coord
	out := flinkapi.CheckpointingStatistics{
		Counts:  c.counts,
		Summary: m.checkpointSummary(c),
		History: make([]flinkapi.CheckpointStatistics, 0, len(c.history)),
	}
	if cp := c.latest.completed; cp != nil {
		out.Latest.Completed = ptr(m.checkpointStats(j, cp, now, false))
	}
	if cp := c.latest.failed; cp != nil {
		out.Latest.Failed = ptr(m.checkpointStats(j, cp, now, false))
	}
	out.Latest.Restored = c.restored
	for _, cp := range c.history {
		out.History = append(out.History, m.checkpointStats(j, cp, now, false))
	}
	return out
}

// checkpointSummary renders the summary of completed checkpoints: NaN
// percentiles until one completed, alignment_buffered always zero. The
// rendering is kept until the next checkpoint completes.
func (m *model) checkpointSummary(c *coordinator) flinkapi.CheckpointSummary {
	if c.rendered == nil || c.renderedAt != c.counts.Completed {
		c.rendered, c.renderedAt = ptr(m.renderSummary(c)), c.counts.Completed
	}
	return *c.rendered
}

// renderSummary computes the summary of completed checkpoints.
func (m *model) renderSummary(c *coordinator) flinkapi.CheckpointSummary {
	s := &c.summary
	out := flinkapi.CheckpointSummary{
		StateSize:         s.stateSize.dto(),
		EndToEndDuration:  s.duration.dto(),
		AlignmentBuffered: zeroSummary(),
		ProcessedData:     s.processed.dto(),
		PersistedData:     s.persisted.dto(),
	}
	if m.ver.checkpointedSize {
		out.CheckpointedSize = ptr(s.checkpointedSize.dto())
	}
	return out
}

// subtaskDetails renders GET .../checkpoints/details/:id/subtasks/:vertexid:
// every subtask acknowledged by the checkpoint's end (or by now while
// pending) with its phases, the others as pending_or_failed.
func (m *model) subtaskDetails(j *job, cp *checkpoint, v int, now int64) flinkapi.TaskCheckpointStatisticsWithSubtaskDetails {
	_, tasks := m.snapshotOf(j, cp, now)
	cutoff := cp.end
	if cp.status == flinkapi.CheckpointInProgress {
		cutoff = now
	}
	var sumCkpt, sumState, sumE2E, sumSync, sumAsync, sumProc, sumPers, sumAlign, sumDelay minMaxAvg
	subtasks := make([]flinkapi.SubtaskCheckpointStatistics, j.parallelism)
	for i := range subtasks {
		var p subtaskPart
		if cp.status == flinkapi.CheckpointInProgress {
			p = j.coord.parts[v*j.parallelism+i]
		} else {
			p = m.subtaskPart(j, cp.id, &cp.params, v, i)
		}
		st := &subtasks[i]
		st.Index = i
		ack := cp.trigger + p.ackOffset()
		if ack > cutoff {
			st.ClassName, st.AtClass = m.classKey("pending")
			st.Status = flinkapi.SubtaskCheckpointPendingOrFailed
			continue
		}
		st.ClassName, st.AtClass = m.classKey("completed")
		st.Status = flinkapi.SubtaskCheckpointCompleted
		e2e := ack - cp.trigger
		st.AckTimestamp, st.EndToEndDuration = ptr(ack), ptr(e2e)
		if m.ver.checkpointedSize {
			st.CheckpointedSize = ptr(p.checkpointedSize)
		}
		st.StateSize = ptr(p.stateSize)
		st.Checkpoint = &flinkapi.SubtaskCheckpointDuration{Sync: p.sync, Async: p.async}
		st.Alignment = &flinkapi.SubtaskAlignment{Processed: p.processed, Persisted: p.persisted, Duration: p.alignment}
		st.StartDelay = ptr(p.startDelay)
		st.UnalignedCheckpoint, st.Aborted = ptr(p.unaligned), ptr(false)

		sumCkpt.add(p.checkpointedSize)
		sumState.add(p.stateSize)
		sumE2E.add(e2e)
		sumSync.add(p.sync)
		sumAsync.add(p.async)
		sumProc.add(p.processed)
		sumPers.add(p.persisted)
		sumAlign.add(p.alignment)
		sumDelay.add(p.startDelay)
	}
	out := flinkapi.TaskCheckpointStatisticsWithSubtaskDetails{
		TaskCheckpointStatistics: m.taskStats(j, cp, tasks[v]),
		Summary: flinkapi.SubtaskCheckpointSummary{
			StateSize:          sumState.dto(),
			EndToEndDuration:   sumE2E.dto(),
			CheckpointDuration: flinkapi.CheckpointDurationSummary{Sync: sumSync.dto(), Async: sumAsync.dto()},
			Alignment: flinkapi.AlignmentSummary{
				Buffered: zeroSummary(), Processed: sumProc.dto(), Persisted: sumPers.dto(), Duration: sumAlign.dto(),
			},
			StartDelay: sumDelay.dto(),
		},
		Subtasks: subtasks,
	}
	if m.ver.checkpointedSize {
		out.Summary.CheckpointedSize = ptr(sumCkpt.dto())
	}
	return out
}

// checkpointConfig renders GET /jobs/:jobid/checkpoints/config. The
// simulator never fails a job on checkpoint failures, so it reports an
// unlimited tolerable failure count.
func (m *model) checkpointConfig(c *coordinator) flinkapi.CheckpointConfig {
	cfg := flinkapi.CheckpointConfig{
		Mode: "exactly_once", Interval: c.interval, Timeout: c.timeout, MinPause: 0, MaxConcurrent: 1,
		Externalization:            flinkapi.CheckpointExternalize{Enabled: true, DeleteOnCancellation: false},
		StateBackend:               ptr(m.sc.StateBackend),
		CheckpointStorage:          ptr("FileSystemCheckpointStorage"),
		UnalignedCheckpoints:       m.sc.Unaligned,
		TolerableFailedCheckpoints: 2147483647,
		AlignedCheckpointTimeout:   ptr(int64(0)),
	}
	if m.ver.afterTasksFinish {
		cfg.CheckpointsAfterTasksFinish = ptr(true)
	}
	if m.ver.changelogConfig {
		cfg.StateChangelogEnabled = ptr(false)
		cfg.ChangelogMaterialization = ptr(int64(600_000))
		cfg.ChangelogStorage = flinkapi.Some("memory")
	}
	return cfg
}
