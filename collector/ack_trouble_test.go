package collector

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// troubleJM is a hand-written JobManager of one job with two vertices of
// parallelism 2 on two TaskManagers, whose latest completed checkpoint is
// 10, whose latest failed one is 11 and whose checkpoint 12 is in
// progress. Every answer is a literal of this file; failing paths answer
// 500. Its /jobs/:jobid leaves out the JobManager's now, so that ages are
// measured on each test's own clock.
type troubleJM struct {
	mu     sync.Mutex
	bodies map[string]string
	failed map[string]bool
	asked  map[string]int
}

const (
	troubleJob = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	troubleV1  = "11111111111111111111111111111111"
	troubleV2  = "22222222222222222222222222222222"
)

// completedSubtask renders one acknowledged subtask: e2e, sync, async,
// alignment and start delay in ms.
func completedSubtask(index int, trigger, e2e, sync, async, align, start int64) string {
	return fmt.Sprintf(`{"className":"completed","index":%d,"status":"completed","ack_timestamp":%d,"end_to_end_duration":%d,"checkpointed_size":1000,"state_size":2000,"checkpoint":{"sync":%d,"async":%d},"alignment":{"buffered":0,"processed":0,"persisted":0,"duration":%d},"start_delay":%d,"unaligned_checkpoint":false,"aborted":false}`,
		index, trigger+e2e, e2e, sync, async, align, start)
}

// pendingSubtask renders Flink's entry of a subtask that has not
// acknowledged.
func pendingSubtask(index int) string {
	return fmt.Sprintf(`{"className":"pending","index":%d,"status":"pending_or_failed"}`, index)
}

func subtaskDetails(id int64, status string, subtasks ...string) string {
	return fmt.Sprintf(`{"id":%d,"status":%q,"latest_ack_timestamp":0,"checkpointed_size":0,"state_size":0,"end_to_end_duration":0,"alignment_buffered":0,"processed_data":0,"persisted_data":0,"num_subtasks":2,"num_acknowledged_subtasks":0,"summary":{},"subtasks":[%s]}`,
		id, status, strings.Join(subtasks, ","))
}

func checkpointEntry(id int64, status string, trigger, e2e int64, extra string) string {
	return fmt.Sprintf(`{"className":%q,"id":%d,"status":%q,"is_savepoint":false,"trigger_timestamp":%d,"latest_ack_timestamp":%d,"state_size":0,"end_to_end_duration":%d,"alignment_buffered":0,"processed_data":0,"persisted_data":0,"num_subtasks":4,"num_acknowledged_subtasks":0,"checkpoint_type":"CHECKPOINT","tasks":{}%s}`,
		strings.ToLower(status), id, status, trigger, trigger+e2e, e2e, extra)
}

