package host

import "github.com/prometheus/client_golang/prometheus"

// descs holds every descriptor of the Collector, built once with the
// constant label tm_id so that each series joins the TaskManager's series.
type descs struct {
	info          *prometheus.Desc
	scrapeSuccess *prometheus.Desc

	cpuSeconds *prometheus.Desc
	cpus       *prometheus.Desc
	load1      *prometheus.Desc
	load5      *prometheus.Desc

	memAvailable *prometheus.Desc
	memTotal     *prometheus.Desc

	pressureWaiting *prometheus.Desc
	pressureStalled *prometheus.Desc

	diskIOTime    *prometheus.Desc
	diskReads     *prometheus.Desc
	diskWrites    *prometheus.Desc
	diskReadTime  *prometheus.Desc
	diskWriteTime *prometheus.Desc

	netRxErrors *prometheus.Desc
	netTxErrors *prometheus.Desc
	netRxDrops  *prometheus.Desc
	netTxDrops  *prometheus.Desc

	tcpRetrans *prometheus.Desc
	tcpOutSegs *prometheus.Desc
}

func newDescs(tmID, hostname string) descs {
	constLabels := prometheus.Labels{"tm_id": tmID}
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(namespace, subsystem, name), help, labels, constLabels)
	}
	return descs{
		info: prometheus.NewDesc(prometheus.BuildFQName(namespace, subsystem, "info"),
			"Host this exporter measures (hostname) and the TaskManager it runs beside (tm_id); value 1.",
			nil, prometheus.Labels{"tm_id": tmID, "hostname": hostname}),
		scrapeSuccess: desc("scrape_success",
			"1 if the source (a file under the proc filesystem) was read and parsed in this scrape, 0 if it failed; a failed source emits no series.",
			"source"),

		cpuSeconds: desc("cpu_seconds_total",
			"Seconds all CPUs spent in each mode, summed over CPUs, from the cpu line of /proc/stat. High steal means the hypervisor gives the time to other guests; high iowait means tasks wait for disks.",
			"mode"),
		cpus: desc("cpus",
			"Number of CPUs listed in /proc/stat; divides rate(flink_host_cpu_seconds_total) into a share of the host."),
		load1: desc("load1",
			"1-minute load average from /proc/loadavg: runnable plus uninterruptible tasks; compare with flink_host_cpus."),
		load5: desc("load5",
			"5-minute load average from /proc/loadavg."),

		memAvailable: desc("memory_available_bytes",
			"Memory available for new allocations without swapping, from MemAvailable in /proc/meminfo."),
		memTotal: desc("memory_total_bytes",
			"Usable physical memory, from MemTotal in /proc/meminfo."),

		pressureWaiting: desc("pressure_waiting_seconds_total",
			"Seconds in which at least one task waited for the resource, from the some line of /proc/pressure/<resource> (kernel pressure stall information). Absent where the kernel offers none.",
			"resource"),
		pressureStalled: desc("pressure_stalled_seconds_total",
			"Seconds in which all non-idle tasks waited for the resource at once, from the full line of /proc/pressure/<resource>. Absent where the kernel offers none.",
			"resource"),

		diskIOTime: desc("disk_io_time_seconds_total",
			"Seconds the whole device had I/O in flight, from /proc/diskstats; a rate near 1 means the device is saturated.",
			"device"),
		diskReads: desc("disk_reads_completed_total",
			"Reads completed by the whole device, from /proc/diskstats.",
			"device"),
		diskWrites: desc("disk_writes_completed_total",
			"Writes completed by the whole device, from /proc/diskstats.",
			"device"),
		diskReadTime: desc("disk_read_time_seconds_total",
			"Seconds spent by all reads of the whole device, from /proc/diskstats; divided by reads completed it is the mean read latency.",
			"device"),
		diskWriteTime: desc("disk_write_time_seconds_total",
			"Seconds spent by all writes of the whole device, from /proc/diskstats; divided by writes completed it is the mean write latency.",
			"device"),

		netRxErrors: desc("network_receive_errors_total",
			"Receive errors of the interface, from /proc/net/dev.",
			"interface"),
		netTxErrors: desc("network_transmit_errors_total",
			"Transmit errors of the interface, from /proc/net/dev.",
			"interface"),
		netRxDrops: desc("network_receive_drops_total",
			"Packets dropped while receiving on the interface, from /proc/net/dev.",
			"interface"),
		netTxDrops: desc("network_transmit_drops_total",
			"Packets dropped while transmitting on the interface, from /proc/net/dev.",
			"interface"),

		tcpRetrans: desc("tcp_retransmitted_segments_total",
			"TCP segments retransmitted, from Tcp RetransSegs in /proc/net/snmp of the exporter's network namespace; divided by out segments it is the retransmit ratio, a sign of loss.",
		),
		tcpOutSegs: desc("tcp_out_segments_total",
			"TCP segments sent, from Tcp OutSegs in /proc/net/snmp of the exporter's network namespace.",
		),
	}
}

// all lists every descriptor for Describe.
func (d descs) all() []*prometheus.Desc {
	return []*prometheus.Desc{
		d.info, d.scrapeSuccess,
		d.cpuSeconds, d.cpus, d.load1, d.load5,
		d.memAvailable, d.memTotal,
		d.pressureWaiting, d.pressureStalled,
		d.diskIOTime, d.diskReads, d.diskWrites, d.diskReadTime, d.diskWriteTime,
		d.netRxErrors, d.netTxErrors, d.netRxDrops, d.netTxDrops,
		d.tcpRetrans, d.tcpOutSegs,
	}
}
