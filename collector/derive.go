package collector

import (
	"sort"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// This file holds the derived checkpoint-health values: pure functions over
// decoded REST answers, tested without HTTP.

// millis converts Flink's milliseconds to seconds.
func msToSeconds(ms int64) float64 { return float64(ms) / 1000 }

// DurationToTimeoutRatio is a checkpoint's end-to-end duration over the
// job's checkpoint timeout: 1 means it took as long as it may.
func DurationToTimeoutRatio(durationMs, timeoutMs int64) (float64, bool) {
	if timeoutMs <= 0 || durationMs < 0 {
		return 0, false
	}
	return float64(durationMs) / float64(timeoutMs), true
}

// WorstCompletedDuration returns the longest end-to-end duration, in
// milliseconds, among the completed checkpoints (savepoints left out) with
// an id above afterID, taken from the history and latest.completed, each
// id counted once; and the newest such id. ok is false when no checkpoint
// completed after afterID. With several checkpoints completing between
// two scrapes, the slowest one is what the timeout is measured against,
// not the last one.
func WorstCompletedDuration(stats *flinkapi.CheckpointingStatistics, afterID int64) (worstMs, newestID int64, ok bool) {
	consider := func(c *flinkapi.CheckpointStatistics) {
		if c == nil || c.Status != flinkapi.CheckpointCompleted || c.IsSavepoint || c.ID <= afterID {
			return
		}
		if !ok || c.EndToEndDuration > worstMs {
			worstMs = c.EndToEndDuration
		}
		newestID = max(newestID, c.ID)
		ok = true
	}
	for i := range stats.History {
		consider(&stats.History[i])
	}
	consider(stats.Latest.Completed)
	return worstMs, newestID, ok
}

// OldestInProgress returns the oldest in-progress checkpoint in a history,
// or nil. Its age, now minus its trigger time, is what nears the timeout;
// the end_to_end_duration of a pending checkpoint does not grow in real
// time.
func OldestInProgress(history []flinkapi.CheckpointStatistics) *flinkapi.CheckpointStatistics {
	var oldest *flinkapi.CheckpointStatistics
	for i := range history {
		c := &history[i]
		if c.Status != flinkapi.CheckpointInProgress {
			continue
		}
		if oldest == nil || c.TriggerTimestamp < oldest.TriggerTimestamp {
			oldest = c
		}
	}
	return oldest
}

// InProgressAge returns how long the checkpoint has been running at now, in
// seconds, never negative.
func InProgressAge(c *flinkapi.CheckpointStatistics, now time.Time) float64 {
	age := float64(now.UnixMilli()-c.TriggerTimestamp) / 1000
	if age < 0 {
		return 0
	}
	return age
}

// StateGrowthRate is the least-squares slope, in bytes per second, of the
// full state size (state_size) of the completed checkpoints in a history
// against their completion time. It needs at least two completed
// checkpoints at distinct times and no memory across scrapes. Savepoints are
// left out: their size follows another format.
func StateGrowthRate(history []flinkapi.CheckpointStatistics) (float64, bool) {
	var xs, ys []float64
	for _, c := range history {
		if c.Status != flinkapi.CheckpointCompleted || c.IsSavepoint || c.LatestAckTimestamp <= 0 {
			continue
		}
		xs = append(xs, msToSeconds(c.LatestAckTimestamp))
		ys = append(ys, float64(c.StateSize))
	}
	return slope(xs, ys)
}

// slope fits y = a + b·x by least squares and returns b.
func slope(xs, ys []float64) (float64, bool) {
	n := float64(len(xs))
	if n < 2 {
		return 0, false
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= n
	my /= n
	var sxx, sxy float64
	for i := range xs {
		dx := xs[i] - mx
		sxx += dx * dx
		sxy += dx * (ys[i] - my)
	}
	if sxx == 0 {
		return 0, false
	}
	return sxy / sxx, true
}

// VertexAcks summarises one vertex's subtasks in a checkpoint, all
// durations in seconds; the phases are those of the subtasks that
// acknowledged.
type VertexAcks struct {
	VertexID    string
	Subtasks    int
	Acked       int
	AckMax      float64 // slowest acknowledgement after the trigger
	AckAvg      float64
	SyncMax     float64
	AsyncMax    float64
	AlignMax    float64
	StartMax    float64 // barrier start delay
	Unexplained float64 // max of ack minus (start delay + alignment + sync + async): transit and JobManager time
	Uploaded    int64   // bytes the acknowledged subtasks persisted
	AsyncTotal  float64 // sum of async phases, for the upload throughput
	// Pending counts the subtasks that had not acknowledged when the
	// details were read (Flink's pending_or_failed): in a checkpoint in
	// progress they are the ones it waits for, in a failed one those that
	// never acknowledged.
	Pending int
}

// AckAnalysis is what the subtask details of one checkpoint say: of a
// completed one, how its subtasks acknowledged; of one in progress or
// failed, also which subtasks had not.
type AckAnalysis struct {
	CheckpointID int64
	Vertices     []VertexAcks
	// TaskManagerAckMax is the slowest acknowledgement of the subtasks each
	// TaskManager runs, by TaskManager id: the straggler stands out.
	TaskManagerAckMax map[string]float64
	// TaskManagerUnexplainedMax is the largest part of an acknowledgement
	// outside its phases among the subtasks each TaskManager runs, by
	// TaskManager id: time spread over most TaskManagers points to the
	// network or the JobManager, time confined to one to that TaskManager
	// (a GC pause between the async phase and the acknowledgement).
	TaskManagerUnexplainedMax map[string]float64
	// TaskManagerPending counts, by TaskManager id, the subtasks that had
	// not acknowledged; every TaskManager running a subtask of the
	// analysed vertices has an entry, 0 when all of its acknowledged.
	TaskManagerPending map[string]int
}

// UploadThroughput is the bytes the checkpoint persisted over the time its
// subtasks spent in the asynchronous phase, in bytes per second: the mean
// upload rate of one subtask. Slow storage lowers it; large state does not.
func (a *AckAnalysis) UploadThroughput() (float64, bool) {
	var bytes int64
	var secs float64
	for _, v := range a.Vertices {
		bytes += v.Uploaded
		secs += v.AsyncTotal
	}
	if secs <= 0 || bytes <= 0 {
		return 0, false
	}
	return float64(bytes) / secs, true
}

// AnalyzeAcks summarises the subtask details of one checkpoint. placement
// maps a vertex id to the TaskManager id of each subtask index; subtasks
// whose TaskManager is unknown count for their vertex but no TaskManager.
func AnalyzeAcks(checkpointID int64, details map[string]*flinkapi.TaskCheckpointStatisticsWithSubtaskDetails, placement map[string][]string) *AckAnalysis {
	a := &AckAnalysis{CheckpointID: checkpointID, TaskManagerAckMax: map[string]float64{}, TaskManagerUnexplainedMax: map[string]float64{}, TaskManagerPending: map[string]int{}}
	vertexIDs := make([]string, 0, len(details))
	for id := range details {
		vertexIDs = append(vertexIDs, id)
	}
	sort.Strings(vertexIDs)
	for _, vid := range vertexIDs {
		d := details[vid]
		v := VertexAcks{VertexID: vid, Subtasks: len(d.Subtasks)}
		var ackSum float64
		for _, st := range d.Subtasks {
			tm := ""
			if tms := placement[vid]; st.Index >= 0 && st.Index < len(tms) {
				tm = tms[st.Index]
			}
			acked := st.Acknowledged() && st.EndToEndDuration != nil
			if tm != "" {
				a.TaskManagerPending[tm] += int(boolValue(!acked))
			}
			if !acked {
				v.Pending++
				continue
			}
			v.Acked++
			ack := msToSeconds(*st.EndToEndDuration)
			ackSum += ack
			v.AckMax = max(v.AckMax, ack)
			var phases float64
			if st.Checkpoint != nil {
				v.SyncMax = max(v.SyncMax, msToSeconds(st.Checkpoint.Sync))
				v.AsyncMax = max(v.AsyncMax, msToSeconds(st.Checkpoint.Async))
				v.AsyncTotal += msToSeconds(st.Checkpoint.Async)
				phases += msToSeconds(st.Checkpoint.Sync) + msToSeconds(st.Checkpoint.Async)
			}
			if st.Alignment != nil {
				v.AlignMax = max(v.AlignMax, msToSeconds(st.Alignment.Duration))
				phases += msToSeconds(st.Alignment.Duration)
			}
			if st.StartDelay != nil {
				v.StartMax = max(v.StartMax, msToSeconds(*st.StartDelay))
				phases += msToSeconds(*st.StartDelay)
			}
			v.Unexplained = max(v.Unexplained, ack-phases)
			switch {
			case st.CheckpointedSize != nil:
				v.Uploaded += *st.CheckpointedSize
			case st.StateSize != nil:
				v.Uploaded += *st.StateSize
			}
			if tm != "" {
				a.TaskManagerAckMax[tm] = max(a.TaskManagerAckMax[tm], ack)
				a.TaskManagerUnexplainedMax[tm] = max(a.TaskManagerUnexplainedMax[tm], ack-phases)
			}
		}
		if v.Acked > 0 {
			v.AckAvg = ackSum / float64(v.Acked)
		}
		a.Vertices = append(a.Vertices, v)
	}
	return a
}

// Placement maps each subtask index of a vertex to the TaskManager running
// it, from the vertex details.
// Subtask indexes outside [0, max(parallelism, subtasks)) are skipped: a
// malformed answer must neither panic nor allocate without bound.
func Placement(v *flinkapi.JobVertexDetails) []string {
	limit := max(v.Parallelism, len(v.Subtasks))
	out := make([]string, 0, len(v.Subtasks))
	for _, st := range v.Subtasks {
		if st.Subtask < 0 || st.Subtask >= limit {
			continue
		}
		for len(out) <= st.Subtask {
			out = append(out, "")
		}
		out[st.Subtask] = st.TaskManagerID
	}
	return out
}
