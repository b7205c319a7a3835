package collector

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// simCluster is a simulator served over real HTTP with an exporter
// pointed at it.
type simCluster struct {
	sim      *flinksim.Simulator
	clock    *flinksim.ManualClock
	exporter *Exporter
	client   *flinkapi.Client
}

func newSimCluster(t testing.TB, cfg flinksim.Config) *simCluster {
	t.Helper()
	sim, clock := newInstantSim(t, cfg)
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	e, _ := newTestExporter(t, srv.URL, time.Time{})
	e.now = clock.Now
	client, err := flinkapi.NewClient(srv.URL, flinkapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &simCluster{sim: sim, clock: clock, exporter: e, client: client}
}

// leastSquares is the test's own slope computation, relative to the first
// point so that epoch seconds lose no precision.
func leastSquares(points [][2]float64) float64 {
	n := float64(len(points))
	var sx, sy, sxx, sxy float64
	for _, p := range points {
		x := p[0] - points[0][0]
		sx += x
		sy += p[1]
		sxx += x * x
		sxy += x * p[1]
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// TestDerivedValuesAgainstSimulator checks, for every Flink version shape
// from 1.15 to 2.1, that the derived checkpoint values equal what the raw
// REST answers imply.
func TestDerivedValuesAgainstSimulator(t *testing.T) {
	for _, version := range []string{"1.15", "1.18", "1.20", "2.0", "2.1"} {
		for _, scenario := range []string{"short-timeout", "large-state"} {
			t.Run(version+"/"+scenario, func(t *testing.T) {
				c := newSimCluster(t, flinksim.Config{FlinkVersion: version, Scenario: scenario})
				c.clock.Advance(90 * time.Second)
				got := gatherSeries(t, c.exporter)
				if got["flink_up"].one(t, "flink_up") != 1 {
					t.Fatal("flink_up is not 1")
				}
				ctx := context.Background()
				jobs, err := c.client.JobsOverview(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var sawFailure, sawGrowth bool
				for _, j := range jobs.Jobs {
					stats, err := c.client.Checkpoints(ctx, j.ID)
					if flinkapi.IsNotFound(err) {
						continue
					}
					if err != nil {
						t.Fatal(err)
					}
					cfg, err := c.client.CheckpointConfig(ctx, j.ID)
					if err != nil {
						t.Fatal(err)
					}
					job := "job_id=" + j.ID
					if last := stats.Latest.Completed; last != nil {
						want := float64(last.EndToEndDuration) / float64(cfg.Timeout)
						if v := got["flink_job_checkpoint_duration_to_timeout_ratio"].withLabel(job).one(t, "ratio"); math.Abs(v-want) > 1e-12 {
							t.Errorf("%s ratio = %v, want %v", j.Name, v, want)
						}
					}
					wantAge := 0.0
					for _, h := range stats.History {
						if h.Status == flinkapi.CheckpointInProgress {
							wantAge = max(wantAge, float64(c.clock.Now().UnixMilli()-h.TriggerTimestamp)/1000)
						}
					}
					if v := got["flink_job_checkpoint_in_progress_age_seconds"].withLabel(job).one(t, "age"); math.Abs(v-wantAge) > 1e-9 {
						t.Errorf("%s in-progress age = %v, want %v", j.Name, v, wantAge)
					}
					var points [][2]float64
					for _, h := range stats.History {
						if h.Status == flinkapi.CheckpointCompleted && !h.IsSavepoint {
							points = append(points, [2]float64{float64(h.LatestAckTimestamp) / 1000, float64(h.StateSize)})
						}
					}
					if len(points) >= 2 {
						want := leastSquares(points)
						v := got["flink_job_checkpoint_state_growth_bytes_per_second"].withLabel(job).one(t, "growth")
						if math.Abs(v-want) > 1e-6*math.Max(1, math.Abs(want)) {
							t.Errorf("%s growth = %v, want %v", j.Name, v, want)
						}
						sawGrowth = sawGrowth || v > 1<<20
					}
					wantFailures := map[string]float64{}
					seen := map[int64]bool{}
					all := append([]flinkapi.CheckpointStatistics{}, stats.History...)
					if stats.Latest.Failed != nil {
						all = append(all, *stats.Latest.Failed)
					}
					for _, h := range all {
						if h.Status == flinkapi.CheckpointFailed && !seen[h.ID] {
							seen[h.ID] = true
							msg, _ := h.FailureMessage.Get()
							wantFailures[ClassifyFailure(msg)]++
						}
					}
					var classified float64
					for _, n := range wantFailures {
						classified += n
					}
					wantFailures[ReasonUnseen] = max(0, float64(stats.Counts.Failed)-classified)
					for _, reason := range FailureReasons() {
						v := got["flink_job_checkpoint_failures_total"].withLabel(job, "reason="+reason).one(t, "failures "+reason)
						if v != wantFailures[reason] {
							t.Errorf("%s failures{reason=%s} = %v, want %v", j.Name, reason, v, wantFailures[reason])
						}
						if reason == ReasonExpired && v > 0 {
							sawFailure = true
						}
					}
				}
				switch scenario {
				case "short-timeout":
					if !sawFailure {
						t.Error("short-timeout: no expired checkpoint classified")
					}
				case "large-state":
					if !sawGrowth {
						t.Error("large-state: no job grows by more than 1 MiB/s")
					}
				}
				if v := got["flink_exporter_scrape_collector_success"]; len(v) == 0 {
					t.Fatal("no collector success series")
				}
				for labels, v := range got["flink_exporter_scrape_collector_success"] {
					if v != 1 {
						t.Errorf("collector %s failed", labels)
					}
				}
			})
		}
	}
}

// TestStragglerTaskManager: with one overloaded TaskManager, its
// acknowledgements are the slowest of every job it serves, far above the
// median of its peers.
func TestStragglerTaskManager(t *testing.T) {
	c := newSimCluster(t, flinksim.Config{Scenario: "taskmanager-overload", TaskManagers: 4, Parallelism: 4})
	c.clock.Advance(60 * time.Second)
	got := gatherSeries(t, c.exporter)
	acks := got["flink_taskmanager_checkpoint_ack_latency_max_seconds"]
	if len(acks) == 0 {
		t.Fatal("no flink_taskmanager_checkpoint_ack_latency_max_seconds")
	}
	byJob := map[string]map[string]float64{}
	for labels, v := range acks {
		job := labelValue(labels, "job_id")
		if byJob[job] == nil {
			byJob[job] = map[string]float64{}
		}
		byJob[job][labelValue(labels, "tm_id")] = v
	}
	straggler := c.sim.StragglerTaskManagerID()
	for job, tms := range byJob {
		slowest, slowestV := "", -1.0
		var others []float64
		for tm, v := range tms {
			if v > slowestV {
				slowest, slowestV = tm, v
			}
		}
		for tm, v := range tms {
			if tm != slowest {
				others = append(others, v)
			}
		}
		sort.Float64s(others)
		if slowest != straggler {
			t.Errorf("job %s: slowest TaskManager %s (%.2fs), want the overloaded %s: %v", job, slowest, slowestV, straggler, tms)
			continue
		}
		if median := others[len(others)/2]; slowestV < 2*median {
			t.Errorf("job %s: straggler %.2fs is not far above the median %.2fs", job, slowestV, median)
		}
	}
}

// requestDelta returns the requests served since before.
func requestDelta(before, after map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for route, n := range after {
		if d := n - before[route]; d > 0 {
			out[route] = d
		}
	}
	return out
}

// TestWarmScrapeFetchesNoDetails: once a cluster was scraped, a scrape of
// the unchanged cluster reads no checkpoint details, configuration or
// vertex, only what may have changed.
func TestWarmScrapeFetchesNoDetails(t *testing.T) {
	c := newSimCluster(t, flinksim.Config{Jobs: 3, Vertices: 4})
	c.clock.Advance(30 * time.Second)
	before := c.sim.RequestCounts()
	gatherSeries(t, c.exporter)
	cold := requestDelta(before, c.sim.RequestCounts())
	if cold["/jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid"] != 3*4 {
		t.Errorf("cold scrape: %v", cold)
	}

	before = c.sim.RequestCounts()
	gatherSeries(t, c.exporter)
	warm := requestDelta(before, c.sim.RequestCounts())
	for route := range warm {
		if strings.Contains(route, "/details/") || strings.HasSuffix(route, "/config") || strings.Contains(route, "/vertices/:vertexid") && !strings.Contains(route, "metrics") && !strings.Contains(route, "backpressure") {
			t.Errorf("warm scrape of an unchanged cluster asked %s: %v", route, warm)
		}
	}
	if warm["/jobs/:jobid/checkpoints"] != 3 {
		t.Errorf("warm scrape: %v", warm)
	}
}

// TestFailedAreaHidesNoOther: a JobManager that fails one endpoint fails
// only the collectors needing it; the others report, nothing is faked.
func TestFailedAreaHidesNoOther(t *testing.T) {
	c := newSimCluster(t, flinksim.Config{})
	c.sim.SetFaults(flinksim.Faults{Status: 500, Routes: []string{"/jobs/:jobid/checkpoints"}})
	got := gatherSeries(t, c.exporter)
	if got["flink_up"].one(t, "up") != 1 {
		t.Error("flink_up is not 1 although the core answered")
	}
	success := got["flink_exporter_scrape_collector_success"]
	for collector, want := range map[string]float64{"cluster": 1, "jobs": 1, "checkpoints": 0, "checkpoint_acks": 0} {
		if v := success.withLabel("collector="+collector).one(t, collector); v != want {
			t.Errorf("collector %s success = %v, want %v", collector, v, want)
		}
	}
	for _, name := range []string{"flink_job_checkpoints_completed_total", "flink_job_checkpoint_duration_to_timeout_ratio", "flink_job_vertex_checkpoint_ack_latency_max_seconds"} {
		if len(got[name]) != 0 {
			t.Errorf("%s exported although its source failed", name)
		}
	}
	if len(got["flink_job_state"]) == 0 {
		t.Error("job states missing")
	}

	c.sim.SetFaults(flinksim.Faults{})
	got = gatherSeries(t, c.exporter)
	if len(got["flink_job_checkpoints_completed_total"]) == 0 {
		t.Error("no recovery after the fault ended")
	}
}

// BenchmarkScrape measures a scrape of a simulated cluster, cold (empty
// caches) and warm, and reports REST requests per scrape.
func BenchmarkScrape(b *testing.B) {
	for _, size := range []struct{ jobs, vertices, parallelism, tms int }{{1, 3, 2, 10}, {20, 5, 10, 20}} {
		for _, warm := range []bool{false, true} {
			name := fmt.Sprintf("jobs=%d/vertices=%d/parallelism=%d/tms=%d/warm=%v", size.jobs, size.vertices, size.parallelism, size.tms, warm)
			b.Run(name, func(b *testing.B) {
				c := newSimCluster(b, flinksim.Config{Jobs: size.jobs, Vertices: size.vertices, Parallelism: size.parallelism, TaskManagers: size.tms})
				if warm {
					gatherSeries(b, c.exporter)
				}
				before := c.sim.RequestCounts()
				b.ResetTimer()
				for range b.N {
					if !warm {
						c.exporter.state = NewState()
					}
					gatherSeries(b, c.exporter)
				}
				b.StopTimer()
				var total int64
				for _, n := range requestDelta(before, c.sim.RequestCounts()) {
					total += n
				}
				b.ReportMetric(float64(total)/float64(b.N), "requests/scrape")
			})
		}
	}
}
