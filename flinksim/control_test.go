package flinksim

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// checkpointsOf reads a job's checkpoint statistics.
func checkpointsOf(ts *testSim, job string) flinkapi.CheckpointingStatistics {
	ts.t.Helper()
	return getJSON[flinkapi.CheckpointingStatistics](ts, "/jobs/"+job+"/checkpoints")
}

// waitForPending steps the fake clock until the job has a checkpoint in
// flight, failing after a bounded number of steps.
func waitForPending(t *testing.T, ts *testSim, job string) {
	t.Helper()
	for range 200 {
		if checkpointsOf(ts, job).Counts.InProgress == 1 {
			return
		}
		ts.clock.Advance(100 * time.Millisecond)
	}
	t.Fatalf("no checkpoint in flight for job %s after 20 s", job)
}

// maxID returns the highest checkpoint id in the statistics.
func maxID(cs flinkapi.CheckpointingStatistics) int64 {
	var id int64
	for _, cp := range cs.History {
		id = max(id, cp.ID)
	}
	return id
}

// attempts returns the attempt numbers of a vertex's subtasks and the
// TaskManagers they run on.
func attempts(ts *testSim, job, vertex string) ([]int, []string) {
	d := getJSON[flinkapi.JobVertexDetails](ts, "/jobs/"+job+"/vertices/"+vertex)
	var a []int
	var tms []string
	for _, st := range d.Subtasks {
		a = append(a, st.Attempt)
		tms = append(tms, st.TaskManagerID)
	}
	return a, tms
}

// TestRestartJobManager checks a JobManager failover: counts start over
// with the restore counted, history and latest are cleared, checkpoint ids
// continue, and the job gets a new start-time.
func TestRestartJobManager(t *testing.T) {
	ts := newTestSim(t, Config{})
	job := ts.JobIDs()[0]
	before := checkpointsOf(ts, job)
	if before.Counts.Completed == 0 || before.Latest.Completed == nil {
		t.Fatalf("no completed checkpoints before the restart: %+v", before.Counts)
	}
	lastID, lastCompleted := maxID(before), before.Latest.Completed.ID
	ts.clock.Advance(time.Second)
	ts.RestartJobManager()

	after := checkpointsOf(ts, job)
	want := flinkapi.CheckpointCounts{Restored: 1}
	if after.Counts != want || len(after.History) != 0 || after.Latest.Completed != nil || after.Latest.Failed != nil {
		t.Errorf("after restart: counts %+v, %d history entries, latest %+v", after.Counts, len(after.History), after.Latest)
	}
	if r := after.Latest.Restored; r == nil || r.ID != lastCompleted || r.RestoreTimestamp != ts.nowMs() {
		t.Errorf("latest.restored = %+v, want id %d at %d", r, lastCompleted, ts.nowMs())
	}
	if d := getJSON[flinkapi.JobDetails](ts, "/jobs/"+job); d.StartTime != ts.nowMs() {
		t.Errorf("start-time %d, want the restart time %d", d.StartTime, ts.nowMs())
	}
	ts.clock.Advance(30 * time.Second)
	later := checkpointsOf(ts, job)
	if later.Counts.Completed == 0 || slices.IndexFunc(later.History, func(cp flinkapi.CheckpointStatistics) bool { return cp.ID <= lastID }) >= 0 {
		t.Errorf("ids after the restart must continue after %d: %+v", lastID, later.History)
	}
	if later.Counts.Restored != 1 {
		t.Errorf("restored = %d, want 1", later.Counts.Restored)
	}
}

