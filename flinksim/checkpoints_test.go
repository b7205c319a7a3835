package flinksim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// TestCheckpointHistory checks the shape of /checkpoints of a running
// cluster: backfilled history, newest first, at most 10 entries, only the
// newest completed checkpoint not discarded, external paths, and counts
// that include trigger failures missing from history.
func TestCheckpointHistory(t *testing.T) {
	ts := newTestSim(t, Config{Scenario: "slow-storage", Seed: 2})
	job := ts.JobIDs()[0]
	ts.clock.Advance(5 * time.Minute)
	cs := checkpointsOf(ts, job)
	if len(cs.History) != historySize {
		t.Fatalf("history has %d entries, want %d", len(cs.History), historySize)
	}
	for i := 1; i < len(cs.History); i++ {
		if cs.History[i].ID >= cs.History[i-1].ID {
			t.Errorf("history not newest first: %d after %d", cs.History[i].ID, cs.History[i-1].ID)
		}
	}
	newest := cs.Latest.Completed
	for _, cp := range cs.History {
		if cp.Status != flinkapi.CheckpointCompleted {
			continue
		}
		if got, want := *cp.Discarded, cp.ID != newest.ID; got != want {
			t.Errorf("checkpoint %d discarded = %v, want %v", cp.ID, got, want)
		}
		if path, _ := cp.ExternalPath.Get(); path != fmt.Sprintf("s3://flink-checkpoints/%s/chk-%d", job, cp.ID) {
			t.Errorf("external_path %q", path)
		}
		if cp.EndToEndDuration != cp.LatestAckTimestamp-cp.TriggerTimestamp || cp.NumAcknowledgedSubtasks != cp.NumSubtasks {
			t.Errorf("completed checkpoint %d inconsistent: %+v", cp.ID, cp)
		}
	}
	c := cs.Counts
	if c.Total != c.Completed+c.Failed+int64(c.InProgress) {
		t.Errorf("counts do not add up: %+v", c)
	}
	// Trigger-phase failures consume ids but never reach the history.
	seen := map[int64]bool{}
	first := cs.History[len(cs.History)-1].ID
	for range 30 {
		ts.clock.Advance(10 * time.Second)
		cs = checkpointsOf(ts, job)
		for _, cp := range cs.History {
			seen[cp.ID] = true
		}
	}
	gaps := 0
	for id := first; id <= maxID(cs); id++ {
		if !seen[id] {
			gaps++
		}
	}
	if maxID(cs) > cs.Counts.Total || gaps == 0 {
		t.Errorf("max id %d, total %d, %d ids never in history: want trigger failures counted but not listed", maxID(cs), cs.Counts.Total, gaps)
	}
}

// TestInProgressCheckpoint follows one checkpoint while it is in flight:
// -1 sentinels before the first ack, acknowledgements only growing, and
// pending subtasks rendered as Flink's three-key pending entry.
func TestInProgressCheckpoint(t *testing.T) {
	ts := newTestSim(t, Config{Scenario: "backpressure"})
	job := ts.JobIDs()[0]
	vs := ts.VertexIDs(job)
	// Find the start of a checkpoint: in flight with no ack yet.
	var cp flinkapi.CheckpointStatistics
	for range 2000 {
		h := checkpointsOf(ts, job).History[0]
		if h.Status == flinkapi.CheckpointInProgress && h.NumAcknowledgedSubtasks == 0 {
			cp = h
			break
		}
		ts.clock.Advance(10 * time.Millisecond)
	}
	if cp.ID == 0 {
		t.Fatal("never saw a checkpoint in flight without acks")
	}
	if cp.LatestAckTimestamp != -1 || cp.EndToEndDuration != -1 || cp.ClassName != "in_progress" {
		t.Errorf("fresh in-progress checkpoint: %+v", cp)
	}
	raw := ts.get(fmt.Sprintf("/jobs/%s/checkpoints/details/%d/subtasks/%s", job, cp.ID, vs[1])).Body.String()
	if !strings.Contains(raw, `{"className":"pending","index":0,"status":"pending_or_failed"}`) {
		t.Errorf("pending subtask not rendered as Flink does: %.300s", raw)
	}
	acked := 0
	for range 200 {
		ts.clock.Advance(100 * time.Millisecond)
		d := getJSON[flinkapi.CheckpointStatistics](ts, fmt.Sprintf("/jobs/%s/checkpoints/details/%d", job, cp.ID))
		if d.NumAcknowledgedSubtasks < acked {
			t.Fatalf("acknowledged subtasks went back from %d to %d", acked, d.NumAcknowledgedSubtasks)
		}
		acked = d.NumAcknowledgedSubtasks
		if d.Status != flinkapi.CheckpointInProgress {
			break
		}
		if acked > 0 && d.EndToEndDuration != d.LatestAckTimestamp-d.TriggerTimestamp {
			t.Errorf("in-progress e2e %d with latest ack %d", d.EndToEndDuration, d.LatestAckTimestamp)
		}
	}
	if acked == 0 {
		t.Error("checkpoint ended without any acknowledgement")
	}
}

