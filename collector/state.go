package collector

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// State is what an Exporter remembers about one cluster between scrapes:
// answers that do not change until a job restarts, each job's latest
// acknowledgement analysis (of a completed checkpoint, immutable, so read
// once per checkpoint id) and each vertex's back-pressure as last read,
// which stay exported until the refresh budget comes to them, and the
// failed checkpoints already counted. It holds one entry per job that the
// last scrape saw and forgets the others, so it stays bounded.
type State struct {
	mu   sync.Mutex
	jobs map[string]*jobState

	// metrics holds the JVM processes' metric ids and answers; it forgets
	// the TaskManagers that leave.
	metrics metricCache

	// scraped is set by the first scrape that plans refreshes; first is
	// that scrape until the next one plans (refresh.go).
	scraped bool
	first   *Scrape

	// identity is the JobManager's flink-version and flink-commit from
	// /overview; when it changes, another cluster answers at the URL.
	identity string
	// clock is what the exporter knows of the JobManager's clock.
	clock jobManagerClock
	// reported holds, by kind, the last condition a warning was logged
	// for (changed reports whether to log again).
	reported map[string]string
}

// changed reports whether the condition of a warning of the given kind
// differs from the one last reported, and records it: a JobManager that
// lists duplicates or too many jobs at every scrape is logged about once
// per change, not once per scrape. An empty condition (the trouble went
// away) is recorded without logging.
func (st *State) changed(kind, condition string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.reported == nil {
		st.reported = map[string]string{}
	}
	if st.reported[kind] == condition {
		return false
	}
	st.reported[kind] = condition
	return condition != ""
}

// jobManagerClock is the JobManager's clock as an offset from the
// exporter's, estimated from the last answer that carried the JobManager's
// own time (the now field of /jobs/:jobid), as that time minus the
// midpoint of the request: what NTP does, without its filtering.
//
// Estimating an offset, rather than reading the JobManager's time on every
// scrape, keeps the requests of a scrape what they are: /jobs/:jobid is
// fetched once per run of a job, not per scrape. Clocks drift by
// milliseconds per hour, far below the seconds that in-progress and
// heartbeat ages are compared against; a new run or another cluster
// measures the offset again.
type jobManagerClock struct {
	offset time.Duration
	known  bool
}

// noteJobManagerTime records the JobManager's time nowMs (ms since the
// epoch, 0 when the answer had none) of an answer requested at sent and
// received at received, both on the exporter's clock.
func (st *State) noteJobManagerTime(nowMs int64, sent, received time.Time) {
	if nowMs <= 0 {
		return
	}
	mid := sent.Add(received.Sub(sent) / 2)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.clock = jobManagerClock{offset: time.UnixMilli(nowMs).Sub(mid), known: true}
}

// jobManagerTime returns local, a reading of the exporter's clock, on the
// JobManager's clock; local itself while no answer told the offset.
func (st *State) jobManagerTime(local time.Time) time.Time {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.clock.known {
		return local
	}
	return local.Add(st.clock.offset)
}

// observeCluster checks, with the core answers of a scrape, which cluster
// and which runs of its jobs answer. A JobManager of another Flink version
// or commit is another cluster at the same URL: everything remembered of
// the previous one is dropped, so that no configuration, analysis or
// ledger of one cluster is served for the other. A job whose start time
// changed is a new run of it (newRun). It reports whether the cluster
// changed and the ids of the jobs that started a new run.
func (st *State) observeCluster(o *flinkapi.ClusterOverview, jobs []flinkapi.JobOverview) (changed bool, newRuns []string) {
	identity := o.FlinkVersion + " " + o.FlinkCommit
	st.mu.Lock()
	if st.identity != "" && identity != st.identity {
		changed = true
		st.jobs = map[string]*jobState{}
		st.clock = jobManagerClock{}
		st.metrics.mu.Lock()
		st.metrics.procs = nil
		st.metrics.mu.Unlock()
	}
	st.identity = identity
	st.mu.Unlock()
	for _, j := range jobs {
		if st.Job(j.ID).observeStart(j.StartTime) {
			newRuns = append(newRuns, j.ID)
		}
	}
	return changed, newRuns
}

// NewState returns an empty State.
func NewState() *State {
	return &State{jobs: map[string]*jobState{}}
}

