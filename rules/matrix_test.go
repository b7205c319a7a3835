package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The discrimination matrix: for each scenario, the series a cluster shows
// and the alerts that must fire on them, and no other. The promtool test
// file rules/tests/discrimination.test.yml is generated from this table
// (go test ./rules -update) and run by TestPromtool.

// matrixFile is the generated promtool test file.
const matrixFile = "tests/discrimination.test.yml"

// kubernetesMatrixFile is the same matrix with the labels Kubernetes
// discovery gives every series of the exporter
// (examples/prometheus-kubernetes.yml): the alerts must keep them.
const kubernetesMatrixFile = "tests/discrimination-kubernetes.test.yml"

// kubernetesLabels replace clusterLabels under Kubernetes discovery: the
// cluster "orders" in namespace "flink", probed by replica 1 of the
// sharded exporter.
const kubernetesLabels = `instance="flink/orders",job="flink",namespace="flink",cluster_id="orders",` +
	`exporter="flink-exporter-shard-1.flink-exporter-shard.monitoring.svc:9894",target="http://orders-rest.flink.svc:8081"`

// evalMinutes is when the matrix is evaluated: after every for: duration.
const evalMinutes = 25

// series is one input series: labels beyond the job's and its values in
// promtool's expanding notation, one sample a minute.
type series struct {
	metric string
	labels string
	values string
}

// job labels every series of the simulated job.
const jobLabels = `instance="flink:9894",job="flink",job_id="a1b2",job_name="orders"`

// clusterLabels label the cluster-wide series.
const clusterLabels = `instance="flink:9894",job="flink"`

const mib = 1024 * 1024

// constant repeats v for the whole test.
func constant(v float64) string { return fmt.Sprintf("%gx%d", v, evalMinutes+5) }

// growing starts at 0 and grows by perMinute each minute: a counter.
func growing(perMinute float64) string {
	return fmt.Sprintf("0+%gx%d", perMinute, evalMinutes+5)
}

// healthySeries is a healthy job on three TaskManagers: checkpoints take
// 8 % of the timeout, acknowledgements are phases, resources are idle-ish.
func healthySeries() map[string]series {
	s := map[string]series{}
	add := func(key, metric, labels, values string) { s[key] = series{metric, labels, values} }
	add("up", "flink_up", clusterLabels, constant(1))
	add("ratio", "flink_job_checkpoint_duration_to_timeout_ratio", jobLabels, constant(0.08))
	add("inprogress", "flink_job_checkpoint_in_progress_to_timeout_ratio", jobLabels, constant(0))
	add("completed", "flink_job_last_checkpoint_completed_timestamp_seconds", jobLabels, growing(60))
	add("interval", "flink_job_checkpoint_interval_seconds", jobLabels, constant(3))
	add("timeout", "flink_job_checkpoint_timeout_seconds", jobLabels, constant(10))
	for _, reason := range []string{"expired", "declined", "async_failure"} {
		add("failures-"+reason, "flink_job_checkpoint_failures_total", jobLabels+`,reason="`+reason+`"`, constant(0))
	}
	for _, v := range []string{"source", "process", "sink"} {
		vl := jobLabels + `,vertex_id="` + v + `",vertex_name="` + v + `"`
		// The sink flushes 0.3-0.7 s before its barrier
		// (prepareSnapshotPreBarrier), in no phase.
		add("unexplained-"+v, "flink_job_vertex_checkpoint_unexplained_ack_latency_max_seconds", vl, constant(map[string]float64{"sink": 0.6}[v]+0.03))
		add("start-"+v, "flink_job_vertex_checkpoint_start_delay_max_seconds", vl, constant(0.05))
		add("align-"+v, "flink_job_vertex_checkpoint_alignment_duration_max_seconds", vl, constant(0.01))
		add("async-"+v, "flink_job_vertex_checkpoint_async_duration_avg_seconds", vl, constant(0.5))
		add("bp-"+v, "flink_job_vertex_backpressured_ratio_max", vl, constant(0.03))
	}
	add("throughput", "flink_job_last_checkpoint_upload_throughput_bytes_per_second", jobLabels, constant(4*mib))
	add("growth", "flink_job_checkpoint_state_growth_bytes_per_second", jobLabels, constant(0))
	add("fullsize", "flink_job_last_checkpoint_full_size_bytes", jobLabels, constant(64*mib))
	add("size", "flink_job_last_checkpoint_size_bytes", jobLabels, constant(13*mib))
	for i, tm := range []string{"tm-1", "tm-2", "tm-3"} {
		tl := clusterLabels + `,tm_id="` + tm + `"`
		add("ack-"+tm, "flink_taskmanager_checkpoint_ack_latency_max_seconds", jobLabels+`,tm_id="`+tm+`"`, constant(0.5+0.1*float64(i)))
		// Every TaskManager runs a sink subtask: its flush is the
		// TaskManager's largest unexplained time.
		add("tmunexplained-"+tm, "flink_taskmanager_checkpoint_unexplained_ack_latency_max_seconds", jobLabels+`,tm_id="`+tm+`"`, constant(0.6))
		add("tminfo-"+tm, "flink_taskmanager_info", tl+`,host="`+tm+`",data_port="6121"`, constant(1))
		add("cpu-"+tm, "flink_taskmanager_jvm_cpu_load_ratio", tl, constant(0.2))
		add("gc-"+tm, "flink_taskmanager_jvm_gc_time_seconds_total", tl+`,gc="G1_Young_Generation"`, growing(0.3))
		add("heapused-"+tm, "flink_taskmanager_jvm_heap_used_bytes", tl, constant(400*mib))
		add("heapmax-"+tm, "flink_taskmanager_jvm_heap_max_bytes", tl, constant(1024*mib))
	}
	add("jmcpu", "flink_jobmanager_jvm_cpu_load_ratio", clusterLabels, constant(0.1))
	add("jmgc", "flink_jobmanager_jvm_gc_time_seconds_total", clusterLabels+`,gc="G1_Young_Generation"`, growing(0.1))
	add("jmheapused", "flink_jobmanager_jvm_heap_used_bytes", clusterLabels, constant(300*mib))
	add("jmheapmax", "flink_jobmanager_jvm_heap_max_bytes", clusterLabels, constant(1024*mib))
	restHistogram(s, "rest", "flink_exporter_rest_request_duration_seconds", clusterLabels+`,endpoint="/jobs/overview"`, 0.02)
	return s
}