func newTroubleJM(t *testing.T) (*troubleJM, *httptest.Server) {
	t.Helper()
	vertex := func(id, name string) string {
		return fmt.Sprintf(`{"id":%q,"name":%q,"maxParallelism":128,"parallelism":2,"status":"RUNNING","start-time":1,"end-time":-1,"duration":1,"tasks":{},"metrics":{}}`, id, name)
	}
	placement := func(id, name string) string {
		return fmt.Sprintf(`{"id":%q,"name":%q,"parallelism":2,"maxParallelism":128,"now":1,"subtasks":[{"subtask":0,"status":"RUNNING","attempt":0,"endpoint":"10.0.0.1:1","taskmanager-id":"tm-a","start-time":1,"end-time":-1,"duration":1,"metrics":{}},{"subtask":1,"status":"RUNNING","attempt":0,"endpoint":"10.0.0.2:1","taskmanager-id":"tm-b","start-time":1,"end-time":-1,"duration":1,"metrics":{}}]}`, id, name)
	}
	jm := &troubleJM{failed: map[string]bool{}, asked: map[string]int{}, bodies: map[string]string{
		"/overview":      `{"taskmanagers":2,"slots-total":4,"slots-available":0,"jobs-running":1,"jobs-finished":0,"jobs-cancelled":0,"jobs-failed":0,"flink-version":"1.20.0","flink-commit":"abc"}`,
		"/jobs/overview": `{"jobs":[{"jid":"` + troubleJob + `","name":"orders","start-time":1,"end-time":-1,"duration":1,"state":"RUNNING","last-modification":1,"tasks":{}}]}`,
		"/jobs/" + troubleJob: `{"jid":"` + troubleJob + `","name":"orders","isStoppable":false,"state":"RUNNING","start-time":1,"end-time":-1,"duration":1,"maxParallelism":-1,"timestamps":{},"vertices":[` +
			vertex(troubleV1, "Source") + `,` + vertex(troubleV2, "Sink") + `]}`,
		"/jobs/" + troubleJob + "/vertices/" + troubleV1:                        placement(troubleV1, "Source"),
		"/jobs/" + troubleJob + "/vertices/" + troubleV2:                        placement(troubleV2, "Sink"),
		"/jobs/" + troubleJob + "/checkpoints/config":                           `{"mode":"exactly_once","interval":5000,"timeout":10000,"min_pause":0,"max_concurrent":1,"externalization":{"enabled":false,"delete_on_cancellation":true},"state_backend":"hashmap","checkpoint_storage":"JobManagerCheckpointStorage","unaligned_checkpoints":false,"tolerable_failed_checkpoints":0}`,
		"/jobs/" + troubleJob + "/checkpoints/details/10/subtasks/" + troubleV1: subtaskDetails(10, "COMPLETED", completedSubtask(0, 1_700_000_000_000, 900, 1, 400, 0, 50), completedSubtask(1, 1_700_000_000_000, 1000, 1, 500, 0, 50)),
		"/jobs/" + troubleJob + "/checkpoints/details/10/subtasks/" + troubleV2: subtaskDetails(10, "COMPLETED", completedSubtask(0, 1_700_000_000_000, 1200, 1, 600, 0, 50), completedSubtask(1, 1_700_000_000_000, 1500, 1, 700, 0, 50)),
		"/jobs/" + troubleJob + "/checkpoints/details/11/subtasks/" + troubleV1: subtaskDetails(11, "FAILED", completedSubtask(0, 1_700_000_020_000, 700, 2, 300, 0, 40), completedSubtask(1, 1_700_000_020_000, 900, 2, 400, 0, 40)),
		"/jobs/" + troubleJob + "/checkpoints/details/11/subtasks/" + troubleV2: subtaskDetails(11, "FAILED", completedSubtask(0, 1_700_000_020_000, 2000, 3, 1500, 0, 60), pendingSubtask(1)),
		"/jobs/" + troubleJob + "/checkpoints/details/12/subtasks/" + troubleV1: subtaskDetails(12, "IN_PROGRESS", completedSubtask(0, 1_700_000_054_000, 800, 10, 300, 5, 100), pendingSubtask(1)),
		"/jobs/" + troubleJob + "/checkpoints/details/12/subtasks/" + troubleV2: subtaskDetails(12, "IN_PROGRESS", pendingSubtask(0), pendingSubtask(1)),
	}}
	jm.setCheckpoints(10, 1_700_000_000_000, 1500)
	srv := httptest.NewServer(jm)
	t.Cleanup(srv.Close)
	return jm, srv
}

// setCheckpoints answers /checkpoints with the given latest completed
// checkpoint, failed checkpoint 11 and checkpoint 12 in progress since
// 1_700_000_054_000.
func (jm *troubleJM) setCheckpoints(completedID, completedTrigger, completedE2E int64) {
	completed := checkpointEntry(completedID, "COMPLETED", completedTrigger, completedE2E, `,"external_path":"file:/cp","discarded":false`)
	failed := checkpointEntry(11, "FAILED", 1_700_000_020_000, 10000, `,"failure_timestamp":1700000030000,"failure_message":"Checkpoint expired before completing."`)
	inProgress := checkpointEntry(12, "IN_PROGRESS", 1_700_000_054_000, -1, "")
	jm.mu.Lock()
	defer jm.mu.Unlock()
	jm.bodies["/jobs/"+troubleJob+"/checkpoints"] = `{"counts":{"restored":0,"total":12,"in_progress":1,"completed":10,"failed":1},"summary":{"state_size":{"min":0,"max":0,"avg":0},"end_to_end_duration":{"min":0,"max":0,"avg":0},"alignment_buffered":{"min":0,"max":0,"avg":0},"processed_data":{"min":0,"max":0,"avg":0},"persisted_data":{"min":0,"max":0,"avg":0}},` +
		`"latest":{"completed":` + completed + `,"savepoint":null,"failed":` + failed + `,"restored":null},"history":[` + inProgress + `,` + failed + `,` + completed + `]}`
}

