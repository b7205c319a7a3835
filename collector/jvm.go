package collector

import (
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// This file maps the metrics Flink reports for its JVM processes (the
// JobManager and each TaskManager) to series. The same ids exist in both
// processes, so one table serves the jobmanager and taskmanagers collectors.

// processMetric maps one Flink metric id of a JVM process to one series.
type processMetric struct {
	id    string
	name  string // without the flink_<subsystem>_ prefix
	help  string // what the value is; the source is appended
	kind  prometheus.ValueType
	scale float64 // multiplies Flink's value into the base unit
	// nonNegative drops negative values: Flink reports -1 (or any negative
	// number) when the JVM cannot tell.
	nonNegative bool
}

// jvmMetrics are the JVM gauges both processes report.
var jvmMetrics = []processMetric{
	{id: "Status.JVM.CPU.Load", name: "jvm_cpu_load_ratio", help: "Fraction of the machine's CPU the JVM process used recently (OperatingSystemMXBean.getProcessCpuLoad)", kind: prometheus.GaugeValue, scale: 1, nonNegative: true},
	{id: "Status.JVM.CPU.Time", name: "jvm_cpu_time_seconds_total", help: "CPU time the JVM process has used (reported in nanoseconds)", kind: prometheus.CounterValue, scale: 1e-9, nonNegative: true},
	{id: "Status.JVM.Memory.Heap.Used", name: "jvm_heap_used_bytes", help: "Heap memory in use", kind: prometheus.GaugeValue, scale: 1},
	{id: "Status.JVM.Memory.Heap.Committed", name: "jvm_heap_committed_bytes", help: "Heap memory the JVM has committed", kind: prometheus.GaugeValue, scale: 1},
	{id: "Status.JVM.Memory.Heap.Max", name: "jvm_heap_max_bytes", help: "Maximum heap memory (-Xmx)", kind: prometheus.GaugeValue, scale: 1, nonNegative: true},
	{id: "Status.JVM.Threads.Count", name: "jvm_threads", help: "Live threads of the JVM", kind: prometheus.GaugeValue, scale: 1},
}

// systemMetrics are the host metrics Flink reports only with
// metrics.system-resource: true (and oshi-core on the classpath); without
// them the series are absent. Flink's CPU values are percentages.
var systemMetrics = []processMetric{
	{id: "System.CPU.Usage", name: "system_cpu_usage_ratio", help: "Fraction of the host's CPU time in use, averaged over metrics.system-resource-probing-interval", kind: prometheus.GaugeValue, scale: 0.01, nonNegative: true},
	{id: "System.CPU.IOWait", name: "system_cpu_iowait_ratio", help: "Fraction of the host's CPU time waiting for IO", kind: prometheus.GaugeValue, scale: 0.01, nonNegative: true},
	{id: "System.CPU.Steal", name: "system_cpu_steal_ratio", help: "Fraction of the host's CPU time stolen by the hypervisor", kind: prometheus.GaugeValue, scale: 0.01, nonNegative: true},
	{id: "System.CPU.Load1min", name: "system_load1", help: "The host's 1-minute load average", kind: prometheus.GaugeValue, scale: 1, nonNegative: true},
	{id: "System.Memory.Available", name: "system_memory_available_bytes", help: "Memory available on the host", kind: prometheus.GaugeValue, scale: 1, nonNegative: true},
	{id: "System.Memory.Total", name: "system_memory_total_bytes", help: "Physical memory of the host", kind: prometheus.GaugeValue, scale: 1, nonNegative: true},
}

// taskManagerMetrics are reported by TaskManagers only.
var taskManagerMetrics = []processMetric{
	{id: "Status.Flink.Memory.Managed.Used", name: "managed_memory_used_bytes", help: "Flink managed memory in use (RocksDB, sorting, batch operators)", kind: prometheus.GaugeValue, scale: 1},
	{id: "Status.Flink.Memory.Managed.Total", name: "managed_memory_total_bytes", help: "Flink managed memory of the TaskManager", kind: prometheus.GaugeValue, scale: 1},
}

// jobManagerMetrics are the JobManager's gauges about the cluster.
var jobManagerMetrics = []processMetric{
	{id: "numRegisteredTaskManagers", name: "taskmanagers_registered", help: "TaskManagers registered with the resource manager", kind: prometheus.GaugeValue, scale: 1},
	{id: "numRunningJobs", name: "jobs_running", help: "Jobs running", kind: prometheus.GaugeValue, scale: 1},
	{id: "taskSlotsTotal", name: "task_slots", help: "Task slots of all registered TaskManagers", kind: prometheus.GaugeValue, scale: 1},
	{id: "taskSlotsAvailable", name: "task_slots_available", help: "Task slots free for new work", kind: prometheus.GaugeValue, scale: 1},
}

// Metric ids whose middle part is not known in advance: the JVM's garbage
// collector names and the host's network interfaces.
const (
	gcPrefix      = "Status.JVM.GarbageCollector."
	gcAll         = "All" // Flink 1.19+ sums every collector under this name
	networkPrefix = "System.Network."
	cpuLoadID     = "Status.JVM.CPU.Load"
)

// familyMember splits "<prefix><name>.<field>" into name and field.
func familyMember(id, prefix string) (name, field string, ok bool) {
	rest, found := strings.CutPrefix(id, prefix)
	if !found {
		return "", "", false
	}
	i := strings.LastIndex(rest, ".")
	if i <= 0 || i == len(rest)-1 {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}

// gcMember reports whether id is the Count or Time of one garbage
// collector; the 1.19+ All group is left out, as it would count every
// collection twice.
func gcMember(id string) (collector, field string, ok bool) {
	name, field, ok := familyMember(id, gcPrefix)
	if !ok || name == gcAll || (field != "Count" && field != "Time") {
		return "", "", false
	}
	return name, field, true
}

// virtualInterface matches the interfaces of containers and overlays that
// come and go with pods (node_exporter's netdev default exclusions): their
// series would grow without bound and say nothing about the host's link.
var virtualInterface = regexp.MustCompile(`^(lo|veth.*|docker.*|cali.*|flannel.*|cni.*|cilium.*|lxc.*|vxlan.*|tunl.*|kube-ipvs.*)$`)

// networkMember reports whether id is the receive or send rate of one
// physical network interface.
func networkMember(id string) (iface, field string, ok bool) {
	name, field, ok := familyMember(id, networkPrefix)
	if !ok || (field != "ReceiveRate" && field != "SendRate") || virtualInterface.MatchString(name) {
		return "", "", false
	}
	return name, field, true
}

// chooseMetricIDs picks, from a process's metric list, the ids the
// exporter reads: the fixed ones the list has, every garbage collector's
// count and time, and every interface's rates. The result is sorted; it is
// empty while the JobManager's metric store is not filled yet.
func chooseMetricIDs(list []flinkapi.Metric, fixed []processMetric) []string {
	want := make(map[string]bool, len(fixed))
	for _, m := range fixed {
		want[m.id] = true
	}
	seen := map[string]bool{}
	var ids []string
	for _, m := range list {
		_, _, gc := gcMember(m.ID)
		_, _, net := networkMember(m.ID)
		if (want[m.ID] || gc || net) && !seen[m.ID] {
			seen[m.ID] = true
			ids = append(ids, m.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// processDescs are the descriptors of one kind of JVM process.
type processDescs struct {
	metrics                                    []processMetric
	descs                                      []*prometheus.Desc // by index of metrics
	gcCollections, gcTime, netReceive, netSend *prometheus.Desc
	age                                        *prometheus.Desc
}

// newProcessDescs builds the descriptors of the JVM, host and extra
// metrics of one process kind under flink_<subsystem>_, each labelled with
// labels; endpoint names the REST source in the help texts.
func newProcessDescs(d *descSet, subsystem, endpoint string, extra []processMetric, labels ...string) processDescs {
	p := processDescs{}
	p.metrics = append(append(append(p.metrics, jvmMetrics...), extra...), systemMetrics...)
	for _, m := range p.metrics {
		p.descs = append(p.descs, d.add(subsystem, m.name, m.help+", from "+endpoint+" "+m.id+".", labels...))
	}
	gcLabels := append(append([]string{}, labels...), "gc")
	netLabels := append(append([]string{}, labels...), "interface")
	p.gcCollections = d.add(subsystem, "jvm_gc_collections_total", "Collections by each garbage collector of the JVM, from "+endpoint+" Status.JVM.GarbageCollector.<gc>.Count (the All group of Flink 1.19+ left out).", gcLabels...)
	p.gcTime = d.add(subsystem, "jvm_gc_time_seconds_total", "Time spent by each garbage collector of the JVM, from "+endpoint+" Status.JVM.GarbageCollector.<gc>.Time (milliseconds; the All group of Flink 1.19+ left out).", gcLabels...)
	p.netReceive = d.add(subsystem, "system_network_receive_bytes_per_second", "Bytes per second the host received on the interface, from "+endpoint+" System.Network.<interface>.ReceiveRate (metrics.system-resource only).", netLabels...)
	p.netSend = d.add(subsystem, "system_network_send_bytes_per_second", "Bytes per second the host sent on the interface, from "+endpoint+" System.Network.<interface>.SendRate (metrics.system-resource only).", netLabels...)
	p.age = d.add(subsystem, "metrics_age_seconds", "Seconds since the values of the other series from "+endpoint+" were read, on the exporter's clock: below the metrics TTL while fresh, more while they are kept past it because their refresh has not run yet or was cut short; a refresh that fails drops them all.", labels...)
	return p
}

// emit sends the series of one process from a reading, with the
// reading's age at now. Missing, NaN and (where Flink means "unknown")
// negative values send nothing; a reading without values sends no age.
func (p processDescs) emit(ch chan<- prometheus.Metric, r processReading, now time.Time, labels ...string) {
	values := r.values
	if values == nil {
		return
	}
	gauge(ch, p.age, max(0, now.Sub(r.read).Seconds()), labels...)
	for i, m := range p.metrics {
		v, ok := values[m.id]
		if !ok || math.IsNaN(v) || (m.nonNegative && v < 0) {
			continue
		}
		ch <- prometheus.MustNewConstMetric(p.descs[i], m.kind, v*m.scale, labels...)
	}
	for id, v := range values {
		if math.IsNaN(v) || v < 0 {
			continue
		}
		if gc, field, ok := gcMember(id); ok {
			l := append(append([]string{}, labels...), gc)
			if field == "Count" {
				counter(ch, p.gcCollections, v, l...)
			} else {
				counter(ch, p.gcTime, v/1000, l...)
			}
			continue
		}
		if iface, field, ok := networkMember(id); ok {
			l := append(append([]string{}, labels...), iface)
			if field == "ReceiveRate" {
				gauge(ch, p.netReceive, v, l...)
			} else {
				gauge(ch, p.netSend, v, l...)
			}
		}
	}
}
