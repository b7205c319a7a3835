package collector

import (
	"context"
	"math"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// restDelayScale shrinks the simulator's REST answer delays (0.3-1 s in
// jobmanager-overload) to a few milliseconds of real time: the client's
// latency histogram measures real time, and the test must not wait
// seconds.
const restDelayScale = 50

// scenarioRun is what the exporter saw of one simulated scenario: two
// scrapes gap apart, and the REST answer delays the simulator applied.
type scenarioRun struct {
	first, second map[string]series
	gap           time.Duration
	straggler     string  // the overloaded TaskManager, if any
	restMean      float64 // mean seconds per /jobmanager/metrics request, as the client measured
	delays        []time.Duration
}

// runScenario serves a simulated cluster of the scenario over HTTP and
// scrapes it twice, 60 s and 90 s after start, on a clock shared with the
// simulator.
func runScenario(t *testing.T, scenario string) *scenarioRun {
	t.Helper()
	clock := flinksim.NewManualClock(time.UnixMilli(1_750_000_000_000))
	run := &scenarioRun{gap: 30 * time.Second}
	var mu sync.Mutex
	sim, err := flinksim.New(flinksim.Config{
		Scenario:     scenario,
		TaskManagers: 4,
		Parallelism:  4,
		Clock:        clock.Now,
		Seed:         7,
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			run.delays = append(run.delays, d)
			mu.Unlock()
			if d <= 0 {
				return ctx.Err()
			}
			timer := time.NewTimer(d / restDelayScale)
			defer timer.Stop()
			select {
			case <-timer.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	run.straggler = sim.StragglerTaskManagerID()
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)

	inst := flinkapi.NewInstrumentation("flink_exporter")
	client, err := flinkapi.NewClient(srv.URL, flinkapi.Options{Instrumentation: inst, MaxConcurrentRequests: 8})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExporter(Config{Client: client, Now: clock.Now, Timeout: time.Minute, MetricsTTL: DefaultMetricsTTL})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(60 * time.Second)
	run.first = gatherSeries(t, e)
	clock.Advance(run.gap)
	run.second = gatherSeries(t, e)
	for _, got := range []map[string]series{run.first, run.second} {
		for labels, v := range got["flink_exporter_scrape_collector_success"] {
			if v != 1 {
				t.Errorf("%s: collector %s failed", scenario, labels)
			}
		}
	}

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(inst)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "flink_exporter_rest_request_duration_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "endpoint" && lp.GetValue() == flinkapi.EndpointJobManagerMetrics {
					h := m.GetHistogram()
					run.restMean = h.GetSampleSum() / float64(h.GetSampleCount())
				}
			}
		}
	}
	return run
}

// minValue is the smallest value of s, NaN when s is empty.
func minValue(s series) float64 {
	out := math.NaN()
	for _, v := range s {
		if math.IsNaN(out) || v < out {
			out = v
		}
	}
	return out
}

// maxValue is the largest value of s, NaN when s is empty.
func maxValue(s series) float64 {
	out := math.NaN()
	for _, v := range s {
		if math.IsNaN(out) || v > out {
			out = v
		}
	}
	return out
}

// rates returns, per label set, the counter's increase per second between
// the two scrapes.
func (r *scenarioRun) rates(name string) series {
	out := series{}
	for labels, v := range r.second[name] {
		if before, ok := r.first[name][labels]; ok {
			out[labels] = (v - before) / r.gap.Seconds()
		}
	}
	return out
}

// byTaskManager sums a series per tm_id.
func byTaskManager(s series) map[string]float64 {
	out := map[string]float64{}
	for labels, v := range s {
		out[labelValue(labels, "tm_id")] += v
	}
	return out
}

// maxPerTaskManager keeps the largest value per tm_id.
func maxPerTaskManager(s series) map[string]float64 {
	out := map[string]float64{}
	for labels, v := range s {
		tm := labelValue(labels, "tm_id")
		if cur, ok := out[tm]; !ok || v > cur {
			out[tm] = v
		}
	}
	return out
}