// jobState is the memory of one job. Its mutex guards the fields; it is
// held while the vertex list is fetched, so two collectors never fetch it
// twice, but not during the per-vertex requests, so that one job's
// refresh never holds up another collector.
type jobState struct {
	mu sync.Mutex

	// counts are the checkpoint counts last observed and startTime the
	// job's start time in /jobs/overview: a restore count that changes is a
	// restore, a count that falls or a start time that changes is a new
	// run (observe, observeStart).
	counts    flinkapi.CheckpointCounts
	seen      bool
	startTime int64
	// run counts the runs observed; an answer fetched without the lock is
	// kept only if the run did not change meanwhile.
	run int

	config *flinkapi.CheckpointConfig
	// configFetch is the configuration request in flight, if any.
	configFetch *configFetch
	// noCheckpointing is set when /jobs/:jobid/checkpoints answered 404.
	noCheckpointing bool
	vertices        []flinkapi.JobVertex
	placement       map[string][]string
	// acks holds the job's acknowledgement analyses by kind
	// (ackLatestCompleted, ackInProgress, ackLatestFailed).
	acks map[string]*ackEntry
	// durations is the slowest checkpoint completed between the last two
	// scrapes (checkpoints.go).
	durations durationWindow
	failures  failureLedger
	// pressure is each vertex's back-pressure as last read, with when it
	// expires (the metrics TTL after it was read).
	pressure map[string]pressureEntry
}

// Job returns the memory of one job, creating it on first use.
func (st *State) Job(jobID string) *jobState {
	st.mu.Lock()
	defer st.mu.Unlock()
	js, ok := st.jobs[jobID]
	if !ok {
		js = &jobState{}
		st.jobs[jobID] = js
	}
	return js
}

// Forget drops every job not in keep.
func (st *State) Forget(keep []string) {
	set := make(map[string]bool, len(keep))
	for _, id := range keep {
		set[id] = true
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for id := range st.jobs {
		if !set[id] {
			delete(st.jobs, id)
		}
	}
}

// Len returns how many jobs the State remembers.
func (st *State) Len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.jobs)
}

// observe moves the job to the run its counts describe. A restore (the
// restore count changes) drops what may have changed with it: the
// checkpoint configuration, the vertices and where their subtasks run; the
// latest acknowledgement analysis stays, it describes a completed
// checkpoint of the same run. Any count that falls means a new run, whose
// checkpoint ids start over: a JobManager restarted without HA, or another
// cluster answering at the same URL with a job of the same id; newRun
// drops everything. The caller holds js.mu.
func (js *jobState) observe(c flinkapi.CheckpointCounts) {
	if js.seen {
		switch o := js.counts; {
		case c.Total < o.Total || c.Completed < o.Completed || c.Failed < o.Failed || c.Restored < o.Restored:
			js.newRun()
		case c.Restored != o.Restored:
			js.config = nil
			js.vertices = nil
			js.placement = nil
			js.run++
		}
	}
	js.seen = true
	js.counts = c
}

// observeStart moves the job to a new run when its start time in
// /jobs/overview changed: the job was submitted again (or another cluster
// answers at the same URL) under the same id. It reports whether it did.
func (js *jobState) observeStart(startTime int64) bool {
	js.mu.Lock()
	defer js.mu.Unlock()
	renewed := js.startTime != 0 && startTime != 0 && startTime != js.startTime
	if renewed {
		js.newRun()
	}
	if startTime != 0 {
		js.startTime = startTime
	}
	return renewed
}

// newRun forgets everything known about the job's previous run: the
// checkpoint configuration, vertices, placement, acknowledgement analysis,
// back-pressure and the failure ledger, whose ids a new run reuses. The
// caller holds js.mu and records the counts of the new run.
func (js *jobState) newRun() {
	js.config = nil
	js.vertices = nil
	js.placement = nil
	js.acks = nil
	js.durations = durationWindow{}
	js.pressure = nil
	js.failures = failureLedger{}
	js.seen = false
	js.counts = flinkapi.CheckpointCounts{}
	js.run++
}

