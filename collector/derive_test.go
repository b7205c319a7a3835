package collector

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

func completed(id, trigger, ack, state int64) flinkapi.CheckpointStatistics {
	return flinkapi.CheckpointStatistics{ID: id, Status: flinkapi.CheckpointCompleted, TriggerTimestamp: trigger, LatestAckTimestamp: ack, StateSize: state, EndToEndDuration: ack - trigger}
}

func TestStateGrowthRate(t *testing.T) {
	tests := []struct {
		name    string
		history []flinkapi.CheckpointStatistics
		want    float64
		ok      bool
	}{
		{"none", nil, 0, false},
		{"one", []flinkapi.CheckpointStatistics{completed(1, 0, 1000, 10)}, 0, false},
		{"flat", []flinkapi.CheckpointStatistics{completed(3, 9000, 10000, 500), completed(2, 4000, 5000, 500), completed(1, 0, 1000, 500)}, 0, true},
		// 1 MiB more every 4 s, newest first as Flink sends it.
		{"growing", []flinkapi.CheckpointStatistics{
			completed(3, 8000, 9000, 3<<20), completed(2, 4000, 5000, 2<<20), completed(1, 0, 1000, 1<<20),
		}, float64(1<<20) / 4, true},
		{"ignores failed and in-progress", []flinkapi.CheckpointStatistics{
			{ID: 4, Status: flinkapi.CheckpointInProgress, TriggerTimestamp: 12000, LatestAckTimestamp: -1},
			{ID: 3, Status: flinkapi.CheckpointFailed, TriggerTimestamp: 9000, LatestAckTimestamp: 9500, StateSize: 99 << 20},
			completed(2, 4000, 5000, 2<<20), completed(1, 0, 1000, 1<<20),
		}, float64(1<<20) / 4, true},
		{"same instant", []flinkapi.CheckpointStatistics{completed(2, 0, 1000, 2), completed(1, 0, 1000, 1)}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := StateGrowthRate(tt.history)
			if ok != tt.ok || math.Abs(got-tt.want) > 1e-6 {
				t.Fatalf("StateGrowthRate = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestInProgress(t *testing.T) {
	history := []flinkapi.CheckpointStatistics{
		{ID: 12, Status: flinkapi.CheckpointInProgress, TriggerTimestamp: 20_000, LatestAckTimestamp: -1, EndToEndDuration: -1},
		{ID: 11, Status: flinkapi.CheckpointInProgress, TriggerTimestamp: 14_000, LatestAckTimestamp: 15_000, EndToEndDuration: 1000},
		completed(10, 5_000, 6_000, 1),
	}
	oldest := OldestInProgress(history)
	if oldest == nil || oldest.ID != 11 {
		t.Fatalf("OldestInProgress = %+v, want id 11", oldest)
	}
	// The age runs with the clock, not with end_to_end_duration.
	if got := InProgressAge(oldest, time.UnixMilli(21_500)); got != 7.5 {
		t.Fatalf("InProgressAge = %v, want 7.5", got)
	}
	if got := InProgressAge(oldest, time.UnixMilli(10_000)); got != 0 {
		t.Fatalf("InProgressAge before the trigger = %v, want 0", got)
	}
	if OldestInProgress(history[2:]) != nil {
		t.Fatal("OldestInProgress of a history without one is not nil")
	}
}

func TestDurationToTimeoutRatio(t *testing.T) {
	if r, ok := DurationToTimeoutRatio(7500, 10000); !ok || r != 0.75 {
		t.Fatalf("ratio = %v, %v", r, ok)
	}
	if _, ok := DurationToTimeoutRatio(100, 0); ok {
		t.Fatal("ratio with no timeout is ok")
	}
	if _, ok := DurationToTimeoutRatio(-1, 1000); ok {
		t.Fatal("ratio of an unacknowledged checkpoint is ok")
	}
}

func ptr[T any](v T) *T { return &v }

func ackedSubtask(index int, ack, sync, async, align, start, size int64) flinkapi.SubtaskCheckpointStatistics {
	return flinkapi.SubtaskCheckpointStatistics{
		ClassName: "completed", Index: index, Status: flinkapi.SubtaskCheckpointCompleted,
		AckTimestamp: ptr(1_000 + ack), EndToEndDuration: ptr(ack),
		CheckpointedSize: ptr(size), StateSize: ptr(size * 4),
		Checkpoint: &flinkapi.SubtaskCheckpointDuration{Sync: sync, Async: async},
		Alignment:  &flinkapi.SubtaskAlignment{Duration: align}, StartDelay: ptr(start),
	}
}

func TestAnalyzeAcks(t *testing.T) {
	details := map[string]*flinkapi.TaskCheckpointStatisticsWithSubtaskDetails{
		"v-source": {Subtasks: []flinkapi.SubtaskCheckpointStatistics{
			ackedSubtask(0, 1000, 10, 800, 0, 50, 8<<20),
			ackedSubtask(1, 1200, 10, 900, 0, 50, 8<<20),
		}},
		"v-sink": {Subtasks: []flinkapi.SubtaskCheckpointStatistics{
			ackedSubtask(0, 9000, 100, 4000, 500, 200, 8<<20), // the straggler: 4.2 s unexplained
			{ClassName: "pending", Index: 1, Status: flinkapi.SubtaskCheckpointPendingOrFailed},
		}},
	}
	placement := map[string][]string{
		"v-source": {"tm-a", "tm-b"},
		"v-sink":   {"tm-b", "tm-a"},
	}
	a := AnalyzeAcks(42, details, placement)
	if len(a.Vertices) != 2 || a.Vertices[0].VertexID != "v-sink" {
		t.Fatalf("vertices = %+v", a.Vertices)
	}
	sink, source := a.Vertices[0], a.Vertices[1]
	if sink.Subtasks != 2 || sink.Acked != 1 || sink.AckMax != 9 || sink.AckAvg != 9 {
		t.Errorf("sink = %+v", sink)
	}
	if math.Abs(sink.Unexplained-4.2) > 1e-9 || sink.SyncMax != 0.1 || sink.AsyncMax != 4 || sink.AlignMax != 0.5 || sink.StartMax != 0.2 {
		t.Errorf("sink phases = %+v", sink)
	}
	if source.AckMax != 1.2 || source.AckAvg != 1.1 || math.Abs(source.Unexplained-0.24) > 1e-9 {
		t.Errorf("source = %+v", source)
	}
	if got := a.TaskManagerAckMax; got["tm-b"] != 9 || got["tm-a"] != 1 || len(got) != 2 {
		t.Errorf("TaskManagerAckMax = %v", got)
	}
	if got := a.TaskManagerUnexplainedMax; math.Abs(got["tm-b"]-4.2) > 1e-9 || math.Abs(got["tm-a"]-0.14) > 1e-9 || len(got) != 2 {
		t.Errorf("TaskManagerUnexplainedMax = %v", got)
	}
	// 24 MiB over 5.7 s of async.
	if tp, ok := a.UploadThroughput(); !ok || math.Abs(tp-float64(24<<20)/5.7) > 1e-6 {
		t.Errorf("UploadThroughput = %v, %v", tp, ok)
	}
}

func TestFailureLedgerCountsEachFailureOnce(t *testing.T) {
	failed := func(id int64, msg string) *flinkapi.CheckpointStatistics {
		return &flinkapi.CheckpointStatistics{ID: id, Status: flinkapi.CheckpointFailed, FailureMessage: flinkapi.Some(msg)}
	}
	var l failureLedger
	l.record([]*flinkapi.CheckpointStatistics{failed(5, "Checkpoint expired before completing."), failed(4, "Asynchronous task checkpoint failed.")})
	// The same failures again, as latest.failed too, and a new one.
	l.record([]*flinkapi.CheckpointStatistics{failed(6, "Checkpoint expired before completing."), failed(5, "Checkpoint expired before completing."), failed(5, "Checkpoint expired before completing.")})
	if l.counts[ReasonExpired] != 2 || l.counts[ReasonAsyncFailure] != 1 {
		t.Fatalf("counts = %v", l.counts)
	}
	if l.seen[4] {
		t.Fatal("id 4 left the history but is still remembered")
	}
}

func TestPlacementSkipsImpossibleIndexes(t *testing.T) {
	v := &flinkapi.JobVertexDetails{Parallelism: 2, Subtasks: []flinkapi.SubtaskExecutionAttempt{
		{Subtask: 1, TaskManagerID: "tm-b"},
		{Subtask: -1, TaskManagerID: "tm-x"},
		{Subtask: 1 << 40, TaskManagerID: "tm-y"},
		{Subtask: 0, TaskManagerID: "tm-a"},
	}}
	got := Placement(v)
	if len(got) != 2 || got[0] != "tm-a" || got[1] != "tm-b" {
		t.Fatalf("Placement = %v", got)
	}
}

func TestParallelTurnsPanicsIntoErrors(t *testing.T) {
	errs := parallel(3, func(i int) error {
		if i == 1 {
			var m map[string]int
			m["boom"]++ // a nil map write panics
		}
		return nil
	})
	if errs[0] != nil || errs[2] != nil || errs[1] == nil || !strings.Contains(errs[1].Error(), "panic") {
		t.Fatalf("errs = %v", errs)
	}
}
