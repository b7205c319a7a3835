package flinksim

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// largeCluster is the size the exporter must scrape quickly: 100 jobs of 5
// vertices at parallelism 50 on 100 TaskManagers.
func largeCluster() Config {
	return Config{Jobs: 100, Vertices: 5, Parallelism: 50, TaskManagers: 100, Seed: 1}
}

// scrapePaths returns the requests of one exporter-like scrape of the
// cluster: cluster endpoints, and per job its details, checkpoints, config,
// the latest completed checkpoint's details and subtask details, and per
// vertex back-pressure and aggregated subtask metrics.
func scrapePaths(ts *testSim) []string {
	paths := []string{
		"/config", "/overview", "/jobs/overview", "/taskmanagers", "/jobmanager/metrics?get=Status.JVM.CPU.Load",
		"/taskmanagers/metrics?get=Status.JVM.CPU.Load,Status.JVM.Memory.Heap.Used&agg=max,avg",
		"/jobs/metrics?get=lastCheckpointDuration,numberOfFailedCheckpoints&agg=max",
	}
	for _, job := range ts.JobIDs() {
		cs := checkpointsOf(ts, job)
		paths = append(paths, "/jobs/"+job, "/jobs/"+job+"/checkpoints", "/jobs/"+job+"/checkpoints/config")
		if lc := cs.Latest.Completed; lc != nil {
			paths = append(paths, fmt.Sprintf("/jobs/%s/checkpoints/details/%d", job, lc.ID))
		}
		for _, v := range ts.VertexIDs(job) {
			if lc := cs.Latest.Completed; lc != nil {
				paths = append(paths, fmt.Sprintf("/jobs/%s/checkpoints/details/%d/subtasks/%s", job, lc.ID, v))
			}
			paths = append(paths, "/jobs/"+job+"/vertices/"+v+"/backpressure",
				"/jobs/"+job+"/vertices/"+v+"/subtasks/metrics?get=busyTimeMsPerSecond,checkpointStartDelayNanos&agg=max")
		}
	}
	return paths
}

// TestLargeCluster builds the large cluster and serves one scrape's worth of
// requests without error, logging the time and the heap it takes.
func TestLargeCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("large cluster in -short mode")
	}
	start := time.Now()
	ts := newTestSim(t, largeCluster())
	built := time.Since(start)
	paths := scrapePaths(ts)
	start = time.Now()
	for _, p := range paths {
		if rec := ts.get(p); rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %.200s", p, rec.Code, rec.Body)
		}
	}
	served := time.Since(start)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	runtime.KeepAlive(ts)
	t.Logf("New: %v; %d requests: %v; heap in use: %d MiB", built, len(paths), served, ms.HeapInuse/mib)
	if heap := ms.HeapInuse / mib; heap > 512 {
		t.Errorf("heap in use %d MiB after building the large cluster", heap)
	}
}

// benchmarkPath serves one path of the large cluster repeatedly.
func benchmarkPath(b *testing.B, path func(ts *testSim) string) {
	ts := newTestSim(b, largeCluster())
	p := path(ts)
	h := ts.Handler()
	req := httptest.NewRequest(http.MethodGet, p, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", p, rec.Code)
		}
	}
}

// BenchmarkServeCheckpoints measures /jobs/:jobid/checkpoints of the large
// cluster.
func BenchmarkServeCheckpoints(b *testing.B) {
	benchmarkPath(b, func(ts *testSim) string { return "/jobs/" + ts.JobIDs()[0] + "/checkpoints" })
}

// BenchmarkServeCheckpointSubtasks measures the subtask details of the
// latest completed checkpoint of one vertex (parallelism 50) of the large
// cluster.
func BenchmarkServeCheckpointSubtasks(b *testing.B) {
	benchmarkPath(b, func(ts *testSim) string {
		job := ts.JobIDs()[0]
		id := getJSON[flinkapi.CheckpointingStatistics](ts, "/jobs/"+job+"/checkpoints").Latest.Completed.ID
		return fmt.Sprintf("/jobs/%s/checkpoints/details/%d/subtasks/%s", job, id, ts.VertexIDs(job)[2])
	})
}

// BenchmarkServeScrape measures one exporter-like scrape of the large
// cluster and reports its requests.
func BenchmarkServeScrape(b *testing.B) {
	ts := newTestSim(b, largeCluster())
	paths := scrapePaths(ts)
	h := ts.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range paths {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		}
	}
	b.ReportMetric(float64(len(paths)), "requests/scrape")
}
