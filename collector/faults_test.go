package collector

import (
	"context"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// The tests of this file inject the failures of a JobManager under stress
// through the simulator, over real HTTP: error answers, hung and slow
// requests, malformed and truncated JSON, a JobManager failover, a lost
// TaskManager and a job failover. In every case the exporter must not
// crash, must mark exactly what failed (flink_up, the collector's success,
// the REST error counters), keep serving what succeeded, export nothing
// half-read, and recover when the fault ends.

// faultCluster is a simulator served over HTTP and an exporter pointed at
// it, with the exporter's REST accounting.
type faultCluster struct {
	*simCluster
	inst *flinkapi.Instrumentation
}

// faultOptions vary the cluster of a fault test.
type faultOptions struct {
	sim flinksim.Config
	// realSleep makes the simulator's delays (fault latency) take real
	// time, for the tests of slow answers.
	realSleep bool
	// maxConcurrent bounds the exporter's requests in flight; 4 if zero.
	maxConcurrent int
}

func newFaultCluster(t *testing.T, o faultOptions) *faultCluster {
	t.Helper()
	clock := flinksim.NewManualClock(time.UnixMilli(1_750_000_000_000))
	cfg := o.sim
	cfg.Clock = clock.Now
	if !o.realSleep {
		cfg.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	}
	sim, err := flinksim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	if o.maxConcurrent == 0 {
		o.maxConcurrent = 4
	}
	inst := flinkapi.NewInstrumentation("flink_exporter")
	client, err := flinkapi.NewClient(srv.URL, flinkapi.Options{Instrumentation: inst, MaxConcurrentRequests: o.maxConcurrent})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExporter(Config{Client: client, Now: clock.Now, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	testClient, err := flinkapi.NewClient(srv.URL, flinkapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &faultCluster{simCluster: &simCluster{sim: sim, clock: clock, exporter: e, client: testClient}, inst: inst}
}

// boundCollector scrapes an Exporter within ctx, as the HTTP handler does
// with the scrape budget.
type boundCollector struct {
	e   *Exporter
	ctx context.Context
}

func (b boundCollector) Describe(ch chan<- *prometheus.Desc) { b.e.Describe(ch) }
func (b boundCollector) Collect(ch chan<- prometheus.Metric) { b.e.CollectContext(b.ctx, ch) }

// gatherWithin scrapes within budget and returns the series and how long
// the scrape took.
func (c *faultCluster) gatherWithin(t *testing.T, budget time.Duration) (map[string]series, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	got := gatherSeries(t, boundCollector{e: c.exporter, ctx: ctx})
	return got, time.Since(start)
}

// requests returns the exporter's count of answers of endpoint with code.
func (c *faultCluster) requests(t *testing.T, endpoint, code string) float64 {
	t.Helper()
	return sum(gatherSeries(t, c.inst)["flink_exporter_rest_requests_total"].withLabel("endpoint="+endpoint, "code="+code))
}

// invalid returns the exporter's count of unusable answers of endpoint.
func (c *faultCluster) invalid(t *testing.T, endpoint string) float64 {
	t.Helper()
	return sum(gatherSeries(t, c.inst)["flink_exporter_rest_invalid_responses_total"].withLabel("endpoint=" + endpoint))
}

// sum adds the values of s.
func sum(s series) float64 {
	total := 0.0
	for _, v := range s {
		total += v
	}
	return total
}

// allCollectors are the default collectors, by name.
var allCollectors = []string{"backpressure", "checkpoint_acks", "checkpoints", "cluster", "jobmanager", "jobs", "taskmanagers"}

// evidence names, per collector, one metric a healthy scrape of the
// default simulator always has: what "keeps serving what succeeded"
// checks.
var evidence = map[string]string{
	"cluster":         "flink_cluster_taskmanagers",
	"jobs":            "flink_job_state",
	"checkpoints":     "flink_job_checkpoint_timeout_seconds",
	"checkpoint_acks": "flink_job_vertex_checkpoint_ack_latency_max_seconds",
	"taskmanagers":    "flink_taskmanager_jvm_heap_used_bytes",
	"jobmanager":      "flink_jobmanager_jvm_heap_used_bytes",
	"backpressure":    "flink_job_vertex_busy_ratio_max",
}

// routeFaults maps each route the exporter reads to the collectors that
// fail without it and the metrics read from it, which must then be absent
// rather than half-read. An empty failing list means the route is a core
// request: flink_up becomes 0 and every collector fails.
var routeFaults = []struct {
	route   string
	failing []string
	absent  []string
}{
	{flinkapi.EndpointOverview, nil, nil},
	{flinkapi.EndpointJobsOverview, nil, nil},
	{flinkapi.EndpointTaskManagers, []string{"taskmanagers"}, []string{"flink_taskmanager_info", "flink_taskmanager_slots", "flink_taskmanager_jvm_heap_used_bytes"}},
	{flinkapi.EndpointTaskManagerMetrics, []string{"taskmanagers"}, []string{"flink_taskmanager_jvm_heap_used_bytes", "flink_taskmanager_jvm_cpu_load_ratio", "flink_taskmanager_jvm_gc_collections_total"}},
	{flinkapi.EndpointJobManagerMetrics, []string{"jobmanager"}, []string{"flink_jobmanager_jvm_heap_used_bytes", "flink_jobmanager_jobs_running"}},
	{flinkapi.EndpointCheckpoints, []string{"checkpoints", "checkpoint_acks"}, []string{"flink_job_checkpoints_completed_total", "flink_job_last_checkpoint_id", "flink_job_checkpoint_failures_total", "flink_job_vertex_checkpoint_ack_latency_max_seconds"}},
	{flinkapi.EndpointCheckpointConfig, []string{"checkpoints"}, []string{"flink_job_checkpoint_timeout_seconds", "flink_job_checkpoint_duration_to_timeout_ratio"}},
	{flinkapi.EndpointJob, []string{"checkpoint_acks", "backpressure"}, []string{"flink_job_vertex_checkpoint_ack_latency_max_seconds", "flink_taskmanager_checkpoint_ack_latency_max_seconds", "flink_job_vertex_busy_ratio_max"}},
	{flinkapi.EndpointVertex, []string{"checkpoint_acks"}, []string{"flink_job_vertex_checkpoint_ack_latency_max_seconds", "flink_taskmanager_checkpoint_ack_latency_max_seconds"}},
	{flinkapi.EndpointCheckpointSubtasks, []string{"checkpoint_acks"}, []string{"flink_job_vertex_checkpoint_ack_latency_max_seconds", "flink_taskmanager_checkpoint_ack_latency_max_seconds", "flink_job_last_checkpoint_upload_throughput_bytes_per_second"}},
	{flinkapi.EndpointVertexSubtaskMetrics, []string{"backpressure"}, []string{"flink_job_vertex_busy_ratio_max", "flink_job_vertex_backpressure_level"}},
}

// checkScrape checks one scrape against the collectors expected to fail:
// flink_up, every collector's success, the evidence of the others, and
// the absence of what the failed route would have given.
func checkScrape(t *testing.T, got map[string]series, failing, absent []string) {
	t.Helper()
	core := failing == nil
	wantUp := 1.0
	if core {
		wantUp = 0
		failing = allCollectors
	}
	if up := got["flink_up"].one(t, "flink_up"); up != wantUp {
		t.Errorf("flink_up = %v, want %v", up, wantUp)
	}
	success := got["flink_exporter_scrape_collector_success"]
	for _, name := range allCollectors {
		want := 1.0
		if slices.Contains(failing, name) {
			want = 0
		}
		if v := success.withLabel("collector="+name).one(t, "success of "+name); v != want {
			t.Errorf("collector %s success = %v, want %v", name, v, want)
		}
		if want == 1 && len(got[evidence[name]]) == 0 {
			t.Errorf("collector %s succeeded but %s is missing", name, evidence[name])
		}
	}
	if core {
		for name := range got {
			if name != "flink_up" && name != "flink_exporter_scrape_collector_success" {
				t.Errorf("%s exported although the JobManager is down", name)
			}
		}
	}
	for _, name := range absent {
		if len(got[name]) != 0 {
			t.Errorf("%s exported although its source failed: %v", name, got[name])
		}
	}
}

// TestFaultPerRoute fails each route the exporter reads in turn, with an
// HTTP 500, malformed JSON and truncated JSON, on a fresh exporter (so
// that no cache hides the route), then clears the fault.
func TestFaultPerRoute(t *testing.T) {
	faults := []struct {
		name  string
		fault flinksim.Faults
	}{
		{"500", flinksim.Faults{Status: 500}},
		{"503", flinksim.Faults{Status: 503}},
		{"malformed", flinksim.Faults{Malformed: true}},
		{"truncated", flinksim.Faults{Truncated: true}},
	}
	for _, rf := range routeFaults {
		for _, f := range faults {
			t.Run(f.name+rf.route, func(t *testing.T) {
				c := newFaultCluster(t, faultOptions{})
				c.clock.Advance(30 * time.Second)
				fault := f.fault
				fault.Routes = []string{rf.route}
				c.sim.SetFaults(fault)

				got := gatherSeries(t, c.exporter)
				checkScrape(t, got, rf.failing, rf.absent)
				if fault.Status != 0 {
					if n := c.requests(t, rf.route, strconv.Itoa(fault.Status)); n == 0 {
						t.Errorf("no flink_exporter_rest_requests_total{endpoint=%q,code=%q}", rf.route, strconv.Itoa(fault.Status))
					}
					if n := c.invalid(t, rf.route); n != 0 {
						t.Errorf("an error answer counted as invalid: %v", n)
					}
				} else if n := c.invalid(t, rf.route); n == 0 {
					t.Errorf("flink_exporter_rest_invalid_responses_total{endpoint=%q} did not increase", rf.route)
				}

				c.sim.SetFaults(flinksim.Faults{})
				c.clock.Advance(15 * time.Second)
				checkScrape(t, gatherSeries(t, c.exporter), []string{}, nil)
			})
		}
	}
}

// TestFaultHungRequests: a JobManager that never answers a route holds
// the scrape no longer than its budget; the scrape reports what hung as
// failed and the rest as usual, and the next scrape after the fault is
// whole again.
func TestFaultHungRequests(t *testing.T) {
	const budget = 1500 * time.Millisecond
	for _, rf := range []struct {
		route   string
		failing []string
	}{
		{flinkapi.EndpointOverview, nil},
		{flinkapi.EndpointJobsOverview, nil},
		{flinkapi.EndpointCheckpoints, []string{"checkpoints", "checkpoint_acks"}},
		{flinkapi.EndpointTaskManagerMetrics, []string{"taskmanagers"}},
		{flinkapi.EndpointJobManagerMetrics, []string{"jobmanager"}},
		{flinkapi.EndpointVertexSubtaskMetrics, []string{"backpressure"}},
	} {
		t.Run(rf.route, func(t *testing.T) {
			// Enough request slots that hung requests leave room for the
			// other collectors.
			c := newFaultCluster(t, faultOptions{maxConcurrent: 32})
			c.clock.Advance(30 * time.Second)
			c.sim.SetFaults(flinksim.Faults{Hang: true, Routes: []string{rf.route}})
			got, took := c.gatherWithin(t, budget)
			if took > budget+time.Second {
				t.Errorf("scrape took %v with a budget of %v", took, budget)
			}
			checkScrape(t, got, rf.failing, nil)
			if n := c.requests(t, rf.route, "error"); n == 0 {
				t.Errorf("hung requests not counted as code=error")
			}

			c.sim.SetFaults(flinksim.Faults{})
			got, _ = c.gatherWithin(t, 30*time.Second)
			checkScrape(t, got, []string{}, nil)
		})
	}
}

// TestFaultLatency: answers slower than the scrape budget fail their
// collector within the budget; slow answers within it change nothing.
func TestFaultLatency(t *testing.T) {
	c := newFaultCluster(t, faultOptions{realSleep: true})
	c.clock.Advance(30 * time.Second)

	c.sim.SetFaults(flinksim.Faults{Latency: time.Minute, Routes: []string{flinkapi.EndpointJobManagerMetrics}})
	const budget = time.Second
	got, took := c.gatherWithin(t, budget)
	if took > budget+time.Second {
		t.Errorf("scrape took %v with a budget of %v", took, budget)
	}
	checkScrape(t, got, []string{"jobmanager"}, []string{"flink_jobmanager_jvm_heap_used_bytes"})

	c.sim.SetFaults(flinksim.Faults{Latency: 20 * time.Millisecond})
	got, _ = c.gatherWithin(t, 30*time.Second)
	checkScrape(t, got, []string{}, nil)
}

// failedIDs returns the ids of the failed checkpoints the REST API shows
// for each checkpointing job now, by reason, merged into seen.
func failedIDs(t *testing.T, c *faultCluster, seen map[string]map[int64]string) {
	t.Helper()
	ctx := context.Background()
	jobs, err := c.client.JobsOverview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs.Jobs {
		stats, err := c.client.Checkpoints(ctx, j.ID)
		if flinkapi.IsNotFound(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		cps := append([]flinkapi.CheckpointStatistics{}, stats.History...)
		if stats.Latest.Failed != nil {
			cps = append(cps, *stats.Latest.Failed)
		}
		if seen[j.ID] == nil {
			seen[j.ID] = map[int64]string{}
		}
		for _, cp := range cps {
			if cp.Status == flinkapi.CheckpointFailed {
				msg, _ := cp.FailureMessage.Get()
				seen[j.ID][cp.ID] = ClassifyFailure(msg)
			}
		}
	}
}

// checkFailureLedger compares flink_job_checkpoint_failures_total with
// the failed checkpoints seen through the REST API, each counted once, and
// reason="unseen" with the rest of the scrape's failed count.
func checkFailureLedger(t *testing.T, got map[string]series, seen map[string]map[int64]string) {
	t.Helper()
	for job, ids := range seen {
		want := map[string]float64{}
		for _, reason := range ids {
			want[reason]++
		}
		failed := got["flink_job_checkpoints_failed_total"].withLabel("job_id="+job).one(t, "failed")
		want[ReasonUnseen] = max(0, failed-float64(len(ids)))
		for _, reason := range FailureReasons() {
			v := got["flink_job_checkpoint_failures_total"].withLabel("job_id="+job, "reason="+reason).one(t, "failures "+reason)
			if v != want[reason] {
				t.Errorf("job %s failures{reason=%s} = %v, want %v", job, reason, v, want[reason])
			}
		}
	}
}

// TestFaultJobManagerRestart: after a JobManager failover Flink's
// counters start over (Prometheus handles the reset), checkpoint ids go
// on, the exporter's failure ledger starts over with them (a new run)
// and counts no checkpoint twice, and every collector recovers.
func TestFaultJobManagerRestart(t *testing.T) {
	c := newFaultCluster(t, faultOptions{sim: flinksim.Config{Scenario: "short-timeout"}})
	c.clock.Advance(60 * time.Second)
	seen := map[string]map[int64]string{}
	before := gatherSeries(t, c.exporter)
	failedIDs(t, c, seen)
	checkScrape(t, before, []string{}, nil)
	checkFailureLedger(t, before, seen)

	c.sim.RestartJobManager()
	c.clock.Advance(45 * time.Second)
	after := gatherSeries(t, c.exporter)
	seen = map[string]map[int64]string{}
	failedIDs(t, c, seen)
	if up := after["flink_up"].one(t, "up"); up != 1 {
		t.Fatalf("flink_up = %v after the restart", up)
	}
	for labels, v := range after["flink_exporter_scrape_collector_success"] {
		if v != 1 {
			t.Errorf("%s failed after the JobManager restart", labels)
		}
	}
	resets := 0
	for labels, v := range before["flink_job_checkpoints_completed_total"] {
		job := "job_id=" + labelValue(labels, "job_id")
		if now := after["flink_job_checkpoints_completed_total"].withLabel(job).one(t, "completed"); now < v {
			resets++
		}
		id0 := before["flink_job_last_checkpoint_id"].withLabel(job).one(t, "last id before")
		if id1 := after["flink_job_last_checkpoint_id"].withLabel(job).one(t, "last id after"); id1 <= id0 {
			t.Errorf("%s: checkpoint id %v after the restart, %v before: ids must go on", job, id1, id0)
		}
	}
	if resets == 0 {
		t.Error("no completed counter was reset by the JobManager restart")
	}
	checkFailureLedger(t, after, seen)

	// A third scrape counts nothing again.
	third := gatherSeries(t, c.exporter)
	checkFailureLedger(t, third, seen)
}

// TestFaultTaskManagerLost: a TaskManager that leaves the cluster takes
// every series labelled with its tm_id with it at the next scrape,
// including the per-TaskManager acknowledgement of the checkpoint it
// took part in; the jobs it ran restart and keep being exported.
func TestFaultTaskManagerLost(t *testing.T) {
	c := newFaultCluster(t, faultOptions{sim: flinksim.Config{TaskManagers: 3, Parallelism: 3}})
	c.clock.Advance(30 * time.Second)
	got := gatherSeries(t, c.exporter)
	lost := c.sim.TaskManagerIDs()[0]
	if len(tmSeries(got, lost)) == 0 {
		t.Fatalf("no series of TaskManager %s before it left", lost)
	}
	if len(got["flink_taskmanager_checkpoint_ack_latency_max_seconds"].withLabel("tm_id="+lost)) == 0 {
		t.Fatalf("TaskManager %s acknowledged nothing before it left", lost)
	}

	if err := c.sim.RemoveTaskManager(lost); err != nil {
		t.Fatal(err)
	}
	got = gatherSeries(t, c.exporter)
	if left := tmSeries(got, lost); len(left) != 0 {
		t.Errorf("series of the lost TaskManager %s remain: %v", lost, left)
	}
	checkScrape(t, got, []string{}, nil)

	c.clock.Advance(30 * time.Second)
	got = gatherSeries(t, c.exporter)
	if left := tmSeries(got, lost); len(left) != 0 {
		t.Errorf("series of the lost TaskManager %s came back: %v", lost, left)
	}
	if n := len(got["flink_taskmanager_info"]); n != 2 {
		t.Errorf("%d TaskManagers exported, want the 2 left", n)
	}
}

// tmSeries lists the series labelled with TaskManager id.
func tmSeries(got map[string]series, id string) []string {
	var out []string
	for name, s := range got {
		for labels := range s.withLabel("tm_id=" + id) {
			out = append(out, name+"{"+labels+"}")
		}
	}
	slices.Sort(out)
	return out
}

// TestFaultJobRestart: a job failover shows as a restore and a failed
// checkpoint; the exporter reads the restarted job's vertices again and
// recovers its acknowledgement series once a new checkpoint completes.
func TestFaultJobRestart(t *testing.T) {
	c := newFaultCluster(t, faultOptions{})
	c.clock.Advance(30 * time.Second)
	before := gatherSeries(t, c.exporter)
	job := c.sim.JobIDs()[0]
	sel := "job_id=" + job
	restored0 := before["flink_job_checkpoints_restored_total"].withLabel(sel).one(t, "restored before")
	id0 := before["flink_job_last_checkpoint_id"].withLabel(sel).one(t, "last id before")

	if err := c.sim.RestartJob(job); err != nil {
		t.Fatal(err)
	}
	jobRequests := c.sim.RequestCounts()[flinkapi.EndpointJob]
	after := gatherSeries(t, c.exporter)
	checkScrape(t, after, []string{}, nil)
	if v := after["flink_job_checkpoints_restored_total"].withLabel(sel).one(t, "restored after"); v != restored0+1 {
		t.Errorf("restored = %v after a failover, want %v", v, restored0+1)
	}
	if len(after["flink_job_last_checkpoint_restore_timestamp_seconds"].withLabel(sel)) != 1 {
		t.Error("no restore timestamp after a failover")
	}
	if c.sim.RequestCounts()[flinkapi.EndpointJob] == jobRequests {
		t.Error("the restarted job's vertices were not read again")
	}

	c.clock.Advance(30 * time.Second)
	later := gatherSeries(t, c.exporter)
	checkScrape(t, later, []string{}, nil)
	if id := later["flink_job_last_checkpoint_id"].withLabel(sel).one(t, "last id later"); id <= id0 {
		t.Errorf("no checkpoint completed after the failover: id %v, before %v", id, id0)
	}
}
