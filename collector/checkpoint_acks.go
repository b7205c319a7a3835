package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// checkpointAcksCollector exports how the subtasks acknowledged the latest
// completed checkpoint: per vertex the slowest and mean acknowledgement and
// the slowest of each phase, per TaskManager its slowest acknowledgement
// (the straggler), and the job's upload throughput. It also analyses the
// checkpoints in trouble: the oldest one in progress once it has run for
// inProgressAnalysisFraction of its timeout, and the latest failed one.
// Of each analysis (label checkpoint: latest_completed, in_progress,
// latest_failed) it exports which checkpoint it describes (id and trigger
// time), how old the analysis is, and per vertex and TaskManager the
// subtasks that had not acknowledged; of the in-trouble ones, also the
// phases of the subtasks that did.
//
// The subtask details of a completed or failed checkpoint are read once;
// those of a checkpoint in progress change, and are read again at every
// scrape while it stays the oldest in progress. The jobs share a refresh
// budget per scrape (refresh.go), the checkpoint in progress first, so on
// a large cluster the analysis of a completed checkpoint may be of one a
// few scrapes old: its age says so. An analysis whose checkpoint is no
// longer the latest of its kind is dropped as soon as reading its
// successor fails: old numbers are never served as current.
type checkpointAcksCollector struct {
	descSet
	ackMax, ackAvg, syncMax, asyncMax, asyncAvg, alignMax, startMax, unexplained *prometheus.Desc
	acked, subtasks, tmAckMax, throughput                                        *prometheus.Desc
	tmUnexplained                                                                *prometheus.Desc
	analysisID, analysisTrigger, analysisAge, analysisPending                    *prometheus.Desc
	vertexPending, tmPending, phaseMax                                           *prometheus.Desc
	vertexMissing                                                                *prometheus.Desc
	// kinds are the kinds of analysis in the exposition's order;
	// kindLabelled are the descriptors with a checkpoint (kind) label.
	kinds        []string
	kindLabelled map[*prometheus.Desc]bool
}

// The kinds of acknowledgement analysis, values of the checkpoint label.
const (
	ackLatestCompleted = "latest_completed"
	ackInProgress      = "in_progress"
	ackLatestFailed    = "latest_failed"
)

// ackKinds lists the analysis kinds in the order they are planned.
func ackKinds() []string { return []string{ackLatestCompleted, ackInProgress, ackLatestFailed} }

// inProgressAnalysisFraction is how much of its timeout the oldest
// checkpoint in progress must have run before its subtask details are
// read: late enough that healthy checkpoints cost nothing, early enough to
// name the subtasks it waits for before it expires.
const inProgressAnalysisFraction = 0.5

