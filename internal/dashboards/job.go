package dashboards

import (
	"fmt"

	"github.com/flink-exporter/flink_exporter/internal/causes"
)

// Ids of the job dashboard's row headers; the panels' ids are those the
// alerts link to (causes.Alerts) and the drill-down's 6 to 11. Each
// cause's row and text take the two ids after its evidence panel.
const (
	rowSymptoms = 100
	rowDrill    = 101
)

// restLatencyP90 is the 90th percentile of the exporter's REST requests
// per cluster: the JobManager's responsiveness.
func restLatencyP90() string {
	return `histogram_quantile(0.9, sum by (instance, le) (` + rateOf("flink_exporter_rest_request_duration_seconds_bucket", byInstance) + `))`
}

// jobDashboard is the drill-down of one or a few jobs: the symptoms the alerts
// watch, where a checkpoint's time goes, then one row per cause with its
// explanation, fix and runbooks beside the evidence panel its alerts open.
func jobDashboard() Dashboard {
	var l layout
	l.row(row(rowSymptoms, "Is the job checkpointing?"))
	for _, p := range symptomPanels() {
		l.add(12, 8, p)
	}
	l.row(row(rowDrill, "Where the time goes"))
	for i, p := range drillPanels() {
		w := 12
		if i >= 3 {
			w = 8
		}
		if i == 0 {
			w = 24
		}
		l.add(w, 8, p)
	}
	for _, c := range causes.Causes() {
		l.row(row(c.Panel+1, "Cause: "+c.Title))
		l.add(9, 12, text(c.Panel+2, c.Title, causeMarkdown(c)))
		l.add(15, 12, evidencePanel(c))
	}
	return dashboard(causes.JobDashboard, titleOf(causes.JobDashboard),
		"Checkpoints of the selected jobs: how close they come to the timeout, where the time goes, and one row per cause of slow or failing checkpoints with what it looks like, why, the fix and the runbooks beside its evidence. Alerts open the panel of their cause.",
		l.panels)
}

// symptomPanels are the panels of the symptom alerts, which say that
// checkpoints are in trouble without saying why.
func symptomPanels() []Panel {
	return []Panel{
		timeSeries{
			id:          2,
			title:       "Checkpoint duration / timeout",
			description: "flink_job_checkpoint_duration_to_timeout_ratio: the latest completed checkpoint's duration over execution.checkpointing.timeout. The line is the alert threshold 0.8 (FlinkCheckpointDurationNearTimeout).",
			unit:        unitRatio,
			limit:       above(thresholdRatio),
			queries:     []query{{expr: sel("flink_job_checkpoint_duration_to_timeout_ratio", byJob), legend: "{{job_name}}"}},
		}.panel(),
		timeSeries{
			id:          3,
			title:       "In-progress checkpoint age / timeout",
			description: "flink_job_checkpoint_in_progress_to_timeout_ratio: the oldest in-flight checkpoint's age over the timeout; it expires at 1. The line is the alert threshold 0.8 (FlinkCheckpointInProgressNearTimeout).",
			unit:        unitRatio,
			limit:       above(thresholdRatio),
			queries:     []query{{expr: sel("flink_job_checkpoint_in_progress_to_timeout_ratio", byJob), legend: "{{job_name}}"}},
		}.panel(),
		timeSeries{
			id:          4,
			title:       "Checkpoint failures by reason",
			description: "Failed checkpoints per second by reason, classified from Flink's failure messages (expired: the timeout; declined: a subtask; async_failure and io: the storage), and all failures Flink counts, including failed triggers that never reach the history.",
			unit:        unitPerSec,
			queries: []query{
				{expr: `sum by (instance, job_name, reason) (` + rateOf("flink_job_checkpoint_failures_total", byJob) + `)`, legend: "{{job_name}} {{reason}}"},
				{expr: `sum by (instance, job_name) (` + rateOf("flink_job_checkpoints_failed_total", byJob) + `)`, legend: "{{job_name}} all failed (Flink's count)"},
			},
		}.panel(),
		timeSeries{
			id:          5,
			title:       "Time since the last completed checkpoint",
			description: "Now minus flink_job_last_checkpoint_completed_timestamp_seconds against the checkpoint interval (dashed): far above the interval, checkpoints are not completing (FlinkCheckpointsNotCompleting).",
			unit:        unitSeconds,
			queries: []query{
				{expr: `time() - ` + sel("flink_job_last_checkpoint_completed_timestamp_seconds", byJob), legend: "{{job_name}} since last completed"},
				{expr: sel("flink_job_checkpoint_interval_seconds", byJob), legend: "{{job_name}} interval", reference: true},
			},
		}.panel(),
	}
}