// restHistogram adds the buckets of a histogram whose observations (six a
// minute) all take about seconds.
func restHistogram(s map[string]series, key, metric, labels string, seconds float64) {
	for _, le := range []float64{0.1, 0.5, 1, 5} {
		n := 0.0
		if seconds <= le {
			n = 6
		}
		s[key+"-"+fmt.Sprint(le)] = series{metric + "_bucket", labels + `,le="` + fmt.Sprint(le) + `"`, growing(n)}
	}
	s[key+"-inf"] = series{metric + "_bucket", labels + `,le="+Inf"`, growing(6)}
}

// probe adds the agent's JobManager probe beside every TaskManager: TCP
// connects and GET /config answers taking about the given seconds.
func probe(s map[string]series, connect, rest float64) {
	for _, tm := range []string{"tm-1", "tm-2", "tm-3"} {
		l := `instance="` + tm + `:9894",job="flink-agent",tm_id="` + tm + `"`
		restHistogram(s, "probe-connect-"+tm, "flink_jobmanager_probe_connect_duration_seconds", l, connect)
		restHistogram(s, "probe-rest-"+tm, "flink_jobmanager_probe_rest_duration_seconds", l, rest)
	}
}

// allVertices sets one per-vertex series of the job on every vertex.
func allVertices(s map[string]series, prefix, values string) {
	for _, v := range []string{"source", "process", "sink"} {
		set(s, prefix+v, values)
	}
}

// allTaskManagers sets one per-TaskManager series on every TaskManager.
func allTaskManagers(s map[string]series, prefix, values string) {
	for _, tm := range []string{"tm-1", "tm-2", "tm-3"} {
		set(s, prefix+tm, values)
	}
}

// noAcks removes the acknowledgement analysis: the subtask details could
// not be read.
func noAcks(s map[string]series) {
	for key := range s {
		for _, p := range []string{"unexplained-", "start-", "align-", "async-", "ack-", "tmunexplained-", "throughput"} {
			if strings.HasPrefix(key, p) {
				delete(s, key)
			}
		}
	}
}