func newCheckpointAcksCollector() Collector {
	c := &checkpointAcksCollector{}
	const src = " of the latest completed checkpoint, from /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid"
	c.ackMax = c.add("job_vertex", "checkpoint_ack_latency_max_seconds", "Slowest subtask acknowledgement after the trigger"+src+" (end_to_end_duration).", vertexLabels...)
	c.ackAvg = c.add("job_vertex", "checkpoint_ack_latency_avg_seconds", "Mean subtask acknowledgement after the trigger"+src+" (end_to_end_duration).", vertexLabels...)
	c.syncMax = c.add("job_vertex", "checkpoint_sync_duration_max_seconds", "Slowest synchronous snapshot phase"+src+" (checkpoint.sync).", vertexLabels...)
	c.asyncMax = c.add("job_vertex", "checkpoint_async_duration_max_seconds", "Slowest asynchronous snapshot phase (the upload)"+src+" (checkpoint.async).", vertexLabels...)
	c.asyncAvg = c.add("job_vertex", "checkpoint_async_duration_avg_seconds", "Mean asynchronous snapshot phase over the acknowledged subtasks"+src+" (checkpoint.async): long on most subtasks points to the storage, on a few to their TaskManager.", vertexLabels...)
	c.alignMax = c.add("job_vertex", "checkpoint_alignment_duration_max_seconds", "Slowest barrier alignment"+src+" (alignment.duration).", vertexLabels...)
	c.startMax = c.add("job_vertex", "checkpoint_start_delay_max_seconds", "Slowest barrier arrival after the trigger (back-pressure holds it)"+src+" (start_delay).", vertexLabels...)
	c.unexplained = c.add("job_vertex", "checkpoint_unexplained_ack_latency_max_seconds", "Largest part of a subtask acknowledgement not spent in start delay, alignment, sync or async: transit to and processing in the JobManager"+src+".", vertexLabels...)
	c.acked = c.add("job_vertex", "checkpoint_subtasks_acknowledged", "Subtasks that acknowledged"+src+".", vertexLabels...)
	c.subtasks = c.add("job_vertex", "checkpoint_subtasks", "Subtasks taking part"+src+".", vertexLabels...)
	c.tmAckMax = c.add("taskmanager", "checkpoint_ack_latency_max_seconds", "Slowest acknowledgement among the job's subtasks on this TaskManager"+src+", subtasks mapped through /jobs/:jobid/vertices/:vertexid taskmanager-id.", tmJobLabels...)
	c.tmUnexplained = c.add("taskmanager", "checkpoint_unexplained_ack_latency_max_seconds", "Largest part of an acknowledgement of the job's subtasks on this TaskManager not spent in start delay, alignment, sync or async"+src+": transit, JobManager time, a sink's pre-barrier flush or a GC pause after the async phase; subtasks mapped through /jobs/:jobid/vertices/:vertexid taskmanager-id.", tmJobLabels...)
	c.throughput = c.add("job", "last_checkpoint_upload_throughput_bytes_per_second", "Bytes persisted over time spent in the asynchronous phase, summed over subtasks"+src+": the upload rate of one subtask.", jobLabels...)

	const which = " checkpoint is latest_completed, in_progress (the oldest in progress, analysed once it ran for half its timeout, re-read at every scrape) or latest_failed."
	const details = "/jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid"
	jobKind := append(append([]string{}, jobLabels...), "checkpoint")
	vertexKind := append(append([]string{}, vertexLabels...), "checkpoint")
	tmKind := append(append([]string{}, tmJobLabels...), "checkpoint")
	c.analysisID = c.add("job", "checkpoint_ack_analysis_checkpoint_id", "Id of the checkpoint the acknowledgement analysis describes;"+which, jobKind...)
	c.analysisTrigger = c.add("job", "checkpoint_ack_analysis_trigger_timestamp_seconds", "Trigger time of the checkpoint the acknowledgement analysis describes, from /jobs/:jobid/checkpoints trigger_timestamp;"+which, jobKind...)
	c.analysisAge = c.add("job", "checkpoint_ack_analysis_age_seconds", "Seconds since the exporter last knew the acknowledgement analysis current: since it read the subtask details of the checkpoint in progress, or since it last saw the analysed checkpoint still be the latest completed or failed one (it grows while a newer one waits for its analysis);"+which, jobKind...)
	c.analysisPending = c.add("job", "checkpoint_ack_analysis_pending_seconds", "How long the subtasks that had not acknowledged had been pending: trigger to the read of the details (in_progress) or to the failure (latest_failed); checkpoint is in_progress or latest_failed.", jobKind...)
	const trouble = " checkpoint is in_progress (the oldest in progress, analysed once it ran for half its timeout, re-read at every scrape) or latest_failed; every subtask of a completed checkpoint acknowledged."
	c.vertexPending = c.add("job_vertex", "checkpoint_subtasks_pending", "Subtasks of the vertex that had not acknowledged the checkpoint (status pending_or_failed in "+details+");"+trouble, vertexKind...)
	c.tmPending = c.add("taskmanager", "checkpoint_subtasks_pending", "Subtasks of the job on this TaskManager that had not acknowledged the checkpoint (status pending_or_failed in "+details+", mapped through /jobs/:jobid/vertices/:vertexid taskmanager-id); 0 for a TaskManager whose subtasks all acknowledged;"+trouble, tmKind...)
	c.vertexMissing = c.add("job_vertex", "checkpoint_ack_analysis_missing", "1 for a vertex whose subtask details could not be read for the acknowledgement analysis (its request failed or timed out, from "+details+"): the analysis describes the job's other vertices only, and this vertex has none of its series; absent for a vertex that was read;"+which, vertexKind...)
	c.phaseMax = c.add("job_vertex", "checkpoint_acknowledged_phase_max_seconds", "Slowest phase among the subtasks that did acknowledge a checkpoint in trouble, from "+details+": phase is ack (end_to_end_duration), sync, async, alignment, start_delay or unexplained (ack minus the others); checkpoint is in_progress or latest_failed (the latest completed one has its own series).", append(append([]string{}, vertexKind...), "phase")...)
	c.kinds = slices.Sorted(slices.Values(ackKinds()))
	c.kindLabelled = map[*prometheus.Desc]bool{}
	for _, d := range []*prometheus.Desc{c.analysisID, c.analysisTrigger, c.analysisAge, c.analysisPending, c.vertexPending, c.tmPending, c.vertexMissing, c.phaseMax} {
		c.kindLabelled[d] = true
	}
	return c
}

