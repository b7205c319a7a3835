package dashboards

import "github.com/flink-exporter/flink_exporter/internal/causes"

// Ids of the runtime dashboard's row headers.
const (
	rowTaskManagers = 100
	rowJobManager   = 101
	rowBackpressure = 102
	rowAgent        = 103
)

// Panels of the runtime dashboard that alerts open (causes.Alerts).
const (
	panelProbe = 60
	panelHost  = 61
)

// hostSel selects the agent's host series by TaskManager: the agent is a
// target of its own, beside the TaskManager, so its instance is not the
// cluster's.
const hostSel = `tm_id=~"$tm_id"`

// runtimeDashboard shows the JVMs and hosts that run the jobs: TaskManagers,
// JobManager, back-pressure, and the agent's view of each TaskManager's
// host and of its path to the JobManager.
func runtimeDashboard() Dashboard {
	var l layout
	l.row(row(rowTaskManagers, "TaskManagers"))
	for _, p := range taskManagerPanels() {
		l.add(12, 8, p)
	}
	l.row(row(rowJobManager, "JobManager"))
	for _, p := range jobManagerPanels() {
		l.add(12, 8, p)
	}
	l.row(row(rowBackpressure, "Back-pressure"))
	for _, p := range backpressurePanels() {
		l.add(12, 8, p)
	}
	l.row(row(rowAgent, "Agent beside each TaskManager (when deployed)"))
	for _, p := range agentPanels() {
		l.add(12, 8, p)
	}
	tm := queryVariable("tm_id", "TaskManager", `label_values(flink_taskmanager_info{instance=~"$instance"}, tm_id)`)
	return dashboard(causes.RuntimeDashboard, titleOf(causes.RuntimeDashboard),
		"The JVMs and hosts behind the checkpoints: TaskManagers' and JobManager's CPU, heap, GC, heartbeats, slots and REST latency, back-pressure per vertex, and, where the agent runs beside TaskManagers, their hosts' CPU steal, iowait and pressure and the round trip to the JobManager.",
		l.panels, tm)
}

func taskManagerPanels() []Panel {
	return []Panel{
		timeSeries{
			id:          2,
			title:       "TaskManager JVM CPU load",
			description: "Status.JVM.CPU.Load of each TaskManager: its JVM's share of the machine's CPU. The line is the overload threshold 0.8.",
			unit:        unitRatio,
			limit:       above(thresholdCPU),
			queries:     []query{{expr: sel("flink_taskmanager_jvm_cpu_load_ratio", byTM), legend: "{{tm_id}}"}},
		}.panel(),
		timeSeries{
			id:          3,
			title:       "TaskManager heap used / max",
			description: "Heap used and its maximum per TaskManager; used near max means long garbage collections.",
			unit:        unitBytes,
			queries: []query{
				{expr: sel("flink_taskmanager_jvm_heap_used_bytes", byTM), legend: "{{tm_id}} used"},
				{expr: sel("flink_taskmanager_jvm_heap_max_bytes", byTM), legend: "{{tm_id}} max"},
			},
		}.panel(),
		timeSeries{
			id:          4,
			title:       "TaskManager GC time",
			description: "Share of time each garbage collector of each TaskManager ran. The line is the overload threshold 10 %.",
			unit:        unitRatio,
			limit:       above(thresholdGC),
			queries:     []query{{expr: rateOf("flink_taskmanager_jvm_gc_time_seconds_total", byTM), legend: "{{tm_id}} {{gc}}"}},
		}.panel(),
		timeSeries{
			id:          5,
			title:       "TaskManager heartbeat age",
			description: "Time since the JobManager last heard each TaskManager's heartbeat; heartbeats come every heartbeat.interval (10 s), so far above it the network or a stalled JVM delays them.",
			unit:        unitSeconds,
			queries:     []query{{expr: sel("flink_taskmanager_heartbeat_age_seconds", byTM), legend: "{{tm_id}}"}},
		}.panel(),
		timeSeries{
			id:          6,
			title:       "Task slots",
			description: "Task slots of each TaskManager and how many are free.",
			unit:        unitShort,
			queries: []query{
				{expr: sel("flink_taskmanager_slots", byTM), legend: "{{tm_id}} slots"},
				{expr: sel("flink_taskmanager_slots_free", byTM), legend: "{{tm_id}} free"},
			},
		}.panel(),
	}
}

