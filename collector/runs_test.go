package collector

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// handJob is the job id of the hand-written answers.
const handJob = "5d6fbb1a2c3e4f5061728394a5b6c7d8"

// handCluster serves hand-written JSON answers by path, which a test may
// change between scrapes, and counts what was asked. A path listed in hold
// blocks until the hold channel is closed or the request is cancelled.
type handCluster struct {
	mu     sync.Mutex
	bodies map[string]string
	asked  map[string]int
	hold   map[string]chan struct{}
}

func newHandCluster(t *testing.T, bodies map[string]string) (*handCluster, string) {
	t.Helper()
	c := &handCluster{bodies: bodies, asked: map[string]int{}, hold: map[string]chan struct{}{}}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv.URL
}

func (c *handCluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.asked[r.URL.Path]++
	body, ok := c.bodies[r.URL.Path]
	hold := c.hold[r.URL.Path]
	c.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"errors":["Not found: %s"]}`, r.URL.Path)
		return
	}
	fmt.Fprint(w, body)
}

// set replaces answers.
func (c *handCluster) set(bodies map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p, b := range bodies {
		c.bodies[p] = b
	}
}

func (c *handCluster) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.asked[path]
}

func handOverview(version, commit string) string {
	return fmt.Sprintf(`{"taskmanagers":1,"slots-total":2,"slots-available":0,"jobs-running":1,"jobs-finished":0,"jobs-cancelled":0,"jobs-failed":0,"flink-version":%q,"flink-commit":%q}`, version, commit)
}

func handJobsOverview(start int64) string {
	return fmt.Sprintf(`{"jobs":[{"jid":%q,"name":"orders","start-time":%d,"end-time":-1,"duration":1000,"state":"RUNNING","last-modification":%d,"tasks":{}}]}`, handJob, start, start)
}

func handConfig(timeoutMs int64) string {
	return fmt.Sprintf(`{"mode":"exactly_once","interval":10000,"timeout":%d,"min_pause":0,"max_concurrent":1,"externalization":{"enabled":false,"delete_on_cancellation":true},"state_backend":"HashMapStateBackend","checkpoint_storage":"JobManagerCheckpointStorage","unaligned_checkpoints":false,"tolerable_failed_checkpoints":0}`, timeoutMs)
}

// handCheckpoint is one history entry: status FAILED (expired unless msg
// says otherwise), COMPLETED or IN_PROGRESS.
func handCheckpoint(id int64, status string, trigger int64, msg string) string {
	extra := ""
	if status == flinkapi.CheckpointFailed {
		if msg == "" {
			msg = "Checkpoint expired before completing."
		}
		extra = fmt.Sprintf(`,"failure_timestamp":%d,"failure_message":%q`, trigger+1000, msg)
	}
	return fmt.Sprintf(`{"className":".CheckpointStatistics","id":%d,"status":%q,"is_savepoint":false,"trigger_timestamp":%d,"latest_ack_timestamp":%d,"state_size":1000,"end_to_end_duration":1000,"alignment_buffered":0,"processed_data":0,"persisted_data":0,"num_subtasks":2,"num_acknowledged_subtasks":1,"checkpoint_type":"CHECKPOINT","tasks":{}%s}`, id, status, trigger, trigger+1000, extra)
}

// handCheckpoints is /jobs/:jobid/checkpoints with the given counts and
// history, newest first as Flink lists it.
func handCheckpoints(total, completed, failed int64, history ...string) string {
	return fmt.Sprintf(`{"counts":{"restored":0,"total":%d,"in_progress":%d,"completed":%d,"failed":%d},"summary":{},"latest":{"completed":null,"savepoint":null,"failed":null,"restored":null},"history":[%s]}`,
		total, total-completed-failed, completed, failed, strings.Join(history, ","))
}

// failuresOf returns flink_job_checkpoint_failures_total by reason, leaving
// out the reasons at 0.
func failuresOf(got map[string]series) map[string]float64 {
	out := map[string]float64{}
	for labels, v := range got["flink_job_checkpoint_failures_total"] {
		if v != 0 {
			out[labelValue(labels, "reason")] = v
		}
	}
	return out
}

func sameCounts(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func handExporter(t *testing.T, url string, now time.Time, collectors ...string) *Exporter {
	t.Helper()
	client, err := flinkapi.NewClient(url, flinkapi.Options{MaxConcurrentRequests: 4})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExporter(Config{Client: client, Now: func() time.Time { return now }, Timeout: 30 * time.Second, Collectors: collectors})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestFailureLedgerNewRun: a JobManager restarted without HA starts the
// job's checkpoint ids and counts over; the failure ledger starts over with
// them, so failures at reused ids are counted and the previous run's are
// not carried into this one.
func TestFailureLedgerNewRun(t *testing.T) {
	const start = 1_760_000_000_000
	cp := "/jobs/" + handJob + "/checkpoints"
	c, url := newHandCluster(t, map[string]string{
		"/overview":      handOverview("1.20.1", "0e9a3b1"),
		"/jobs/overview": handJobsOverview(start),
		cp:               handCheckpoints(10, 7, 3, handCheckpoint(10, "FAILED", start+100_000, ""), handCheckpoint(9, "FAILED", start+90_000, ""), handCheckpoint(8, "FAILED", start+80_000, ""), handCheckpoint(7, "COMPLETED", start+70_000, "")),
		cp + "/config":   handConfig(10_000),
	})
	e := handExporter(t, url, time.UnixMilli(start+200_000), "checkpoints")

	steps := []struct {
		name       string
		checkpoint string
		want       map[string]float64
	}{
		{"first run", "", map[string]float64{ReasonExpired: 3}},
		// The JobManager restarted without HA at the same start time
		// (application mode re-runs the same job id): ids start over.
		{"new run", handCheckpoints(3, 1, 2, handCheckpoint(3, "FAILED", start+30_000, ""), handCheckpoint(2, "FAILED", start+20_000, ""), handCheckpoint(1, "COMPLETED", start+10_000, "")),
			map[string]float64{ReasonExpired: 2}},
		// The new run reaches the ids the previous one failed at.
		{"reused ids", handCheckpoints(10, 5, 4, handCheckpoint(9, "FAILED", start+90_000, ""), handCheckpoint(8, "FAILED", start+80_000, ""), handCheckpoint(7, "COMPLETED", start+70_000, ""), handCheckpoint(3, "FAILED", start+30_000, ""), handCheckpoint(2, "FAILED", start+20_000, "")),
			map[string]float64{ReasonExpired: 4}},
		{"same again", "", map[string]float64{ReasonExpired: 4}},
	}
	for _, step := range steps {
		if step.checkpoint != "" {
			c.set(map[string]string{cp: step.checkpoint})
		}
		if got := failuresOf(gatherSeries(t, e)); !sameCounts(got, step.want) {
			t.Errorf("%s: failures = %v, want %v", step.name, got, step.want)
		}
	}
}

// TestTwoClustersBehindOneURL: two clusters answer in turn at one address
// with a job of the same id (application mode behind one Service). The
// exporter never serves one's checkpoint configuration for the other and
// counts each one's failures against its own count, not again on every
// switch. The clusters differ by the job's start time, or by the
// JobManager's commit with the same start time.
func TestTwoClustersBehindOneURL(t *testing.T) {
	const startA, startB = 1_760_000_000_000, 1_760_000_500_000
	cp := "/jobs/" + handJob + "/checkpoints"
	a := map[string]string{
		"/overview":      handOverview("1.20.1", "0e9a3b1"),
		"/jobs/overview": handJobsOverview(startA),
		cp:               handCheckpoints(6, 4, 2, handCheckpoint(6, "FAILED", startA+60_000, ""), handCheckpoint(5, "FAILED", startA+50_000, "Checkpoint was declined."), handCheckpoint(4, "COMPLETED", startA+40_000, "")),
		cp + "/config":   handConfig(2_100),
	}
	b := map[string]string{
		"/overview":      handOverview("1.20.1", "0e9a3b1"),
		"/jobs/overview": handJobsOverview(startB),
		cp:               handCheckpoints(9, 8, 1, handCheckpoint(9, "COMPLETED", startB+90_000, ""), handCheckpoint(8, "FAILED", startB+80_000, "")),
		cp + "/config":   handConfig(10_000),
	}
	// c is cluster b run by another Flink build, started at a's time.
	c := map[string]string{
		"/overview":      handOverview("1.20.1", "77f2c4d"),
		"/jobs/overview": handJobsOverview(startA),
		cp:               handCheckpoints(9, 8, 1, handCheckpoint(9, "COMPLETED", startB+90_000, ""), handCheckpoint(8, "FAILED", startB+80_000, "")),
		cp + "/config":   handConfig(10_000),
	}
	fc, url := newHandCluster(t, map[string]string{})
	e := handExporter(t, url, time.UnixMilli(startB+100_000), "checkpoints")
	wantA := map[string]float64{ReasonExpired: 1, ReasonDeclined: 1}
	wantB := map[string]float64{ReasonExpired: 1}
	for i, step := range []struct {
		bodies  map[string]string
		timeout float64
		want    map[string]float64
	}{{a, 2.1, wantA}, {b, 10, wantB}, {a, 2.1, wantA}, {b, 10, wantB}, {a, 2.1, wantA}, {c, 10, wantB}, {a, 2.1, wantA}} {
		fc.set(step.bodies)
		got := gatherSeries(t, e)
		if v := got["flink_job_checkpoint_timeout_seconds"].one(t, "timeout"); v != step.timeout {
			t.Errorf("scrape %d: checkpoint timeout %v s, want %v s", i, v, step.timeout)
		}
		if f := failuresOf(got); !sameCounts(f, step.want) {
			t.Errorf("scrape %d: failures = %v, want %v", i, f, step.want)
		}
	}
	if n := fc.count(cp + "/config"); n != 7 {
		t.Errorf("%d checkpoint config requests in 7 scrapes that each saw another cluster, want 7", n)
	}
}

// TestFailuresAddUp: the failures by reason, reason="unseen" included, add
// up to Flink's failed count of the same answer, also when most failures
// happened before the exporter started or left the history unseen; the
// unseen count never goes down within a run.
func TestFailuresAddUp(t *testing.T) {
	const start = 1_760_000_000_000
	cp := "/jobs/" + handJob + "/checkpoints"
	c, url := newHandCluster(t, map[string]string{
		"/overview":      handOverview("1.20.1", "0e9a3b1"),
		"/jobs/overview": handJobsOverview(start),
		cp: handCheckpoints(100, 60, 40,
			handCheckpoint(100, "FAILED", start+100_000, ""), handCheckpoint(99, "FAILED", start+99_000, "Checkpoint was declined."), handCheckpoint(98, "FAILED", start+98_000, ""), handCheckpoint(97, "COMPLETED", start+97_000, "")),
		cp + "/config": handConfig(10_000),
	})
	e := handExporter(t, url, time.UnixMilli(start+200_000), "checkpoints")
	steps := []struct {
		checkpoints string
		want        map[string]float64
	}{
		{"", map[string]float64{ReasonExpired: 2, ReasonDeclined: 1, ReasonUnseen: 37}},
		// One more failure in the history, two more that never reach it
		// (failed while triggering).
		{handCheckpoints(103, 60, 43, handCheckpoint(103, "FAILED", start+103_000, "Failure to finalize checkpoint."), handCheckpoint(100, "FAILED", start+100_000, ""), handCheckpoint(99, "FAILED", start+99_000, "Checkpoint was declined.")),
			map[string]float64{ReasonExpired: 2, ReasonDeclined: 1, ReasonFinalize: 1, ReasonUnseen: 39}},
		// A failure counted as unseen shows up late: unseen stays.
		{handCheckpoints(103, 60, 43, handCheckpoint(103, "FAILED", start+103_000, "Failure to finalize checkpoint."), handCheckpoint(102, "FAILED", start+102_000, ""), handCheckpoint(100, "FAILED", start+100_000, "")),
			map[string]float64{ReasonExpired: 3, ReasonDeclined: 1, ReasonFinalize: 1, ReasonUnseen: 39}},
	}
	for i, step := range steps {
		if step.checkpoints != "" {
			c.set(map[string]string{cp: step.checkpoints})
		}
		got := gatherSeries(t, e)
		if f := failuresOf(got); !sameCounts(f, step.want) {
			t.Errorf("scrape %d: failures = %v, want %v", i, f, step.want)
		}
	}
}

// TestFailuresAddUpAgainstSimulator: against the simulator's short-timeout
// scenario, whose history keeps the last 10 checkpoints
// (web.checkpoints.history), failures by reason add up to Flink's failed
// count in every scrape, with scrapes further apart than the history
// reaches.
func TestFailuresAddUpAgainstSimulator(t *testing.T) {
	c := newSimCluster(t, flinksim.Config{Scenario: "short-timeout"})
	for i, step := range []time.Duration{90 * time.Second, 10 * time.Minute, 15 * time.Second, 30 * time.Minute} {
		c.clock.Advance(step)
		got := gatherSeries(t, c.exporter)
		jobs, err := c.client.JobsOverview(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var sawUnseen bool
		for _, j := range jobs.Jobs {
			stats, err := c.client.Checkpoints(context.Background(), j.ID)
			if flinkapi.IsNotFound(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			var sum float64
			for labels, v := range got["flink_job_checkpoint_failures_total"].withLabel("job_id=" + j.ID) {
				sum += v
				sawUnseen = sawUnseen || labelValue(labels, "reason") == ReasonUnseen && v > 0
			}
			if sum != float64(stats.Counts.Failed) {
				t.Errorf("scrape %d, %s: failures by reason add up to %v, Flink counts %d failed", i, j.Name, sum, stats.Counts.Failed)
			}
		}
		if i > 0 && !sawUnseen {
			t.Errorf("scrape %d: no job has unseen failures after %v without a scrape", i, step)
		}
	}
}

// TestAgesOnJobManagerClock: the exporter's clock is an hour ahead of the
// JobManager's. Once an answer told the JobManager's time (the now field of
// /jobs/:jobid), the in-progress checkpoint's age and the heartbeat age
// are measured on the JobManager's clock, with no more requests.
func TestAgesOnJobManagerClock(t *testing.T) {
	const jmNow = 1_760_000_100_000
	local := time.UnixMilli(jmNow).Add(time.Hour)
	cp := "/jobs/" + handJob + "/checkpoints"
	c, url := newHandCluster(t, map[string]string{
		"/overview":      handOverview("1.20.1", "0e9a3b1"),
		"/jobs/overview": handJobsOverview(jmNow - 100_000),
		cp:               handCheckpoints(5, 4, 0, handCheckpoint(5, "IN_PROGRESS", jmNow-4_000, ""), handCheckpoint(4, "COMPLETED", jmNow-20_000, "")),
		cp + "/config":   handConfig(10_000),
		"/jobs/" + handJob: fmt.Sprintf(`{"jid":%q,"name":"orders","isStoppable":false,"state":"RUNNING","start-time":%d,"end-time":-1,"duration":100000,"maxParallelism":-1,"now":%d,"timestamps":{},"vertices":[],"status-counts":{},"plan":{}}`,
			handJob, jmNow-100_000, jmNow),
		"/taskmanagers": fmt.Sprintf(`{"taskmanagers":[{"id":"10.0.0.7:6122-3f2a1b","path":"pekko.tcp://flink@10.0.0.7:6122/user/rpc/taskmanager_0","dataPort":6121,"jmxPort":-1,"timeSinceLastHeartbeat":%d,"slotsNumber":2,"freeSlots":0,"hardware":{"cpuCores":2,"physicalMemory":4000000000,"freeMemory":1000000000,"managedMemory":500000000}}]}`, jmNow-2_000),
	})
	e := handExporter(t, url, local, "checkpoints", "taskmanagers", "backpressure")

	first := gatherSeries(t, e)
	// The first scrape knows no better than the local clock.
	if v := first["flink_job_checkpoint_in_progress_age_seconds"].one(t, "age"); v != 3604 {
		t.Errorf("first scrape: in-progress age %v s, want 3604 s (local clock)", v)
	}
	second := gatherSeries(t, e)
	if v := second["flink_job_checkpoint_in_progress_age_seconds"].one(t, "age"); v != 4 {
		t.Errorf("in-progress age %v s, want 4 s on the JobManager's clock", v)
	}
	if v := second["flink_job_checkpoint_in_progress_to_timeout_ratio"].one(t, "ratio"); v != 0.4 {
		t.Errorf("in-progress ratio %v, want 0.4", v)
	}
	if v := second["flink_taskmanager_heartbeat_age_seconds"].one(t, "heartbeat"); v != 2 {
		t.Errorf("heartbeat age %v s, want 2 s on the JobManager's clock", v)
	}
	if n := c.count("/jobs/" + handJob); n != 1 {
		t.Errorf("/jobs/:jobid asked %d times in two scrapes, want once per run", n)
	}

	// Another cluster at the URL: its clock is not known yet.
	c.set(map[string]string{"/overview": handOverview("2.1.0", "9c41e07")})
	third := gatherSeries(t, e)
	if v := third["flink_job_checkpoint_in_progress_age_seconds"].one(t, "age"); v != 3604 {
		t.Errorf("after a cluster change: in-progress age %v s, want 3604 s (local clock until the new JobManager tells its time)", v)
	}
}

// TestJoinedScrapeOutOfTimeReportsWhatItKnows: a scrape that waits for
// one in flight and runs out of time while a collector is still waiting
// for the JobManager reports flink_up 1, the collectors that finished with
// their metrics, and success 0 for the one that did not.
func TestJoinedScrapeOutOfTimeReportsWhatItKnows(t *testing.T) {
	const start = 1_760_000_000_000
	c, url := newHandCluster(t, map[string]string{
		"/overview":      handOverview("1.20.1", "0e9a3b1"),
		"/jobs/overview": handJobsOverview(start),
		"/taskmanagers":  `{"taskmanagers":[]}`,
	})
	release := make(chan struct{})
	c.hold["/taskmanagers"] = release
	e := handExporter(t, url, time.UnixMilli(start+10_000), "cluster", "jobs", "taskmanagers")
	var joined sync.WaitGroup
	joined.Add(1)
	e.joined = joined.Done

	leader := make(chan map[string]series, 1)
	go func() {
		s, _ := exposition(boundCollector{e: e, ctx: context.Background()})
		leader <- parseExposition(s)
	}()
	// Wait until the leader's cluster and jobs collectors have reported.
	deadline := time.Now().Add(10 * time.Second)
	for {
		e.mu.Lock()
		f := e.inflight
		e.mu.Unlock()
		if f != nil {
			if up, finished := e.progress(f.snapshot()); up == 1 && finished["cluster"] && finished["jobs"] {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the leading scrape's cluster and jobs collectors did not finish")
		}
		time.Sleep(time.Millisecond) // polling a condition, with a deadline
	}

	ctx, cancel := context.WithCancel(context.Background())
	follower := make(chan string, 1)
	go func() {
		s, _ := exposition(boundCollector{e: e, ctx: ctx})
		follower <- s
	}()
	joined.Wait()
	cancel()
	text := <-follower
	got := parseExposition(text)
	if v, ok := got["flink_up"][""]; !ok || v != 1 {
		t.Errorf("joined scrape out of time: flink_up = %v, want 1", got["flink_up"])
	}
	want := map[string]float64{`{collector="cluster"}`: 1, `{collector="jobs"}`: 1, `{collector="taskmanagers"}`: 0}
	if !sameCounts(got["flink_exporter_scrape_collector_success"], want) {
		t.Errorf("joined scrape out of time: success = %v, want %v", got["flink_exporter_scrape_collector_success"], want)
	}
	if !strings.Contains(text, `flink_job_state{job_id="`+handJob+`",job_name="orders",state="RUNNING"} 1`) {
		t.Errorf("joined scrape out of time lacks the jobs collector's metrics:\n%s", text)
	}
	close(release)
	if v := (<-leader)["flink_exporter_scrape_collector_success"][`{collector="taskmanagers"}`]; v != 1 {
		t.Errorf("leading scrape: taskmanagers success = %v, want 1", v)
	}
}

// TestFailureLedgerNewRunAgainstSimulator: the simulator's JobManager
// restarts without HA in the short-timeout scenario and its checkpoint ids
// start over; in the first scrape after it, the failures by reason are
// those of the new run's history, each once, ids the previous run used
// included, plus the unseen rest of Flink's count; in every scrape they add
// up to Flink's count.
func TestFailureLedgerNewRunAgainstSimulator(t *testing.T) {
	c := newSimCluster(t, flinksim.Config{Scenario: "short-timeout"})
	c.clock.Advance(5 * time.Minute)
	gatherSeries(t, c.exporter)
	c.sim.RestartJobManagerWithoutHA()
	for i, step := range []time.Duration{2 * time.Minute, 15 * time.Second, 15 * time.Second} {
		c.clock.Advance(step)
		got := gatherSeries(t, c.exporter)
		jobs, err := c.client.JobsOverview(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs.Jobs {
			stats, err := c.client.Checkpoints(context.Background(), j.ID)
			if flinkapi.IsNotFound(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]float64{}
			seen := map[int64]bool{}
			cps := append([]flinkapi.CheckpointStatistics{}, stats.History...)
			if stats.Latest.Failed != nil {
				cps = append(cps, *stats.Latest.Failed)
			}
			for _, cp := range cps {
				if cp.Status == flinkapi.CheckpointFailed && !seen[cp.ID] {
					seen[cp.ID] = true
					msg, _ := cp.FailureMessage.Get()
					want[ClassifyFailure(msg)]++
				}
			}
			if unseen := float64(stats.Counts.Failed) - float64(len(seen)); unseen > 0 {
				want[ReasonUnseen] = unseen
			}
			got := failuresOf(map[string]series{"flink_job_checkpoint_failures_total": got["flink_job_checkpoint_failures_total"].withLabel("job_id=" + j.ID)})
			if i == 0 && !sameCounts(got, want) {
				t.Errorf("scrape %d after the restart, %s: failures = %v, want %v", i, j.Name, got, want)
			}
			var sum float64
			for _, v := range got {
				sum += v
			}
			if sum != float64(stats.Counts.Failed) {
				t.Errorf("scrape %d after the restart, %s: failures add up to %v, Flink counts %d", i, j.Name, sum, stats.Counts.Failed)
			}
		}
	}
}

// TestInProgressAnalysisOnJobManagerClock: whether the checkpoint in
// progress has run long enough to be analysed, and how long its subtasks
// have been pending, are measured on the JobManager's clock once an answer
// told it, not on an exporter clock an hour ahead.
func TestInProgressAnalysisOnJobManagerClock(t *testing.T) {
	const jmNow = 1_760_000_100_000
	const vertex = "90bea66de1c231edf33913ecd54406c1"
	local := time.UnixMilli(jmNow).Add(time.Hour)
	cp := "/jobs/" + handJob + "/checkpoints"
	details, err := os.ReadFile(filepath.Join("..", "testdata", "flink-rest", "samples", "constructed", "2.1", "jobs_jobid_checkpoints_details_103_subtasks_vertex.json"))
	if err != nil {
		t.Fatal(err)
	}
	vertexDetails, err := os.ReadFile(filepath.Join("..", "testdata", "flink-rest", "samples", "constructed", "2.1", "jobs_jobid_vertices_vertexid.json"))
	if err != nil {
		t.Fatal(err)
	}
	inProgress := func(triggeredAgo int64) string {
		return handCheckpoints(5, 4, 0, handCheckpoint(5, "IN_PROGRESS", jmNow-triggeredAgo, ""), handCheckpoint(4, "COMPLETED", jmNow-20_000, ""))
	}
	c, url := newHandCluster(t, map[string]string{
		"/overview":      handOverview("1.20.1", "0e9a3b1"),
		"/jobs/overview": handJobsOverview(jmNow - 100_000),
		cp:               inProgress(4_000),
		cp + "/config":   handConfig(10_000),
		"/jobs/" + handJob: fmt.Sprintf(`{"jid":%q,"name":"orders","isStoppable":false,"state":"RUNNING","start-time":%d,"end-time":-1,"duration":100000,"maxParallelism":-1,"now":%d,"timestamps":{},"vertices":[{"id":%q,"name":"KeyedProcess -> Sink: Kafka","parallelism":2,"status":"RUNNING"}],"status-counts":{},"plan":{}}`,
			handJob, jmNow-100_000, jmNow, vertex),
		"/jobs/" + handJob + "/vertices/" + vertex: string(vertexDetails),
		cp + "/details/5/subtasks/" + vertex:       strings.Replace(strings.Replace(string(details), `"id":103`, `"id":5`, 1), `"status":"COMPLETED"`, `"status":"IN_PROGRESS"`, 1),
		cp + "/details/4/subtasks/" + vertex:       strings.Replace(string(details), `"id":103`, `"id":4`, 1),
	})
	e := handExporter(t, url, local, "checkpoints", "checkpoint_acks")
	inProgressID := func(got map[string]series) series {
		return got["flink_job_checkpoint_ack_analysis_checkpoint_id"].withLabel("checkpoint=in_progress")
	}

	gatherSeries(t, e) // reads /jobs/:jobid, which tells the JobManager's time
	second := gatherSeries(t, e)
	if s := inProgressID(second); len(s) != 0 {
		t.Errorf("checkpoint in progress for 4 s of a 10 s timeout analysed (%v): its age was taken on the exporter's clock", s)
	}

	c.set(map[string]string{cp: inProgress(6_000)})
	asked := c.count(cp + "/details/5/subtasks/" + vertex)
	third := gatherSeries(t, e)
	if c.count(cp+"/details/5/subtasks/"+vertex) == asked {
		t.Fatalf("checkpoint in progress for 6 s of a 10 s timeout not read")
	}
	if v := inProgressID(third).one(t, "in-progress analysis"); v != 5 {
		t.Errorf("in-progress analysis of checkpoint %v, want 5", v)
	}
	if v := third["flink_job_checkpoint_ack_analysis_pending_seconds"].withLabel("checkpoint=in_progress").one(t, "pending"); v != 6 {
		t.Errorf("pending for %v s, want 6 s on the JobManager's clock", v)
	}
}
