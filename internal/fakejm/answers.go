package fakejm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// obj is a JSON object of an answer.
type obj = map[string]any

// startTime is every job's start, in epoch milliseconds.
const startTime = 1_760_000_000_000

// answer returns the status and body for r as cluster c, with the mode's
// corruption applied to a healthy answer.
func (s *Server) answer(c Cluster, r *http.Request) (int, string) {
	p := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if s.mode == ManyJobs && r.URL.Path == "/jobs/overview" {
		return http.StatusOK, manyJobs(c.Jobs)
	}
	v, metricPath, ok := healthy(c, p)
	if !ok {
		return http.StatusNotFound, `{"errors":["Not found: ` + r.URL.Path + `"]}`
	}
	switch s.mode {
	case EmptyObjects:
		if metricPath {
			return http.StatusOK, "[]"
		}
		return http.StatusOK, "{}"
	case Nulls:
		v = mapValues(v, func(any) any { return nil })
	case WrongTypes:
		v = mapValues(v, wrongType)
	case Negatives:
		v = mapValues(v, negative)
	case DuplicateJobs:
		if o, isObj := v.(obj); isObj && r.URL.Path == "/jobs/overview" {
			jobs := o["jobs"].([]any)
			o["jobs"] = append(slices.Clone(jobs), jobs...)
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return http.StatusInternalServerError, `{"errors":["` + err.Error() + `"]}`
	}
	return http.StatusOK, string(b)
}

// healthy returns the answer a healthy cluster c gives for the path
// segments p, whether it is a metrics path (answered with an array), and
// false for a path it does not know.
func healthy(c Cluster, p []string) (answer any, metricPath, ok bool) {
	switch {
	case len(p) == 1 && p[0] == "config":
		return obj{"refresh-interval": 3000, "timezone-name": "UTC", "timezone-offset": 0, "flink-version": c.Version, "flink-revision": c.Commit}, false, true
	case len(p) == 1 && p[0] == "overview":
		return obj{"taskmanagers": c.TaskManagers, "slots-total": 2 * c.TaskManagers, "slots-available": c.TaskManagers,
			"jobs-running": len(c.Jobs), "jobs-finished": 0, "jobs-cancelled": 0, "jobs-failed": 0,
			"flink-version": c.Version, "flink-commit": c.Commit}, false, true
	case len(p) == 2 && p[0] == "jobs" && p[1] == "overview":
		jobs := make([]any, 0, len(c.Jobs))
		for _, id := range c.Jobs {
			jobs = append(jobs, jobOverview(id))
		}
		return obj{"jobs": jobs}, false, true
	case len(p) == 1 && p[0] == "taskmanagers":
		tms := make([]any, 0, c.TaskManagers)
		for i := range c.TaskManagers {
			tms = append(tms, obj{"id": taskManagerID(i), "path": fmt.Sprintf("pekko.tcp://flink@10.0.0.%d:6122/user/rpc/taskmanager_0", 10+i),
				"dataPort": 40000 + i, "jmxPort": -1, "timeSinceLastHeartbeat": startTime + 100_000, "slotsNumber": 2, "freeSlots": 1,
				"hardware": obj{"cpuCores": 4, "physicalMemory": 8 << 30, "freeMemory": 1 << 30, "managedMemory": 1 << 29}})
		}
		return obj{"taskmanagers": tms}, false, true
	case len(p) == 2 && (p[0] == "jobmanager" || p[0] == "taskmanagers") && p[1] == "metrics",
		len(p) == 3 && p[0] == "taskmanagers" && p[2] == "metrics":
		return []any{}, true, true
	case len(p) >= 2 && p[0] == "jobs":
		i := slices.Index(c.Jobs, p[1])
		if i < 0 {
			return nil, false, false
		}
		return jobAnswer(p[1], i, p[2:])
	}
	return nil, false, false
}

// jobAnswer answers the paths under /jobs/:jobid of job i.
func jobAnswer(id string, i int, p []string) (answer any, metricPath, ok bool) {
	vid := VertexID(i)
	switch {
	case len(p) == 0:
		return obj{"jid": id, "name": "job " + strconv.Itoa(i), "isStoppable": false, "state": "RUNNING", "start-time": startTime,
			"end-time": -1, "duration": 100_000, "maxParallelism": -1, "now": startTime + 100_000,
			"vertices": []any{obj{"id": vid, "name": "Source", "maxParallelism": 128, "parallelism": 2, "status": "RUNNING",
				"start-time": startTime, "end-time": -1, "duration": 100_000}}}, false, true
	case len(p) == 1 && p[0] == "checkpoints":
		cp := obj{"className": ".CompletedCheckpointStatistics", "id": 10, "status": "COMPLETED", "is_savepoint": false,
			"trigger_timestamp": startTime + 90_000, "latest_ack_timestamp": startTime + 91_000, "checkpointed_size": 4096,
			"state_size": 4096, "end_to_end_duration": 1000, "alignment_buffered": 0, "processed_data": 0, "persisted_data": 0,
			"num_subtasks": 2, "num_acknowledged_subtasks": 2, "checkpoint_type": "CHECKPOINT", "tasks": obj{},
			"external_path": "file:/tmp/chk-10", "discarded": false}
		return obj{"counts": obj{"restored": 0, "total": 12, "in_progress": 0, "completed": 10, "failed": 2},
			"summary": obj{}, "latest": obj{"completed": cp, "savepoint": nil, "failed": nil, "restored": nil},
			"history": []any{cp}}, false, true
	case len(p) == 2 && p[0] == "checkpoints" && p[1] == "config":
		return obj{"mode": "exactly_once", "interval": 10_000, "timeout": 600_000, "min_pause": 0, "max_concurrent": 1,
			"externalization": obj{"enabled": false, "delete_on_cancellation": true}, "state_backend": "HashMapStateBackend",
			"checkpoint_storage": "JobManagerCheckpointStorage", "unaligned_checkpoints": false, "tolerable_failed_checkpoints": 0}, false, true
	case len(p) == 2 && p[0] == "vertices" && p[1] == vid:
		subtasks := make([]any, 0, 2)
		for s := range 2 {
			subtasks = append(subtasks, obj{"subtask": s, "status": "RUNNING", "attempt": 0, "endpoint": "10.0.0.10:40000",
				"start-time": startTime, "end-time": -1, "duration": 100_000, "taskmanager-id": taskManagerID(s)})
		}
		return obj{"id": vid, "name": "Source", "parallelism": 2, "maxParallelism": 128, "now": startTime + 100_000, "subtasks": subtasks}, false, true
	case len(p) == 3 && p[0] == "vertices" && p[1] == vid && p[2] == "backpressure":
		return obj{"status": "deprecated"}, false, true
	case len(p) == 1 && p[0] == "metrics",
		len(p) == 3 && p[0] == "vertices" && p[1] == vid && p[2] == "metrics",
		len(p) == 4 && p[0] == "vertices" && p[1] == vid && p[2] == "subtasks" && p[3] == "metrics":
		return []any{}, true, true
	}
	return nil, false, false
}

func taskManagerID(i int) string { return fmt.Sprintf("10.0.0.%d:6122-%06x", 10+i, i) }

func jobOverview(id string) obj {
	return obj{"jid": id, "name": "job " + id[len(id)-4:], "start-time": startTime, "end-time": -1, "duration": 100_000,
		"state": "RUNNING", "last-modification": startTime, "tasks": obj{"running": 2, "total": 2}}
}

// manyJobs writes a /jobs/overview of every id directly: building maps for
// a hundred thousand jobs would make the fake the test's bottleneck.
func manyJobs(ids []string) string {
	var b strings.Builder
	b.Grow(len(ids) * 200)
	b.WriteString(`{"jobs":[`)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		// A tenth of the jobs are finished, a tenth failing.
		state := "RUNNING"
		switch i % 10 {
		case 1:
			state = "FINISHED"
		case 2:
			state = "FAILING"
		}
		fmt.Fprintf(&b, `{"jid":%q,"name":"job %d","start-time":%d,"end-time":-1,"duration":100000,"state":%q,"last-modification":%d,"tasks":{"running":2,"total":2}}`,
			id, i, startTime, state, startTime)
	}
	b.WriteString(`]}`)
	return b.String()
}

// mapValues replaces every scalar of v (numbers, strings, booleans, nulls)
// by f of it, keeping the shape of objects and arrays.
func mapValues(v any, f func(any) any) any {
	switch t := v.(type) {
	case obj:
		out := make(obj, len(t))
		for k, e := range t {
			out[k] = mapValues(e, f)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = mapValues(e, f)
		}
		return out
	}
	return f(v)
}

// wrongType turns numbers into strings and strings into numbers.
func wrongType(v any) any {
	switch t := v.(type) {
	case int:
		return "n" + strconv.Itoa(t)
	case string:
		return len(t)
	case bool:
		return "yes"
	}
	return v
}

// negative turns every number into a negative one, below Flink's -1
// sentinel.
func negative(v any) any {
	if n, ok := v.(int); ok {
		if n < 0 {
			return n - 39
		}
		return -n - 39
	}
	return v
}