// TestRestartJobManagerWithoutHA checks a JobManager restart without HA:
// counts start over with no restore, history and latest are cleared, the
// job gets a new start-time and its checkpoint ids start over from 1.
func TestRestartJobManagerWithoutHA(t *testing.T) {
	ts := newTestSim(t, Config{})
	job := ts.JobIDs()[0]
	if before := checkpointsOf(ts, job); maxID(before) < 3 {
		t.Fatalf("too few checkpoints before the restart: %+v", before.Counts)
	}
	ts.clock.Advance(time.Second)
	ts.RestartJobManagerWithoutHA()
	after := checkpointsOf(ts, job)
	if after.Counts != (flinkapi.CheckpointCounts{}) || len(after.History) != 0 || after.Latest.Restored != nil {
		t.Errorf("after restart: counts %+v, %d history entries, latest.restored %+v", after.Counts, len(after.History), after.Latest.Restored)
	}
	if d := getJSON[flinkapi.JobDetails](ts, "/jobs/"+job); d.StartTime != ts.nowMs() {
		t.Errorf("start-time %d, want the restart time %d", d.StartTime, ts.nowMs())
	}
	ts.clock.Advance(30 * time.Second)
	later := checkpointsOf(ts, job)
	ids := map[int64]bool{}
	for _, cp := range later.History {
		ids[cp.ID] = true
	}
	if later.Counts.Total == 0 || !ids[1] || maxID(later) != later.Counts.Total {
		t.Errorf("ids after the restart must start over from 1: counts %+v, ids %v", later.Counts, ids)
	}
}

// TestRestartJob checks a job failover: the pending checkpoint fails with
// Flink's failover text, the restore is counted, subtasks run a new
// attempt, ids continue and the failure shows in /exceptions and numRestarts.
func TestRestartJob(t *testing.T) {
	ts := newTestSim(t, Config{Scenario: "network-latency"})
	job := ts.JobIDs()[0]
	vs := ts.VertexIDs(job)
	waitForPending(t, ts, job)
	before := checkpointsOf(ts, job)
	pendingID := before.History[0].ID
	startBefore := getJSON[flinkapi.JobDetails](ts, "/jobs/"+job).StartTime

	if err := ts.RestartJob(job); err != nil {
		t.Fatal(err)
	}
	after := checkpointsOf(ts, job)
	if after.Counts.Restored != before.Counts.Restored+1 || after.Counts.InProgress != 0 ||
		after.Counts.Failed != before.Counts.Failed+1 {
		t.Errorf("counts %+v after restart, before %+v", after.Counts, before.Counts)
	}
	if f := after.Latest.Failed; f == nil || f.ID != pendingID || f.FailureMessage.Value == nil || *f.FailureMessage.Value != msgFailover {
		t.Errorf("latest.failed = %+v, want checkpoint %d failed with %q", f, pendingID, msgFailover)
	}
	if r := after.Latest.Restored; r == nil || r.ID != before.Latest.Completed.ID {
		t.Errorf("latest.restored = %+v, want %d", r, before.Latest.Completed.ID)
	}
	if a, _ := attempts(ts, job, vs[0]); a[0] != 1 {
		t.Errorf("attempts after restart = %v, want 1", a)
	}
	if d := getJSON[flinkapi.JobDetails](ts, "/jobs/"+job); d.StartTime != startBefore || d.Timestamps[flinkapi.JobRestarting] != ts.nowMs() {
		t.Errorf("start-time %d (was %d), RESTARTING %d (now %d)", d.StartTime, startBefore, d.Timestamps[flinkapi.JobRestarting], ts.nowMs())
	}
	if ex := getRaw(ts, "/jobs/"+job+"/exceptions")["exceptionHistory"].(map[string]any)["entries"].([]any); len(ex) != 1 {
		t.Errorf("%d exception entries, want 1", len(ex))
	}
	vals := flinkapi.MetricValues(getJSON[[]flinkapi.Metric](ts, "/jobs/"+job+"/metrics?get=numRestarts"))
	if vals["numRestarts"] != 1 {
		t.Errorf("numRestarts = %v", vals["numRestarts"])
	}
	ts.clock.Advance(30 * time.Second)
	if later := checkpointsOf(ts, job); later.Latest.Completed == nil || later.Latest.Completed.ID <= pendingID {
		t.Errorf("no new checkpoint with an id after %d: %+v", pendingID, later.Latest.Completed)
	}
	if err := ts.RestartJob("00000000000000000000000000000000"); err == nil {
		t.Error("RestartJob of an unknown job succeeded")
	}
}