func (jm *troubleJM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	jm.mu.Lock()
	defer jm.mu.Unlock()
	jm.asked[r.URL.Path]++
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if jm.failed[r.URL.Path] || strings.Contains(r.URL.Path, "/details/") && jm.failed["details"] {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"errors":["Internal server error."]}`))
		return
	}
	body, ok := jm.bodies[r.URL.Path]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"errors":["Not found: ` + r.URL.Path + `"]}`))
		return
	}
	w.Write([]byte(body))
}

// wantSeries checks the value of each series named by metric and labels.
func wantSeries(t *testing.T, got map[string]series, metric string, want map[string]float64, labels ...string) {
	t.Helper()
	s := got[metric].withLabel(labels...)
	if len(s) != len(want) {
		t.Errorf("%s%v: %d series, want %d: %v", metric, labels, len(s), len(want), s)
	}
	for sel, v := range want {
		kv := append(append([]string{}, labels...), strings.Split(sel, ",")...)
		g := got[metric].withLabel(kv...)
		if len(g) != 1 {
			t.Errorf("%s%v: %d series, want 1", metric, kv, len(g))
			continue
		}
		if gv := g.one(t, metric); math.Abs(gv-v) > 1e-9 {
			t.Errorf("%s%v = %v, want %v", metric, kv, gv, v)
		}
	}
}

// TestAckAnalysisOfCheckpointsInTrouble: the checkpoint in progress past
// half its timeout and the latest failed one are analysed besides the
// latest completed one; the subtasks that have not acknowledged are named
// per vertex and TaskManager, with the checkpoint each analysis describes.
func TestAckAnalysisOfCheckpointsInTrouble(t *testing.T) {
	_, srv := newTroubleJM(t)
	// Checkpoint 12 was triggered 6 s ago, timeout 10 s.
	clock := flinksim.NewManualClock(time.UnixMilli(1_700_000_060_000))
	e := newClockedExporter(t, srv.URL, clock, DefaultMetricsTTL, "checkpoint_acks")
	got := gatherSeries(t, e)
	if v := got["flink_exporter_scrape_collector_success"].one(t, "success"); v != 1 {
		t.Fatalf("checkpoint_acks failed")
	}
	job := "job_id=" + troubleJob
	wantSeries(t, got, "flink_job_checkpoint_ack_analysis_checkpoint_id", map[string]float64{
		"checkpoint=latest_completed": 10, "checkpoint=in_progress": 12, "checkpoint=latest_failed": 11,
	}, job)
	wantSeries(t, got, "flink_job_checkpoint_ack_analysis_trigger_timestamp_seconds", map[string]float64{
		"checkpoint=latest_completed": 1_700_000_000, "checkpoint=in_progress": 1_700_000_054, "checkpoint=latest_failed": 1_700_000_020,
	}, job)
	wantSeries(t, got, "flink_job_checkpoint_ack_analysis_age_seconds", map[string]float64{
		"checkpoint=latest_completed": 0, "checkpoint=in_progress": 0, "checkpoint=latest_failed": 0,
	}, job)
	wantSeries(t, got, "flink_job_checkpoint_ack_analysis_pending_seconds", map[string]float64{
		"checkpoint=in_progress": 6, "checkpoint=latest_failed": 10,
	}, job)
	wantSeries(t, got, "flink_job_vertex_checkpoint_subtasks_pending", map[string]float64{
		"vertex_name=Source,checkpoint=in_progress": 1, "vertex_name=Sink,checkpoint=in_progress": 2,
		"vertex_name=Source,checkpoint=latest_failed": 0, "vertex_name=Sink,checkpoint=latest_failed": 1,
	}, job)
	wantSeries(t, got, "flink_taskmanager_checkpoint_subtasks_pending", map[string]float64{
		"tm_id=tm-a,checkpoint=in_progress": 1, "tm_id=tm-b,checkpoint=in_progress": 2,
		"tm_id=tm-a,checkpoint=latest_failed": 0, "tm_id=tm-b,checkpoint=latest_failed": 1,
	}, job)
	// The phases of the subtasks that did acknowledge: Sink acknowledged
	// nothing of 12, so it has no phases of it.
	wantSeries(t, got, "flink_job_vertex_checkpoint_acknowledged_phase_max_seconds", map[string]float64{
		"phase=ack": 0.8, "phase=sync": 0.01, "phase=async": 0.3, "phase=alignment": 0.005, "phase=start_delay": 0.1, "phase=unexplained": 0.385,
	}, job, "checkpoint=in_progress")
	wantSeries(t, got, "flink_job_vertex_checkpoint_acknowledged_phase_max_seconds", map[string]float64{
		"vertex_name=Source": 0.9, "vertex_name=Sink": 2.0,
	}, job, "checkpoint=latest_failed", "phase=ack")
	wantSeries(t, got, "flink_job_vertex_checkpoint_acknowledged_phase_max_seconds", map[string]float64{
		"vertex_name=Source": 0.4, "vertex_name=Sink": 1.5,
	}, job, "checkpoint=latest_failed", "phase=async")
	// The latest completed checkpoint keeps its own series.
	wantSeries(t, got, "flink_job_vertex_checkpoint_ack_latency_max_seconds", map[string]float64{
		"vertex_name=Source": 1.0, "vertex_name=Sink": 1.5,
	}, job)
}

