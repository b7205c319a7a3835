package collector

import (
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// TestJobManagerRediscovers follows a JobManager through restarts: the ids
// are listed once and then only asked for; an empty answer or one without
// the cached CPU id (a new JobManager) makes the exporter list them again,
// and an empty store gives no series and no error.
func TestJobManagerRediscovers(t *testing.T) {
	fc := newFakeCluster(t, 0, 0, 0, 1, 2)
	srv := fc.serve()
	clock := flinksim.NewManualClock(time.UnixMilli(1_700_000_600_000))
	e := newClockedExporter(t, srv.URL, clock, DefaultMetricsTTL, "jobmanager")

	steps := []struct {
		name   string
		change func()
		// JobManager metric requests: lists and gets.
		lists, gets int
		gcs         []string // collectors exported; nil: no JVM series
		cpu         bool
	}{
		{"cold", func() {}, 1, 1, []string{"G1_Old_Generation", "G1_Young_Generation"}, true},
		{"warm, TTL over", func() {}, 0, 1, []string{"G1_Old_Generation", "G1_Young_Generation"}, true},
		{"restarted, store empty", func() { fc.metricsReady = false }, 1, 1, nil, false},
		{"store still empty", func() {}, 1, 0, nil, false},
		{"store filled, now with ZGC", func() { fc.metricsReady, fc.gcs = true, []string{"ZGC_Cycles", "ZGC_Pauses"} }, 1, 1, []string{"ZGC_Cycles", "ZGC_Pauses"}, true},
		{"restarted without CPU load, store filled", func() { fc.jmCPU, fc.gcs = -1, []string{"G1_Young_Generation"} }, 1, 2, []string{"G1_Young_Generation"}, false},
		{"warm again", func() {}, 0, 1, []string{"G1_Young_Generation"}, false},
	}
	for _, st := range steps {
		fc.mu.Lock()
		st.change()
		fc.mu.Unlock()
		got := gatherSeries(t, e)
		if v := got["flink_exporter_scrape_collector_success"].one(t, "success"); v != 1 {
			t.Errorf("%s: jobmanager collector failed", st.name)
		}
		requests, gets := fc.counts()
		if n := gets["/jobmanager/metrics"]; n != st.gets || requests[flinkapi.EndpointJobManagerMetrics]-n != st.lists {
			t.Errorf("%s: %d requests with %d gets, want %d lists and %d gets", st.name, requests[flinkapi.EndpointJobManagerMetrics], n, st.lists, st.gets)
		}
		gcs := got["flink_jobmanager_jvm_gc_collections_total"]
		if len(gcs) != len(st.gcs) {
			t.Errorf("%s: collectors %v, want %v", st.name, gcs, st.gcs)
		}
		for _, gc := range st.gcs {
			if len(gcs.withLabel("gc="+gc)) != 1 {
				t.Errorf("%s: no series of %s: %v", st.name, gc, gcs)
			}
		}
		if cpu := len(got["flink_jobmanager_jvm_cpu_load_ratio"]) == 1; cpu != st.cpu {
			t.Errorf("%s: CPU load exported = %v, want %v", st.name, cpu, st.cpu)
		}
		if want := len(st.gcs) > 0; (len(got["flink_jobmanager_taskmanagers_registered"]) == 1) != want {
			t.Errorf("%s: taskmanagers_registered exported = %v, want %v", st.name, !want, want)
		}
		clock.Advance(DefaultMetricsTTL + time.Second)
	}
}