// Update plans before it asks: every active job's checkpoints come from
// /jobs/:jobid/checkpoints, which the scrape reads anyway; each analysis
// that is due (a newer checkpoint of its kind, or a checkpoint in
// progress) competes for the collector's share of the refresh budget, the
// checkpoint in progress first, then the longest waiting; the others
// export their latest analysis, with its age.
func (c *checkpointAcksCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	jobs, err := s.ActiveJobs()
	if err != nil {
		return err
	}
	plans := make([]ackPlan, len(jobs))
	// Refreshed in the background, nothing this scrape refreshes changes
	// what it exports (the refreshes complete into the State for the next
	// scrape): each job's analyses go out as soon as its checkpoints and
	// those of the jobs before it came (exposition.go), not after the last
	// job's.
	early := s.background
	inOrder := newJobOrder(ch, len(jobs))
	errs := parallel(len(jobs), func(i int) error {
		var b batch
		if early {
			// Deferred, so that a panic (parallel recovers it) holds no
			// later job back.
			defer func() { inOrder.send(i, b) }()
		}
		err := plans[i].prepare(s, jobs[i])
		if early && plans[i].js != nil {
			c.emit(s, &plans[i], &b)
		}
		return err
	})

	var cands []refreshCandidate
	type targetRef struct{ plan, target int }
	var refs []targetRef
	for i := range plans {
		if errs[i] != nil {
			continue
		}
		p := &plans[i]
		for k := range p.targets {
			if t := &p.targets[k]; t.due() {
				cands = append(cands, refreshCandidate{
					key: p.job.ID + "/" + t.kind, urgent: t.urgent(), missing: t.entry == nil,
					since: t.since(), cost: p.cost + p.placementCost,
				})
				refs = append(refs, targetRef{i, k})
			}
		}
	}
	budget := 0
	if s.refreshing() {
		budget = checkpointAckBudget(len(jobs), s.state.firstScrape(s))
	}
	picked := pickRefreshes(cands, budget)
	// The analyses of one job run one after the other, so that the first
	// reads the run's placement for the others; the jobs run concurrently,
	// on the refresh round. Each works on a copy of its job's targets,
	// taken back only when it ended in time.
	byPlan := map[int][]int{}
	var order []int
	for _, n := range picked {
		r := refs[n]
		if byPlan[r.plan] == nil {
			order = append(order, r.plan)
		}
		byPlan[r.plan] = append(byPlan[r.plan], r.target)
	}
	targets := make([][]ackTarget, len(order))
	for k, i := range order {
		targets[k] = slices.Clone(plans[i].targets)
	}
	done, refreshErrs := s.refresh("checkpoint_acks", len(order), true, func(ctx context.Context, k int) error {
		p := &plans[order[k]]
		var out []error
		for _, t := range byPlan[order[k]] {
			if err := p.refresh(ctx, s, &targets[k][t]); err != nil {
				out = append(out, err)
			}
		}
		return errors.Join(out...)
	})
	for k, err := range refreshErrs {
		if done[k] {
			plans[order[k]].targets = targets[k]
			errs[order[k]] = err
		}
	}

	if !early {
		for i := range plans {
			var b batch
			if plans[i].js != nil {
				c.emit(s, &plans[i], &b)
			}
			inOrder.send(i, b)
		}
	}
	for k := range c.kinds {
		for i := range plans {
			if plans[i].byKind != nil {
				for _, m := range plans[i].byKind[k] {
					ch <- m
				}
			}
		}
	}
	return errors.Join(joinJobErrors(jobs, errs), s.lateError("checkpoint_acks"))
}