// TestSubtaskDetails checks the per-subtask answer of a completed
// checkpoint: NaN percentiles always, a zero buffered summary, ack = trigger
// + e2e, sizes that add up to the vertex's, and a cached answer that stays
// identical.
func TestSubtaskDetails(t *testing.T) {
	ts := newTestSim(t, Config{})
	job := ts.JobIDs()[0]
	vs := ts.VertexIDs(job)
	cs := checkpointsOf(ts, job)
	id := cs.Latest.Completed.ID
	path := fmt.Sprintf("/jobs/%s/checkpoints/details/%d/subtasks/%s", job, id, vs[1])
	raw := ts.get(path).Body.String()
	if !strings.Contains(raw, `"start_delay":{"min":`) || !strings.Contains(raw, `"p50":"NaN"`) ||
		!strings.Contains(raw, `"buffered":{"min":0,"max":0,"avg":0,"p50":0.0,"p90":0.0,"p95":0.0,"p99":0.0,"p999":0.0}`) {
		t.Errorf("summary not as Flink renders it: %.600s", raw)
	}
	if strings.Contains(raw, `"p50":1`) || strings.Contains(raw, `"p50":2`) {
		t.Errorf("per-subtask summary has numeric percentiles: %.600s", raw)
	}
	d := getJSON[flinkapi.TaskCheckpointStatisticsWithSubtaskDetails](ts, path)
	var state int64
	for _, st := range d.Subtasks {
		if !st.Acknowledged() {
			t.Fatalf("completed checkpoint has pending subtask %d", st.Index)
		}
		if *st.AckTimestamp-*st.EndToEndDuration != d.LatestAckTimestamp-d.EndToEndDuration {
			t.Errorf("subtask %d: ack %d - e2e %d is not the trigger", st.Index, *st.AckTimestamp, *st.EndToEndDuration)
		}
		state += *st.StateSize
	}
	if state != d.StateSize {
		t.Errorf("subtask state sizes sum to %d, vertex says %d", state, d.StateSize)
	}
	ts.clock.Advance(time.Second)
	if again := ts.get(path).Body.String(); again != raw {
		t.Error("details of a completed checkpoint changed")
	}
}

