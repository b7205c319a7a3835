package flinksim

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// listParam returns the comma-separated values of a query parameter, all
// occurrences joined, or nil when it is absent or empty.
func listParam(q url.Values, key string) []string {
	var out []string
	for _, v := range q[key] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// metricList answers an unaggregated metrics request from one store:
// without ?get= the ids, with it the values of the known ids as strings
// (unknown ids silently dropped), and [] before the first metric fetch.
func (m *model) metricList(store metricSet, q *request) reply {
	out := []flinkapi.Metric{}
	if !m.metricsReady(q.now) {
		return ok(out)
	}
	gets := listParam(q.query, "get")
	if gets == nil {
		for _, v := range store {
			out = append(out, flinkapi.Metric{ID: v.id})
		}
		return ok(out)
	}
	idx := store.index()
	for _, id := range gets {
		if v, found := idx[id]; found {
			out = append(out, flinkapi.Metric{ID: id, Value: v.text()})
		}
	}
	return ok(out)
}

// serveJobManagerMetrics answers GET /jobmanager/metrics.
func (m *model) serveJobManagerMetrics(q *request) reply {
	return m.metricList(m.jobManagerMetrics(q.now), q)
}

// serveTaskManagerMetrics answers GET /taskmanagers/:taskmanagerid/metrics;
// an unknown TaskManager has an empty store.
func (m *model) serveTaskManagerMetrics(q *request) reply {
	tm := m.tmByID[q.params["taskmanagerid"]]
	if tm == nil {
		return ok([]flinkapi.Metric{})
	}
	return m.metricList(m.taskManagerMetrics(tm, m.slotUsage()[tm], q.now), q)
}

// serveJobMetrics answers GET /jobs/:jobid/metrics; unknown and finished
// jobs have an empty store.
func (m *model) serveJobMetrics(q *request) reply {
	j := m.jobByID[q.params["jobid"]]
	if j == nil || !j.isRunning() {
		return ok([]flinkapi.Metric{})
	}
	return m.metricList(m.jobMetrics(j, q.now), q)
}

// serveVertexMetrics answers GET /jobs/:jobid/vertices/:vertexid/metrics:
// every subtask's metrics, ids prefixed with the subtask index.
func (m *model) serveVertexMetrics(q *request) reply {
	j, v := m.runningVertex(q)
	if j == nil {
		return ok([]flinkapi.Metric{})
	}
	var store metricSet
	for i := range j.parallelism {
		prefix := strconv.Itoa(i) + "."
		for _, mv := range m.subtaskMetrics(j, v, i, q.now) {
			mv.id = prefix + mv.id
			store = append(store, mv)
		}
	}
	return m.metricList(store, q)
}

// serveSubtaskMetrics answers
// GET /jobs/:jobid/vertices/:vertexid/subtasks/:subtaskindex/metrics.
func (m *model) serveSubtaskMetrics(q *request) reply {
	j, v := m.runningVertex(q)
	i, err := strconv.Atoi(q.params["subtaskindex"])
	if j == nil || err != nil || i < 0 || i >= j.parallelism {
		return ok([]flinkapi.Metric{})
	}
	return m.metricList(m.subtaskMetrics(j, v, i, q.now), q)
}

// runningVertex returns the running job and vertex index of a request, or
// nil: metric handlers answer [] instead of 404.
func (m *model) runningVertex(q *request) (*job, int) {
	j := m.jobByID[q.params["jobid"]]
	if j == nil || !j.isRunning() {
		return nil, -1
	}
	v := j.vertexIndex(q.params["vertexid"])
	if v < 0 {
		return nil, -1
	}
	return j, v
}

// serveTaskManagersAggregated answers GET /taskmanagers/metrics over the
// TaskManagers in ?taskmanagers= (all when absent).
func (m *model) serveTaskManagersAggregated(q *request) reply {
	want := listParam(q.query, "taskmanagers")
	usage := m.slotUsage()
	var stores []metricSet
	for _, tm := range m.tms {
		if want == nil || slices.Contains(want, tm.id) {
			stores = append(stores, m.taskManagerMetrics(tm, usage[tm], q.now))
		}
	}
	return m.aggregateMetrics(stores, q)
}

// serveJobsAggregated answers GET /jobs/metrics over the running jobs in
// ?jobs= (all when absent).
func (m *model) serveJobsAggregated(q *request) reply {
	want := listParam(q.query, "jobs")
	var stores []metricSet
	for _, j := range m.jobs {
		if j.isRunning() && (want == nil || slices.Contains(want, j.id)) {
			stores = append(stores, m.jobMetrics(j, q.now))
		}
	}
	return m.aggregateMetrics(stores, q)
}

// serveSubtasksAggregated answers
// GET /jobs/:jobid/vertices/:vertexid/subtasks/metrics over the subtasks in
// ?subtasks= ("0,2,4-6"; all when absent).
func (m *model) serveSubtasksAggregated(q *request) reply {
	want, err := parseSubtaskRanges(listParam(q.query, "subtasks"))
	if err != nil {
		return badRequest(err.Error())
	}
	j, v := m.runningVertex(q)
	var stores []metricSet
	if j != nil {
		for i := range j.parallelism {
			if want == nil || want[i] {
				stores = append(stores, m.subtaskMetrics(j, v, i, q.now))
			}
		}
	}
	return m.aggregateMetrics(stores, q)
}

// parseSubtaskRanges parses the subtasks parameter: indices and ranges.
func parseSubtaskRanges(items []string) (map[int]bool, error) {
	if items == nil {
		return nil, nil
	}
	out := map[int]bool{}
	for _, it := range items {
		lo, hi, isRange := strings.Cut(it, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err != nil || a < 0 || b < a {
			return nil, fmt.Errorf("Cannot resolve query parameter (subtasks) from value %q.", it)
		}
		for i := a; i <= b; i++ {
			out[i] = true
		}
	}
	return out, nil
}