// TestRemoveTaskManager checks the loss of a TaskManager: it leaves
// /taskmanagers, the jobs that ran on it fail their pending checkpoint with
// "Task has failed." and restart on the remaining TaskManagers.
func TestRemoveTaskManager(t *testing.T) {
	ts := newTestSim(t, Config{Scenario: "network-latency", TaskManagers: 3, Jobs: 3})
	victim := ts.TaskManagerIDs()[0]
	var affected string
	for _, j := range ts.JobIDs() {
		if _, tms := attempts(ts, j, ts.VertexIDs(j)[0]); slices.Contains(tms, victim) {
			affected = j
			break
		}
	}
	waitForPending(t, ts, affected)
	before := checkpointsOf(ts, affected)
	if err := ts.RemoveTaskManager(victim); err != nil {
		t.Fatal(err)
	}
	for _, tm := range getJSON[flinkapi.TaskManagersInfo](ts, "/taskmanagers").TaskManagers {
		if tm.ID == victim {
			t.Errorf("removed TaskManager %s still listed", victim)
		}
	}
	if got := getJSON[flinkapi.ClusterOverview](ts, "/overview").TaskManagers; got != 2 {
		t.Errorf("overview lists %d TaskManagers, want 2", got)
	}
	a, tms := attempts(ts, affected, ts.VertexIDs(affected)[0])
	if slices.Contains(tms, victim) || a[0] != 1 {
		t.Errorf("after removal subtasks run on %v with attempts %v", tms, a)
	}
	after := checkpointsOf(ts, affected)
	if after.Counts.Restored != before.Counts.Restored+1 {
		t.Errorf("restored %d, want %d", after.Counts.Restored, before.Counts.Restored+1)
	}
	if f := after.Latest.Failed; f == nil || *f.FailureMessage.Value != msgTaskFailure {
		t.Errorf("latest.failed = %+v, want %q", f, msgTaskFailure)
	}
	tests := []struct {
		id      string
		wantErr bool
	}{
		{victim, true},
		{"nope", true},
		{ts.TaskManagerIDs()[0], false},
		{ts.TaskManagerIDs()[1], true}, // the last one
	}
	for _, tc := range tests {
		if err := ts.RemoveTaskManager(tc.id); (err != nil) != tc.wantErr {
			t.Errorf("RemoveTaskManager(%s) = %v, want error %v", tc.id, err, tc.wantErr)
		}
	}
}

// TestDeterminism checks that two simulators with the same seed and clock
// answer byte for byte the same, and a different seed does not.
func TestDeterminism(t *testing.T) {
	answer := func(seed int64) string {
		ts := newTestSim(t, Config{Scenario: "slow-storage", Seed: seed})
		job := ts.JobIDs()[0]
		ts.clock.Advance(17 * time.Second)
		cs := checkpointsOf(ts, job)
		return ts.get("/jobs/"+job+"/checkpoints").Body.String() +
			ts.get(fmt.Sprintf("/jobs/%s/checkpoints/details/%d/subtasks/%s", job, cs.History[0].ID, ts.VertexIDs(job)[1])).Body.String()
	}
	if a, b := answer(5), answer(5); a != b {
		t.Error("same seed, different answers")
	}
	if a, b := answer(5), answer(6); a == b {
		t.Error("different seeds, same answers")
	}
}

// TestFastClock: the clock starts at start and runs speed times as fast as
// real time; each bound below holds whatever the machine's load.
func TestFastClock(t *testing.T) {
	start := time.UnixMilli(1_750_000_000_000)
	before := time.Now()
	c := FastClock(start, 4)
	a := c()
	afterA := time.Now()
	if a.Before(start) || a.Sub(start) > 4*afterA.Sub(before) {
		t.Fatalf("first reading %v, want start %v plus at most 4 × %v", a, start, afterA.Sub(before))
	}
	for time.Since(afterA) < 20*time.Millisecond {
		time.Sleep(time.Millisecond) // let real time pass; the bounds below are measured
	}
	beforeB := time.Now()
	b := c()
	afterB := time.Now()
	if got, lo, hi := b.Sub(a), 4*beforeB.Sub(afterA), 4*afterB.Sub(before); got < lo || got > hi {
		t.Errorf("clock moved %v while real time moved between %v and %v: want 4 times that", got, lo/4, hi/4)
	}
}