// ackPlan is what the collector knows of one job in one scrape.
type ackPlan struct {
	job flinkapi.JobOverview
	js  *jobState
	// targets are the checkpoints to describe, one per kind.
	targets []ackTarget
	// cost is the requests a new analysis sends; placementCost those of
	// reading the run's placement first, 0 once it is known.
	cost, placementCost int
	// byKind are the series labelled with the kind of analysis, by the
	// kind's place in checkpointAcksCollector.kinds (emit).
	byKind []batch
}

// ackTarget is one kind of analysis of a job in one scrape.
type ackTarget struct {
	kind string
	// cp is the checkpoint the analysis should describe; nil when there is
	// none (no completed or failed checkpoint yet, or none in progress for
	// long enough).
	cp *flinkapi.CheckpointStatistics
	// entry is the analysis held, nil before the first or once dropped.
	entry *ackEntry
}

// due reports whether the target's checkpoint needs reading: it was never
// analysed, a newer one took its place, or it is in progress and its
// details change.
func (t *ackTarget) due() bool {
	return t.cp != nil && (t.entry == nil || t.entry.analysis.CheckpointID != t.cp.ID || t.kind == ackInProgress)
}

// urgent reports whether the target is a checkpoint in progress not read
// yet: it may expire within seconds, so it goes first. Reading it again
// later waits its turn with the others, so that many checkpoints in
// progress never starve the analyses of the completed and failed ones.
func (t *ackTarget) urgent() bool {
	return t.kind == ackInProgress && (t.entry == nil || t.entry.analysis.CheckpointID != t.cp.ID)
}

// since is when the analysis was last known current; the zero time before
// the first.
func (t *ackTarget) since() time.Time {
	if t.entry == nil {
		return time.Time{}
	}
	return t.entry.confirmed
}

// prepare reads the job's checkpoints and analyses, and settles what each
// analysis describes: one whose checkpoint is still the latest of its kind
// is confirmed, one without a checkpoint to describe any more (no
// checkpoint in progress for long enough) is dropped.
func (p *ackPlan) prepare(s *Scrape, j flinkapi.JobOverview) error {
	p.job = j
	stats, err := s.Checkpoints(j.ID)
	if flinkapi.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	js := s.state.Job(j.ID)
	entries, cost, placementCost, err := js.ackStatus(s, j.ID, stats.Counts)
	if flinkapi.IsNotFound(err) {
		return nil // the job left since /jobs/overview
	}
	if err != nil {
		return err
	}
	p.js, p.cost, p.placementCost = js, cost, placementCost
	now := s.Now()
	for _, kind := range ackKinds() {
		t := ackTarget{kind: kind, cp: ackCheckpoint(s, js, j.ID, stats, kind), entry: entries[kind]}
		switch {
		case t.entry == nil:
		case t.cp == nil && kind != ackLatestCompleted:
			js.dropAcks(kind, t.entry)
			t.entry = nil
		case t.cp != nil && t.entry.analysis.CheckpointID == t.cp.ID && kind != ackInProgress:
			t.entry = js.confirmAcks(kind, t.entry, now)
		}
		p.targets = append(p.targets, t)
	}
	return nil
}

// ackCheckpoint returns the checkpoint the job's analysis of the given
// kind describes in this scrape, or nil. The checkpoint in progress needs
// the timeout, from the configuration the checkpoints collector reads once
// per run; without it (that collector reports the failure) none is
// analysed.
func ackCheckpoint(s *Scrape, js *jobState, jobID string, stats *flinkapi.CheckpointingStatistics, kind string) *flinkapi.CheckpointStatistics {
	switch kind {
	case ackLatestCompleted:
		return stats.Latest.Completed
	case ackLatestFailed:
		if f := stats.Latest.Failed; f != nil && f.Status == flinkapi.CheckpointFailed {
			return f
		}
		return nil
	}
	oldest := OldestInProgress(stats.History)
	if oldest == nil {
		return nil
	}
	cfg, err := js.checkpointConfig(s, jobID, stats.Counts)
	if err != nil || cfg.Timeout <= 0 {
		return nil
	}
	if InProgressAge(oldest, s.JobManagerNow()) < inProgressAnalysisFraction*msToSeconds(cfg.Timeout) {
		return nil
	}
	return oldest
}

