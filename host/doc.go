// Package host measures the machine a Flink TaskManager runs on, so that the
// exporter can tell an overloaded host or a lossy network apart from the
// other causes of failing checkpoints.
//
// Flink's REST API shows only the JVM's view: a TaskManager whose
// checkpoint acknowledgements lag looks the same whether its JVM is busy,
// its host is starved of CPU by a noisy neighbour (steal), its disk is
// saturated (iowait, device busy time), its memory is under pressure, or its
// packets are being retransmitted. The Collector in this package reads the
// kernel's own counters through github.com/prometheus/procfs at scrape time
// and exports only the series that separate those causes; it is deliberately
// not a second node_exporter.
//
// The Collector is meant to run in the same binary, deployed beside one
// TaskManager (a sidecar in the TaskManager's pod, or a DaemonSet with
// hostNetwork when one TaskManager runs per node). Network counters
// (/proc/net/dev and /proc/net/snmp) belong to the network namespace of the
// exporter process, so a sidecar sees exactly the TaskManager's interfaces
// and TCP connections; CPU, memory, pressure and disk counters are host-wide
// wherever /proc is read.
//
// # Joining host and TaskManager series
//
// Every series carries the constant label tm_id, the TaskManager's resource
// id as Flink reports it (on Kubernetes the pod name; in standalone mode
// whatever taskmanager.resource-id is set to). The exporter's REST
// collectors label TaskManager series with the same tm_id, so a join on
// tm_id puts host facts next to the JVM's view. Copying the hostname onto
// each TaskManager's slowest checkpoint acknowledgement (many series per
// tm_id, one per job, on the left; one flink_host_info per tm_id on the
// right):
//
//	  flink_taskmanager_checkpoint_ack_latency_max_seconds
//	* on(tm_id) group_left(hostname)
//	  flink_host_info
//
// Keeping only the acknowledgement latencies of TaskManagers whose host loses
// more than a tenth of its CPU time to the hypervisor (steal):
//
//	  flink_taskmanager_checkpoint_ack_latency_max_seconds
//	and on(tm_id)
//	  (
//	      sum by (tm_id) (rate(flink_host_cpu_seconds_total{mode="steal"}[5m]))
//	    / max by (tm_id) (flink_host_cpus)
//	    > 0.1
//	  )
//
// An empty tm_id (the flag left unset) drops the label, as Prometheus does
// for every empty label value; such series only join series that lack tm_id
// too.
//
// # Sources and failures
//
// Each file is a source (stat, loadavg, meminfo, pressure, diskstats, netdev,
// snmp) reported by flink_host_scrape_success{source}. A source that cannot
// be read or parsed is logged, reports 0 and emits none of its series; the
// other sources still answer. Pressure stall information (PSI) is optional:
// kernels before 4.20, or booted with psi=0, offer no /proc/pressure, and that
// is not a failure — the pressure series are simply absent while the source
// reports 1. The full line of /proc/pressure/cpu appeared only in 5.13, so
// flink_host_pressure_stalled_seconds_total{resource="cpu"} is absent on
// older kernels.
package host
