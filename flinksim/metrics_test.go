package flinksim

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// TestMetricEndpoints checks the semantics of Flink's metric handlers
// (REFERENCE.md §3.15, §8.6): id lists without ?get=, string values,
// silently dropped unknown ids, numeric aggregates with only the requested
// (case-insensitive) aggregations, skipped non-numeric metrics, the
// all-or-nothing empty answer and the selection parameters.
func TestMetricEndpoints(t *testing.T) {
	ts := newTestSim(t, Config{})
	job := ts.JobIDs()[0]
	vs := ts.VertexIDs(job)
	tms := ts.TaskManagerIDs()
	sub := "/jobs/" + job + "/vertices/" + vs[1] + "/subtasks/metrics"

	tests := []struct {
		name, path string
		want       func(t *testing.T, raw string, entries []map[string]any)
	}{
		{"list without get", "/jobmanager/metrics", func(t *testing.T, _ string, es []map[string]any) {
			if len(es) < 20 || hasKey(es[0], "value") {
				t.Errorf("want a list of ids, got %v", es[:min(3, len(es))])
			}
		}},
		{"values are strings, unknown dropped", "/jobmanager/metrics?get=numRunningJobs,nope,Status.JVM.CPU.Load", func(t *testing.T, raw string, es []map[string]any) {
			if !strings.HasPrefix(raw, `[{"id":"numRunningJobs","value":"3"},{"id":"Status.JVM.CPU.Load","value":"0.`) || len(es) != 2 {
				t.Errorf("got %s", raw)
			}
			if _, isString := es[1]["value"].(string); !isString {
				t.Errorf("value not a string: %s", raw)
			}
		}},
		{"vertex metric ids prefixed by subtask", "/jobs/" + job + "/vertices/" + vs[1] + "/metrics", func(t *testing.T, raw string, _ []map[string]any) {
			if !strings.Contains(raw, `{"id":"0.busyTimeMsPerSecond"}`) || !strings.Contains(raw, `{"id":"1.KeyedProcess.numRecordsOut"}`) {
				t.Errorf("got %.300s", raw)
			}
		}},
		{"aggregated numbers, requested aggs only, case-insensitive", sub + "?get=checkpointStartDelayNanos,busyTimeMsPerSecond&agg=MAX,avg", func(t *testing.T, raw string, es []map[string]any) {
			if len(es) != 2 || !hasKey(es[0], "max") || !hasKey(es[0], "avg") || hasKey(es[0], "min") || hasKey(es[0], "skew") {
				t.Errorf("got %s", raw)
			}
			if _, isNumber := es[0]["max"].(float64); !isNumber {
				t.Errorf("aggregate not a number: %s", raw)
			}
		}},
		{"no agg means all (with skew from 1.20)", sub + "?get=idleTimeMsPerSecond", func(t *testing.T, raw string, es []map[string]any) {
			for _, a := range []string{"min", "max", "avg", "sum", "skew"} {
				if !hasKey(es[0], a) {
					t.Errorf("%s missing: %s", a, raw)
				}
			}
		}},
		{"non-numeric skipped", sub + "?get=isBackPressured,busyTimeMsPerSecond&agg=max", func(t *testing.T, raw string, es []map[string]any) {
			if len(es) != 1 || es[0]["id"] != "busyTimeMsPerSecond" {
				t.Errorf("got %s", raw)
			}
		}},
		{"one unknown id empties the answer", sub + "?get=busyTimeMsPerSecond,noSuchMetric&agg=max", func(t *testing.T, raw string, _ []map[string]any) {
			if raw != "[]" {
				t.Errorf("got %s", raw)
			}
		}},
		{"subtasks selection", sub + "?get=busyTimeMsPerSecond&agg=sum&subtasks=0", func(t *testing.T, raw string, es []map[string]any) {
			one := es[0]["sum"].(float64)
			all := getJSON[[]flinkapi.AggregatedMetric](ts, sub+"?get=busyTimeMsPerSecond&agg=sum")
			if one >= float64(*all[0].Sum) {
				t.Errorf("sum over subtask 0 (%v) not below sum over all (%v)", one, *all[0].Sum)
			}
		}},
		{"taskmanagers selection", "/taskmanagers/metrics?get=Status.JVM.Memory.Heap.Max&agg=sum&taskmanagers=" + tms[0] + ",unknown", func(t *testing.T, raw string, es []map[string]any) {
			if es[0]["sum"].(float64) != float64((tmFrameworkHeapMiB+tmTaskHeapMiB)*mib) {
				t.Errorf("got %s", raw)
			}
		}},
		{"aggregated without get lists ids", "/jobs/metrics", func(t *testing.T, raw string, es []map[string]any) {
			if !strings.Contains(raw, `{"id":"lastCheckpointDuration"}`) {
				t.Errorf("got %.200s", raw)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := ts.get(tc.path).Body.String()
			var entries []map[string]any
			if err := json.Unmarshal([]byte(raw), &entries); err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			tc.want(t, raw, entries)
		})
	}
	if rec := ts.get(sub + "?get=busyTimeMsPerSecond&agg=median"); rec.Code != 400 {
		t.Errorf("unknown aggregation answered %d", rec.Code)
	}
}

// TestJobMetricsMatchCheckpoints checks that the job metrics tell the same
// story as /checkpoints.
func TestJobMetricsMatchCheckpoints(t *testing.T) {
	ts := newTestSim(t, Config{})
	job := ts.JobIDs()[0]
	cs := checkpointsOf(ts, job)
	vals := flinkapi.MetricValues(getJSON[[]flinkapi.Metric](ts, "/jobs/"+job+"/metrics?get="+strings.Join([]string{
		"lastCheckpointDuration", "lastCheckpointSize", "lastCheckpointFullSize", "lastCompletedCheckpointId",
		"numberOfCompletedCheckpoints", "numberOfFailedCheckpoints", "totalNumberOfCheckpoints",
	}, ",")))
	lc := cs.Latest.Completed
	want := map[string]float64{
		"lastCheckpointDuration":       float64(lc.EndToEndDuration),
		"lastCheckpointSize":           float64(*lc.CheckpointedSize),
		"lastCheckpointFullSize":       float64(lc.StateSize),
		"lastCompletedCheckpointId":    float64(lc.ID),
		"numberOfCompletedCheckpoints": float64(cs.Counts.Completed),
		"numberOfFailedCheckpoints":    float64(cs.Counts.Failed),
		"totalNumberOfCheckpoints":     float64(cs.Counts.Total),
	}
	for id, w := range want {
		if vals[id] != w {
			t.Errorf("%s = %v, /checkpoints says %v", id, vals[id], w)
		}
	}
}

// TestRequestCounts checks the per-route counters, with and without the
// /v1 prefix, and their reset.
func TestRequestCounts(t *testing.T) {
	ts := newTestSim(t, Config{})
	job := ts.JobIDs()[0]
	paths := []string{
		"/overview", "/v1/overview", "/jobs/overview", "/jobs/" + job, "/jobs/" + job + "/checkpoints",
		"/v1/jobs/" + job + "/checkpoints", "/jobs/metrics?get=uptime", "/nope",
	}
	for _, p := range paths {
		ts.get(p)
	}
	want := map[string]int64{
		"/overview": 2, "/jobs/overview": 1, "/jobs/:jobid": 1, "/jobs/:jobid/checkpoints": 2,
		"/jobs/metrics": 1, unmatchedRoute: 1,
	}
	got := ts.RequestCounts()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("count[%s] = %d, want %d", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		keys := make([]string, 0, len(got))
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		t.Errorf("counted routes %v", keys)
	}
	ts.ResetRequestCounts()
	if got := ts.RequestCounts(); len(got) != 0 {
		t.Errorf("after reset: %v", got)
	}
}
