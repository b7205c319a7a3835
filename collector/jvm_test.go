package collector

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

func metricList(ids ...string) []flinkapi.Metric {
	out := make([]flinkapi.Metric, 0, len(ids))
	for _, id := range ids {
		out = append(out, flinkapi.Metric{ID: id})
	}
	return out
}

func TestChooseMetricIDs(t *testing.T) {
	jobListSample, err := os.ReadFile(filepath.Join(samplesDir(t), "constructed", "2.1", "metrics_list.json"))
	if err != nil {
		t.Fatal(err)
	}
	var jobList []flinkapi.Metric
	if err := json.Unmarshal(jobListSample, &jobList); err != nil {
		t.Fatal(err)
	}
	tmFixed := append(append(append([]processMetric{}, jvmMetrics...), taskManagerMetrics...), systemMetrics...)
	tests := []struct {
		name string
		list []flinkapi.Metric
		want []string
	}{
		{"empty store", nil, nil},
		{"no JVM metric (a job's list)", jobList, nil},
		{"G1 of Flink 1.19+ with the All group", metricList(
			"Status.JVM.CPU.Load", "Status.JVM.CPU.Time", "Status.JVM.Memory.Heap.Used", "Status.JVM.Memory.NonHeap.Used",
			"Status.JVM.GarbageCollector.G1_Young_Generation.Count", "Status.JVM.GarbageCollector.G1_Young_Generation.Time",
			"Status.JVM.GarbageCollector.G1_Young_Generation.TimeMsPerSecond",
			"Status.JVM.GarbageCollector.G1_Old_Generation.Count", "Status.JVM.GarbageCollector.G1_Old_Generation.Time",
			"Status.JVM.GarbageCollector.All.Count", "Status.JVM.GarbageCollector.All.Time", "Status.JVM.GarbageCollector.All.TimeMsPerSecond",
			"Status.Flink.Memory.Managed.Used",
		), []string{
			"Status.Flink.Memory.Managed.Used", "Status.JVM.CPU.Load", "Status.JVM.CPU.Time",
			"Status.JVM.GarbageCollector.G1_Old_Generation.Count", "Status.JVM.GarbageCollector.G1_Old_Generation.Time",
			"Status.JVM.GarbageCollector.G1_Young_Generation.Count", "Status.JVM.GarbageCollector.G1_Young_Generation.Time",
			"Status.JVM.Memory.Heap.Used",
		}},
		{"generational ZGC", metricList(
			"Status.JVM.CPU.Load",
			"Status.JVM.GarbageCollector.ZGC_Minor_Cycles.Count", "Status.JVM.GarbageCollector.ZGC_Minor_Cycles.Time",
			"Status.JVM.GarbageCollector.ZGC_Major_Pauses.Count", "Status.JVM.GarbageCollector.ZGC_Major_Pauses.Time",
		), []string{
			"Status.JVM.CPU.Load",
			"Status.JVM.GarbageCollector.ZGC_Major_Pauses.Count", "Status.JVM.GarbageCollector.ZGC_Major_Pauses.Time",
			"Status.JVM.GarbageCollector.ZGC_Minor_Cycles.Count", "Status.JVM.GarbageCollector.ZGC_Minor_Cycles.Time",
		}},
		{"system metrics", metricList(
			"Status.JVM.CPU.Load", "System.CPU.Usage", "System.CPU.Idle", "System.CPU.IOWait", "System.CPU.Steal",
			"System.CPU.Load1min", "System.CPU.Load5min", "System.Memory.Available", "System.Memory.Total", "System.Swap.Used",
			"System.Network.eth0.ReceiveRate", "System.Network.eth0.SendRate", "System.Network.lo.ReceiveRate",
			"System.Network.veth3f2a.ReceiveRate", "System.Network.cali12ab.SendRate",
		), []string{
			"Status.JVM.CPU.Load", "System.CPU.IOWait", "System.CPU.Load1min", "System.CPU.Steal", "System.CPU.Usage",
			"System.Memory.Available", "System.Memory.Total",
			"System.Network.eth0.ReceiveRate", "System.Network.eth0.SendRate", // lo, veth*, cali* left out
		}},
		{"duplicates listed once", metricList("Status.JVM.CPU.Load", "Status.JVM.CPU.Load"), []string{"Status.JVM.CPU.Load"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := chooseMetricIDs(tt.list, tmFixed); !slices.Equal(got, tt.want) {
				t.Errorf("chooseMetricIDs =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

// processCollector emits one process's series from fixed values, to test
// the shared descriptors without HTTP.
type processCollector struct {
	descSet
	process processDescs
	values  map[string]float64
	labels  []string
}

func (c *processCollector) Collect(ch chan<- prometheus.Metric) {
	now := time.Unix(1_750_000_000, 0)
	c.process.emit(ch, processReading{values: c.values, read: now.Add(-7 * time.Second)}, now, c.labels...)
}

// decodeMetrics decodes an unaggregated answer as Flink sends it (values
// as strings) into values by id.
func decodeMetrics(t *testing.T, body string) map[string]float64 {
	t.Helper()
	var ms []flinkapi.Metric
	if err := json.Unmarshal([]byte(body), &ms); err != nil {
		t.Fatal(err)
	}
	return flinkapi.MetricValues(ms)
}

func TestProcessDescsEmit(t *testing.T) {
	tests := []struct {
		name       string
		jobManager bool
		body       string
		want       string
	}{
		{
			name: "TaskManager with G1 and the 1.19+ All group, no system metrics",
			body: `[{"id":"Status.JVM.CPU.Load","value":"0.8125"},{"id":"Status.JVM.CPU.Time","value":"2500000000"},` +
				`{"id":"Status.JVM.Memory.Heap.Used","value":"100"},{"id":"Status.JVM.Memory.Heap.Committed","value":"200"},{"id":"Status.JVM.Memory.Heap.Max","value":"300"},` +
				`{"id":"Status.JVM.Threads.Count","value":"42"},{"id":"Status.Flink.Memory.Managed.Used","value":"1024"},{"id":"Status.Flink.Memory.Managed.Total","value":"4096"},` +
				`{"id":"Status.JVM.GarbageCollector.G1_Young_Generation.Count","value":"7"},{"id":"Status.JVM.GarbageCollector.G1_Young_Generation.Time","value":"1250"},` +
				`{"id":"Status.JVM.GarbageCollector.All.Count","value":"7"},{"id":"Status.JVM.GarbageCollector.All.Time","value":"1250"}]`,
			want: `
# HELP flink_taskmanager_jvm_cpu_load_ratio Fraction of the machine's CPU the JVM process used recently (OperatingSystemMXBean.getProcessCpuLoad), from /taskmanagers/:taskmanagerid/metrics Status.JVM.CPU.Load.
# TYPE flink_taskmanager_jvm_cpu_load_ratio gauge
flink_taskmanager_jvm_cpu_load_ratio{tm_id="tm-1"} 0.8125
# HELP flink_taskmanager_jvm_cpu_time_seconds_total CPU time the JVM process has used (reported in nanoseconds), from /taskmanagers/:taskmanagerid/metrics Status.JVM.CPU.Time.
# TYPE flink_taskmanager_jvm_cpu_time_seconds_total counter
flink_taskmanager_jvm_cpu_time_seconds_total{tm_id="tm-1"} 2.5
# HELP flink_taskmanager_jvm_gc_collections_total Collections by each garbage collector of the JVM, from /taskmanagers/:taskmanagerid/metrics Status.JVM.GarbageCollector.<gc>.Count (the All group of Flink 1.19+ left out).
# TYPE flink_taskmanager_jvm_gc_collections_total counter
flink_taskmanager_jvm_gc_collections_total{gc="G1_Young_Generation",tm_id="tm-1"} 7
# HELP flink_taskmanager_jvm_gc_time_seconds_total Time spent by each garbage collector of the JVM, from /taskmanagers/:taskmanagerid/metrics Status.JVM.GarbageCollector.<gc>.Time (milliseconds; the All group of Flink 1.19+ left out).
# TYPE flink_taskmanager_jvm_gc_time_seconds_total counter
flink_taskmanager_jvm_gc_time_seconds_total{gc="G1_Young_Generation",tm_id="tm-1"} 1.25
# HELP flink_taskmanager_jvm_heap_committed_bytes Heap memory the JVM has committed, from /taskmanagers/:taskmanagerid/metrics Status.JVM.Memory.Heap.Committed.
# TYPE flink_taskmanager_jvm_heap_committed_bytes gauge
flink_taskmanager_jvm_heap_committed_bytes{tm_id="tm-1"} 200
# HELP flink_taskmanager_jvm_heap_max_bytes Maximum heap memory (-Xmx), from /taskmanagers/:taskmanagerid/metrics Status.JVM.Memory.Heap.Max.
# TYPE flink_taskmanager_jvm_heap_max_bytes gauge
flink_taskmanager_jvm_heap_max_bytes{tm_id="tm-1"} 300
# HELP flink_taskmanager_jvm_heap_used_bytes Heap memory in use, from /taskmanagers/:taskmanagerid/metrics Status.JVM.Memory.Heap.Used.
# TYPE flink_taskmanager_jvm_heap_used_bytes gauge
flink_taskmanager_jvm_heap_used_bytes{tm_id="tm-1"} 100
# HELP flink_taskmanager_jvm_threads Live threads of the JVM, from /taskmanagers/:taskmanagerid/metrics Status.JVM.Threads.Count.
# TYPE flink_taskmanager_jvm_threads gauge
flink_taskmanager_jvm_threads{tm_id="tm-1"} 42
# HELP flink_taskmanager_managed_memory_total_bytes Flink managed memory of the TaskManager, from /taskmanagers/:taskmanagerid/metrics Status.Flink.Memory.Managed.Total.
# TYPE flink_taskmanager_managed_memory_total_bytes gauge
flink_taskmanager_managed_memory_total_bytes{tm_id="tm-1"} 4096
# HELP flink_taskmanager_managed_memory_used_bytes Flink managed memory in use (RocksDB, sorting, batch operators), from /taskmanagers/:taskmanagerid/metrics Status.Flink.Memory.Managed.Used.
# TYPE flink_taskmanager_managed_memory_used_bytes gauge
flink_taskmanager_managed_memory_used_bytes{tm_id="tm-1"} 1024
# HELP flink_taskmanager_metrics_age_seconds Seconds since the values of the other series from /taskmanagers/:taskmanagerid/metrics were read, on the exporter's clock: below the metrics TTL while fresh, more while they are kept past it because their refresh has not run yet or was cut short; a refresh that fails drops them all.
# TYPE flink_taskmanager_metrics_age_seconds gauge
flink_taskmanager_metrics_age_seconds{tm_id="tm-1"} 7
`,
		},
		{
			name:       "JobManager with ZGC, system metrics and an unknown CPU load",
			jobManager: true,
			body: `[{"id":"Status.JVM.CPU.Load","value":"-1.0"},{"id":"Status.JVM.Memory.Heap.Max","value":"-1"},` +
				`{"id":"Status.JVM.GarbageCollector.ZGC_Cycles.Count","value":"3"},{"id":"Status.JVM.GarbageCollector.ZGC_Cycles.Time","value":"90"},` +
				`{"id":"Status.JVM.GarbageCollector.ZGC_Pauses.Count","value":"9"},{"id":"Status.JVM.GarbageCollector.ZGC_Pauses.Time","value":"2"},` +
				`{"id":"numRegisteredTaskManagers","value":"3"},{"id":"numRunningJobs","value":"2"},{"id":"taskSlotsTotal","value":"12"},{"id":"taskSlotsAvailable","value":"5"},` +
				`{"id":"System.CPU.Usage","value":"37.5"},{"id":"System.CPU.IOWait","value":"2.0"},{"id":"System.CPU.Steal","value":"0.0"},{"id":"System.CPU.Load1min","value":"1.5"},` +
				`{"id":"System.Memory.Available","value":"2048"},{"id":"System.Memory.Total","value":"8192"},` +
				`{"id":"System.Network.eth0.ReceiveRate","value":"1500"},{"id":"System.Network.eth0.SendRate","value":"2500"}]`,
			want: `
# HELP flink_jobmanager_jobs_running Jobs running, from /jobmanager/metrics numRunningJobs.
# TYPE flink_jobmanager_jobs_running gauge
flink_jobmanager_jobs_running 2
# HELP flink_jobmanager_jvm_gc_collections_total Collections by each garbage collector of the JVM, from /jobmanager/metrics Status.JVM.GarbageCollector.<gc>.Count (the All group of Flink 1.19+ left out).
# TYPE flink_jobmanager_jvm_gc_collections_total counter
flink_jobmanager_jvm_gc_collections_total{gc="ZGC_Cycles"} 3
flink_jobmanager_jvm_gc_collections_total{gc="ZGC_Pauses"} 9
# HELP flink_jobmanager_jvm_gc_time_seconds_total Time spent by each garbage collector of the JVM, from /jobmanager/metrics Status.JVM.GarbageCollector.<gc>.Time (milliseconds; the All group of Flink 1.19+ left out).
# TYPE flink_jobmanager_jvm_gc_time_seconds_total counter
flink_jobmanager_jvm_gc_time_seconds_total{gc="ZGC_Cycles"} 0.09
flink_jobmanager_jvm_gc_time_seconds_total{gc="ZGC_Pauses"} 0.002
# HELP flink_jobmanager_metrics_age_seconds Seconds since the values of the other series from /jobmanager/metrics were read, on the exporter's clock: below the metrics TTL while fresh, more while they are kept past it because their refresh has not run yet or was cut short; a refresh that fails drops them all.
# TYPE flink_jobmanager_metrics_age_seconds gauge
flink_jobmanager_metrics_age_seconds 7
# HELP flink_jobmanager_system_cpu_iowait_ratio Fraction of the host's CPU time waiting for IO, from /jobmanager/metrics System.CPU.IOWait.
# TYPE flink_jobmanager_system_cpu_iowait_ratio gauge
flink_jobmanager_system_cpu_iowait_ratio 0.02
# HELP flink_jobmanager_system_cpu_steal_ratio Fraction of the host's CPU time stolen by the hypervisor, from /jobmanager/metrics System.CPU.Steal.
# TYPE flink_jobmanager_system_cpu_steal_ratio gauge
flink_jobmanager_system_cpu_steal_ratio 0
# HELP flink_jobmanager_system_cpu_usage_ratio Fraction of the host's CPU time in use, averaged over metrics.system-resource-probing-interval, from /jobmanager/metrics System.CPU.Usage.
# TYPE flink_jobmanager_system_cpu_usage_ratio gauge
flink_jobmanager_system_cpu_usage_ratio 0.375
# HELP flink_jobmanager_system_load1 The host's 1-minute load average, from /jobmanager/metrics System.CPU.Load1min.
# TYPE flink_jobmanager_system_load1 gauge
flink_jobmanager_system_load1 1.5
# HELP flink_jobmanager_system_memory_available_bytes Memory available on the host, from /jobmanager/metrics System.Memory.Available.
# TYPE flink_jobmanager_system_memory_available_bytes gauge
flink_jobmanager_system_memory_available_bytes 2048
# HELP flink_jobmanager_system_memory_total_bytes Physical memory of the host, from /jobmanager/metrics System.Memory.Total.
# TYPE flink_jobmanager_system_memory_total_bytes gauge
flink_jobmanager_system_memory_total_bytes 8192
# HELP flink_jobmanager_system_network_receive_bytes_per_second Bytes per second the host received on the interface, from /jobmanager/metrics System.Network.<interface>.ReceiveRate (metrics.system-resource only).
# TYPE flink_jobmanager_system_network_receive_bytes_per_second gauge
flink_jobmanager_system_network_receive_bytes_per_second{interface="eth0"} 1500
# HELP flink_jobmanager_system_network_send_bytes_per_second Bytes per second the host sent on the interface, from /jobmanager/metrics System.Network.<interface>.SendRate (metrics.system-resource only).
# TYPE flink_jobmanager_system_network_send_bytes_per_second gauge
flink_jobmanager_system_network_send_bytes_per_second{interface="eth0"} 2500
# HELP flink_jobmanager_task_slots_available Task slots free for new work, from /jobmanager/metrics taskSlotsAvailable.
# TYPE flink_jobmanager_task_slots_available gauge
flink_jobmanager_task_slots_available 5
# HELP flink_jobmanager_task_slots Task slots of all registered TaskManagers, from /jobmanager/metrics taskSlotsTotal.
# TYPE flink_jobmanager_task_slots gauge
flink_jobmanager_task_slots 12
# HELP flink_jobmanager_taskmanagers_registered TaskManagers registered with the resource manager, from /jobmanager/metrics numRegisteredTaskManagers.
# TYPE flink_jobmanager_taskmanagers_registered gauge
flink_jobmanager_taskmanagers_registered 3
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &processCollector{values: decodeMetrics(t, tt.body)}
			if tt.jobManager {
				c.process = newProcessDescs(&c.descSet, "jobmanager", flinkapi.EndpointJobManagerMetrics, jobManagerMetrics)
			} else {
				c.process = newProcessDescs(&c.descSet, "taskmanager", flinkapi.EndpointTaskManagerMetrics, taskManagerMetrics, "tm_id")
				c.labels = []string{"tm-1"}
			}
			if err := testutil.CollectAndCompare(c, strings.NewReader(tt.want)); err != nil {
				t.Error(err)
			}
			if n := testutil.CollectAndCount(c); n != strings.Count(tt.want, "\nflink_") {
				t.Errorf("%d series, want %d", n, strings.Count(tt.want, "\nflink_"))
			}
		})
	}
}

// TestAggregatedMetricSamples decodes the aggregated TaskManager and
// vertex answers of every sampled version: values are numbers or "NaN",
// skew exists from 1.20.
func TestAggregatedMetricSamples(t *testing.T) {
	for _, version := range []string{"1.14", "1.18", "1.20", "2.1"} {
		t.Run(version, func(t *testing.T) {
			dir := filepath.Join(samplesDir(t), "constructed", version)
			var tm []flinkapi.AggregatedMetric
			readJSON(t, filepath.Join(dir, "taskmanagers_metrics_agg.json"), &tm)
			if len(tm) != 1 || tm[0].ID != cpuLoadID || tm[0].Max.Value() != 0.31 || tm[0].Min.Value() != 0.012 {
				t.Fatalf("taskmanagers_metrics_agg = %+v", tm)
			}
			if hasSkew := tm[0].Skew != nil; hasSkew != (version >= "1.20") {
				t.Errorf("skew present = %v in %s", hasSkew, version)
			}
		})
	}
}

func readJSON(t *testing.T, path string, out any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestChunkIDs(t *testing.T) {
	tests := []struct {
		ids   []string
		limit int
		want  [][]string
	}{
		{nil, 10, nil},
		{[]string{"a", "b", "c"}, 100, [][]string{{"a", "b", "c"}}},
		// "aaaa%2Cbbbb" is 11 bytes: over 10.
		{[]string{"aaaa", "bbbb", "cc"}, 10, [][]string{{"aaaa"}, {"bbbb", "cc"}}},
		{[]string{"toolongforthelimit", "a"}, 10, [][]string{{"toolongforthelimit"}, {"a"}}},
	}
	for _, tt := range tests {
		got := chunkIDs(tt.ids, tt.limit)
		if !slices.EqualFunc(got, tt.want, slices.Equal) {
			t.Errorf("chunkIDs(%v, %d) = %v, want %v", tt.ids, tt.limit, got, tt.want)
		}
	}
}