// drillPanels split the latest completed checkpoint into its phases, its
// acknowledgements and its state.
func drillPanels() []Panel {
	phase := func(metric string) string {
		return `max by (instance, job_name, vertex_name) (` + sel(metric, byJob) + `)`
	}
	return []Panel{
		table{
			id:          6,
			title:       "Phase breakdown per vertex (latest completed checkpoint)",
			description: "The slowest subtask of each vertex per phase: barrier start delay (back-pressure), alignment, synchronous and asynchronous (upload) snapshot, and the unexplained rest of the acknowledgement (network and JobManager).",
			unit:        unitSeconds,
			queries: []query{
				{expr: phase("flink_job_vertex_checkpoint_start_delay_max_seconds"), column: "Start delay (max)"},
				{expr: phase("flink_job_vertex_checkpoint_alignment_duration_max_seconds"), column: "Alignment (max)"},
				{expr: phase("flink_job_vertex_checkpoint_sync_duration_max_seconds"), column: "Sync (max)"},
				{expr: phase("flink_job_vertex_checkpoint_async_duration_max_seconds"), column: "Async (max)"},
				{expr: phase("flink_job_vertex_checkpoint_unexplained_ack_latency_max_seconds"), column: "Unexplained ack latency (max)"},
				{expr: phase("flink_job_vertex_checkpoint_ack_latency_max_seconds"), column: "Acknowledgement (max)"},
			},
		}.panel(),
		timeSeries{
			id:          7,
			title:       "Acknowledgement latency per vertex (max, avg)",
			description: "Time from the trigger to each subtask's acknowledgement, slowest and mean per vertex. A max far above the avg points to a few slow subtasks (their TaskManager); both high, to the vertex or the storage.",
			unit:        unitSeconds,
			queries: []query{
				{expr: sel("flink_job_vertex_checkpoint_ack_latency_max_seconds", byJob), legend: "{{job_name}} {{vertex_name}} max"},
				{expr: sel("flink_job_vertex_checkpoint_ack_latency_avg_seconds", byJob), legend: "{{job_name}} {{vertex_name}} avg"},
			},
		}.panel(),
		timeSeries{
			id:          8,
			title:       "Acknowledgement latency per TaskManager",
			description: "flink_taskmanager_checkpoint_ack_latency_max_seconds: the slowest acknowledgement of the job's subtasks on each TaskManager. The straggler stands out.",
			unit:        unitSeconds,
			queries: []query{{
				expr:   `max by (instance, job_name, tm_id) (` + sel("flink_taskmanager_checkpoint_ack_latency_max_seconds", byJob) + `)`,
				legend: "{{job_name}} {{tm_id}}",
			}},
		}.panel(),
		timeSeries{
			id:          9,
			title:       "State size (full and incremental)",
			description: "Full state size of the latest completed checkpoint and the bytes it persisted (incremental checkpoints persist only what changed).",
			unit:        unitBytes,
			queries: []query{
				{expr: sel("flink_job_last_checkpoint_full_size_bytes", byJob), legend: "{{job_name}} full"},
				{expr: sel("flink_job_last_checkpoint_size_bytes", byJob), legend: "{{job_name}} persisted (incremental)"},
			},
		}.panel(),
		timeSeries{
			id:          10,
			title:       "State growth",
			description: "flink_job_checkpoint_state_growth_bytes_per_second: least-squares slope of the full state size over Flink's checkpoint history. Above zero for long, the uploads grow with it.",
			unit:        unitBps,
			queries:     []query{{expr: sel("flink_job_checkpoint_state_growth_bytes_per_second", byJob), legend: "{{job_name}}"}},
		}.panel(),
		timeSeries{
			id:          11,
			title:       "Upload throughput",
			description: "flink_job_last_checkpoint_upload_throughput_bytes_per_second: bytes persisted over the time spent in the asynchronous phase, the upload rate of one subtask. The line is the slow-storage threshold 5 MiB/s.",
			unit:        unitBps,
			limit:       below(thresholdThroughput),
			queries:     []query{{expr: sel("flink_job_last_checkpoint_upload_throughput_bytes_per_second", byJob), legend: "{{job_name}}"}},
		}.panel(),
	}
}