// refresh analyses target t within ctx (on the refresh round); it
// changes nothing of the plan but t. When the read fails, the analysis
// held is dropped: its checkpoint is no longer the one to describe, and
// it must not pass for current. A checkpoint that left the history (or a
// job that left) is no failure; the analysis held then stays, with its
// age, except of a checkpoint in progress, which ended. A read of some
// vertices only still gives an analysis, of the vertices that answered,
// and fails the collector.
func (p *ackPlan) refresh(ctx context.Context, s *Scrape, t *ackTarget) error {
	entry, err := p.js.refreshAcks(ctx, s, p.job.ID, t.kind, t.cp)
	if entry != nil {
		t.entry = entry
	}
	switch {
	case entry != nil && err != nil:
		return fmt.Errorf("checkpoint %d (%s): %w", t.cp.ID, t.kind, err)
	case err == nil:
		return nil
	case flinkapi.IsNotFound(err) && t.kind != ackInProgress:
		return nil
	}
	if t.entry != nil {
		p.js.dropAcks(t.kind, t.entry)
		t.entry = nil
	}
	if flinkapi.IsNotFound(err) {
		return nil
	}
	return fmt.Errorf("checkpoint %d (%s): %w", t.cp.ID, t.kind, err)
}

// pendingFor is how long the subtasks that had not acknowledged a
// checkpoint had been pending when its details were read at now (on the
// JobManager's clock, as the checkpoint's times are): until the failure
// for a failed checkpoint, until now for one in progress, 0 for a
// completed one.
func pendingFor(kind string, cp *flinkapi.CheckpointStatistics, now time.Time) float64 {
	switch kind {
	case ackInProgress:
		return InProgressAge(cp, now)
	case ackLatestFailed:
		if cp.FailureTimestamp != nil {
			return max(0, msToSeconds(*cp.FailureTimestamp-cp.TriggerTimestamp))
		}
		return max(0, msToSeconds(cp.EndToEndDuration))
	}
	return 0
}

// emit makes the job's analyses' series: each analysis's own, built once
// (ackSeries), less those of TaskManagers that left, and its age. The
// series about the job go to b; those labelled with the kind of analysis
// (checkpoint), which the exposition lists by kind before job, to
// p.byKind, by the kind's place in c.kinds, to be sent after every job's
// (exposition.go).
func (c *checkpointAcksCollector) emit(s *Scrape, p *ackPlan, b *batch) {
	// A TaskManager that left takes its series with it, although the
	// checkpoint it acknowledged stays the latest until the next completes.
	// Without /taskmanagers (the taskmanagers collector reports that
	// failure) every TaskManager of the checkpoint is kept.
	live, liveErr := s.TaskManagerIDs()
	j := p.job
	p.byKind = make([]batch, len(c.kinds))
	for _, t := range p.targets {
		e := t.entry
		if e == nil {
			continue
		}
		k := slices.Index(c.kinds, t.kind)
		for _, x := range c.entrySeries(j, t.kind, e) {
			switch {
			case x.tm != "" && liveErr == nil && !live[x.tm]:
				// The TaskManager left.
			case c.kindLabelled[x.m.Desc()]:
				p.byKind[k] = append(p.byKind[k], x.m)
			default:
				*b = append(*b, x.m)
			}
		}
		p.byKind[k].gauge(c.analysisAge, max(0, s.Now().Sub(e.confirmed).Seconds()), j.ID, j.Name, t.kind)
	}
}

