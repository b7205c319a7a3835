package flinksim

import (
	"slices"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// periodicOffTimeout is the checkpoint timeout a job without periodic
// checkpointing reports: Flink's default of 10 minutes.
const periodicOffTimeout = 600_000

// triggerFailureMs is how long a trigger-phase failure takes.
const triggerFailureMs = 5

// coordinator is a job's CheckpointCoordinator and CheckpointStatsTracker:
// at most one checkpoint in flight, the next one triggered Interval after
// the previous one ended.
type coordinator struct {
	periodic          bool
	interval, timeout int64 // ms
	nextID            int64
	nextTrigger       int64 // ms

	counts   flinkapi.CheckpointCounts
	history  []*checkpoint // newest first, at most historySize, including pending
	pending  *checkpoint
	parts    []subtaskPart // the pending checkpoint's parts, index v*parallelism+i
	latest   latestCheckpoints
	restored *flinkapi.RestoredCheckpoint
	// retained is the newest completed checkpoint in checkpoint storage:
	// what a restart restores from, also after a JobManager failover.
	retained *checkpoint

	summary checkpointSummaries
	// rendered is the summary as last rendered, valid while renderedAt
	// equals counts.Completed (it only changes when a checkpoint completes).
	rendered   *flinkapi.CheckpointSummary
	renderedAt int64
}

// latestCheckpoints are the newest completed and failed checkpoints, which
// stay fetchable after leaving the history.
type latestCheckpoints struct {
	completed, failed *checkpoint
}

// checkpointSummaries are the running summaries of completed checkpoints.
type checkpointSummaries struct {
	stateSize, checkpointedSize, duration, processed, persisted statsSummary
}

// newCoordinator returns the coordinator of a job whose tasks run since
// running.
func newCoordinator(sc scenario, periodic bool, running int64) *coordinator {
	c := &coordinator{periodic: periodic, nextID: 1}
	if !periodic {
		c.interval, c.timeout = flinkapi.IntervalDisabled, periodicOffTimeout
		return c
	}
	c.interval = sc.Interval.Milliseconds()
	c.timeout = sc.Timeout.Milliseconds()
	c.nextTrigger = running + c.interval
	return c
}

// advanceCoordinator plays job j's checkpoints up to now: it ends the
// pending checkpoint when its time has come and triggers the next ones.
func (m *model) advanceCoordinator(j *job, now int64) {
	c := j.coord
	for {
		if c.pending != nil {
			if c.pending.end > now {
				return
			}
			m.finish(j, c.pending)
			continue
		}
		if !c.periodic || c.nextTrigger > now {
			return
		}
		m.trigger(j, c.nextTrigger)
	}
}

// trigger starts checkpoint nextID at time at and plans its outcome: every
// subtask's ack time follows from its phases; the checkpoint completes with
// the last ack, or fails earlier by a planned failure or by expiry.
func (m *model) trigger(j *job, at int64) {
	c, sc := j.coord, &m.sc
	id := c.nextID
	c.nextID++
	c.counts.Total++
	jn := int64(j.n)
	u := m.r.unit(dFailureKind, jn, id)
	if u < sc.TriggerFailureRate {
		// Failed before a pending checkpoint existed: counted, never in history.
		c.counts.Failed++
		c.nextTrigger = at + triggerFailureMs + c.interval
		return
	}
	u -= sc.TriggerFailureRate

	cp := &checkpoint{
		id: id, status: flinkapi.CheckpointInProgress, trigger: at,
		params: checkpointParams{
			stateBytes:  m.stateBytes(j, at),
			asyncBaseMs: m.r.pick(sc.AsyncBaseMs, dAsyncBase, jn, id),
			placement:   j.placement,
			attempt:     j.attempt,
		},
	}
	c.parts = c.parts[:0]
	var last int64
	for v := range j.vertices {
		for i := range j.parallelism {
			p := m.subtaskPart(j, id, &cp.params, v, i)
			c.parts = append(c.parts, p)
			last = max(last, p.ackOffset())
		}
	}
	cp.end = at + last + 1 + int64(4*m.r.unit(dFinalize, jn, id))
	m.planFailure(j, cp, c.parts, u)
	if cp.end > at+c.timeout {
		cp.end, cp.failure = at+c.timeout, msgExpired
	}

	c.pending = cp
	c.counts.InProgress = 1
	c.history = append(c.history, nil)
	copy(c.history[1:], c.history)
	c.history[0] = cp
	if len(c.history) > historySize {
		c.history[historySize] = nil
		c.history = c.history[:historySize]
	}
}

// timeoutSamples is how many of a job's planned checkpoints calibratedTimeout
// looks at.
const timeoutSamples = 40

// calibratedTimeout returns the scenario's TimeoutQuantile of the durations
// job j's first checkpoints are planned to take, so that a timeout "too
// short for the job" is too short by the same margin at any topology: the
// more subtasks, the later the slowest acknowledgement, whatever the
// state per subtask.
func (m *model) calibratedTimeout(j *job) int64 {
	at := j.running + j.coord.interval
	samples := int64(timeoutSamples)
	if j.numSubtasks() > 1000 {
		samples = 10 // keeps New fast at the largest topologies
	}
	durations := make([]int64, 0, samples)
	for id := int64(1); id <= samples; id++ {
		par := checkpointParams{
			stateBytes:  m.stateBytes(j, at),
			asyncBaseMs: m.r.pick(m.sc.AsyncBaseMs, dAsyncBase, int64(j.n), id),
			placement:   j.placement,
		}
		var last int64
		for v := range j.vertices {
			for i := range j.parallelism {
				last = max(last, m.subtaskPart(j, id, &par, v, i).ackOffset())
			}
		}
		durations = append(durations, last+1)
	}
	slices.Sort(durations)
	return durations[int(m.sc.TimeoutQuantile*float64(len(durations)-1))]
}

// planFailure lets a checkpoint fail by the scenario's async-failure or
// decline rate, u being a uniform draw for this checkpoint.
func (m *model) planFailure(j *job, cp *checkpoint, parts []subtaskPart, u float64) {
	sc := &m.sc
	switch {
	case u < sc.AsyncFailureRate:
		k := int(m.r.hash(dFailureSubtask, int64(j.n), cp.id) % uint64(len(parts)))
		p := parts[k]
		if at := cp.trigger + p.startDelay + p.alignment + p.sync + p.async/2 + p.transit; at < cp.end {
			cp.end, cp.failure = at, msgAsyncFailed
		}
	case u < sc.AsyncFailureRate+sc.DeclineRate:
		v, i := m.decliningSubtask(j, cp.id, &cp.params)
		p := parts[v*j.parallelism+i]
		if at := cp.trigger + p.startDelay + p.alignment + p.sync + p.transit; at < cp.end {
			cp.end = at
			cp.failure = declineMessage(m.ver, cp.id, j.vertices[v].name, i, j.parallelism, cp.params.attempt)
		}
	}
}

// decliningSubtask picks the subtask that declines: one running on the hot
// TaskManager in a stateful vertex if there is one, else any.
func (m *model) decliningSubtask(j *job, id int64, par *checkpointParams) (v, i int) {
	v = min(1, len(j.vertices)-1)
	for i, tm := range par.placement {
		if tm.hot {
			return v, i
		}
	}
	return v, int(m.r.hash(dFailureSubtask, int64(j.n), id) % uint64(j.parallelism))
}

// finish ends checkpoint cp at cp.end with its planned (or aborted) outcome.
func (m *model) finish(j *job, cp *checkpoint) {
	c := j.coord
	cp.total, cp.tasks = aggregate(cp, c.parts, len(j.vertices), j.parallelism, cp.end)
	if cp.failure != "" {
		cp.status = flinkapi.CheckpointFailed
		c.counts.Failed++
		c.latest.failed = cp
	} else {
		cp.status = flinkapi.CheckpointCompleted
		c.counts.Completed++
		if prev := c.latest.completed; prev != nil {
			prev.discarded = true
		}
		c.latest.completed = cp
		c.retained = cp
		s := &c.summary
		s.stateSize.add(cp.total.stateSize)
		s.checkpointedSize.add(cp.total.checkpointedSize)
		s.duration.add(max(0, cp.total.latestAck-cp.trigger))
		s.processed.add(cp.total.processed)
		s.persisted.add(cp.total.persisted)
	}
	c.pending = nil
	c.counts.InProgress = 0
	c.nextTrigger = cp.end + c.interval
}

// abortPending fails the pending checkpoint at now with msg, as a failover
// does.
func (m *model) abortPending(j *job, now int64, msg string) {
	c := j.coord
	if c == nil || c.pending == nil {
		return
	}
	c.pending.end, c.pending.failure = now, msg
	m.finish(j, c.pending)
}

// restoreFrom records that the job restored from checkpoint cp (if any) at
// now, and schedules the next trigger after the restart.
func (c *coordinator) restoreFrom(jobID string, cp *checkpoint, now, running int64) {
	if cp != nil {
		path := externalPath(jobID, cp.id)
		c.restored = &flinkapi.RestoredCheckpoint{ID: cp.id, RestoreTimestamp: now, ExternalPath: &path}
		c.counts.Restored++
	}
	if c.periodic {
		c.nextTrigger = running + c.interval
	}
}

// resetForNewJobManager returns the coordinator a new JobManager builds:
// counts, history, latest and summaries are gone, checkpoint ids continue
// (the id counter lives in HA storage).
func (c *coordinator) resetForNewJobManager() *coordinator {
	return &coordinator{
		periodic: c.periodic, interval: c.interval, timeout: c.timeout,
		nextID: c.nextID, parts: c.parts[:0], retained: c.retained,
	}
}

// fetchable returns the checkpoint with this id if the statistics still
// know it: in the history or as latest completed/failed.
func (c *coordinator) fetchable(id int64) *checkpoint {
	for _, cp := range c.history {
		if cp.id == id {
			return cp
		}
	}
	for _, cp := range []*checkpoint{c.latest.completed, c.latest.failed} {
		if cp != nil && cp.id == id {
			return cp
		}
	}
	return nil
}
