package flinksim

import (
	"strings"
)

// watermarkLagMs is how far event time trails wall-clock time.
const watermarkLagMs = 2000

// jobStateMetrics returns the JobStatus groups of the <state>State/Time/
// TimeTotal job metrics (1.15+).
func jobStateMetrics() []string {
	return []string{"created", "initializing", "deploying", "running", "restarting", "failing", "cancelling"}
}

// jobMetrics is job j's metric store (JobManager side) at now. Checkpoint
// metrics exist only for jobs with a checkpoint coordinator.
func (m *model) jobMetrics(j *job, now int64) metricSet {
	var s metricSet
	if c := j.coord; c != nil {
		m.addCheckpointMetrics(&s, j, c)
	}
	up := j.taskDuration(now)
	s.int("numRestarts", int64(j.restarts))
	if m.ver.fullRestarts {
		s.int("fullRestarts", int64(j.restarts))
	}
	if m.ver.rescalesMetric {
		s.int("numRescales", 0)
	}
	s.int("uptime", up)
	s.int("downtime", 0)
	s.int("restartingTime", 0)
	if m.ver.jobStateMetrics {
		for _, st := range jobStateMetrics() {
			state, cur, total := int64(0), int64(0), int64(0)
			if st == "running" {
				state, cur, total = 1, up, now-j.submitted
			}
			s.int(st+"State", state)
			s.int(st+"Time", cur)
			s.int(st+"TimeTotal", total)
		}
	}
	return s
}

// addCheckpointMetrics adds the checkpointing metrics of the
// CheckpointStatsTracker (-1 and "n/a" before the first completed
// checkpoint).
func (m *model) addCheckpointMetrics(s *metricSet, j *job, c *coordinator) {
	dur, size, full, id, ts, proc, pers := int64(-1), int64(-1), int64(-1), int64(-1), int64(-1), int64(-1), int64(-1)
	path := "n/a"
	if cp := c.latest.completed; cp != nil {
		dur, full, id, ts = cp.total.latestAck-cp.trigger, cp.total.stateSize, cp.id, cp.total.latestAck
		size = cp.total.checkpointedSize
		if !m.ver.checkpointedSize {
			size = cp.total.stateSize
		}
		proc, pers, path = cp.total.processed, cp.total.persisted, externalPath(j.id, cp.id)
	}
	restore := int64(-1)
	if c.restored != nil {
		restore = c.restored.RestoreTimestamp
	}
	s.int("lastCheckpointDuration", dur)
	s.int("lastCheckpointSize", size)
	if m.ver.fullSizeMetric {
		s.int("lastCheckpointFullSize", full)
	}
	if m.ver.metadataSizeMetric {
		meta := int64(-1)
		if id >= 0 {
			meta = 4096 + 64*int64(j.numSubtasks())
		}
		s.int("lastCheckpointMetadataSize", meta)
	}
	if m.ver.completedIDMetric {
		s.int("lastCompletedCheckpointId", id)
	}
	if m.ver.completedTSMetric {
		s.int("lastCheckpointCompletedTimestamp", ts)
	}
	s.string("lastCheckpointExternalPath", path)
	s.int("lastCheckpointRestoreTimestamp", restore)
	s.int("lastCheckpointProcessedData", proc)
	s.int("lastCheckpointPersistedData", pers)
	s.int("numberOfInProgressCheckpoints", int64(c.counts.InProgress))
	s.int("numberOfCompletedCheckpoints", c.counts.Completed)
	s.int("numberOfFailedCheckpoints", c.counts.Failed)
	s.int("totalNumberOfCheckpoints", c.counts.Total)
}

// subtaskMetrics is subtask i of vertex v's metric store at now: task
// metrics, then the metrics of each chained operator ("<operator>.<name>").
func (m *model) subtaskMetrics(j *job, v, i int, now int64) metricSet {
	var s metricSet
	l := m.taskLoad(j, v, i, now)
	busy, bp, _ := l.ratios()
	s.float("busyTimeMsPerSecond", l.busy)
	s.int("backPressuredTimeMsPerSecond", int64(l.backPressured))
	s.int("idleTimeMsPerSecond", int64(l.idle))
	if m.ver.softHardBP {
		hard := int64(0)
		if bp > 0.5 {
			hard = int64(l.backPressured * 0.9)
		}
		s.int("softBackPressuredTimeMsPerSecond", int64(l.backPressured)-hard)
		s.int("hardBackPressuredTimeMsPerSecond", hard)
		s.int("maxSoftBackPressureTimeMs", int64(l.backPressured/10))
		s.int("maxHardBackPressureTimeMs", hard/4)
	}
	s.string("isBackPressured", boolText(bp > 0.5))

	var delayNs, alignNs int64
	if p, found := m.lastPartFor(j, v, i, now); found {
		delayNs, alignNs = p.startDelay*1e6+int64(m.r.hash(dStartDelay, int64(j.n), int64(v), int64(i))%1e6), p.alignment*1e6
	}
	s.int("checkpointStartDelayNanos", delayNs)
	s.int("checkpointAlignmentTime", alignNs)

	rate := m.recordRate(j, v, i)
	records := int64(rate * float64(j.taskDuration(now)) / 1000)
	in, inRate := records, rate
	if v == 0 {
		in, inRate = 0, 0
	}
	s.int("numRecordsIn", in)
	s.int("numRecordsOut", records)
	s.float("numRecordsInPerSecond", inRate)
	s.float("numRecordsOutPerSecond", rate)
	s.int("numBytesIn", in*recordBytes)
	s.int("numBytesOut", records*recordBytes)
	s.float("numBytesInPerSecond", inRate*recordBytes)
	s.float("numBytesOutPerSecond", rate*recordBytes)

	inPool, outPool := 0.1, 0.1
	if bp > 0.5 {
		inPool, outPool = 0.95, 1.0
	}
	if busy > 0.9 {
		inPool = 1.0
	}
	if v == 0 {
		inPool = 0
	}
	s.float("Shuffle.Netty.Input.Buffers.inPoolUsage", inPool)
	s.float("Shuffle.Netty.Output.Buffers.outPoolUsage", outPool)
	if m.ver.networkMetrics {
		s.float("buffers.inPoolUsage", inPool)
		s.float("buffers.outPoolUsage", outPool)
	}
	if m.ver.mailboxMetrics {
		s.float("mailboxMailsPerSecond", 5)
		s.int("mailboxQueueSize", 0)
	}
	if m.ver.initMetric {
		s.int("initializationTime", 320)
	}
	s.int("currentInputWatermark", now-watermarkLagMs)

	for _, op := range strings.Split(j.vertices[v].name, " -> ") {
		prefix := metricScopeName(op) + "."
		s.int(prefix+"numRecordsIn", in)
		s.int(prefix+"numRecordsOut", records)
		s.int(prefix+"currentOutputWatermark", now-watermarkLagMs)
	}
	return s
}

// boolText renders a Boolean gauge as its toString().
func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
