package flinksim

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// signalDef is one signal an exporter reads off the REST API, with the
// difference below which two measurements count as the same.
type signalDef struct {
	name  string
	floor float64
	// bounded signals are fractions that cannot double from a healthy
	// value near their cap; they move when they rise by boundedMove.
	bounded bool
}

// boundedMove is how far a bounded signal must rise to count as moved.
const boundedMove = 0.3

// signalDefs lists every signal the scenario tests compare.
func signalDefs() []signalDef {
	return []signalDef{
		{"e2e_ms", 300, false},             // mean end_to_end_duration of completed checkpoints
		{"sync_ms", 15, false},             // mean sync phase of acknowledged subtasks
		{"async_ms", 300, false},           // mean async phase
		{"async_min_ms", 200, false},       // smallest async phase of any subtask
		{"start_delay_ms", 40, false},      // mean start delay
		{"alignment_ms", 30, false},        // mean alignment duration
		{"ack_overhead_ms", 40, false},     // mean (subtask e2e - start delay - alignment - sync - async)
		{"sink_overhead_ms", 300, false},   // mean ack overhead of the last vertex's subtasks
		{"hot_overhead_ms", 300, false},    // mean ack overhead of the subtasks on the first TaskManager
		{"overlap_ms", 100, false},         // mean max(0, start delay + alignment + sync + async - e2e)
		{"persisted_mib", 1, false},        // mean persisted_data of completed checkpoints
		{"upload_mibps", 2, false},         // sum(checkpointed_size) / sum(async) over subtasks
		{"hot_cpu", 0.15, true},            // Status.JVM.CPU.Load of the first TaskManager
		{"others_cpu_max", 0.15, true},     // highest CPU load of the other TaskManagers
		{"tm_heap_max", 0.15, true},        // highest heap used/max of any TaskManager
		{"tm_gc_rate_max", 10, false},      // highest young GC ms per second of any TaskManager
		{"hot_sync_ratio", 0.6, false},     // mean sync on the first TaskManager / elsewhere
		{"hot_async_ratio", 0.6, false},    // mean async on the first TaskManager / elsewhere
		{"heartbeat_age_max_s", 6, false},  // highest now - timeSinceLastHeartbeat
		{"jm_cpu", 0.15, true},             // JobManager CPU load
		{"jm_heap", 0.15, true},            // JobManager heap used/max
		{"jm_gc_rate", 10, false},          // JobManager young GC ms per second
		{"rest_delay_ms", 50, false},       // mean answer delay per request
		{"bp_ratio_max", 0.1, false},       // highest back-pressure ratio of any subtask
		{"sink_busy", 0.2, true},           // mean busyRatio of the sink's subtasks
		{"failed_fraction", 0.05, false},   // counts.failed / counts.total
		{"expired_fraction", 0.05, false},  // expired checkpoints / checkpoints seen in history
		{"state_growth_mibps", 0.5, false}, // growth of a job's state_size per second
	}
}

// signals are measured values by signal name.
type signals map[string]float64

// failureSeen is one failed checkpoint observed in history.
type failureSeen struct {
	job, message string
}

// measurement is what measureScenario observed.
type measurement struct {
	sig      signals
	failures []failureSeen
}

// phaseAcc accumulates subtask phases.
type phaseAcc struct {
	n                                   int
	sync, async, delay, align, overhead float64
	overlap                             float64
	bytes                               float64
	asyncMin                            float64
}

// add accounts one acknowledged subtask.
func (a *phaseAcc) add(st flinkapi.SubtaskCheckpointStatistics) {
	if a.n == 0 {
		a.asyncMin = math.Inf(1)
	}
	a.n++
	c := st.Checkpoint
	a.sync += float64(c.Sync)
	a.async += float64(c.Async)
	a.delay += float64(*st.StartDelay)
	a.align += float64(st.Alignment.Duration)
	overhead := float64(*st.EndToEndDuration - *st.StartDelay - st.Alignment.Duration - c.Sync - c.Async)
	a.overhead += overhead
	a.overlap += math.Max(0, -overhead)
	a.asyncMin = math.Min(a.asyncMin, float64(c.Async))
	if st.CheckpointedSize != nil {
		a.bytes += float64(*st.CheckpointedSize)
	}
}

