package flinksim

import (
	"net/url"
	"strings"
)

// unmatchedRoute is the RequestCounts key of requests no route matched.
const unmatchedRoute = "(unmatched)"

// request is what a route handler sees: the path parameters by name (without
// the colon), the query and the model time of the answer.
type request struct {
	params map[string]string
	query  url.Values
	now    int64
}

// reply is a handler's answer: a value to marshal, or pre-rendered JSON.
type reply struct {
	status int
	body   any
	raw    []byte
}

// ok wraps a 200 answer.
func ok(body any) reply { return reply{status: 200, body: body} }

// route is one REST endpoint: its template as Flink's docs write it
// ("/jobs/:jobid/checkpoints") and its handler.
type route struct {
	template string
	segments []string
	handle   func(m *model, q *request) reply
}

// buildRoutes returns the endpoints of a version, literal paths before
// parameterised ones so that /jobs/overview is not taken for a job id.
func buildRoutes(v version) []route {
	table := []struct {
		template string
		enabled  bool
		handle   func(m *model, q *request) reply
	}{
		{"/config", true, (*model).serveDashboardConfig},
		{"/overview", true, (*model).serveOverview},
		{"/jobmanager/config", true, (*model).serveJobManagerConfig},
		{"/jobmanager/metrics", true, (*model).serveJobManagerMetrics},
		{"/taskmanagers", true, (*model).serveTaskManagers},
		{"/taskmanagers/metrics", true, (*model).serveTaskManagersAggregated},
		{"/taskmanagers/:taskmanagerid", true, (*model).serveTaskManagerDetails},
		{"/taskmanagers/:taskmanagerid/metrics", true, (*model).serveTaskManagerMetrics},
		{"/jobs", true, (*model).serveJobs},
		{"/jobs/overview", true, (*model).serveJobsOverview},
		{"/jobs/metrics", true, (*model).serveJobsAggregated},
		{"/jobs/:jobid", true, (*model).serveJobDetails},
		{"/jobs/:jobid/status", v.jobStatusEndpoint, (*model).serveJobStatus},
		{"/jobs/:jobid/exceptions", true, (*model).serveJobExceptions},
		{"/jobs/:jobid/metrics", true, (*model).serveJobMetrics},
		{"/jobs/:jobid/checkpoints", true, (*model).serveCheckpoints},
		{"/jobs/:jobid/checkpoints/config", true, (*model).serveCheckpointConfig},
		{"/jobs/:jobid/checkpoints/details/:checkpointid", true, (*model).serveCheckpointDetails},
		{"/jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid", true, (*model).serveSubtaskDetails},
		{"/jobs/:jobid/vertices/:vertexid", true, (*model).serveVertexDetails},
		{"/jobs/:jobid/vertices/:vertexid/backpressure", true, (*model).serveBackPressure},
		{"/jobs/:jobid/vertices/:vertexid/taskmanagers", true, (*model).serveVertexTaskManagers},
		{"/jobs/:jobid/vertices/:vertexid/metrics", true, (*model).serveVertexMetrics},
		{"/jobs/:jobid/vertices/:vertexid/subtasks/metrics", true, (*model).serveSubtasksAggregated},
		{"/jobs/:jobid/vertices/:vertexid/subtasks/:subtaskindex/metrics", true, (*model).serveSubtaskMetrics},
	}
	var routes []route
	for _, t := range table {
		if !t.enabled {
			continue
		}
		routes = append(routes, route{template: t.template, segments: splitPath(t.template), handle: t.handle})
	}
	return routes
}

// splitPath splits a path into its segments, ignoring a trailing slash.
func splitPath(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

// matchRoute finds the route of a path, preferring literal segments over
// parameters at the first position where candidates differ.
func matchRoute(routes []route, path string) (*route, map[string]string) {
	segs := splitPath(path)
	var best *route
	bestLiterals := -1
	for i := range routes {
		rt := &routes[i]
		if len(rt.segments) != len(segs) {
			continue
		}
		literals, matched := 0, true
		for k, s := range rt.segments {
			if strings.HasPrefix(s, ":") {
				if segs[k] == "" {
					matched = false
					break
				}
				continue
			}
			if s != segs[k] {
				matched = false
				break
			}
			literals++
		}
		if matched && literals > bestLiterals {
			best, bestLiterals = rt, literals
		}
	}
	if best == nil {
		return nil, nil
	}
	params := make(map[string]string, 3)
	for k, s := range best.segments {
		if strings.HasPrefix(s, ":") {
			params[s[1:]] = segs[k]
		}
	}
	return best, params
}
