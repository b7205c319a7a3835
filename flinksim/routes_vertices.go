package flinksim

import (
	"fmt"
	"math"
	"slices"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// statusDurationStates returns the states a subtask's status-duration
// lists.
func statusDurationStates() []string {
	return []string{"CREATED", "SCHEDULED", "DEPLOYING", "INITIALIZING", "RUNNING"}
}

// lookupVertex finds the job and vertex of a request, or the 404 answer.
func (m *model) lookupVertex(q *request) (*job, int, *reply) {
	j, errReply := m.lookupJob(q)
	if errReply != nil {
		return nil, -1, errReply
	}
	vid := q.params["vertexid"]
	v := j.vertexIndex(vid)
	if v < 0 {
		r := notFoundException(fmt.Sprintf("JobVertex %s not found", vid))
		return nil, -1, &r
	}
	return j, v, nil
}

// taskEnd is the end-time of the job's tasks: -1 while running.
func (j *job) taskEnd() int64 {
	if j.ended >= 0 {
		return j.ended
	}
	return -1
}

// statusDurations is how long a subtask spent in each state of its current
// attempt.
func (j *job) statusDurations(now int64) map[string]int64 {
	return map[string]int64{
		"CREATED": 3, "SCHEDULED": 20, "DEPLOYING": 45, "INITIALIZING": 320,
		"RUNNING": j.taskDuration(now),
	}
}

// subtaskIO returns a subtask's IO metrics as the metric store has them:
// zero and incomplete before the first fetch.
func (m *model) subtaskIO(j *job, v, i int, now int64) flinkapi.IOMetrics {
	if !m.metricsReady(now) {
		var io flinkapi.IOMetrics
		if m.ver.accumulatedTimes {
			io.AccumulatedBusyTime, io.AccumulatedBackpressuredTime, io.AccumulatedIdleTime = ptr(flinkapi.Float(0)), ptr(int64(0)), ptr(int64(0))
		}
		return io
	}
	return m.subtaskIOMetrics(j, v, i, now)
}

// serveVertexDetails answers GET /jobs/:jobid/vertices/:vertexid.
func (m *model) serveVertexDetails(q *request) reply {
	j, v, errReply := m.lookupVertex(q)
	if errReply != nil {
		return *errReply
	}
	d := flinkapi.JobVertexDetails{
		ID: j.vertices[v].id, Name: j.vertices[v].name, Parallelism: j.parallelism,
		MaxParallelism: 128, Now: q.now,
		Subtasks: make([]flinkapi.SubtaskExecutionAttempt, j.parallelism),
	}
	ios := make([]flinkapi.IOMetrics, j.parallelism)
	for i := range d.Subtasks {
		tm := j.placement[i]
		ios[i] = m.subtaskIO(j, v, i, q.now)
		st := flinkapi.SubtaskExecutionAttempt{
			Subtask: i, Status: j.taskState(), Attempt: j.attempt,
			StartTime: j.running, StartTimeOld: j.running, EndTime: j.taskEnd(),
			Duration: j.taskDuration(q.now), Metrics: ios[i], TaskManagerID: tm.id,
		}
		if m.ver.host {
			st.Host = tm.ip
		}
		if m.ver.endpoint {
			st.Endpoint = fmt.Sprintf("%s:%d", tm.ip, tm.dataPort)
		}
		if m.ver.accumulatedTimes {
			st.StatusDuration = j.statusDurations(q.now)
		}
		d.Subtasks[i] = st
	}
	if m.ver.accumulatedTimes {
		d.Aggregated, _ = encodeJSON(aggregateTasks(ios, j.statusDurations(q.now), j.parallelism))
	}
	return ok(d)
}

// serveVertexTaskManagers answers GET /jobs/:jobid/vertices/:vertexid/taskmanagers:
// the vertex's subtasks grouped by the TaskManager running them.
func (m *model) serveVertexTaskManagers(q *request) reply {
	j, v, errReply := m.lookupVertex(q)
	if errReply != nil {
		return *errReply
	}
	out := vertexTaskManagers{ID: j.vertices[v].id, Name: j.vertices[v].name, Now: q.now, TaskManagers: []vertexTaskManagerInfo{}}
	var order []*taskManager
	byTM := map[*taskManager][]flinkapi.IOMetrics{}
	for i, tm := range j.placement {
		if _, seen := byTM[tm]; !seen {
			order = append(order, tm)
		}
		byTM[tm] = append(byTM[tm], m.subtaskIO(j, v, i, q.now))
	}
	for _, tm := range order {
		ios := byTM[tm]
		info := vertexTaskManagerInfo{
			Status: j.taskState(), StartTime: j.running, EndTime: j.taskEnd(),
			Duration: j.taskDuration(q.now), StatusCounts: map[string]int{}, TaskManagerID: tm.id,
		}
		addr := fmt.Sprintf("%s:%d", tm.ip, tm.dataPort)
		if m.ver.host {
			info.Host = addr
		}
		if m.ver.endpoint {
			info.Endpoint = addr
		}
		if m.ver.accumulatedTimes {
			info.Metrics.AccumulatedBusyTime, info.Metrics.AccumulatedBackpressuredTime, info.Metrics.AccumulatedIdleTime = ptr(flinkapi.Float(0)), ptr(int64(0)), ptr(int64(0))
		}
		for _, io := range ios {
			sumIOMetrics(&info.Metrics, io)
		}
		for _, st := range executionStates() {
			info.StatusCounts[st] = 0
		}
		info.StatusCounts[j.taskState()] = len(ios)
		if m.ver.accumulatedTimes {
			info.Aggregated = ptr(aggregateTasks(ios, j.statusDurations(q.now), len(ios)))
		}
		out.TaskManagers = append(out.TaskManagers, info)
	}
	return ok(out)
}

// aggregateTasks computes the "aggregated" block over subtasks' IO metrics
// and (identical) status durations.
func aggregateTasks(ios []flinkapi.IOMetrics, durations map[string]int64, n int) aggregatedTaskInfo {
	series := map[string][]int64{}
	for _, io := range ios {
		series["read-bytes"] = append(series["read-bytes"], io.ReadBytes)
		series["write-bytes"] = append(series["write-bytes"], io.WriteBytes)
		series["read-records"] = append(series["read-records"], io.ReadRecords)
		series["write-records"] = append(series["write-records"], io.WriteRecords)
		if io.AccumulatedBusyTime != nil {
			series["accumulated-busy-time"] = append(series["accumulated-busy-time"], int64(*io.AccumulatedBusyTime))
			series["accumulated-backpressured-time"] = append(series["accumulated-backpressured-time"], *io.AccumulatedBackpressuredTime)
			series["accumulated-idle-time"] = append(series["accumulated-idle-time"], *io.AccumulatedIdleTime)
		}
	}
	out := aggregatedTaskInfo{Metrics: map[string]aggregatedStats{}, StatusDuration: map[string]aggregatedStats{}}
	for k, vals := range series {
		out.Metrics[k] = statsOf(vals)
	}
	for _, st := range statusDurationStates() {
		vals := make([]int64, n)
		for i := range vals {
			vals[i] = durations[st]
		}
		out.StatusDuration[st] = statsOf(vals)
	}
	return out
}

// statsOf computes the eight statistics of the aggregated block.
func statsOf(vals []int64) aggregatedStats {
	if len(vals) == 0 {
		return aggregatedStats{}
	}
	sorted := make([]float64, len(vals))
	var sum int64
	for i, v := range vals {
		sorted[i] = float64(v)
		sum += v
	}
	slices.Sort(sorted)
	q := func(p float64) int64 { return int64(math.Round(percentile(sorted, p))) }
	return aggregatedStats{
		Min: int64(sorted[0]), Max: int64(sorted[len(sorted)-1]), Avg: sum / int64(len(vals)), Sum: sum,
		Median: q(50), P25: q(25), P75: q(75), P95: q(95),
	}
}

// serveBackPressure answers GET /jobs/:jobid/vertices/:vertexid/backpressure
// from the task metrics; {"status":"deprecated"} until metrics were fetched.
func (m *model) serveBackPressure(q *request) reply {
	j, v, errReply := m.lookupVertex(q)
	if errReply != nil {
		return *errReply
	}
	if !m.metricsReady(q.now) || !j.isRunning() {
		return ok(flinkapi.JobVertexBackPressure{Status: flinkapi.BackPressureStatusDeprecated})
	}
	out := flinkapi.JobVertexBackPressure{
		Status:       flinkapi.BackPressureStatusOK,
		EndTimestamp: ptr(q.now - q.now%fetchIntervalMs),
		Subtasks:     make([]flinkapi.SubtaskBackPressure, j.parallelism),
	}
	maxRatio := 0.0
	for i := range out.Subtasks {
		busy, bp, idle := m.taskLoad(j, v, i, q.now).ratios()
		maxRatio = math.Max(maxRatio, bp)
		level := flinkapi.BackPressureLevelOf(bp)
		st := flinkapi.SubtaskBackPressure{
			Subtask: i, BackpressureLevelOld: level,
			Ratio: flinkapi.Float(bp), IdleRatio: flinkapi.Float(idle), BusyRatio: flinkapi.Float(busy),
		}
		if m.ver.backpressureLevel {
			st.BackpressureLevel = level
		}
		out.Subtasks[i] = st
	}
	out.BackpressureLevelOld = flinkapi.BackPressureLevelOf(maxRatio)
	if m.ver.backpressureLevel {
		out.BackpressureLevel = out.BackpressureLevelOld
	}
	return ok(out)
}