// overloadedJobManager sets the JobManager's CPU, GC and heap of
// jobmanager-overload.
func overloadedJobManager(s map[string]series) {
	set(s, "jmcpu", constant(0.95))
	set(s, "jmgc", growing(18))
	set(s, "jmheapused", constant(950*mib))
}

// scenario is one row of the matrix.
type scenario struct {
	name string
	// change modifies the healthy series into the scenario's.
	change func(s map[string]series)
	// fire lists the alerts that must fire, as alertname or
	// alertname/cause; every other alert must stay silent.
	fire []string
}

// set replaces the values of a series of the healthy job.
func set(s map[string]series, key, values string) {
	v, ok := s[key]
	if !ok {
		panic("no series " + key)
	}
	v.values = values
	s[key] = v
}

func scenarios() []scenario {
	return []scenario{
		{name: "healthy", change: func(map[string]series) {}},
		{
			name: "network-latency",
			change: func(s map[string]series) {
				allVertices(s, "unexplained-", constant(2.8))
				set(s, "unexplained-sink", constant(3.5))
				allTaskManagers(s, "tmunexplained-", constant(3.5))
				set(s, "ratio", constant(0.4))
			},
			fire: []string{"FlinkCheckpointNetworkLatency/network-latency"},
		},
		{
			// The exporter across the degraded link: its REST answers
			// come 1-3 s late from an idle JobManager.
			name: "network-latency-exporter-far",
			change: func(s map[string]series) {
				allVertices(s, "unexplained-", constant(2.8))
				allTaskManagers(s, "tmunexplained-", constant(3.5))
				set(s, "ratio", constant(0.4))
				restHistogram(s, "rest", "flink_exporter_rest_request_duration_seconds", clusterLabels+`,endpoint="/jobs/overview"`, 2)
			},
			fire: []string{"FlinkCheckpointNetworkLatency/network-latency"},
		},
		{
			// The agent's probe crosses the same link: its connects are
			// slow, so its slow REST answers are no JobManager signal.
			name: "network-latency-probe",
			change: func(s map[string]series) {
				allVertices(s, "unexplained-", constant(2.8))
				allTaskManagers(s, "tmunexplained-", constant(3.5))
				set(s, "ratio", constant(0.4))
				set(s, "jmcpu", constant(0.9))
				probe(s, 0.3, 0.8)
			},
			fire: []string{"FlinkCheckpointNetworkLatency/network-latency", "FlinkJobManagerConnectSlow/network-latency", "FlinkJobManagerConnectSlow/network-latency", "FlinkJobManagerConnectSlow/network-latency"},
		},
		{
			name: "taskmanager-overload",
			change: func(s map[string]series) {
				set(s, "ack-tm-1", constant(3.4))
				set(s, "cpu-tm-1", constant(0.95))
				set(s, "gc-tm-1", growing(18)) // 0.3 s of GC a second
				set(s, "heapused-tm-1", constant(960*mib))
				// GC pauses after the async phase: tm-1's subtasks, on
				// every vertex, show seconds of unexplained time.
				allVertices(s, "unexplained-", constant(2.5))
				set(s, "tmunexplained-tm-1", constant(2.5))
				set(s, "async-sink", constant(1.5)) // half its subtasks are on tm-1
				set(s, "throughput", constant(1.3*mib))
				set(s, "ratio", constant(0.45))
				set(s, "failures-declined", growing(0.2))
			},
			fire: []string{"FlinkCheckpointTaskManagerStraggler/taskmanager-overload", "FlinkCheckpointsFailing"},
		},
		{
			name: "short-timeout",
			change: func(s map[string]series) {
				set(s, "ratio", constant(0.85))
				set(s, "timeout", constant(2.1))
				set(s, "failures-expired", growing(3))
				set(s, "async-process", constant(0.9))
				set(s, "throughput", constant(60*mib))
				set(s, "fullsize", constant(200*mib))
				set(s, "completed", growing(60))
			},
			fire: []string{"FlinkCheckpointTimeoutTooShort/short-timeout", "FlinkCheckpointDurationNearTimeout", "FlinkCheckpointsFailing"},
		},
		{
			name: "slow-storage",
			change: func(s map[string]series) {
				for _, v := range []string{"source", "process", "sink"} {
					set(s, "async-"+v, constant(3.2))
				}
				set(s, "throughput", constant(0.6*mib))
				set(s, "ratio", constant(0.4))
				set(s, "failures-async_failure", growing(1))
			},
			fire: []string{"FlinkCheckpointStorageSlow/slow-storage", "FlinkCheckpointsFailing"},
		},
		{
			name: "large-state",
			change: func(s map[string]series) {
				set(s, "growth", constant(2*mib))
				set(s, "fullsize", fmt.Sprintf("%d+%dx%d", 512*mib, 120*mib, evalMinutes+5))
				set(s, "throughput", constant(57*mib))
				set(s, "async-process", constant(2.2))
				set(s, "ratio", constant(0.35))
			},
			fire: []string{"FlinkCheckpointStateGrowing/large-state"},
		},
		{
			name: "jobmanager-overload",
			change: func(s map[string]series) {
				allVertices(s, "unexplained-", constant(2.5))
				allTaskManagers(s, "tmunexplained-", constant(2.5))
				overloadedJobManager(s)
				restHistogram(s, "rest", "flink_exporter_rest_request_duration_seconds", clusterLabels+`,endpoint="/jobs/overview"`, 0.8)
				set(s, "ratio", constant(0.35))
			},
			fire: []string{"FlinkJobManagerOverloaded/jobmanager-overload"},
		},
		{
			// REST answers take 1-3 s: no subtask details are read, the
			// JobManager's own metrics still are.
			name: "jobmanager-overload-slow-rest",
			change: func(s map[string]series) {
				noAcks(s)
				overloadedJobManager(s)
				restHistogram(s, "rest", "flink_exporter_rest_request_duration_seconds", clusterLabels+`,endpoint="/jobs/overview"`, 2)
			},
			fire: []string{"FlinkJobManagerOverloaded/jobmanager-overload"},
		},
		{
			// One JVM signal and slow REST answers at the agent's probe,
			// whose connects are fast.
			name: "jobmanager-overload-probe",
			change: func(s map[string]series) {
				set(s, "jmcpu", constant(0.95))
				probe(s, 0.01, 0.8)
			},
			fire: []string{"FlinkJobManagerOverloaded/jobmanager-overload"},
		},
		{
			name: "healthy-big-sinks",
			change: func(s map[string]series) {
				set(s, "unexplained-sink", constant(2.8))
				allTaskManagers(s, "tmunexplained-", constant(2.8))
				allTaskManagers(s, "ack-", constant(3.4))
			},
		},
		{
			// In-flight data persisted in the async phase while the
			// alignment runs: phases exceed the acknowledgement.
			name: "healthy-unaligned",
			change: func(s map[string]series) {
				for _, v := range []string{"process", "sink"} {
					set(s, "unexplained-"+v, constant(0))
					set(s, "async-"+v, constant(1.5))
					set(s, "align-"+v, constant(1.8))
				}
				set(s, "throughput", constant(2.7*mib))
				allTaskManagers(s, "ack-", constant(2.2))
			},
		},
		{
			name: "healthy-incremental-s3",
			change: func(s map[string]series) {
				allVertices(s, "async-", constant(0.3))
				set(s, "size", constant(1.4*mib))
				set(s, "throughput", constant(0.8*mib))
			},
		},
		{
			// Small deltas on a store with slower requests: over 1 s of
			// async for 1.4 MiB is latency, not bandwidth.
			name: "healthy-incremental-s3-slow-requests",
			change: func(s map[string]series) {
				allVertices(s, "async-", constant(1.2))
				set(s, "size", constant(1.4*mib))
				set(s, "throughput", constant(0.2*mib))
			},
		},
		{
			name: "healthy-busy-jobmanager",
			change: func(s map[string]series) {
				set(s, "jmcpu", constant(0.55))
				set(s, "jmgc", growing(1.2)) // 20 ms a second
				set(s, "jmheapused", constant(650*mib))
				restHistogram(s, "rest", "flink_exporter_rest_request_duration_seconds", clusterLabels+`,endpoint="/jobs/overview"`, 0.2)
			},
		},
		{
			// The exporter's path is slow: REST answers 1-3 s late,
			// TaskManager metrics and back-pressure not read in time.
			name: "healthy-slow-exporter-path",
			change: func(s map[string]series) {
				restHistogram(s, "rest", "flink_exporter_rest_request_duration_seconds", clusterLabels+`,endpoint="/jobs/overview"`, 2)
				for key := range s {
					for _, p := range []string{"cpu-", "gc-", "heapused-", "heapmax-", "bp-"} {
						if strings.HasPrefix(key, p) {
							delete(s, key)
						}
					}
				}
			},
		},
		{
			name: "backpressure",
			change: func(s map[string]series) {
				set(s, "start-process", constant(4))
				set(s, "start-sink", constant(3))
				set(s, "align-process", constant(1.2))
				set(s, "bp-source", constant(0.8))
				set(s, "bp-process", constant(0.75))
				set(s, "ratio", constant(0.75))
			},
			fire: []string{"FlinkCheckpointBarriersBackpressured/backpressure"},
		},
		{
			name: "exporter-cannot-reach-flink",
			change: func(s map[string]series) {
				for key := range s {
					if key != "up" {
						delete(s, key)
					}
				}
				set(s, "up", constant(0))
			},
			fire: []string{"FlinkExporterCannotReachFlink"},
		},
		{
			name: "checkpoints-stalled",
			change: func(s map[string]series) {
				set(s, "completed", constant(0)) // the last one completed at t=0
				set(s, "inprogress", constant(0.9))
			},
			fire: []string{"FlinkCheckpointsNotCompleting", "FlinkCheckpointInProgressNearTimeout"},
		},
		{
			// The straggler of taskmanager-overload when every checkpoint
			// expires: no new acknowledgement latency (the latest completed
			// checkpoint was healthy), but the checkpoint in progress waits
			// for tm-1 alone.
			name: "taskmanager-overload-expiring",
			change: func(s map[string]series) {
				set(s, "cpu-tm-1", constant(0.95))
				set(s, "gc-tm-1", growing(18))
				set(s, "heapused-tm-1", constant(960*mib))
				set(s, "completed", constant(0))
				set(s, "inprogress", constant(0.7))
				set(s, "failures-expired", growing(3))
				s["pending-seconds"] = series{"flink_job_checkpoint_ack_analysis_pending_seconds", jobLabels + `,checkpoint="in_progress"`, constant(7)}
				for i, tm := range []string{"tm-1", "tm-2", "tm-3"} {
					s["pending-"+tm] = series{"flink_taskmanager_checkpoint_subtasks_pending", jobLabels + `,checkpoint="in_progress",tm_id="` + tm + `"`, constant(float64(2 * max(0, 1-i)))}
				}
			},
			fire: []string{"FlinkCheckpointTaskManagerStraggler/taskmanager-overload", "FlinkCheckpointsFailing", "FlinkCheckpointsNotCompleting", "FlinkCheckpointInProgressNearTimeout"},
		},
		{
			name: "host-starved-straggler",
			change: func(s map[string]series) {
				set(s, "ack-tm-1", constant(3.4))
				s["host-steal"] = series{"flink_host_cpu_seconds_total", `instance="tm-1:9894",job="flink-agent",tm_id="tm-1",mode="steal"`, growing(30)}
				s["host-iowait"] = series{"flink_host_cpu_seconds_total", `instance="tm-1:9894",job="flink-agent",tm_id="tm-1",mode="iowait"`, growing(6)}
				s["host-cpus"] = series{"flink_host_cpus", `instance="tm-1:9894",job="flink-agent",tm_id="tm-1"`, constant(2)}
			},
			fire: []string{"FlinkTaskManagerHostStarved/taskmanager-overload"},
		},
		{
			name: "jobmanager-connect-slow",
			change: func(s map[string]series) {
				l := `instance="tm-1:9894",job="flink-agent",tm_id="tm-1"`
				s["probe-fail"] = series{"flink_jobmanager_probe_failures_total", l + `,phase="connect",reason="timeout"`, growing(2)}
			},
			fire: []string{"FlinkJobManagerConnectSlow/network-latency"},
		},
	}
}

