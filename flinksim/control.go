package flinksim

import (
	"errors"
	"fmt"
	"slices"
)

// maxExceptionHistory bounds a job's exception history like
// web.exception-history-size.
const maxExceptionHistory = 16

// CatchUp runs the model up to Clock() now. A JobManager running in real
// time does this work as time passes; a harness that steps a manual clock
// calls it after each step, so that the first request after the step does
// not pay for the whole step (with 100 jobs, 15 s of checkpoints take
// milliseconds to simulate) as no real JobManager's answer would.
func (s *Simulator) CatchUp() { s.withModel(func(*model, int64) {}) }

// RestartJobManager simulates a JobManager failover with HA: a new
// JobManager restarts every running job from its latest retained
// checkpoint. Checkpoint statistics start over (counts 0 except restored,
// history and latest cleared), checkpoint ids continue where they were,
// jobs get a new start-time, TaskManagers re-register, and the metric
// endpoints warm up again for Config.MetricsWarmup.
func (s *Simulator) RestartJobManager() { s.restartJobManager(true) }

// RestartJobManagerWithoutHA simulates a JobManager that restarts without
// high availability (or a job submitted again under the same fixed id, as
// application mode does): every running job starts from scratch with the
// same id and a new start-time, its checkpoint statistics start over and
// so do its checkpoint ids, from 1, with no restore counted.
func (s *Simulator) RestartJobManagerWithoutHA() { s.restartJobManager(false) }

func (s *Simulator) restartJobManager(ha bool) {
	s.withModel(func(m *model, now int64) {
		m.jmStart = now
		m.metricsReadyAt = now + m.cfg.MetricsWarmup.Milliseconds()
		for _, tm := range m.tms {
			tm.heartbeatEpoch = now
		}
		for _, j := range m.jobs {
			if !j.isRunning() {
				continue
			}
			j.submitted, j.running, j.restarting = now, now, 0
			j.attempt, j.restarts, j.exceptions = 0, 0, nil
			if old := j.coord; old != nil {
				j.coord = old.resetForNewJobManager()
				retained := old.retained
				if !ha {
					j.coord.nextID, j.coord.retained, retained = 1, nil, nil
				}
				j.coord.restoreFrom(j.id, retained, now, now)
			}
		}
	})
}

// RestartJob simulates a failover of one job: its pending checkpoint fails
// with "FailoverRegion is restarting.", the job restores from its latest
// completed checkpoint (counts.restored+1, latest.restored set), its
// subtasks run a new attempt from now, and checkpoint ids continue. The
// job's start-time is kept, as Flink keeps it across restarts.
func (s *Simulator) RestartJob(jobID string) error {
	var err error
	s.withModel(func(m *model, now int64) {
		j := m.jobByID[jobID]
		switch {
		case j == nil:
			err = fmt.Errorf("restart job %s: no such job", jobID)
		case !j.isRunning():
			err = fmt.Errorf("restart job %s: job is %s", jobID, j.state())
		default:
			m.restartJob(j, now, msgFailover, jobException{
				timestamp: now, name: "java.lang.RuntimeException",
				stack: "java.lang.RuntimeException: Simulated task failure (flinksim RestartJob).\n" +
					"\tat org.apache.flink.streaming.runtime.tasks.StreamTask.invoke(StreamTask.java:752)\n" +
					"\tat org.apache.flink.runtime.taskmanager.Task.run(Task.java:566)\n",
				taskName: subtaskName(j, 0, 0), tm: j.placement[0],
			})
		}
	})
	return err
}

// RemoveTaskManager simulates the loss of a TaskManager: it disappears from
// /taskmanagers, and every job with subtasks on it fails its pending
// checkpoint ("Task has failed.") and restarts onto the remaining
// TaskManagers.
func (s *Simulator) RemoveTaskManager(id string) error {
	var err error
	s.withModel(func(m *model, now int64) {
		tm := m.tmByID[id]
		switch {
		case tm == nil:
			err = fmt.Errorf("remove TaskManager %s: no such TaskManager", id)
			return
		case len(m.tms) == 1:
			err = errors.New("remove TaskManager " + id + ": it is the last one, its jobs could not run")
			return
		}
		m.tms = slices.DeleteFunc(m.tms, func(t *taskManager) bool { return t == tm })
		delete(m.tmByID, id)
		for _, j := range m.jobs {
			if !slices.Contains(j.placement, tm) {
				continue
			}
			j.placement = m.place(j, m.tms)
			if !j.isRunning() {
				continue
			}
			m.restartJob(j, now, msgTaskFailure, jobException{
				timestamp: now, name: "org.apache.flink.runtime.jobmaster.JobMasterException",
				stack: fmt.Sprintf("org.apache.flink.runtime.jobmaster.JobMasterException: TaskManager with id %s is no longer reachable.\n"+
					"\tat org.apache.flink.runtime.jobmaster.JobMaster$TaskManagerHeartbeatListener.notifyTargetUnreachable(JobMaster.java:1455)\n", id),
				taskName: subtaskName(j, 0, 0), tm: tm,
			})
		}
	})
	return err
}

// restartJob fails job j's pending checkpoint with abortMsg, records the
// failure and restarts the job's tasks from its retained checkpoint.
func (m *model) restartJob(j *job, now int64, abortMsg string, e jobException) {
	m.abortPending(j, now, abortMsg)
	j.restarts++
	j.attempt++
	j.restarting, j.running = now, now
	j.exceptions = append(j.exceptions, e)
	if len(j.exceptions) > maxExceptionHistory {
		j.exceptions = j.exceptions[1:]
	}
	if c := j.coord; c != nil {
		c.restoreFrom(j.id, c.retained, now, now)
	}
}

// subtaskName is how Flink names subtask i of vertex v in exceptions.
func subtaskName(j *job, v, i int) string {
	return fmt.Sprintf("%s (%d/%d)#%d", j.vertices[v].name, i+1, j.parallelism, j.attempt)
}

// JobIDs returns the ids of all jobs: the checkpointing jobs first, then
// uncheckpointed, checkpointing-disabled and finished ones, in Config order.
func (s *Simulator) JobIDs() []string {
	var out []string
	s.withModel(func(m *model, _ int64) {
		for _, j := range m.jobs {
			out = append(out, j.id)
		}
	})
	return out
}

// TaskManagerIDs returns the ids of the registered TaskManagers.
func (s *Simulator) TaskManagerIDs() []string {
	var out []string
	s.withModel(func(m *model, _ int64) {
		for _, tm := range m.tms {
			out = append(out, tm.id)
		}
	})
	return out
}

// StragglerTaskManagerID returns the id of the overloaded TaskManager of
// the taskmanager-overload scenario, or "" when there is none.
func (s *Simulator) StragglerTaskManagerID() string {
	var out string
	s.withModel(func(m *model, _ int64) {
		for _, tm := range m.tms {
			if tm.hot {
				out = tm.id
			}
		}
	})
	return out
}

// VertexIDs returns the vertex ids of a job, source first, or nil for an
// unknown job.
func (s *Simulator) VertexIDs(jobID string) []string {
	var out []string
	s.withModel(func(m *model, _ int64) {
		if j := m.jobByID[jobID]; j != nil {
			for _, v := range j.vertices {
				out = append(out, v.id)
			}
		}
	})
	return out
}

// FlinkVersion returns the version the simulator speaks.
func (s *Simulator) FlinkVersion() string { return s.cfg.FlinkVersion }

// Scenario returns the name of the simulated scenario.
func (s *Simulator) Scenario() string { return s.cfg.Scenario }