// mean divides a sum by the count, 0 without samples.
func mean(sum float64, n int) float64 {
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// measureScenario runs a default-sized cluster of the scenario for three
// minutes of fake time in 15 s steps and measures every signal from the
// decoded REST answers.
func measureScenario(ts *testSim) measurement {
	jobs := ts.JobIDs()
	tmList := getJSON[flinkapi.TaskManagersInfo](ts, "/taskmanagers").TaskManagers
	hotTM := tmList[0].ID
	// subtask index -> TaskManager, per job (slot sharing: same for every vertex)
	placement := map[string][]string{}
	for _, j := range jobs {
		vs := ts.VertexIDs(j)
		d := getJSON[flinkapi.JobVertexDetails](ts, "/jobs/"+j+"/vertices/"+vs[0])
		for _, st := range d.Subtasks {
			placement[j] = append(placement[j], st.TaskManagerID)
		}
	}
	gcTime := func(path string) float64 {
		ms := getJSON[[]flinkapi.Metric](ts, path+"?get=Status.JVM.GarbageCollector.G1_Young_Generation.Time")
		return flinkapi.MetricValues(ms)["Status.JVM.GarbageCollector.G1_Young_Generation.Time"]
	}
	stateOf := func(j string) float64 {
		cs := getJSON[flinkapi.CheckpointingStatistics](ts, "/jobs/"+j+"/checkpoints")
		if cs.Latest.Completed == nil {
			return 0
		}
		return float64(cs.Latest.Completed.StateSize)
	}
	gc0 := map[string]float64{}
	for _, tm := range tmList {
		gc0[tm.ID] = gcTime("/taskmanagers/" + tm.ID + "/metrics")
	}
	jmGC0, state0, t0 := gcTime("/jobmanager/metrics"), stateOf(jobs[0]), ts.nowMs()

	var all, hot, cold, sink phaseAcc
	var persisted float64
	var e2eSum float64
	var e2eN, seenN, expired int
	var out measurement
	sig := signals{}
	seen := map[string]bool{}
	var cpuOthersMax, heapMax, hbMax, bpMax, sinkBusy, jmCPU, jmHeap, hotCPU float64
	var sinkN, steps int
	for range 12 {
		ts.clock.Advance(15 * time.Second)
		steps++
		now := ts.nowMs()
		for _, j := range jobs {
			vs := ts.VertexIDs(j)
			cs := getJSON[flinkapi.CheckpointingStatistics](ts, "/jobs/"+j+"/checkpoints")
			for _, cp := range cs.History {
				key := fmt.Sprintf("%s/%d", j, cp.ID)
				if cp.Status == flinkapi.CheckpointInProgress || seen[key] {
					continue
				}
				seen[key] = true
				seenN++
				if cp.Status == flinkapi.CheckpointFailed {
					msg, _ := cp.FailureMessage.Get()
					out.failures = append(out.failures, failureSeen{job: j, message: msg})
					if msg == msgExpired {
						expired++
					}
					continue
				}
				e2eSum += float64(cp.EndToEndDuration)
				persisted += float64(cp.PersistedData)
				e2eN++
				for _, v := range vs {
					d := getJSON[flinkapi.TaskCheckpointStatisticsWithSubtaskDetails](ts,
						fmt.Sprintf("/jobs/%s/checkpoints/details/%d/subtasks/%s", j, cp.ID, v))
					for _, st := range d.Subtasks {
						if !st.Acknowledged() {
							continue
						}
						all.add(st)
						if v == vs[len(vs)-1] {
							sink.add(st)
						}
						if placement[j][st.Index] == hotTM {
							hot.add(st)
						} else {
							cold.add(st)
						}
					}
					bp := getJSON[flinkapi.JobVertexBackPressure](ts, "/jobs/"+j+"/vertices/"+v+"/backpressure")
					for _, st := range bp.Subtasks {
						bpMax = math.Max(bpMax, float64(st.Ratio))
						if v == vs[len(vs)-1] {
							sinkBusy += float64(st.BusyRatio)
							sinkN++
						}
					}
				}
			}
		}
		for _, tm := range getJSON[flinkapi.TaskManagersInfo](ts, "/taskmanagers").TaskManagers {
			hbMax = math.Max(hbMax, float64(now-tm.TimeSinceLastHeartbeat)/1000)
			vals := flinkapi.MetricValues(getJSON[[]flinkapi.Metric](ts, "/taskmanagers/"+tm.ID+
				"/metrics?get=Status.JVM.CPU.Load,Status.JVM.Memory.Heap.Used,Status.JVM.Memory.Heap.Max"))
			heapMax = math.Max(heapMax, vals["Status.JVM.Memory.Heap.Used"]/vals["Status.JVM.Memory.Heap.Max"])
			if tm.ID == hotTM {
				hotCPU = math.Max(hotCPU, vals["Status.JVM.CPU.Load"])
			} else {
				cpuOthersMax = math.Max(cpuOthersMax, vals["Status.JVM.CPU.Load"])
			}
		}
		jm := flinkapi.MetricValues(getJSON[[]flinkapi.Metric](ts,
			"/jobmanager/metrics?get=Status.JVM.CPU.Load,Status.JVM.Memory.Heap.Used,Status.JVM.Memory.Heap.Max"))
		jmCPU += jm["Status.JVM.CPU.Load"]
		jmHeap += jm["Status.JVM.Memory.Heap.Used"] / jm["Status.JVM.Memory.Heap.Max"]
	}
	elapsedS := float64(ts.nowMs()-t0) / 1000
	for _, tm := range tmList {
		sig["tm_gc_rate_max"] = math.Max(sig["tm_gc_rate_max"], (gcTime("/taskmanagers/"+tm.ID+"/metrics")-gc0[tm.ID])/elapsedS)
	}
	sig["jm_gc_rate"] = (gcTime("/jobmanager/metrics") - jmGC0) / elapsedS
	sig["state_growth_mibps"] = (stateOf(jobs[0]) - state0) / mib / elapsedS

	counts := flinkapi.CheckpointCounts{}
	for _, j := range jobs {
		c := getJSON[flinkapi.CheckpointingStatistics](ts, "/jobs/"+j+"/checkpoints").Counts
		counts.Failed += c.Failed
		counts.Total += c.Total
	}
	sig["e2e_ms"] = mean(e2eSum, e2eN)
	sig["sync_ms"] = mean(all.sync, all.n)
	sig["async_ms"] = mean(all.async, all.n)
	sig["async_min_ms"] = all.asyncMin
	sig["start_delay_ms"] = mean(all.delay, all.n)
	sig["alignment_ms"] = mean(all.align, all.n)
	sig["ack_overhead_ms"] = mean(all.overhead, all.n)
	sig["sink_overhead_ms"] = mean(sink.overhead, sink.n)
	sig["hot_overhead_ms"] = mean(hot.overhead, hot.n)
	sig["overlap_ms"] = mean(all.overlap, all.n)
	sig["persisted_mib"] = mean(persisted, e2eN) / mib
	sig["upload_mibps"] = all.bytes / mib / (all.async / 1000)
	sig["hot_cpu"] = hotCPU
	sig["others_cpu_max"] = cpuOthersMax
	sig["tm_heap_max"] = heapMax
	sig["hot_sync_ratio"] = mean(hot.sync, hot.n) / mean(cold.sync, cold.n)
	sig["hot_async_ratio"] = mean(hot.async, hot.n) / mean(cold.async, cold.n)
	sig["heartbeat_age_max_s"] = hbMax
	sig["jm_cpu"] = jmCPU / float64(steps)
	sig["jm_heap"] = jmHeap / float64(steps)
	sig["bp_ratio_max"] = bpMax
	sig["sink_busy"] = mean(sinkBusy, sinkN)
	sig["failed_fraction"] = float64(counts.Failed) / float64(counts.Total)
	sig["expired_fraction"] = mean(float64(expired), seenN)
	var delaySum time.Duration
	delays := ts.sleeps.recorded()
	for _, d := range delays {
		delaySum += d
	}
	sig["rest_delay_ms"] = mean(float64(delaySum.Milliseconds()), len(delays))
	out.sig = sig
	return out
}

// String renders signals sorted by definition order, for failure messages.
func (s signals) String() string {
	var b strings.Builder
	for _, d := range signalDefs() {
		fmt.Fprintf(&b, "%s=%.3g ", d.name, s[d.name])
	}
	return b.String()
}