// checkpointConfig returns the job's checkpoint configuration, fetched
// once per run. On a slow JobManager the request may still be in flight at
// the scrape's deadline: it then goes on, for as long again as the scrape
// had, and its answer, which holds for the whole run, is kept for the next
// scrape instead of being thrown away. prefetchConfig starts it beside
// /jobs/:jobid/checkpoints, so that the two do not form a chain.
func (js *jobState) checkpointConfig(s *Scrape, jobID string, counts flinkapi.CheckpointCounts) (*flinkapi.CheckpointConfig, error) {
	js.mu.Lock()
	js.observe(counts)
	if js.config != nil {
		defer js.mu.Unlock()
		return js.config, nil
	}
	f := js.startConfigFetch(s, jobID)
	js.mu.Unlock()
	select {
	case <-f.done:
		return f.cfg, f.err
	case <-s.ctx.Done():
		return nil, fmt.Errorf("GET %s: %w (the answer is kept for the next scrape)", flinkapi.EndpointCheckpointConfig, s.ctx.Err())
	}
}

// prefetchConfig starts fetching the job's checkpoint configuration when
// it is not known yet, so that the request runs beside the job's
// /checkpoints instead of after it: on a JobManager answering in seconds,
// a chain of three requests (/jobs/overview, /checkpoints, /config) does
// not fit a scrape. A job whose /checkpoints answered 404 (no
// checkpointing) is not asked again until its run changes.
func (js *jobState) prefetchConfig(s *Scrape, jobID string) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.config == nil && !js.noCheckpointing {
		js.startConfigFetch(s, jobID)
	}
}

// startConfigFetch returns the configuration request in flight, starting
// one if there is none. The caller holds js.mu. An answer is kept only if
// the run did not change while it was in flight.
func (js *jobState) startConfigFetch(s *Scrape, jobID string) *configFetch {
	if f := js.configFetch; f != nil {
		return f
	}
	f := &configFetch{done: make(chan struct{})}
	js.configFetch = f
	run := js.run
	ctx, cancel := context.WithoutCancel(s.ctx), context.CancelFunc(func() {})
	if deadline, ok := s.ctx.Deadline(); ok {
		ctx, cancel = context.WithTimeout(ctx, 2*time.Until(deadline))
	}
	go func() {
		defer cancel()
		cfg, err := s.client.CheckpointConfig(ctx, jobID)
		js.mu.Lock()
		if err == nil && js.run == run {
			js.config = cfg
		}
		if js.configFetch == f {
			js.configFetch = nil
		}
		js.mu.Unlock()
		f.cfg, f.err = cfg, err
		close(f.done)
	}()
	return f
}

// setCheckpointing records whether the job's /checkpoints answered (true)
// or answered 404 (false): a job without checkpointing gets no
// configuration prefetch.
func (js *jobState) setCheckpointing(enabled bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.noCheckpointing = !enabled
}

// configFetch is a checkpoint configuration request in flight; cfg and
// err are set when done is closed.
type configFetch struct {
	done chan struct{}
	cfg  *flinkapi.CheckpointConfig
	err  error
}

// ackEntry is one acknowledgement analysis of a job: the checkpoint it
// describes (its id, in the analysis, and trigger time), the vertex names
// of the run it was made in, when the exporter read the subtask details,
// how long the subtasks that had not acknowledged had been pending then,
// and when the exporter last knew the analysis current (confirmed): the
// read of a checkpoint in progress, or the latest scrape that saw the
// analysed checkpoint still be the latest completed or failed one. The
// refresh planner serves the longest unconfirmed first.
type ackEntry struct {
	analysis *AckAnalysis
	names    map[string]string
	// missing lists the vertices whose subtask details could not be read:
	// the analysis describes the others only.
	missing    []string
	at         time.Time
	trigger    int64
	pendingFor float64
	confirmed  time.Time
	// series are its series, built once (checkpoint_acks.go).
	series *ackSeries
}

// ackStatus returns the job's acknowledgement analyses by kind (a copy of
// the map; the entries are never changed once made), the requests a new
// analysis costs (one subtask details request per vertex) and the requests
// the run's placement costs while it is unknown (one vertex details
// request per vertex, else 0).
func (js *jobState) ackStatus(s *Scrape, jobID string, counts flinkapi.CheckpointCounts) (entries map[string]*ackEntry, cost, placementCost int, err error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.observe(counts)
	if err := js.loadVertices(s, jobID); err != nil {
		return nil, 0, 0, err
	}
	cost = len(js.vertices)
	placementCost = len(missingPlacement(js.vertices, js.placement))
	return maps.Clone(js.acks), cost, placementCost, nil
}

// confirmAcks records that the job's analysis of the given kind still
// describes the checkpoint it should at now; dropAcks forgets it. Both
// leave an entry alone that another analysis replaced meanwhile.
func (js *jobState) confirmAcks(kind string, e *ackEntry, now time.Time) *ackEntry {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.acks[kind] != e {
		return e
	}
	c := *e
	c.confirmed = now
	js.acks[kind] = &c
	return &c
}