// ackSeries are the series of one analysis but its age, built at the first
// scrape that sends them and sent again at every scrape while the analysis
// stays: an analysis never changes once made (the copies confirmAcks makes
// share its ackSeries), and making its few hundred series anew at every
// scrape was most of the collector's work.
type ackSeries struct {
	once sync.Once
	// owner and jobName are what the series were built for. An analysis
	// outlives neither, but series of another collector's descriptors or
	// with another job name are never sent: they are built anew.
	owner   *checkpointAcksCollector
	jobName string
	series  []ackMetric
}

// ackMetric is one series and the TaskManager it is about, "" for none.
type ackMetric struct {
	m  prometheus.Metric
	tm string
}

// entrySeries returns the series of job j's analysis e of the given kind,
// in the exposition's order.
func (c *checkpointAcksCollector) entrySeries(j flinkapi.JobOverview, kind string, e *ackEntry) []ackMetric {
	build := func() []ackMetric {
		xs := c.buildSeries(j, kind, e)
		sortSeries(xs, func(x ackMetric) prometheus.Metric { return x.m })
		return xs
	}
	built := e.series
	if built == nil {
		return build()
	}
	built.once.Do(func() { built.owner, built.jobName, built.series = c, j.Name, build() })
	if built.owner != c || built.jobName != j.Name {
		return build()
	}
	return built.series
}

// buildSeries makes the series of job j's analysis e of the given kind,
// but its age.
func (c *checkpointAcksCollector) buildSeries(j flinkapi.JobOverview, kind string, e *ackEntry) []ackMetric {
	var xs []ackMetric
	add := func(tm string, desc *prometheus.Desc, v float64, labels ...string) {
		xs = append(xs, ackMetric{m: prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...), tm: tm})
	}
	a := e.analysis
	kl := []string{j.ID, j.Name, kind}
	add("", c.analysisID, float64(a.CheckpointID), kl...)
	add("", c.analysisTrigger, msToSeconds(e.trigger), kl...)
	for _, id := range e.missing {
		add("", c.vertexMissing, 1, j.ID, j.Name, id, e.names[id], kind)
	}
	if kind == ackLatestCompleted {
		// Every subtask of a completed checkpoint acknowledged.
		for _, v := range a.Vertices {
			l := []string{j.ID, j.Name, v.VertexID, e.names[v.VertexID]}
			add("", c.subtasks, float64(v.Subtasks), l...)
			add("", c.acked, float64(v.Acked), l...)
			if v.Acked == 0 {
				continue
			}
			add("", c.ackMax, v.AckMax, l...)
			add("", c.ackAvg, v.AckAvg, l...)
			add("", c.syncMax, v.SyncMax, l...)
			add("", c.asyncMax, v.AsyncMax, l...)
			add("", c.asyncAvg, v.AsyncTotal/float64(v.Acked), l...)
			add("", c.alignMax, v.AlignMax, l...)
			add("", c.startMax, v.StartMax, l...)
			add("", c.unexplained, v.Unexplained, l...)
		}
		if t, ok := a.UploadThroughput(); ok {
			add("", c.throughput, t, j.ID, j.Name)
		}
		for tm, ack := range a.TaskManagerAckMax {
			add(tm, c.tmAckMax, ack, tm, j.ID, j.Name)
			add(tm, c.tmUnexplained, a.TaskManagerUnexplainedMax[tm], tm, j.ID, j.Name)
		}
		return xs
	}
	add("", c.analysisPending, e.pendingFor, kl...)
	for _, v := range a.Vertices {
		vl := []string{j.ID, j.Name, v.VertexID, e.names[v.VertexID], kind}
		add("", c.vertexPending, float64(v.Pending), vl...)
		if v.Acked == 0 {
			continue
		}
		for _, ph := range []struct {
			name string
			v    float64
		}{{"ack", v.AckMax}, {"sync", v.SyncMax}, {"async", v.AsyncMax}, {"alignment", v.AlignMax}, {"start_delay", v.StartMax}, {"unexplained", v.Unexplained}} {
			add("", c.phaseMax, ph.v, append(vl, ph.name)...)
		}
	}
	for tm, n := range a.TaskManagerPending {
		add(tm, c.tmPending, float64(n), tm, j.ID, j.Name, kind)
	}
	return xs
}