// TestJobKinds checks jobs without periodic checkpointing, without
// checkpointing and finished batch jobs, and the error bodies of unknown
// jobs, checkpoints and vertices.
func TestJobKinds(t *testing.T) {
	ts := newTestSim(t, Config{Jobs: 1, UncheckpointedJobs: 1, CheckpointingDisabledJobs: 1, FinishedJobs: 1})
	ids := ts.JobIDs()
	running, periodicOff, disabled, finished := ids[0], ids[1], ids[2], ids[3]
	vertex := ts.VertexIDs(running)[0]
	latestID := checkpointsOf(ts, running).Latest.Completed.ID

	cfg := getJSON[flinkapi.CheckpointConfig](ts, "/jobs/"+periodicOff+"/checkpoints/config")
	if cfg.Interval != flinkapi.IntervalDisabled || cfg.PeriodicCheckpointing() {
		t.Errorf("periodic-off interval = %d", cfg.Interval)
	}
	if raw := ts.get("/jobs/" + periodicOff + "/checkpoints/config").Body.String(); !strings.Contains(raw, `"interval":9223372036854775807`) {
		t.Errorf("interval not Long.MAX_VALUE on the wire: %s", raw)
	}
	empty := ts.get("/jobs/" + periodicOff + "/checkpoints").Body.String()
	if !strings.Contains(empty, `"history":[]`) || !strings.Contains(empty, `"latest":{"completed":null,"savepoint":null,"failed":null,"restored":null}`) ||
		!strings.Contains(empty, `"end_to_end_duration":{"min":0,"max":0,"avg":0,"p50":"NaN"`) {
		t.Errorf("empty statistics not as Flink renders them: %s", empty)
	}
	overview := getJSON[flinkapi.JobsOverview](ts, "/jobs/overview")
	states := map[string]string{}
	for _, j := range overview.Jobs {
		states[j.ID] = j.State
	}
	if states[finished] != flinkapi.JobFinished || states[running] != flinkapi.JobRunning {
		t.Errorf("job states %v", states)
	}

	errorTests := []struct {
		path    string
		status  int
		message string
	}{
		{"/jobs/" + disabled + "/checkpoints", 404, "RestHandlerException: Checkpointing has not been enabled."},
		{"/jobs/" + disabled + "/checkpoints/config", 404, "Checkpointing is not enabled for this job (" + disabled + ")."},
		{"/jobs/" + finished + "/checkpoints", 404, "Checkpointing has not been enabled."},
		{"/jobs/" + disabled + "/checkpoints/details/1", 404, "Checkpointing was not enabled for job " + disabled + "."},
		{"/jobs/" + running + "/checkpoints/details/999999", 404, "Could not find checkpointing statistics for checkpoint 999999."},
		{"/jobs/" + periodicOff + "/checkpoints/details/1", 404, "Could not find checkpointing statistics for checkpoint 1."},
		{fmt.Sprintf("/jobs/%s/checkpoints/details/%d/subtasks/%s", running, latestID, strings.Repeat("ab", 16)), 404, "There is no checkpoint statistics for task abab"},
		{"/jobs/" + strings.Repeat("0", 32), 404, "Job 00000000000000000000000000000000 not found"},
		{"/jobs/" + strings.Repeat("0", 32) + "/checkpoints", 404, "not found"},
		{"/jobs/" + running + "/vertices/" + strings.Repeat("0", 32), 404, "not found"},
		{"/jobs/not-a-job-id", 400, "jobid"},
		{"/jobs/" + running + "/checkpoints/details/abc", 400, "checkpointid"},
		{"/taskmanagers/nope", 404, "Could not find TaskExecutor nope."},
		{"/no/such/path", 404, "Not found: /no/such/path"},
	}
	for _, tc := range errorTests {
		rec := ts.get(tc.path)
		var body flinkapi.ErrorResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != tc.status ||
			len(body.Errors) == 0 || !strings.Contains(body.Errors[0], tc.message) {
			t.Errorf("GET %s: %d %s, want %d containing %q", tc.path, rec.Code, rec.Body, tc.status, tc.message)
		}
	}
	if rec := ts.get("/v1/jobs/" + running + "/vertices/" + vertex); rec.Code != http.StatusOK {
		t.Errorf("/v1 prefix: %d", rec.Code)
	}
}

// TestPartialFailures checks that failed checkpoints report the
// acknowledgements they got before failing and Flink's failure texts.
func TestPartialFailures(t *testing.T) {
	ts := newTestSim(t, Config{Scenario: "short-timeout", Seed: 4})
	job := ts.JobIDs()[0]
	ts.clock.Advance(2 * time.Minute)
	cs := checkpointsOf(ts, job)
	f := cs.Latest.Failed
	if f == nil {
		t.Fatal("no failed checkpoint in short-timeout")
	}
	msg, _ := f.FailureMessage.Get()
	// short-timeout sets each job's timeout from its own durations.
	timeout := getJSON[flinkapi.CheckpointConfig](ts, "/jobs/"+job+"/checkpoints/config").Timeout
	if msg != msgExpired || *f.FailureTimestamp-f.TriggerTimestamp != timeout || f.EndToEndDuration != timeout {
		t.Errorf("expired checkpoint: %q after %d ms, e2e %d", msg, *f.FailureTimestamp-f.TriggerTimestamp, f.EndToEndDuration)
	}
	if f.NumAcknowledgedSubtasks >= f.NumSubtasks {
		t.Errorf("expired checkpoint acknowledged by all %d subtasks", f.NumSubtasks)
	}
}