// TestAckAnalysisInProgressWaitsForHalfTheTimeout: a checkpoint in
// progress for less than half its timeout costs no request.
func TestAckAnalysisInProgressWaitsForHalfTheTimeout(t *testing.T) {
	jm, srv := newTroubleJM(t)
	// Checkpoint 12 was triggered 4 s ago, timeout 10 s.
	clock := flinksim.NewManualClock(time.UnixMilli(1_700_000_058_000))
	e := newClockedExporter(t, srv.URL, clock, DefaultMetricsTTL, "checkpoint_acks")
	got := gatherSeries(t, e)
	if s := got["flink_job_checkpoint_ack_analysis_checkpoint_id"].withLabel("checkpoint=in_progress"); len(s) != 0 {
		t.Errorf("checkpoint in progress for 4 s of 10 analysed: %v", s)
	}
	jm.mu.Lock()
	defer jm.mu.Unlock()
	for path, n := range jm.asked {
		if strings.Contains(path, "/details/12/") {
			t.Errorf("asked %s %d times", path, n)
		}
	}
}

// TestAckAnalysisAgeGrows: while the latest completed checkpoint cannot
// be analysed (its details left the history), the analysis of the older
// one is served with the id it describes and an age that grows from the
// last scrape that saw it current.
func TestAckAnalysisAgeGrows(t *testing.T) {
	jm, srv := newTroubleJM(t)
	clock := flinksim.NewManualClock(time.UnixMilli(1_700_000_060_000))
	e := newClockedExporter(t, srv.URL, clock, DefaultMetricsTTL, "checkpoint_acks")
	gatherSeries(t, e)
	clock.Advance(10 * time.Second)
	gatherSeries(t, e) // checkpoint 10 still the latest: confirmed at +10 s
	jm.setCheckpoints(13, 1_700_000_070_000, 2000)
	for _, wantAge := range []float64{15, 30} {
		clock.Advance(15 * time.Second)
		got := gatherSeries(t, e)
		completed := []string{"job_id=" + troubleJob, "checkpoint=latest_completed"}
		if id := got["flink_job_checkpoint_ack_analysis_checkpoint_id"].withLabel(completed...).one(t, "id"); id != 10 {
			t.Errorf("analysis of checkpoint %v, want 10", id)
		}
		if age := got["flink_job_checkpoint_ack_analysis_age_seconds"].withLabel(completed...).one(t, "age"); age != wantAge {
			t.Errorf("age %v, want %v", age, wantAge)
		}
	}
}