// evidencePanel is the panel a cause's alerts open, with the cause's
// thresholds drawn.
func evidencePanel(c causes.Cause) Panel {
	ts, ok := evidence()[c.Name]
	if !ok {
		panic(fmt.Sprintf("dashboards: no evidence panel for cause %q", c.Name))
	}
	ts.id = c.Panel
	return ts.panel()
}

// evidence is each cause's evidence panel, by cause name.
func evidence() map[string]timeSeries {
	return map[string]timeSeries{
		"network-latency": {
			title:       "Evidence: unexplained acknowledgement time and heartbeat age",
			description: "The part of each vertex's, and each TaskManager's, slowest acknowledgement not spent in start delay, alignment, sync or async: transit to and processing in the JobManager (line: 1 s). FlinkCheckpointNetworkLatency needs it on every vertex and on most TaskManagers without overload signals: a sink's pre-barrier flush raises the sink vertex alone, an overloaded TaskManager's GC pauses that TaskManager alone. Late TaskManager heartbeats (heartbeat.interval is 10 s) point to the same network.",
			unit:        unitSeconds,
			limit:       above(thresholdUnexplained),
			queries: []query{
				{expr: sel("flink_job_vertex_checkpoint_unexplained_ack_latency_max_seconds", byJob), legend: "{{job_name}} {{vertex_name}} unexplained"},
				{expr: `max by (instance, tm_id) (` + sel("flink_taskmanager_checkpoint_unexplained_ack_latency_max_seconds", byJob) + `)`, legend: "{{tm_id}} unexplained"},
				{expr: sel("flink_taskmanager_heartbeat_age_seconds", byInstance), legend: "{{tm_id}} heartbeat age", noLimit: true},
			},
		},
		"taskmanager-overload": {
			title:       "Evidence: acknowledgement per TaskManager and its CPU",
			description: "The slowest acknowledgement of the job's subtasks on each TaskManager (line: 1 s; FlinkCheckpointTaskManagerStraggler fires above it when the TaskManager is also twice as late as the job's fastest one and overloaded) beside each TaskManager's JVM CPU load (right axis, line: 0.8): the straggler is slow and busy. When checkpoints do not complete, the subtasks each TaskManager has not acknowledged of the checkpoint in progress or the latest failed one (flink_taskmanager_checkpoint_subtasks_pending) name the TaskManager they wait for.",
			unit:        unitSeconds,
			limit:       above(thresholdStraggler),
			queries: []query{
				{expr: `max by (instance, tm_id) (` + sel("flink_taskmanager_checkpoint_ack_latency_max_seconds", byJob) + `)`, legend: "{{tm_id}} ack latency"},
				{expr: sel("flink_taskmanager_jvm_cpu_load_ratio", byInstance), legend: "{{tm_id}} CPU", unit: unitRatio, limit: above(thresholdCPU)},
				{expr: `max by (instance, tm_id, checkpoint) (` + sel("flink_taskmanager_checkpoint_subtasks_pending", byJob) + `)`, legend: "{{tm_id}} subtasks pending ({{checkpoint}})", unit: unitShort, noLimit: true},
			},
		},
		"short-timeout": {
			title:       "Evidence: checkpoint duration against the timeout",
			description: "The latest completed checkpoint's duration against flink_job_checkpoint_timeout_seconds and 60 % of it (dashed; FlinkCheckpointTimeoutTooShort fires above 60 % or on expiries when no other cause shows): steady durations close to the timeout, with healthy phases elsewhere, mean the budget is too small.",
			unit:        unitSeconds,
			queries: []query{
				{expr: sel("flink_job_last_checkpoint_duration_seconds", byJob), legend: "{{job_name}} duration"},
				{expr: sel("flink_job_checkpoint_timeout_seconds", byJob), legend: "{{job_name}} timeout", reference: true},
				{expr: fmt.Sprint(thresholdShortTimeout) + ` * ` + sel("flink_job_checkpoint_timeout_seconds", byJob), legend: "{{job_name}} 60 % of timeout", reference: true},
			},
		},
		"slow-storage": {
			title:       "Evidence: asynchronous phase and upload throughput",
			description: "Mean asynchronous (upload) phase per vertex (line: 1 s) and the upload throughput of one subtask (right axis, line: 5 MiB/s; FlinkCheckpointStorageSlow): long uploads at a low rate on every vertex, of checkpoints of 4 MiB or more, mean slow storage. Small incremental checkpoints upload at a low rate on healthy object storage (each request pays its latency), and unaligned checkpoints lengthen the async phase of the vertices with inputs only.",
			unit:        unitSeconds,
			limit:       above(thresholdAsync),
			queries: []query{
				{expr: sel("flink_job_vertex_checkpoint_async_duration_avg_seconds", byJob), legend: "{{job_name}} {{vertex_name}} async avg"},
				{expr: sel("flink_job_last_checkpoint_upload_throughput_bytes_per_second", byJob), legend: "{{job_name}} upload throughput", unit: unitBps, limit: below(thresholdThroughput)},
			},
		},
		"large-state": {
			title:       "Evidence: full state size and its growth",
			description: "Full state size of the latest completed checkpoint and its growth per second (right axis; FlinkCheckpointStateGrowing): state that keeps growing at a normal upload throughput makes every checkpoint longer.",
			unit:        unitBytes,
			queries: []query{
				{expr: sel("flink_job_last_checkpoint_full_size_bytes", byJob), legend: "{{job_name}} full size"},
				{expr: sel("flink_job_checkpoint_state_growth_bytes_per_second", byJob), legend: "{{job_name}} growth", unit: unitBps},
			},
		},
		"jobmanager-overload": {
			title:       "Evidence: JobManager CPU and REST latency",
			description: "The JobManager's JVM CPU load (line: 0.8) and the 90th percentile of its REST answers to the exporter (right axis, line: 0.5 s). FlinkJobManagerOverloaded fires on two of CPU over 0.8, GC over 10 %, heap over 90 % and REST answers over 0.5 s at the agent's probe (the runtime dashboard's probe panel), never on the exporter's REST latency shown here, which includes the exporter's own network path: a busy JobManager answers and processes acknowledgements late.",
			unit:        unitRatio,
			limit:       above(thresholdCPU),
			queries: []query{
				{expr: sel("flink_jobmanager_jvm_cpu_load_ratio", byInstance), legend: "{{instance}} JobManager CPU"},
				{expr: restLatencyP90(), legend: "{{instance}} REST p90", unit: unitSeconds, limit: above(thresholdRESTLatency)},
			},
		},
		"backpressure": {
			title:       "Evidence: barrier start delay, alignment and back-pressure",
			description: "The slowest barrier arrival per vertex (line: 1 s; FlinkCheckpointBarriersBackpressured) and alignment, beside the share of time each vertex's busiest subtask is back-pressured (right axis, line: 0.5).",
			unit:        unitSeconds,
			limit:       above(thresholdStartDelay),
			queries: []query{
				{expr: sel("flink_job_vertex_checkpoint_start_delay_max_seconds", byJob), legend: "{{job_name}} {{vertex_name}} start delay"},
				{expr: sel("flink_job_vertex_checkpoint_alignment_duration_max_seconds", byJob), legend: "{{job_name}} {{vertex_name}} alignment", noLimit: true},
				{expr: sel("flink_job_vertex_backpressured_ratio_max", byJob), legend: "{{job_name}} {{vertex_name}} back-pressured", unit: unitRatio, limit: above(thresholdBackpressure)},
			},
		},
	}
}