// TestScenarioSignals shows that each simulated cause moves its own
// evidence in the exporter's metrics, against the healthy cluster.
func TestScenarioSignals(t *testing.T) {
	healthy := runScenario(t, "healthy")
	healthyTMCPU := maxValue(healthy.second["flink_taskmanager_jvm_cpu_load_ratio"])
	healthyTMGC := maxValue(series(byTaskManager(healthy.rates("flink_taskmanager_jvm_gc_time_seconds_total"))))
	healthyAck := maxValue(healthy.second["flink_taskmanager_checkpoint_ack_latency_max_seconds"])
	healthyJMCPU := maxValue(healthy.second["flink_jobmanager_jvm_cpu_load_ratio"])
	healthyJMGC := maxValue(healthy.rates("flink_jobmanager_jvm_gc_time_seconds_total"))
	healthyBP := maxValue(healthy.second["flink_job_vertex_backpressured_ratio_max"])
	healthyStart := maxValue(healthy.second["flink_job_vertex_checkpoint_start_delay_max_seconds"])
	// The least over vertices: a healthy sink's pre-barrier flush
	// (0.3-0.7 s) is unexplained time on the sink vertex alone.
	healthyUnexplained := minValue(healthy.second["flink_job_vertex_checkpoint_unexplained_ack_latency_max_seconds"])
	healthyHeartbeat := maxValue(healthy.second["flink_taskmanager_heartbeat_age_seconds"])
	for name, v := range map[string]float64{
		"TaskManager CPU": healthyTMCPU, "TaskManager GC": healthyTMGC, "TaskManager ack": healthyAck,
		"JobManager CPU": healthyJMCPU, "JobManager GC": healthyJMGC, "back-pressure": healthyBP,
		"start delay": healthyStart, "unexplained": healthyUnexplained, "heartbeat": healthyHeartbeat,
	} {
		if math.IsNaN(v) {
			t.Fatalf("healthy: no %s series", name)
		}
	}
	for _, d := range healthy.delays {
		if d != 0 {
			t.Fatalf("healthy: the simulator delayed an answer by %v", d)
		}
	}

	t.Run("taskmanager-overload", func(t *testing.T) {
		r := runScenario(t, "taskmanager-overload")
		if r.straggler == "" {
			t.Fatal("no overloaded TaskManager")
		}
		cpu := byTaskManager(r.second["flink_taskmanager_jvm_cpu_load_ratio"])
		gc := byTaskManager(r.rates("flink_taskmanager_jvm_gc_time_seconds_total"))
		ack := maxPerTaskManager(r.second["flink_taskmanager_checkpoint_ack_latency_max_seconds"])
		if len(cpu) != 4 || len(gc) != 4 {
			t.Fatalf("CPU of %d and GC of %d TaskManagers, want 4", len(cpu), len(gc))
		}
		for tm := range cpu {
			if tm == r.straggler {
				if cpu[tm] < 0.9 || cpu[tm] <= healthyTMCPU {
					t.Errorf("overloaded TaskManager CPU %.2f, healthy at most %.2f", cpu[tm], healthyTMCPU)
				}
				if gc[tm] < 0.2 || gc[tm] <= 10*healthyTMGC {
					t.Errorf("overloaded TaskManager GC %.3f s/s, healthy at most %.3f", gc[tm], healthyTMGC)
				}
				continue
			}
			if cpu[tm] > 0.5 || gc[tm] > 0.05 {
				t.Errorf("TaskManager %s is not overloaded but has CPU %.2f and GC %.3f s/s", tm, cpu[tm], gc[tm])
			}
		}
		for tm, v := range ack {
			if tm != r.straggler && v >= ack[r.straggler] {
				t.Errorf("TaskManager %s acks in %.2fs, not faster than the overloaded one (%.2fs)", tm, v, ack[r.straggler])
			}
		}
		if ack[r.straggler] <= 2*healthyAck {
			t.Errorf("overloaded TaskManager acks in %.2fs, healthy at most %.2fs", ack[r.straggler], healthyAck)
		}
		if v := maxValue(r.second["flink_jobmanager_jvm_cpu_load_ratio"]); v > 0.5 {
			t.Errorf("JobManager CPU %.2f moved with the TaskManager", v)
		}
	})

	t.Run("jobmanager-overload", func(t *testing.T) {
		r := runScenario(t, "jobmanager-overload")
		if v := r.second["flink_jobmanager_jvm_cpu_load_ratio"].one(t, "JM CPU"); v < 0.9 || v <= healthyJMCPU {
			t.Errorf("JobManager CPU %.2f, healthy %.2f", v, healthyJMCPU)
		}
		heap := r.second["flink_jobmanager_jvm_heap_used_bytes"].one(t, "heap") / r.second["flink_jobmanager_jvm_heap_max_bytes"].one(t, "heap max")
		if heap < 0.9 {
			t.Errorf("JobManager heap %.2f full, want >= 0.9", heap)
		}
		if v := maxValue(r.rates("flink_jobmanager_jvm_gc_time_seconds_total")); v < 0.15 || v <= 10*healthyJMGC {
			t.Errorf("JobManager GC %.3f s/s, healthy %.3f", v, healthyJMGC)
		}
		// Every answer was delayed by >= 300 ms, scaled down to >= 6 ms of
		// real time: the client's histogram sees it.
		if min := 300 * time.Millisecond / restDelayScale; r.restMean < min.Seconds() {
			t.Errorf("mean /jobmanager/metrics latency %.4fs, want >= %v", r.restMean, min)
		}
		if r.restMean <= healthy.restMean {
			t.Errorf("REST latency %.4fs not above healthy %.4fs", r.restMean, healthy.restMean)
		}
		if v := maxValue(r.second["flink_taskmanager_jvm_cpu_load_ratio"]); v > 0.5 {
			t.Errorf("TaskManager CPU %.2f moved with the JobManager", v)
		}
	})

	t.Run("backpressure", func(t *testing.T) {
		r := runScenario(t, "backpressure")
		if v := maxValue(r.second["flink_job_vertex_backpressured_ratio_max"]); v < 0.7 || v <= healthyBP {
			t.Errorf("back-pressured ratio %.2f, healthy %.2f", v, healthyBP)
		}
		if len(r.second["flink_job_vertex_backpressure_level"].withLabel("level=high")) == 0 ||
			maxValue(r.second["flink_job_vertex_backpressure_level"].withLabel("level=high")) != 1 {
			t.Error("no vertex at level high")
		}
		if v := maxValue(healthy.second["flink_job_vertex_backpressure_level"].withLabel("level=ok")); v != 1 {
			t.Error("healthy vertices are not at level ok")
		}
		if v := maxValue(r.second["flink_job_vertex_busy_ratio_max"]); v < 0.9 {
			t.Errorf("busiest vertex %.2f busy, want the slow sink >= 0.9", v)
		}
		if v := maxValue(r.second["flink_job_vertex_checkpoint_start_delay_max_seconds"]); v < 2 || v <= healthyStart {
			t.Errorf("start delay %.2fs, healthy %.2fs", v, healthyStart)
		}
	})

	t.Run("network-latency", func(t *testing.T) {
		r := runScenario(t, "network-latency")
		if v := minValue(r.second["flink_job_vertex_checkpoint_unexplained_ack_latency_max_seconds"]); v < 2 || v <= 10*healthyUnexplained {
			t.Errorf("least unexplained ack latency of a vertex %.2fs, healthy %.2fs", v, healthyUnexplained)
		}
		if v := maxValue(r.second["flink_taskmanager_heartbeat_age_seconds"]); v < 20 || v <= healthyHeartbeat {
			t.Errorf("heartbeat age %.1fs, healthy %.1fs", v, healthyHeartbeat)
		}
		for _, name := range []string{"flink_job_vertex_checkpoint_sync_duration_max_seconds", "flink_job_vertex_checkpoint_async_duration_max_seconds"} {
			if v, h := maxValue(r.second[name]), maxValue(healthy.second[name]); v > 2*h+0.1 {
				t.Errorf("%s %.2fs, healthy %.2fs: the phases should stay short", name, v, h)
			}
		}
		if v := maxValue(r.second["flink_taskmanager_jvm_cpu_load_ratio"]); v > 0.5 {
			t.Errorf("TaskManager CPU %.2f moved with the network", v)
		}
	})
}
