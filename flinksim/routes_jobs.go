package flinksim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// executionStates returns Flink's ExecutionState values in Flink's order.
func executionStates() []string {
	return []string{
		"CREATED", "SCHEDULED", "DEPLOYING", "RUNNING", "FINISHED",
		"CANCELING", "CANCELED", "FAILED", "RECONCILING", "INITIALIZING",
	}
}

// state is the JobStatus of the job.
func (j *job) state() string {
	if j.kind == jobFinished {
		return flinkapi.JobFinished
	}
	return flinkapi.JobRunning
}

// taskState is the ExecutionState of the job's subtasks.
func (j *job) taskState() string {
	if j.kind == jobFinished {
		return "FINISHED"
	}
	return "RUNNING"
}

// duration is the job's run time as Flink reports it.
func (j *job) duration(now int64) int64 {
	if j.ended >= 0 {
		return j.ended - j.submitted
	}
	return now - j.submitted
}

// lookupJob finds the job of the request's :jobid, or the 404 answer.
func (m *model) lookupJob(q *request) (*job, *reply) {
	id := q.params["jobid"]
	if j := m.jobByID[id]; j != nil {
		return j, nil
	}
	if !isHexID(id) {
		r := badRequest(fmt.Sprintf("Cannot resolve path parameter (jobid) from value %q.", id))
		return nil, &r
	}
	r := jobNotFound(id)
	return nil, &r
}

// isHexID reports whether s looks like a JobID or JobVertexID.
func isHexID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// serveJobs answers GET /jobs.
func (m *model) serveJobs(_ *request) reply {
	out := jobIDsWithStatus{Jobs: make([]jobIDWithStatus, 0, len(m.jobs))}
	for _, j := range m.jobs {
		out.Jobs = append(out.Jobs, jobIDWithStatus{ID: j.id, Status: j.state()})
	}
	return ok(out)
}

// serveJobsOverview answers GET /jobs/overview.
func (m *model) serveJobsOverview(q *request) reply {
	out := flinkapi.JobsOverview{Jobs: make([]flinkapi.JobOverview, 0, len(m.jobs))}
	for _, j := range m.jobs {
		tasks := map[string]int{"total": j.numSubtasks()}
		for _, st := range executionStates() {
			tasks[strings.ToLower(st)] = 0
		}
		tasks[strings.ToLower(j.taskState())] = j.numSubtasks()
		o := flinkapi.JobOverview{
			ID: j.id, Name: j.name, StartTime: j.submitted, EndTime: j.ended,
			Duration: j.duration(q.now), State: j.state(),
			LastModification: max(j.running, j.ended), Tasks: tasks,
		}
		if m.ver.pendingOperators {
			o.PendingOperators = ptr(0)
		}
		out.Jobs = append(out.Jobs, o)
	}
	return ok(out)
}

// serveJobStatus answers GET /jobs/:jobid/status (1.16+).
func (m *model) serveJobStatus(q *request) reply {
	j, errReply := m.lookupJob(q)
	if errReply != nil {
		return *errReply
	}
	return ok(jobStatusInfo{Status: j.state()})
}

// serveJobDetails answers GET /jobs/:jobid.
func (m *model) serveJobDetails(q *request) reply {
	j, errReply := m.lookupJob(q)
	if errReply != nil {
		return *errReply
	}
	d := flinkapi.JobDetails{
		ID: j.id, Name: j.name, IsStoppable: false, State: j.state(),
		StartTime: j.submitted, EndTime: j.ended, Duration: j.duration(q.now),
		MaxParallelism: -1, Now: q.now, Timestamps: j.timestamps(),
		StatusCounts: map[string]int{}, Plan: m.plan(j),
	}
	if m.ver.jobType {
		d.JobType = "STREAMING"
		if j.kind == jobFinished {
			d.JobType = "BATCH"
		}
	}
	for _, st := range executionStates() {
		d.StatusCounts[st] = 0
	}
	d.StatusCounts[j.taskState()] = len(j.vertices)
	for v := range j.vertices {
		d.Vertices = append(d.Vertices, m.jobVertex(j, v, q.now))
	}
	if m.ver.pendingOperators {
		d.PendingOperators = ptr(0)
		d.StreamGraph = m.streamGraph(j)
	}
	return ok(d)
}

// timestamps is the job's timestamps map: every JobStatus, 0 when never
// reached.
func (j *job) timestamps() map[string]int64 {
	states := flinkapi.JobStates()
	ts := make(map[string]int64, len(states))
	for _, st := range states {
		ts[st] = 0
	}
	ts[flinkapi.JobInitializing] = j.submitted
	ts[flinkapi.JobCreated] = j.submitted + 100
	ts[flinkapi.JobRunning] = j.running
	if j.restarting > 0 {
		ts[flinkapi.JobRestarting] = j.restarting
	}
	if j.kind == jobFinished {
		ts[flinkapi.JobFinished] = j.ended
	}
	return ts
}

// jobVertex renders vertex v of a job's details.
func (m *model) jobVertex(j *job, v int, now int64) flinkapi.JobVertex {
	tasks := make(map[string]int, len(executionStates()))
	for _, st := range executionStates() {
		tasks[st] = 0
	}
	tasks[j.taskState()] = j.parallelism
	end := int64(-1)
	if j.ended >= 0 {
		end = j.ended
	}
	jv := flinkapi.JobVertex{
		ID: j.vertices[v].id, Name: j.vertices[v].name, MaxParallelism: 128,
		Parallelism: j.parallelism, Status: j.taskState(),
		StartTime: j.running, EndTime: end, Duration: j.taskDuration(now),
		Tasks: tasks, Metrics: m.vertexIOMetrics(j, v, now),
	}
	if m.ver.jobType {
		jv.SlotSharingGroupID = json.RawMessage(strconv.Quote(m.r.hexID(dVertexID, int64(j.n), -1)))
	}
	return jv
}

// taskDuration is how long the current attempt of the job's tasks runs.
func (j *job) taskDuration(now int64) int64 {
	if j.ended >= 0 {
		return j.ended - j.running
	}
	return now - j.running
}
