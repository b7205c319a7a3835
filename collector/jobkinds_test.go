package collector

import (
	"strings"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// TestJobsWithoutCheckpointing: a job without a checkpoint coordinator
// gets no checkpoint series and causes no error, a job with periodic
// checkpointing off gets no interval, and a finished job is not scraped
// for checkpoints.
func TestJobsWithoutCheckpointing(t *testing.T) {
	c := newSimCluster(t, flinksim.Config{Jobs: 1, CheckpointingDisabledJobs: 1, UncheckpointedJobs: 1, FinishedJobs: 1})
	c.clock.Advance(30 * time.Second)
	before := c.sim.RequestCounts()
	got := gatherSeries(t, c.exporter)
	asked := requestDelta(before, c.sim.RequestCounts())

	for labels, v := range got["flink_exporter_scrape_collector_success"] {
		if v != 1 {
			t.Errorf("collector %s failed", labels)
		}
	}
	states := got["flink_job_state"]
	jobs := map[string]string{} // job id -> state
	for labels, v := range states {
		if v == 1 {
			jobs[labelValue(labels, "job_id")] = labelValue(labels, "state")
		}
	}
	if len(jobs) != 4 {
		t.Fatalf("jobs = %v, want 4", jobs)
	}
	timeouts := got["flink_job_checkpoint_timeout_seconds"]
	intervals := got["flink_job_checkpoint_interval_seconds"]
	if len(timeouts) != 2 {
		t.Errorf("checkpoint timeouts for %d jobs, want 2 (periodic and uncheckpointed): %v", len(timeouts), timeouts)
	}
	if len(intervals) != 1 {
		t.Errorf("intervals for %d jobs, want 1 (periodic checkpointing off exports none): %v", len(intervals), intervals)
	}
	if n := len(got["flink_job_checkpoints_completed_total"]); n != 2 {
		t.Errorf("checkpoint counts for %d jobs, want 2", n)
	}
	finished := 0
	for _, state := range jobs {
		if state == "FINISHED" {
			finished++
		}
	}
	if finished != 1 {
		t.Errorf("finished jobs = %d, want 1", finished)
	}
	// Three active jobs asked for checkpoints (one answers 404); the
	// finished one never.
	if n := asked["/jobs/:jobid/checkpoints"]; n != 3 {
		t.Errorf("/jobs/:jobid/checkpoints asked %d times, want 3: %v", n, asked)
	}
	for labels := range got["flink_job_checkpoint_failures_total"] {
		if id := labelValue(labels, "job_id"); jobs[id] == "FINISHED" {
			t.Errorf("finished job %s has checkpoint series", id)
		}
	}
}

// TestSeriesOfLargeCluster scrapes the simulator's large cluster (100 jobs
// of 5 vertices at parallelism 50 on 100 TaskManagers) and checks the
// series count against the documented bound. The per-vertex requests of
// a scrape are bounded by the refresh budget, so the exporter reads the
// cluster over several scrapes: the series are counted once a scrape of
// the unchanged cluster asks nothing per vertex.
func TestSeriesOfLargeCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("large cluster")
	}
	c := newSimCluster(t, flinksim.Config{Jobs: 100, Vertices: 5, Parallelism: 50, TaskManagers: 100})
	c.exporter.metricsTTL = DefaultMetricsTTL
	c.clock.Advance(30 * time.Second)
	var got map[string]series
	for scrape := 0; ; scrape++ {
		if scrape == 50 {
			t.Fatal("still reading vertices after 50 scrapes of the unchanged cluster")
		}
		before := c.sim.RequestCounts()
		got = gatherSeries(t, c.exporter)
		pressure, acks := perVertexRequests(requestDelta(before, c.sim.RequestCounts()))
		if pressure+acks == 0 {
			break
		}
		if budget := refreshBudget(100, scrape == 0); pressure+acks > int64(budget) {
			t.Errorf("scrape %d: %d per-vertex requests, budget %d", scrape, pressure+acks, budget)
		}
	}
	total := 0
	gcs := map[string]bool{}
	for name, s := range got {
		if strings.HasPrefix(name, "flink_exporter_rest_") {
			continue
		}
		total += len(s)
		if name == "flink_taskmanager_jvm_gc_collections_total" {
			for labels := range s {
				gcs[labelValue(labels, "gc")] = true
			}
		}
	}
	for labels, v := range got["flink_exporter_scrape_collector_success"] {
		if v != 1 {
			t.Errorf("collector %s failed on the large cluster", labels)
		}
	}
	bound := SeriesBound(ClusterSize{Jobs: 100, RunningJobs: 100, CheckpointedJobs: 100, Vertices: 5, TaskManagers: 100, GarbageCollectors: len(gcs)})
	t.Logf("large cluster: %d series, bound %d, %d garbage collectors", total, bound, len(gcs))
	if total > bound {
		t.Errorf("%d series exceed the documented bound %d", total, bound)
	}
	// The bound counts the analyses of checkpoints in progress and failed
	// (J·(14·V + 2·T + 8) series), which a healthy cluster seldom has.
	if healthy := bound - 100*(14*5+2*100+8); total < healthy/2 {
		t.Errorf("%d series, far below the bound %d of a healthy cluster: the cluster was not fully scraped", total, healthy)
	}
}