func jobManagerPanels() []Panel {
	return []Panel{
		timeSeries{
			id:          10,
			title:       "JobManager JVM CPU load",
			description: "Status.JVM.CPU.Load of the JobManager. The line is the JobManager-overload threshold 0.8.",
			unit:        unitRatio,
			limit:       above(thresholdCPU),
			queries:     []query{{expr: sel("flink_jobmanager_jvm_cpu_load_ratio", byInstance), legend: "{{instance}}"}},
		}.panel(),
		timeSeries{
			id:          11,
			title:       "JobManager heap used / max",
			description: "The JobManager's heap used and its maximum.",
			unit:        unitBytes,
			queries: []query{
				{expr: sel("flink_jobmanager_jvm_heap_used_bytes", byInstance), legend: "{{instance}} used"},
				{expr: sel("flink_jobmanager_jvm_heap_max_bytes", byInstance), legend: "{{instance}} max"},
			},
		}.panel(),
		timeSeries{
			id:          12,
			title:       "JobManager GC time",
			description: "Share of time each garbage collector of the JobManager ran. The line is the overload threshold 10 %.",
			unit:        unitRatio,
			limit:       above(thresholdGC),
			queries:     []query{{expr: rateOf("flink_jobmanager_jvm_gc_time_seconds_total", byInstance), legend: "{{instance}} {{gc}}"}},
		}.panel(),
		timeSeries{
			id:          13,
			title:       "REST latency per endpoint (p90)",
			description: "90th percentile of the time the JobManager's REST API took to answer the exporter, per endpoint template: the JobManager's responsiveness. The line is the JobManager-overload threshold 0.5 s.",
			unit:        unitSeconds,
			limit:       above(thresholdRESTLatency),
			queries: []query{{
				expr:   `histogram_quantile(0.9, sum by (instance, endpoint, le) (` + rateOf("flink_exporter_rest_request_duration_seconds_bucket", byInstance) + `))`,
				legend: "{{instance}} {{endpoint}}",
			}},
		}.panel(),
		timeSeries{
			id:          14,
			title:       "REST requests by status",
			description: "Requests of the exporter to the REST API per second by HTTP status code (error: no answer).",
			unit:        unitRequests,
			queries: []query{{
				expr:   `sum by (instance, code) (` + rateOf("flink_exporter_rest_requests_total", byInstance) + `)`,
				legend: "{{instance}} {{code}}",
			}},
		}.panel(),
	}
}

func backpressurePanels() []Panel {
	return []Panel{
		timeSeries{
			id:          20,
			title:       "Back-pressured time per vertex",
			description: "Share of time the most back-pressured subtask of each vertex waited for output buffers. The line is the back-pressure threshold 0.5 (Flink's high level).",
			unit:        unitRatio,
			limit:       above(thresholdBackpressure),
			queries:     []query{{expr: sel("flink_job_vertex_backpressured_ratio_max", byJob), legend: "{{job_name}} {{vertex_name}}"}},
		}.panel(),
		timeSeries{
			id:          21,
			title:       "Busy time per vertex",
			description: "Share of time the busiest subtask of each vertex was busy: the busy vertex behind back-pressured ones is the bottleneck.",
			unit:        unitRatio,
			queries:     []query{{expr: sel("flink_job_vertex_busy_ratio_max", byJob), legend: "{{job_name}} {{vertex_name}}"}},
		}.panel(),
	}
}

// agentPanels need the agent (--collector.host, --probe.jobmanager) beside
// the TaskManagers; without it they stay empty.
func agentPanels() []Panel {
	probeP90 := func(metric string) string {
		return `histogram_quantile(0.9, sum by (instance, le) (rate(` + metric + `[$__rate_interval])))`
	}
	return []Panel{
		timeSeries{
			id:          panelProbe,
			title:       "JobManager round trip (probe)",
			description: "90th percentile of the agent's TCP connects to the JobManager and of its GET /config answers, per agent (instance: the exporter beside one TaskManager). A slow connect points to the network (line: 100 ms, FlinkJobManagerConnectSlow); a fast connect with a slow answer to an overloaded JobManager.",
			unit:        unitSeconds,
			limit:       above(thresholdConnect),
			queries: []query{
				{expr: probeP90("flink_jobmanager_probe_connect_duration_seconds_bucket"), legend: "{{instance}} connect p90"},
				{expr: probeP90("flink_jobmanager_probe_rest_duration_seconds_bucket"), legend: "{{instance}} GET /config p90", noLimit: true},
			},
		}.panel(),
		timeSeries{
			id:          panelHost,
			title:       "TaskManager host",
			description: "Share of the host's CPU lost to steal (the hypervisor gives it to other guests) and iowait (waiting for disks), and pressure stall (PSI: share of time some task waited for CPU, memory or IO), per TaskManager host. The line is the FlinkTaskManagerHostStarved threshold 20 % of steal + iowait.",
			unit:        unitRatio,
			limit:       above(thresholdHostStarved),
			queries: []query{
				{
					expr:   `sum by (instance, tm_id) (rate(flink_host_cpu_seconds_total{mode=~"steal|iowait", ` + hostSel + `}[$__rate_interval])) / on (instance, tm_id) max by (instance, tm_id) (` + sel("flink_host_cpus", hostSel) + `)`,
					legend: "{{tm_id}} CPU steal + iowait",
				},
				{expr: rateOf("flink_host_pressure_waiting_seconds_total", hostSel), legend: "{{tm_id}} {{resource}} pressure", noLimit: true},
			},
		}.panel(),
	}
}
