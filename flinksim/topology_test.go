package flinksim

import (
	"fmt"
	"math"
	"testing"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// symptom is what a scenario must show, as a predicate over the measured
// signals that returns "" or what is missing.
type symptom func(s signals) string

// signalAtLeast asserts that a signal is at least lo.
func signalAtLeast(name string, lo float64) symptom {
	return func(s signals) string {
		if !(s[name] >= lo) {
			return fmt.Sprintf("%s = %.4g < %.4g", name, s[name], lo)
		}
		return ""
	}
}

// signalWithin asserts lo <= signal <= hi.
func signalWithin(name string, lo, hi float64) symptom {
	return func(s signals) string {
		if !(s[name] >= lo && s[name] <= hi) {
			return fmt.Sprintf("%s = %.4g outside [%.4g, %.4g]", name, s[name], lo, hi)
		}
		return ""
	}
}

// scenarioSymptoms maps every scenario to the symptoms it must show at any
// topology Config accepts for it; healthy ones must not fail checkpoints.
func scenarioSymptoms() map[string][]symptom {
	noFailures := signalWithin("failed_fraction", 0, 0)
	return map[string][]symptom{
		"healthy":              {noFailures, signalWithin("sink_overhead_ms", 300, 700)},
		"network-latency":      {signalAtLeast("ack_overhead_ms", 2000), signalAtLeast("heartbeat_age_max_s", 20)},
		"taskmanager-overload": {signalAtLeast("hot_cpu", 0.9), signalAtLeast("hot_overhead_ms", 800), signalAtLeast("failed_fraction", 0.02)},
		"short-timeout":        {signalWithin("expired_fraction", 0.1, 0.6)},
		"slow-storage":         {signalAtLeast("async_min_ms", 1000), signalAtLeast("failed_fraction", 0.1)},
		"large-state":          {signalWithin("state_growth_mibps", 1.5, 2.5)},
		"jobmanager-overload":  {signalAtLeast("jm_cpu", 0.9), signalWithin("rest_delay_ms", 300, 1000), signalAtLeast("ack_overhead_ms", 1000)},
		"backpressure":         {signalAtLeast("bp_ratio_max", 0.7), signalAtLeast("sink_busy", 0.9), signalAtLeast("start_delay_ms", 1000)},

		"healthy-big-sinks":             {noFailures, signalAtLeast("sink_overhead_ms", 1500)},
		"healthy-unaligned":             {noFailures, signalAtLeast("overlap_ms", 100), signalAtLeast("persisted_mib", 0.1)},
		"healthy-incremental-s3":        {noFailures, signalWithin("upload_mibps", 0, 5), signalWithin("async_ms", 0, 1000)},
		"healthy-busy-jobmanager":       {noFailures, signalWithin("jm_cpu", 0.4, 0.6), signalWithin("rest_delay_ms", 50, 200)},
		"healthy-slow-exporter-path":    {noFailures, signalWithin("rest_delay_ms", 500, 1500), signalWithin("jm_cpu", 0.05, 0.2)},
		"jobmanager-overload-slow-rest": {signalAtLeast("jm_cpu", 0.9), signalWithin("rest_delay_ms", 1000, 3000)},
		"network-latency-exporter-far":  {signalAtLeast("ack_overhead_ms", 2000), signalWithin("rest_delay_ms", 500, 1500), signalWithin("jm_cpu", 0.05, 0.2)},
	}
}

// TestScenarioSymptomsAtEveryTopology runs every scenario at parallelism 1,
// 2, 4 and 8 and at the extremes of the other topology flags, and asserts
// that it shows its symptom at each one Config accepts; a topology a
// scenario cannot show its cause on must be rejected by New.
func TestScenarioSymptomsAtEveryTopology(t *testing.T) {
	if testing.Short() {
		t.Skip("measures every scenario at a dozen topologies")
	}
	topologies := []Config{
		{Parallelism: 1}, {Parallelism: 2}, {Parallelism: 4}, {Parallelism: 8},
		{Vertices: 1}, {Vertices: 2}, {Vertices: 6},
		{TaskManagers: 1}, {TaskManagers: 2}, {TaskManagers: 8, Parallelism: 4},
		{Jobs: 1}, {Jobs: 6, Parallelism: 3},
	}
	symptoms := scenarioSymptoms()
	if len(symptoms) != len(Scenarios()) {
		t.Fatalf("symptoms cover %d scenarios, Scenarios() has %d", len(symptoms), len(Scenarios()))
	}
	for _, name := range Scenarios() {
		sc, _ := lookupScenario(name)
		for _, topo := range topologies {
			cfg := topo
			cfg.Scenario, cfg.Seed = name, 3
			d := cfg.withDefaults()
			label := fmt.Sprintf("%s/jobs=%d,vertices=%d,parallelism=%d,taskmanagers=%d",
				name, d.Jobs, d.Vertices, d.Parallelism, d.TaskManagers)
			t.Run(label, func(t *testing.T) {
				t.Parallel()
				if d.Vertices < sc.MinVertices || d.TaskManagers < sc.MinTaskManagers {
					if _, err := New(cfg); err == nil {
						t.Errorf("New accepted a topology on which %s cannot show its cause", name)
					}
					return
				}
				m := measureScenario(newTestSim(t, cfg))
				for _, s := range symptoms[name] {
					if miss := s(m.sig); miss != "" {
						t.Errorf("no symptom: %s", miss)
					}
				}
				if t.Failed() {
					t.Logf("signals: %v", m.sig)
				}
			})
		}
	}
}

// TestHealthyVariantsShowTheirBehaviour checks the details of each healthy
// variant's Flink behaviour on the REST answers themselves.
func TestHealthyVariantsShowTheirBehaviour(t *testing.T) {
	t.Run("unaligned", func(t *testing.T) {
		ts := newTestSim(t, Config{Scenario: "healthy-unaligned", Seed: 5})
		job := ts.JobIDs()[0]
		cfg := getRaw(ts, "/jobs/"+job+"/checkpoints/config")
		if cfg["unaligned_checkpoints"] != true {
			t.Errorf("unaligned_checkpoints = %v", cfg["unaligned_checkpoints"])
		}
		cp := checkpointsOf(ts, job).Latest.Completed
		if cp == nil || cp.PersistedData <= 0 || cp.CheckpointType != "UNALIGNED_CHECKPOINT" {
			t.Fatalf("latest completed checkpoint %+v: want persisted_data > 0 and type UNALIGNED_CHECKPOINT", cp)
		}
		vs := ts.VertexIDs(job)
		d := subtasksOf(ts, job, cp.ID, vs[1])
		over := 0
		for _, st := range d.Subtasks {
			if st.UnalignedCheckpoint == nil || !*st.UnalignedCheckpoint {
				t.Errorf("subtask %d: unaligned_checkpoint not true", st.Index)
			}
			if *st.StartDelay+st.Alignment.Duration+st.Checkpoint.Sync+st.Checkpoint.Async > *st.EndToEndDuration {
				over++
			}
			if st.Checkpoint.Async < st.Alignment.Duration {
				t.Errorf("subtask %d: async %d ms ends before the alignment %d ms", st.Index, st.Checkpoint.Async, st.Alignment.Duration)
			}
		}
		if over == 0 {
			t.Error("no subtask's phases exceed its acknowledgement time")
		}
	})
	t.Run("aligned by default", func(t *testing.T) {
		ts := newTestSim(t, Config{FlinkVersion: "1.18", Seed: 5})
		job := ts.JobIDs()[0]
		cp := checkpointsOf(ts, job).Latest.Completed
		if cp.CheckpointType != "CHECKPOINT" || cp.PersistedData != 0 {
			t.Errorf("healthy checkpoint type %s, persisted %d", cp.CheckpointType, cp.PersistedData)
		}
	})
	t.Run("taskmanager-overload GC pauses stay on the hot TaskManager", func(t *testing.T) {
		ts := newTestSim(t, Config{Scenario: "taskmanager-overload", TaskManagers: 4, Parallelism: 4, Seed: 5})
		m := measureScenario(ts)
		if hot, all := m.sig["hot_overhead_ms"], m.sig["ack_overhead_ms"]; hot < 800 || (all*4-hot)/3 > 700 {
			t.Errorf("unexplained ms: hot TaskManager %.0f, overall %.0f; want seconds on the hot one only", hot, all)
		}
	})
	t.Run("big sinks: unexplained on sinks only", func(t *testing.T) {
		ts := newTestSim(t, Config{Scenario: "healthy-big-sinks", Seed: 5})
		job := ts.JobIDs()[0]
		cp := checkpointsOf(ts, job).Latest.Completed
		vs := ts.VertexIDs(job)
		for v, vid := range vs {
			for _, st := range subtasksOf(ts, job, cp.ID, vid).Subtasks {
				unexplained := *st.EndToEndDuration - *st.StartDelay - st.Alignment.Duration - st.Checkpoint.Sync - st.Checkpoint.Async
				sink := v == len(vs)-1
				if sink && unexplained < 1500 || !sink && unexplained > 100 {
					t.Errorf("vertex %d subtask %d: %d ms unexplained", v, st.Index, unexplained)
				}
			}
		}
	})
	t.Run("incremental on object storage: few files, low bytes/s, short async", func(t *testing.T) {
		m := measureScenario(newTestSim(t, Config{Scenario: "healthy-incremental-s3", Seed: 5}))
		if m.sig["upload_mibps"] > 5 || m.sig["async_ms"] > 1000 || math.IsNaN(m.sig["upload_mibps"]) {
			t.Errorf("upload %.2f MiB/s, async %.0f ms", m.sig["upload_mibps"], m.sig["async_ms"])
		}
	})
}

// subtasksOf fetches a checkpoint's subtask details of one vertex.
func subtasksOf(ts *testSim, job string, id int64, vertex string) flinkapi.TaskCheckpointStatisticsWithSubtaskDetails {
	return getJSON[flinkapi.TaskCheckpointStatisticsWithSubtaskDetails](ts,
		fmt.Sprintf("/jobs/%s/checkpoints/details/%d/subtasks/%s", job, id, vertex))
}
