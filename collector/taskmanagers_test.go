package collector

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

func TestHeartbeatAge(t *testing.T) {
	now := time.UnixMilli(1_700_000_060_000)
	tests := []struct {
		name string
		last int64
		want float64
		ok   bool
	}{
		{"12.5 s ago", 1_700_000_047_500, 12.5, true},
		{"just now", 1_700_000_060_000, 0, true},
		{"ahead of our clock", 1_700_000_061_000, 0, true},
		{"unknown (0)", 0, 0, false},
		{"unknown (-1)", -1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := HeartbeatAge(tt.last, now)
			if ok != tt.ok || got != tt.want {
				t.Errorf("HeartbeatAge = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestTaskManagersExposition pins what one TaskManager gives, with its
// heartbeat age measured against the injected clock.
func TestTaskManagersExposition(t *testing.T) {
	fc := newFakeCluster(t, 0, 0, 0, 1, 1)
	fc.interfaces = []string{"eth0"}
	fc.allGroup = true
	now := time.UnixMilli(1_700_000_060_000)
	fc.heartbeat = now.Add(-7500 * time.Millisecond)
	srv := fc.serve()
	e := newClockedExporter(t, srv.URL, flinksim.NewManualClock(now), DefaultMetricsTTL, "taskmanagers")
	tm := fc.taskManagers[0]
	want := strings.ReplaceAll(`
# HELP flink_taskmanager_blocked 1 when the TaskManager is blocked for new slots (Flink 1.16+), from /taskmanagers blocked.
# TYPE flink_taskmanager_blocked gauge
flink_taskmanager_blocked{tm_id="TM"} 0
# HELP flink_taskmanager_heartbeat_age_seconds Time since the JobManager last received the TaskManager's heartbeat: now minus /taskmanagers timeSinceLastHeartbeat, which is an absolute time.
# TYPE flink_taskmanager_heartbeat_age_seconds gauge
flink_taskmanager_heartbeat_age_seconds{tm_id="TM"} 7.5
# HELP flink_taskmanager_info TaskManager's host (from the RPC address in /taskmanagers path) and data port (dataPort); value 1.
# TYPE flink_taskmanager_info gauge
flink_taskmanager_info{data_port="40000",host="10.0.0.10",tm_id="TM"} 1
# HELP flink_taskmanager_jvm_cpu_load_ratio Fraction of the machine's CPU the JVM process used recently (OperatingSystemMXBean.getProcessCpuLoad), from /taskmanagers/:taskmanagerid/metrics Status.JVM.CPU.Load.
# TYPE flink_taskmanager_jvm_cpu_load_ratio gauge
flink_taskmanager_jvm_cpu_load_ratio{tm_id="TM"} 0.25
# HELP flink_taskmanager_jvm_cpu_time_seconds_total CPU time the JVM process has used (reported in nanoseconds), from /taskmanagers/:taskmanagerid/metrics Status.JVM.CPU.Time.
# TYPE flink_taskmanager_jvm_cpu_time_seconds_total counter
flink_taskmanager_jvm_cpu_time_seconds_total{tm_id="TM"} 12.5
# HELP flink_taskmanager_jvm_gc_collections_total Collections by each garbage collector of the JVM, from /taskmanagers/:taskmanagerid/metrics Status.JVM.GarbageCollector.<gc>.Count (the All group of Flink 1.19+ left out).
# TYPE flink_taskmanager_jvm_gc_collections_total counter
flink_taskmanager_jvm_gc_collections_total{gc="G1_Old_Generation",tm_id="TM"} 20
flink_taskmanager_jvm_gc_collections_total{gc="G1_Young_Generation",tm_id="TM"} 10
# HELP flink_taskmanager_jvm_gc_time_seconds_total Time spent by each garbage collector of the JVM, from /taskmanagers/:taskmanagerid/metrics Status.JVM.GarbageCollector.<gc>.Time (milliseconds; the All group of Flink 1.19+ left out).
# TYPE flink_taskmanager_jvm_gc_time_seconds_total counter
flink_taskmanager_jvm_gc_time_seconds_total{gc="G1_Old_Generation",tm_id="TM"} 3
flink_taskmanager_jvm_gc_time_seconds_total{gc="G1_Young_Generation",tm_id="TM"} 1.5
# HELP flink_taskmanager_jvm_heap_committed_bytes Heap memory the JVM has committed, from /taskmanagers/:taskmanagerid/metrics Status.JVM.Memory.Heap.Committed.
# TYPE flink_taskmanager_jvm_heap_committed_bytes gauge
flink_taskmanager_jvm_heap_committed_bytes{tm_id="TM"} 8.05306368e+08
# HELP flink_taskmanager_jvm_heap_max_bytes Maximum heap memory (-Xmx), from /taskmanagers/:taskmanagerid/metrics Status.JVM.Memory.Heap.Max.
# TYPE flink_taskmanager_jvm_heap_max_bytes gauge
flink_taskmanager_jvm_heap_max_bytes{tm_id="TM"} 1.073741824e+09
# HELP flink_taskmanager_jvm_heap_used_bytes Heap memory in use, from /taskmanagers/:taskmanagerid/metrics Status.JVM.Memory.Heap.Used.
# TYPE flink_taskmanager_jvm_heap_used_bytes gauge
flink_taskmanager_jvm_heap_used_bytes{tm_id="TM"} 5.36870912e+08
# HELP flink_taskmanager_jvm_threads Live threads of the JVM, from /taskmanagers/:taskmanagerid/metrics Status.JVM.Threads.Count.
# TYPE flink_taskmanager_jvm_threads gauge
flink_taskmanager_jvm_threads{tm_id="TM"} 64
# HELP flink_taskmanager_managed_memory_total_bytes Flink managed memory of the TaskManager, from /taskmanagers/:taskmanagerid/metrics Status.Flink.Memory.Managed.Total.
# TYPE flink_taskmanager_managed_memory_total_bytes gauge
flink_taskmanager_managed_memory_total_bytes{tm_id="TM"} 5.36870912e+08
# HELP flink_taskmanager_managed_memory_used_bytes Flink managed memory in use (RocksDB, sorting, batch operators), from /taskmanagers/:taskmanagerid/metrics Status.Flink.Memory.Managed.Used.
# TYPE flink_taskmanager_managed_memory_used_bytes gauge
flink_taskmanager_managed_memory_used_bytes{tm_id="TM"} 2.68435456e+08
# HELP flink_taskmanager_slots_free Task slots of the TaskManager free for new work, from /taskmanagers freeSlots.
# TYPE flink_taskmanager_slots_free gauge
flink_taskmanager_slots_free{tm_id="TM"} 1
# HELP flink_taskmanager_slots Task slots of the TaskManager, from /taskmanagers slotsNumber.
# TYPE flink_taskmanager_slots gauge
flink_taskmanager_slots{tm_id="TM"} 4
# HELP flink_taskmanager_system_cpu_iowait_ratio Fraction of the host's CPU time waiting for IO, from /taskmanagers/:taskmanagerid/metrics System.CPU.IOWait.
# TYPE flink_taskmanager_system_cpu_iowait_ratio gauge
flink_taskmanager_system_cpu_iowait_ratio{tm_id="TM"} 0.015
# HELP flink_taskmanager_system_cpu_steal_ratio Fraction of the host's CPU time stolen by the hypervisor, from /taskmanagers/:taskmanagerid/metrics System.CPU.Steal.
# TYPE flink_taskmanager_system_cpu_steal_ratio gauge
flink_taskmanager_system_cpu_steal_ratio{tm_id="TM"} 0.005
# HELP flink_taskmanager_system_cpu_usage_ratio Fraction of the host's CPU time in use, averaged over metrics.system-resource-probing-interval, from /taskmanagers/:taskmanagerid/metrics System.CPU.Usage.
# TYPE flink_taskmanager_system_cpu_usage_ratio gauge
flink_taskmanager_system_cpu_usage_ratio{tm_id="TM"} 0.425
# HELP flink_taskmanager_system_load1 The host's 1-minute load average, from /taskmanagers/:taskmanagerid/metrics System.CPU.Load1min.
# TYPE flink_taskmanager_system_load1 gauge
flink_taskmanager_system_load1{tm_id="TM"} 2.25
# HELP flink_taskmanager_system_memory_available_bytes Memory available on the host, from /taskmanagers/:taskmanagerid/metrics System.Memory.Available.
# TYPE flink_taskmanager_system_memory_available_bytes gauge
flink_taskmanager_system_memory_available_bytes{tm_id="TM"} 4.294967296e+09
# HELP flink_taskmanager_system_memory_total_bytes Physical memory of the host, from /taskmanagers/:taskmanagerid/metrics System.Memory.Total.
# TYPE flink_taskmanager_system_memory_total_bytes gauge
flink_taskmanager_system_memory_total_bytes{tm_id="TM"} 1.7179869184e+10
# HELP flink_taskmanager_system_network_receive_bytes_per_second Bytes per second the host received on the interface, from /taskmanagers/:taskmanagerid/metrics System.Network.<interface>.ReceiveRate (metrics.system-resource only).
# TYPE flink_taskmanager_system_network_receive_bytes_per_second gauge
flink_taskmanager_system_network_receive_bytes_per_second{interface="eth0",tm_id="TM"} 1000
# HELP flink_taskmanager_system_network_send_bytes_per_second Bytes per second the host sent on the interface, from /taskmanagers/:taskmanagerid/metrics System.Network.<interface>.SendRate (metrics.system-resource only).
# TYPE flink_taskmanager_system_network_send_bytes_per_second gauge
flink_taskmanager_system_network_send_bytes_per_second{interface="eth0",tm_id="TM"} 2000
`, `"TM"`, `"`+tm+`"`)
	var names []string
	for _, l := range strings.Split(want, "\n") {
		if name, ok := strings.CutPrefix(l, "# TYPE "); ok {
			names = append(names, strings.Fields(name)[0])
		}
	}
	if err := testutil.CollectAndCompare(e, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	requests, gets := fc.counts()
	if requests[flinkapi.EndpointTaskManagerMetrics] != 2 || gets["/taskmanagers/"+tm+"/metrics"] != 1 {
		t.Errorf("cold scrape of one TaskManager: %v %v, want one list and one get", requests, gets)
	}
}

// TestMetricsTTL: two scrapes within Flink's metric refresh interval send
// one metric request per process and vertex; after it they ask again.
func TestMetricsTTL(t *testing.T) {
	const tms, vertices = 3, 2
	fc := newFakeCluster(t, 1, 0, 0, vertices, tms)
	srv := fc.serve()
	clock := flinksim.NewManualClock(time.UnixMilli(1_700_000_600_000))
	e := newClockedExporter(t, srv.URL, clock, DefaultMetricsTTL)

	steps := []struct {
		after                       time.Duration
		tmGets, tmLists, jm, vertex int
	}{
		{0, tms, tms, 2, vertices},             // cold: list and get per process
		{5 * time.Second, 0, 0, 0, 0},          // within the TTL: no metric request
		{4 * time.Second, 0, 0, 0, 0},          // 9 s after the first
		{2 * time.Second, tms, 0, 1, vertices}, // 11 s: one get each, ids still known
		{1 * time.Second, 0, 0, 0, 0},
	}
	for i, st := range steps {
		clock.Advance(st.after)
		got := gatherSeries(t, e)
		for labels, v := range got["flink_exporter_scrape_collector_success"] {
			if v != 1 {
				t.Errorf("step %d: %s failed", i, labels)
			}
		}
		if n := len(got["flink_taskmanager_jvm_cpu_load_ratio"]); n != tms {
			t.Errorf("step %d: %d TaskManager CPU series, want %d (cached answers are exported too)", i, n, tms)
		}
		if n := len(got["flink_job_vertex_backpressured_ratio_max"]); n != vertices {
			t.Errorf("step %d: %d vertex series, want %d", i, n, vertices)
		}
		requests, gets := fc.counts()
		tmGets := 0
		for path, n := range gets {
			if strings.HasPrefix(path, "/taskmanagers/") {
				tmGets += n
				if n != 1 {
					t.Errorf("step %d: %d requests to %s", i, n, path)
				}
			}
		}
		if tmGets != st.tmGets || requests[flinkapi.EndpointTaskManagerMetrics]-tmGets != st.tmLists {
			t.Errorf("step %d: TaskManager metric requests %d (gets %d), want %d gets and %d lists", i, requests[flinkapi.EndpointTaskManagerMetrics], tmGets, st.tmGets, st.tmLists)
		}
		if n := requests[flinkapi.EndpointJobManagerMetrics]; n != st.jm {
			t.Errorf("step %d: %d JobManager metric requests, want %d", i, n, st.jm)
		}
		if n := requests[flinkapi.EndpointVertexSubtaskMetrics]; n != st.vertex {
			t.Errorf("step %d: %d vertex metric requests, want %d", i, n, st.vertex)
		}
	}

	// A TTL of zero asks every time.
	e = newClockedExporter(t, srv.URL, clock, 0, "taskmanagers", "jobmanager", "backpressure")
	for range 2 {
		gatherSeries(t, e)
	}
	requests, gets := fc.counts()
	if requests[flinkapi.EndpointVertexSubtaskMetrics] != 2*vertices || gets["/jobmanager/metrics"] != 2 || requests[flinkapi.EndpointTaskManagerMetrics] != tms+2*tms {
		t.Errorf("without TTL, two scrapes: %v %v; want every answer asked for twice, the ids listed once", requests, gets)
	}
}

// TestTaskManagerLeaves: a TaskManager gone from /taskmanagers loses its
// series and its cached metric ids.
func TestTaskManagerLeaves(t *testing.T) {
	fc := newFakeCluster(t, 0, 0, 0, 1, 3)
	srv := fc.serve()
	clock := flinksim.NewManualClock(time.UnixMilli(1_700_000_600_000))
	e := newClockedExporter(t, srv.URL, clock, DefaultMetricsTTL, "taskmanagers")
	got := gatherSeries(t, e)
	gone := fc.taskManagers[1]
	if len(got["flink_taskmanager_info"].withLabel("tm_id="+gone)) != 1 || len(got["flink_taskmanager_jvm_heap_used_bytes"].withLabel("tm_id="+gone)) != 1 {
		t.Fatalf("TaskManager %s not exported on the first scrape", gone)
	}
	if e.state.metrics.cachedIDs(taskManagerKeyPrefix+gone) == nil {
		t.Fatal("no metric ids cached for the TaskManager")
	}

	fc.mu.Lock()
	fc.taskManagers = append(fc.taskManagers[:1:1], fc.taskManagers[2:]...)
	fc.mu.Unlock()
	clock.Advance(time.Second)
	got = gatherSeries(t, e)
	for name, s := range got {
		if n := len(s.withLabel("tm_id=" + gone)); n != 0 {
			t.Errorf("%s still has %d series of the departed TaskManager", name, n)
		}
	}
	if n := len(got["flink_taskmanager_info"]); n != 2 {
		t.Errorf("%d TaskManagers exported, want 2", n)
	}
	if e.state.metrics.cachedIDs(taskManagerKeyPrefix+gone) != nil {
		t.Error("the departed TaskManager's metric ids are still cached")
	}
	if n := e.state.metrics.len(); n != 2 {
		t.Errorf("metric cache holds %d processes, want 2", n)
	}
}

// TestMetricStoreNotFilled: right after a JobManager start the metric
// lists are empty. Only what /taskmanagers says is exported, without error
// and without caching; the ids are discovered once the store fills.
func TestMetricStoreNotFilled(t *testing.T) {
	fc := newFakeCluster(t, 0, 0, 0, 1, 2)
	fc.metricsReady = false
	srv := fc.serve()
	clock := flinksim.NewManualClock(time.UnixMilli(1_700_000_600_000))
	e := newClockedExporter(t, srv.URL, clock, DefaultMetricsTTL, "taskmanagers", "jobmanager")

	for range 2 {
		got := gatherSeries(t, e)
		for labels, v := range got["flink_exporter_scrape_collector_success"] {
			if v != 1 {
				t.Errorf("%s failed on an empty metric store", labels)
			}
		}
		if len(got["flink_taskmanager_info"]) != 2 || len(got["flink_taskmanager_slots"]) != 2 {
			t.Error("the /taskmanagers series are missing")
		}
		for _, name := range []string{"flink_taskmanager_jvm_cpu_load_ratio", "flink_jobmanager_jvm_cpu_load_ratio", "flink_jobmanager_taskmanagers_registered"} {
			if len(got[name]) != 0 {
				t.Errorf("%s exported from an empty store", name)
			}
		}
		requests, gets := fc.counts()
		if len(gets) != 0 || requests[flinkapi.EndpointTaskManagerMetrics] != 2 || requests[flinkapi.EndpointJobManagerMetrics] != 1 {
			t.Errorf("empty store: %v %v, want only the lists, each scrape", requests, gets)
		}
		clock.Advance(time.Second)
	}

	fc.mu.Lock()
	fc.metricsReady = true
	fc.mu.Unlock()
	got := gatherSeries(t, e)
	if len(got["flink_taskmanager_jvm_cpu_load_ratio"]) != 2 || len(got["flink_jobmanager_jvm_cpu_load_ratio"]) != 1 {
		t.Errorf("metrics missing once the store filled: %v", got["flink_taskmanager_jvm_cpu_load_ratio"])
	}
}

// cachedIDs returns the ids chosen for a process, nil if none are.
func (c *metricCache) cachedIDs(key string) []string {
	c.mu.Lock()
	p, ok := c.procs[key]
	c.mu.Unlock()
	if !ok {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ids
}

// len returns how many processes the cache remembers.
func (c *metricCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.procs)
}
