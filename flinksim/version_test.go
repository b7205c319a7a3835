package flinksim

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// atLeast reports whether version name is at least min ("1.17").
func atLeast(t *testing.T, name, min string) bool {
	t.Helper()
	a, err := versionNumber(name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := versionNumber(min)
	if err != nil {
		t.Fatal(err)
	}
	return a >= b
}

// hasKey reports whether a decoded JSON object has the key.
func hasKey(obj any, key string) bool {
	m, ok := obj.(map[string]any)
	if !ok {
		return false
	}
	_, found := m[key]
	return found
}

// TestVersionDifferences checks, for every offered version, that each key,
// endpoint and metric that differs between versions (REFERENCE.md §4) is
// there exactly in the versions that have it.
func TestVersionDifferences(t *testing.T) {
	for _, ver := range Versions() {
		t.Run(ver, func(t *testing.T) {
			ts := newTestSim(t, Config{FlinkVersion: ver, Seed: 3})
			job := ts.JobIDs()[0]
			vs := ts.VertexIDs(job)
			tmID := ts.TaskManagerIDs()[0]

			cps := getRaw(ts, "/jobs/"+job+"/checkpoints")
			latest := cps["latest"].(map[string]any)["completed"]
			cpID := int64(latest.(map[string]any)["id"].(float64))
			details := ts.get(fmt.Sprintf("/jobs/%s/checkpoints/details/%d", job, cpID)).Body.Bytes()
			subtasks := getRaw(ts, fmt.Sprintf("/jobs/%s/checkpoints/details/%d/subtasks/%s", job, cpID, vs[1]))
			vertex := getRaw(ts, "/jobs/"+job+"/vertices/"+vs[1])
			sub0 := vertex["subtasks"].([]any)[0]
			bp := getRaw(ts, "/jobs/"+job+"/vertices/"+vs[1]+"/backpressure")
			jobDetails := getRaw(ts, "/jobs/"+job)
			exceptions := getRaw(ts, "/jobs/"+job+"/exceptions")
			tmMetrics := ts.get("/taskmanagers/" + tmID + "/metrics").Body.String()
			jobMetrics := ts.get("/jobs/" + job + "/metrics").Body.String()
			tms := getRaw(ts, "/taskmanagers")["taskmanagers"].([]any)
			cfg := getRaw(ts, "/config")

			classKey := `{"className":`
			if !atLeast(t, ver, "1.15") {
				classKey = `{"@class":`
			}
			checks := []struct {
				what      string
				got, want bool
			}{
				{"details start with the version's discriminator", bytes.HasPrefix(details, []byte(classKey)), true},
				{"checkpointed_size in history", hasKey(latest, "checkpointed_size"), atLeast(t, ver, "1.15")},
				{"checkpointed_size in summary", hasKey(cps["summary"], "checkpointed_size"), atLeast(t, ver, "1.15")},
				{"checkpointed_size in subtask details", hasKey(subtasks, "checkpointed_size"), atLeast(t, ver, "1.15")},
				{"savepointFormat", hasKey(latest, "savepointFormat"), atLeast(t, ver, "1.17")},
				{"subtask host", hasKey(sub0, "host"), !atLeast(t, ver, "2.0")},
				{"subtask endpoint", hasKey(sub0, "endpoint"), atLeast(t, ver, "1.19")},
				{"status-duration", hasKey(sub0, "status-duration"), atLeast(t, ver, "1.16")},
				{"backpressureLevel", hasKey(bp, "backpressureLevel"), atLeast(t, ver, "1.17")},
				{"backpressure-level", hasKey(bp, "backpressure-level"), true},
				{"job-type", hasKey(jobDetails, "job-type"), atLeast(t, ver, "1.20")},
				{"pending-operators", hasKey(jobDetails, "pending-operators"), atLeast(t, ver, "2.0")},
				{"root-exception", hasKey(exceptions, "root-exception"), !atLeast(t, ver, "2.0")},
				{"GC All metrics", strings.Contains(tmMetrics, "GarbageCollector.All.Time"), atLeast(t, ver, "1.19")},
				{"GC TimeMsPerSecond", strings.Contains(tmMetrics, "G1_Young_Generation.TimeMsPerSecond"), atLeast(t, ver, "1.19")},
				{"Status.Network metrics", strings.Contains(tmMetrics, "Status.Network."), !atLeast(t, ver, "2.0")},
				{"System metrics off by default", strings.Contains(tmMetrics, "System.CPU"), false},
				{"lastCheckpointFullSize", strings.Contains(jobMetrics, "lastCheckpointFullSize"), atLeast(t, ver, "1.15")},
				{"pekko RPC path", strings.HasPrefix(tms[0].(map[string]any)["path"].(string), "pekko.tcp://"), atLeast(t, ver, "1.18")},
				{"web-history feature", hasKey(cfg["features"], "web-history"), atLeast(t, ver, "1.16")},
				{"/config version", strings.HasPrefix(cfg["flink-version"].(string), ver+"."), true},
				{"/jobs/:jobid/status served", ts.get("/jobs/"+job+"/status").Code == http.StatusOK, atLeast(t, ver, "1.16")},
				{"skew aggregation accepted",
					ts.get("/taskmanagers/metrics?get=Status.JVM.CPU.Load&agg=skew").Code == http.StatusOK, atLeast(t, ver, "1.20")},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
}

// TestSystemResourceMetrics checks that System.* metrics exist only with
// Config.SystemResourceMetrics, on the JobManager and the TaskManagers.
func TestSystemResourceMetrics(t *testing.T) {
	for _, on := range []bool{false, true} {
		t.Run(fmt.Sprint(on), func(t *testing.T) {
			ts := newTestSim(t, Config{SystemResourceMetrics: on})
			for _, path := range []string{"/jobmanager/metrics", "/taskmanagers/" + ts.TaskManagerIDs()[0] + "/metrics"} {
				body := ts.get(path).Body.String()
				if got := strings.Contains(body, `"System.CPU.Usage"`); got != on {
					t.Errorf("%s has System.CPU.Usage = %v, want %v", path, got, on)
				}
			}
		})
	}
}

// TestMetricsWarmup checks that metric endpoints answer [] and
// back-pressure {"status":"deprecated"} until MetricsWarmup has passed,
// and again after a JobManager restart.
func TestMetricsWarmup(t *testing.T) {
	ts := newTestSim(t, Config{MetricsWarmup: 20 * time.Second})
	job := ts.JobIDs()[0]
	vs := ts.VertexIDs(job)
	tm := ts.TaskManagerIDs()[0]
	metricPaths := []string{
		"/jobmanager/metrics", "/jobmanager/metrics?get=Status.JVM.CPU.Load",
		"/taskmanagers/" + tm + "/metrics", "/taskmanagers/metrics?get=Status.JVM.CPU.Load",
		"/jobs/" + job + "/metrics", "/jobs/metrics?get=lastCheckpointDuration",
		"/jobs/" + job + "/vertices/" + vs[0] + "/metrics",
		"/jobs/" + job + "/vertices/" + vs[0] + "/subtasks/metrics?get=busyTimeMsPerSecond",
	}
	bpPath := "/jobs/" + job + "/vertices/" + vs[0] + "/backpressure"
	assertWarm := func(t *testing.T, warm bool) {
		t.Helper()
		for _, p := range metricPaths {
			body := ts.get(p).Body.String()
			if (body == "[]") == warm {
				t.Errorf("GET %s (warm=%v): %.80s", p, warm, body)
			}
		}
		body := ts.get(bpPath).Body.String()
		if (body == `{"status":"deprecated"}`) == warm {
			t.Errorf("GET %s (warm=%v): %.80s", bpPath, warm, body)
		}
	}
	assertWarm(t, false)
	ts.clock.Advance(21 * time.Second)
	assertWarm(t, true)
	ts.RestartJobManager()
	assertWarm(t, false)
	ts.clock.Advance(21 * time.Second)
	assertWarm(t, true)
}
