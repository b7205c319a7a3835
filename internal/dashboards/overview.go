package dashboards

import "github.com/flink-exporter/flink_exporter/internal/causes"

// overviewDashboard is the fleet view: every cluster and job with its checkpoint
// health now and over time, and the alerts firing.
func overviewDashboard() Dashboard {
	var l layout
	l.add(6, 8, stat{
		id:          1,
		title:       "Exporter up",
		description: "flink_up per cluster: 1 when the JobManager answered the exporter's core requests (/overview, /jobs/overview). DOWN means the exporter cannot reach Flink: no other series of that cluster are current.",
		query:       query{expr: sel("flink_up", byInstance), legend: "{{instance}}"},
		mappings:    []any{valueMapping(map[string][2]string{"0": {"DOWN", "red"}, "1": {"UP", "green"}})},
		thresholds:  thresholdSteps(*below(1)),
	}.panel())
	l.add(18, 8, table{
		id:          2,
		title:       "Alerts firing now",
		description: "Flink alerts in state firing. The alert name opens its runbook, the job its drill-down.",
		unit:        unitNone,
		queries:     []query{{expr: `ALERTS{alertstate="firing", alertname=~"Flink.*", ` + byInstance + `}`}},
		hide:        []string{"Value", "__name__", "alertstate"},
		links: map[string]Link{
			"alertname": dataLink("Runbook of ${__value.raw}", RunbookURL("${__value.raw}")),
			"job_name":  dataLink("Checkpoints of job ${__value.raw}", linkURL(causes.JobDashboard, "instance", "job_name")),
		},
	}.panel())
	l.add(24, 8, table{
		id:          3,
		title:       "Jobs: checkpoint health now",
		description: "One row per cluster and job: the latest completed checkpoint's duration over the timeout, the in-progress checkpoint's age over the timeout, the time since a checkpoint last completed, and failed checkpoints per second. The job name opens the job's drill-down, the cluster its runtime.",
		unit:        unitRatio,
		limit:       above(thresholdRatio),
		queries: []query{
			{expr: `max by (instance, job_name) (` + sel("flink_job_checkpoint_duration_to_timeout_ratio", byJob) + `)`, column: "Duration / timeout", columnUnit: unitRatio},
			{expr: `max by (instance, job_name) (` + sel("flink_job_checkpoint_in_progress_to_timeout_ratio", byJob) + `)`, column: "In progress / timeout", columnUnit: unitRatio},
			{expr: `time() - max by (instance, job_name) (` + sel("flink_job_last_checkpoint_completed_timestamp_seconds", byJob) + `)`, column: "Since last completed", columnUnit: unitSeconds},
			{expr: `sum by (instance, job_name) (` + rateOf("flink_job_checkpoint_failures_total", byJob) + `)`, column: "Failures / s", columnUnit: unitPerSec},
		},
		links: map[string]Link{
			"job_name": dataLink("Checkpoints of job ${__value.raw}", linkURL(causes.JobDashboard, "instance", "job_name")),
			"instance": dataLink("Runtime of cluster ${__value.raw}", linkURL(causes.RuntimeDashboard, "instance")),
		},
	}.panel())
	l.add(12, 8, timeSeries{
		id:          4,
		title:       "Checkpoint duration / timeout",
		description: "flink_job_checkpoint_duration_to_timeout_ratio: the latest completed checkpoint's end-to-end duration over execution.checkpointing.timeout. At 1 it took all the time it may; the line is the alert threshold 0.8.",
		unit:        unitRatio,
		limit:       above(thresholdRatio),
		queries:     []query{{expr: sel("flink_job_checkpoint_duration_to_timeout_ratio", byJob), legend: "{{instance}} {{job_name}}"}},
	}.panel())
	l.add(12, 8, timeSeries{
		id:          5,
		title:       "In-progress checkpoint age / timeout",
		description: "flink_job_checkpoint_in_progress_to_timeout_ratio: the age of the oldest checkpoint in flight over the timeout, the warning before it expires; 0 when none is in flight. The line is the alert threshold 0.8.",
		unit:        unitRatio,
		limit:       above(thresholdRatio),
		queries:     []query{{expr: sel("flink_job_checkpoint_in_progress_to_timeout_ratio", byJob), legend: "{{instance}} {{job_name}}"}},
	}.panel())
	l.add(12, 8, timeSeries{
		id:          6,
		title:       "Time since the last completed checkpoint",
		description: "Now minus flink_job_last_checkpoint_completed_timestamp_seconds: grows without bound while no checkpoint completes, whatever the reason.",
		unit:        unitSeconds,
		queries:     []query{{expr: `time() - ` + sel("flink_job_last_checkpoint_completed_timestamp_seconds", byJob), legend: "{{instance}} {{job_name}}"}},
	}.panel())
	l.add(12, 8, timeSeries{
		id:          7,
		title:       "Checkpoint failures by reason",
		description: "Failed checkpoints per second by reason (expired, declined, async_failure, io, ...), classified from Flink's failure messages.",
		unit:        unitPerSec,
		queries: []query{{
			expr:   `sum by (instance, job_name, reason) (` + rateOf("flink_job_checkpoint_failures_total", byJob) + `)`,
			legend: "{{instance}} {{job_name}} {{reason}}",
		}},
	}.panel())
	return dashboard(causes.OverviewDashboard, titleOf(causes.OverviewDashboard),
		"Checkpoint health of every Flink cluster and job scraped by flink_exporter, and the Flink alerts firing now.",
		l.panels)
}