// perTaskManagerAlerts are the agent's alerts, labelled by TaskManager
// rather than by job.
var perTaskManagerAlerts = []string{"FlinkJobManagerConnectSlow", "FlinkTaskManagerHostStarved"}

// renderMatrix writes the promtool test file of the matrix. With
// kubernetes, the exporter's series carry kubernetesLabels instead of
// clusterLabels, and every alert but the agent's must keep them all.
func renderMatrix(kubernetes bool) string {
	var b strings.Builder
	b.WriteString("# Generated by rules/matrix_test.go (go test ./rules -update): the\n")
	if kubernetes {
		b.WriteString("# discrimination matrix with the target labels of Kubernetes discovery.\n")
		b.WriteString("# In each scenario exactly the listed alerts fire, with those labels.\n")
	} else {
		b.WriteString("# discrimination matrix. In each scenario exactly the listed alerts fire.\n")
	}
	b.WriteString("rule_files:\n  - ../flink-checkpoints.rules.yml\n  - ../flink-checkpoints.alerts.yml\n")
	b.WriteString("evaluation_interval: 1m\n")
	b.WriteString("tests:\n")
	for _, sc := range scenarios() {
		s := healthySeries()
		sc.change(s)
		keys := make([]string, 0, len(s))
		for k := range s {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "  # %s\n", sc.name)
		b.WriteString("  - interval: 1m\n    input_series:\n")
		for _, k := range keys {
			labels := s[k].labels
			if kubernetes {
				labels = strings.Replace(labels, clusterLabels, kubernetesLabels, 1)
			}
			fmt.Fprintf(&b, "      - series: '%s{%s}'\n        values: '%s'\n", s[k].metric, labels, s[k].values)
		}
		b.WriteString("    promql_expr_test:\n")
		// Every alert keeps the labels its annotations and links use: the
		// job's name, or for the agent's alerts the TaskManager's id.
		fmt.Fprintf(&b, "      - expr: ALERTS{alertstate=\"firing\", job_name=\"\", alertname!~\"%s\"}\n        eval_time: %dm\n        exp_samples: []\n", strings.Join(perTaskManagerAlerts, "|")+"|FlinkExporterCannotReachFlink", evalMinutes)
		fmt.Fprintf(&b, "      - expr: ALERTS{alertstate=\"firing\", tm_id=\"\", alertname=~\"%s\"}\n        eval_time: %dm\n        exp_samples: []\n", strings.Join(perTaskManagerAlerts, "|"), evalMinutes)
		if kubernetes {
			// Alertmanager routes by namespace and cluster_id, and
			// diagnose_url needs exporter and target.
			fmt.Fprintf(&b, "      - expr: ALERTS{alertstate=\"firing\", alertname!~\"%s\"} unless ALERTS{%s}\n        eval_time: %dm\n        exp_samples: []\n", strings.Join(perTaskManagerAlerts, "|"), kubernetesLabels, evalMinutes)
		}
		fmt.Fprintf(&b, "      - expr: count by (alertname, cause) (ALERTS{alertstate=\"firing\"})\n        eval_time: %dm\n", evalMinutes)
		if len(sc.fire) == 0 {
			b.WriteString("        exp_samples: []\n")
			continue
		}
		b.WriteString("        exp_samples:\n")
		counts := map[string]int{}
		for _, f := range sc.fire {
			counts[f]++
		}
		fires := make([]string, 0, len(counts))
		for f := range counts {
			fires = append(fires, f)
		}
		sort.Strings(fires)
		for _, f := range fires {
			name, cause, _ := strings.Cut(f, "/")
			labels := `alertname="` + name + `"`
			if cause != "" {
				labels += `,cause="` + cause + `"`
			}
			fmt.Fprintf(&b, "          - labels: '{%s}'\n            value: %d\n", labels, counts[f])
		}
	}
	return b.String()
}

// TestMatrixFileIsCurrent keeps the committed promtool test files, plain
// and with Kubernetes labels, equal to the table above.
func TestMatrixFileIsCurrent(t *testing.T) {
	for file, kubernetes := range map[string]bool{matrixFile: false, kubernetesMatrixFile: true} {
		want := renderMatrix(kubernetes)
		if *update {
			if err := os.WriteFile(filepath.FromSlash(file), []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(filepath.FromSlash(file))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s is out of date: run go test ./rules -update", file)
		}
	}
}

// TestMatrixCoversEveryCause: every cause has a scenario whose own cause
// alerts fire.
func TestMatrixCoversEveryCause(t *testing.T) {
	covered := map[string]bool{}
	for _, sc := range scenarios() {
		for _, f := range sc.fire {
			if _, cause, ok := strings.Cut(f, "/"); ok {
				covered[cause] = true
			}
		}
	}
	for _, c := range causeNames() {
		if !covered[c] {
			t.Errorf("no matrix scenario fires an alert of cause %s", c)
		}
	}
}
