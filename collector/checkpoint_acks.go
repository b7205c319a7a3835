package collector

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// checkpointAcksCollector exports how the subtasks acknowledged the latest
// completed checkpoint: per vertex the slowest and mean acknowledgement and
// the slowest of each phase, per TaskManager its slowest acknowledgement
// (the straggler), and the job's upload throughput. The subtask details
// of a completed checkpoint are read once, and not for every checkpoint:
// the jobs share a refresh budget per scrape (refresh.go), so on a large
// cluster a job's analysis is of a checkpoint a few scrapes old.
type checkpointAcksCollector struct {
	descSet
	ackMax, ackAvg, syncMax, asyncMax, asyncAvg, alignMax, startMax, unexplained *prometheus.Desc
	acked, subtasks, tmAckMax, throughput                                        *prometheus.Desc
}

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
	c.throughput = c.add("job", "last_checkpoint_upload_throughput_bytes_per_second", "Bytes persisted over time spent in the asynchronous phase, summed over subtasks"+src+": the upload rate of one subtask.", jobLabels...)
	return c
}

// Update plans before it asks: every active job's latest completed
// checkpoint comes from /jobs/:jobid/checkpoints, which the scrape reads
// anyway; the jobs whose analysis is older than it compete for the
// collector's share of the refresh budget, longest waiting first; the
// others export their latest analysis, of an earlier checkpoint.
func (c *checkpointAcksCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	jobs, err := s.ActiveJobs()
	if err != nil {
		return err
	}
	plans := make([]ackPlan, len(jobs))
	errs := parallel(len(jobs), func(i int) error { return plans[i].prepare(s, jobs[i]) })

	var cands []refreshCandidate
	var due []int
	for i := range plans {
		if p := &plans[i]; errs[i] == nil && p.due() {
			cands = append(cands, refreshCandidate{key: p.job.ID, missing: p.entry == nil, since: p.since(), cost: p.cost})
			due = append(due, i)
		}
	}
	picked := pickRefreshes(cands, checkpointAckBudget(len(jobs), s.state.firstScrape(s)))
	refreshErrs := parallel(len(picked), func(k int) error { return plans[due[picked[k]]].refresh(s) })
	for k, err := range refreshErrs {
		errs[due[picked[k]]] = err
	}

	for i := range plans {
		if p := &plans[i]; p.entry != nil && p.last != nil && (errs[i] == nil || p.refreshFailed) {
			c.emit(s, p.job, p.entry, ch)
		}
	}
	return joinJobErrors(jobs, errs)
}

// ackPlan is what the collector knows of one job in one scrape.
type ackPlan struct {
	job flinkapi.JobOverview
	js  *jobState
	// last is the latest completed checkpoint; nil without one (or without
	// checkpointing), and then nothing is exported.
	last *flinkapi.CheckpointStatistics
	// entry is the job's latest analysis, nil before the first.
	entry *ackEntry
	// cost is the requests a new analysis sends.
	cost int
	// refreshFailed is set when a new analysis failed: the previous one is
	// still exported, and the collector reports the failure.
	refreshFailed bool
}

// prepare reads the job's latest completed checkpoint and analysis.
func (p *ackPlan) prepare(s *Scrape, j flinkapi.JobOverview) error {
	p.job = j
	stats, err := s.Checkpoints(j.ID)
	if flinkapi.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	last := stats.Latest.Completed
	if last == nil {
		return nil
	}
	p.js = s.state.Job(j.ID)
	p.entry, p.cost, err = p.js.ackStatus(s, j.ID, stats.Counts)
	if flinkapi.IsNotFound(err) {
		return nil // the job left since /jobs/overview
	}
	if err != nil {
		return err
	}
	p.last = last
	return nil
}

// due reports whether a newer checkpoint than the analysed one completed.
func (p *ackPlan) due() bool {
	return p.last != nil && (p.entry == nil || p.entry.analysis.CheckpointID != p.last.ID)
}

// since is when the job's analysis was made; the zero time before the
// first.
func (p *ackPlan) since() time.Time {
	if p.entry == nil {
		return time.Time{}
	}
	return p.entry.at
}

// refresh analyses the latest completed checkpoint.
func (p *ackPlan) refresh(s *Scrape) error {
	entry, err := p.js.refreshAcks(s, p.job.ID, p.last.ID)
	if flinkapi.IsNotFound(err) {
		return nil // the checkpoint left the history, or the job left
	}
	if err != nil {
		p.refreshFailed = true
		return err
	}
	p.entry = entry
	return nil
}

// emit sends the job's analysis.
func (c *checkpointAcksCollector) emit(s *Scrape, j flinkapi.JobOverview, e *ackEntry, ch chan<- prometheus.Metric) {
	a := e.analysis
	for _, v := range a.Vertices {
		l := []string{j.ID, j.Name, v.VertexID, e.names[v.VertexID]}
		gauge(ch, c.subtasks, float64(v.Subtasks), l...)
		gauge(ch, c.acked, float64(v.Acked), l...)
		if v.Acked == 0 {
			continue
		}
		gauge(ch, c.ackMax, v.AckMax, l...)
		gauge(ch, c.ackAvg, v.AckAvg, l...)
		gauge(ch, c.syncMax, v.SyncMax, l...)
		gauge(ch, c.asyncMax, v.AsyncMax, l...)
		gauge(ch, c.asyncAvg, v.AsyncTotal/float64(v.Acked), l...)
		gauge(ch, c.alignMax, v.AlignMax, l...)
		gauge(ch, c.startMax, v.StartMax, l...)
		gauge(ch, c.unexplained, v.Unexplained, l...)
	}
	if t, ok := a.UploadThroughput(); ok {
		gauge(ch, c.throughput, t, j.ID, j.Name)
	}
	// A TaskManager that left takes its series with it, although the
	// checkpoint it acknowledged stays the latest until the next completes.
	// Without /taskmanagers (the taskmanagers collector reports that
	// failure) every TaskManager of the checkpoint is kept.
	live, err := s.TaskManagerIDs()
	for tm, ack := range a.TaskManagerAckMax {
		if err != nil || live[tm] {
			gauge(ch, c.tmAckMax, ack, tm, j.ID, j.Name)
		}
	}
}