func (js *jobState) dropAcks(kind string, e *ackEntry) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.acks[kind] == e {
		delete(js.acks, kind)
	}
}

// refreshAcks analyses one checkpoint of the job within ctx and makes it
// the job's analysis of the given kind. It reads the checkpoint's subtask
// details, one request per vertex, concurrently, and where each subtask
// runs when the run's placement is not known yet. A checkpoint that left
// the history (every vertex answers 404) gives an error for which
// flinkapi.IsNotFound holds, and nothing is stored. When some vertices
// answered and others failed, the analysis of those that answered is
// stored and returned with the error, the others listed as missing: one
// slow vertex no longer costs the analysis of the whole job.
func (js *jobState) refreshAcks(ctx context.Context, s *Scrape, jobID, kind string, cp *flinkapi.CheckpointStatistics) (*ackEntry, error) {
	js.mu.Lock()
	run, vertices, placement := js.run, js.vertices, maps.Clone(js.placement)
	js.mu.Unlock()
	if missing := missingPlacement(vertices, placement); len(missing) > 0 {
		// What answered is kept even when another vertex failed, so that
		// on a slow JobManager the placement completes over rounds.
		p, err := fetchPlacement(ctx, s, jobID, missing)
		if placement == nil {
			placement = map[string][]string{}
		}
		maps.Copy(placement, p)
		js.mu.Lock()
		if js.run == run {
			js.placement = placement
		}
		js.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	details, missing, err := fetchCheckpointSubtasks(ctx, s, jobID, cp.ID, vertices)
	if len(details) == 0 {
		return nil, err
	}
	now := s.Now()
	entry := &ackEntry{
		analysis:   AnalyzeAcks(cp.ID, details, placement),
		names:      vertexNames(vertices),
		missing:    missing,
		at:         now,
		trigger:    cp.TriggerTimestamp,
		pendingFor: pendingFor(kind, cp, s.state.jobManagerTime(now)),
		confirmed:  now,
		series:     &ackSeries{},
	}
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.run == run {
		if js.acks == nil {
			js.acks = map[string]*ackEntry{}
		}
		js.acks[kind] = entry
	}
	return entry, err
}

// fetchPlacement reads where each subtask of each vertex runs, one vertex
// details request per vertex, concurrently; it returns what answered and
// the first error.
func fetchPlacement(ctx context.Context, s *Scrape, jobID string, vertices []flinkapi.JobVertex) (map[string][]string, error) {
	placements := make([][]string, len(vertices))
	errs := parallel(len(vertices), func(i int) error {
		if err := s.detailTurn(ctx); err != nil {
			return err
		}
		vd, err := s.client.Vertex(ctx, jobID, vertices[i].ID)
		if err != nil {
			return fmt.Errorf("vertex %s: %w", vertices[i].ID, err)
		}
		placements[i] = Placement(vd)
		return nil
	})
	out := make(map[string][]string, len(vertices))
	for i, v := range vertices {
		if errs[i] == nil {
			out[v.ID] = placements[i]
		}
	}
	return out, firstError(errs)
}

// missingPlacement returns the vertices whose placement is not known.
func missingPlacement(vertices []flinkapi.JobVertex, placement map[string][]string) []flinkapi.JobVertex {
	var out []flinkapi.JobVertex
	for _, v := range vertices {
		if _, ok := placement[v.ID]; !ok {
			out = append(out, v)
		}
	}
	return out
}

// fetchCheckpointSubtasks reads a checkpoint's subtask details of every
// vertex, concurrently. A vertex that took no part (404, e.g. finished) is
// left out; when every vertex answers 404 the checkpoint left the history,
// and the error says so. A vertex whose read failed otherwise is listed in
// missing, and err joins those failures; details holds what answered.
func fetchCheckpointSubtasks(ctx context.Context, s *Scrape, jobID string, checkpointID int64, vertices []flinkapi.JobVertex) (details map[string]*flinkapi.TaskCheckpointStatisticsWithSubtaskDetails, missing []string, err error) {
	answers := make([]*flinkapi.TaskCheckpointStatisticsWithSubtaskDetails, len(vertices))
	notFound := make([]error, len(vertices))
	errs := parallel(len(vertices), func(i int) error {
		if err := s.detailTurn(ctx); err != nil {
			return err
		}
		d, err := s.client.CheckpointSubtasks(ctx, jobID, checkpointID, vertices[i].ID)
		if flinkapi.IsNotFound(err) {
			notFound[i] = err
			return nil
		}
		if err != nil {
			return fmt.Errorf("vertex %s: %w", vertices[i].ID, err)
		}
		answers[i] = d
		return nil
	})
	details = make(map[string]*flinkapi.TaskCheckpointStatisticsWithSubtaskDetails, len(vertices))
	for i, v := range vertices {
		switch {
		case answers[i] != nil:
			details[v.ID] = answers[i]
		case errs[i] != nil:
			missing = append(missing, v.ID)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return details, missing, err
	}
	if len(details) == 0 && len(vertices) > 0 {
		return nil, nil, notFound[0]
	}
	return details, nil, nil
}

// firstError returns the first error of errs that is no 404, else the
// first 404, else nil: a 404 means that what was asked is gone, which
// another failure must not pass for.
func firstError(errs []error) error {
	var nf error
	for _, err := range errs {
		switch {
		case err == nil:
		case flinkapi.IsNotFound(err):
			if nf == nil {
				nf = err
			}
		default:
			return err
		}
	}
	return nf
}

// vertexNames returns the vertex names by id.
func vertexNames(vertices []flinkapi.JobVertex) map[string]string {
	names := make(map[string]string, len(vertices))
	for _, v := range vertices {
		names[v.ID] = v.Name
	}
	return names
}

// loadVertices fetches the job's vertices, once per run of the job. The
// caller holds js.mu.
func (js *jobState) loadVertices(s *Scrape, jobID string) error {
	if js.vertices != nil {
		return nil
	}
	sent := s.clockNow()
	job, err := s.client.Job(s.ctx, jobID)
	if err != nil {
		return err
	}
	s.state.noteJobManagerTime(job.Now, sent, s.clockNow())
	js.vertices = job.Vertices
	return nil
}

// failureLedger counts each failed checkpoint of one run once by reason.
// It remembers the ids it counted only while they can still appear in the
// history. unseen accounts for the failures Flink counts that the ledger
// never classified: those before the exporter started or that left the
// history between two scrapes, and failures while triggering, which never
// reach it.
type failureLedger struct {
	seen   map[int64]bool
	counts map[string]float64
	unseen float64
}

// record counts the failed checkpoints among cps not counted before, and
// forgets ids older than the oldest one Flink still shows.
func (l *failureLedger) record(cps []*flinkapi.CheckpointStatistics) {
	if l.seen == nil {
		l.seen = map[int64]bool{}
		l.counts = map[string]float64{}
	}
	oldest := int64(-1)
	for _, c := range cps {
		if oldest < 0 || c.ID < oldest {
			oldest = c.ID
		}
		if c.Status != flinkapi.CheckpointFailed || l.seen[c.ID] {
			continue
		}
		l.seen[c.ID] = true
		msg, _ := c.FailureMessage.Get()
		l.counts[ClassifyFailure(msg)]++
	}
	for id := range l.seen {
		if id < oldest {
			delete(l.seen, id)
		}
	}
}

// settleUnseen sets the unseen count to Flink's failed count minus the
// classified ones, never below zero and never below its previous value,
// so that it is a counter within a run; with it the reasons add up to
// Flink's count in the same answer (unless a failure first counted as
// unseen shows up in the history later, when they exceed it by as many).
func (l *failureLedger) settleUnseen(failed int64) {
	var classified float64
	for _, n := range l.counts {
		classified += n
	}
	l.unseen = max(l.unseen, float64(failed)-classified)
}

// recordFailures counts new failures of the job and returns the totals by
// reason, ReasonUnseen included.
func (js *jobState) recordFailures(stats *flinkapi.CheckpointingStatistics) map[string]float64 {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.observe(stats.Counts)
	cps := make([]*flinkapi.CheckpointStatistics, 0, len(stats.History)+1)
	for i := range stats.History {
		cps = append(cps, &stats.History[i])
	}
	if stats.Latest.Failed != nil {
		cps = append(cps, stats.Latest.Failed)
	}
	l := &js.failures
	l.record(cps)
	l.settleUnseen(stats.Counts.Failed)
	reasons := FailureReasons()
	out := make(map[string]float64, len(reasons))
	for _, r := range reasons {
		out[r] = l.counts[r]
	}
	out[ReasonUnseen] = l.unseen
	return out
}
