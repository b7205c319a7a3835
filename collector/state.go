package collector

import (
	"fmt"
	"sync"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// State is what an Exporter remembers about one cluster between scrapes:
// answers that do not change until a job restarts, the analysis of
// completed checkpoints (immutable, so fetched once per checkpoint id), and
// the failed checkpoints already counted. It holds one entry per job that
// the last scrape saw and forgets the others, so it stays bounded.
type State struct {
	mu   sync.Mutex
	jobs map[string]*jobState

	// metrics holds the JVM processes' metric ids and answers; it forgets
	// the TaskManagers that leave.
	metrics metricCache
}

// NewState returns an empty State.
func NewState() *State {
	return &State{jobs: map[string]*jobState{}}
}

// jobState is the memory of one job. Its mutex is held while a cache is
// filled, so two collectors never fetch the same answer twice.
type jobState struct {
	mu sync.Mutex

	// epoch identifies the job's current run: its restore count, and a
	// fall of the total count (a JobManager restart).
	restored, total int64
	seen            bool

	config    *flinkapi.CheckpointConfig
	vertices  []flinkapi.JobVertex
	placement map[string][]string
	acks      *AckAnalysis
	failures  failureLedger
	// pressure is each vertex's back-pressure until the metrics TTL ends.
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

// observe moves the job to the run its counts describe; a restore or a
// JobManager restart drops what may have changed with it (the checkpoint
// configuration, the vertices and where their subtasks run).
func (js *jobState) observe(c flinkapi.CheckpointCounts) {
	if js.seen && (c.Restored != js.restored || c.Total < js.total) {
		js.config = nil
		js.vertices = nil
		js.placement = nil
	}
	js.seen = true
	js.restored, js.total = c.Restored, c.Total
}

// checkpointConfig returns the job's checkpoint configuration, fetched
// once per run.
func (js *jobState) checkpointConfig(s *Scrape, jobID string, counts flinkapi.CheckpointCounts) (*flinkapi.CheckpointConfig, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.observe(counts)
	if js.config != nil {
		return js.config, nil
	}
	cfg, err := s.client.CheckpointConfig(s.ctx, jobID)
	if err != nil {
		return nil, err
	}
	js.config = cfg
	return cfg, nil
}

// ackAnalysis returns the analysis of a completed checkpoint's subtask
// details and the job's vertex names by id. The details are fetched once
// per checkpoint id: completed checkpoints never change.
func (js *jobState) ackAnalysis(s *Scrape, jobID string, counts flinkapi.CheckpointCounts, checkpointID int64) (*AckAnalysis, map[string]string, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.observe(counts)
	if err := js.loadVertices(s, jobID); err != nil {
		return nil, nil, err
	}
	if js.acks != nil && js.acks.CheckpointID == checkpointID {
		return js.acks, js.vertexNames(), nil
	}
	details := make(map[string]*flinkapi.TaskCheckpointStatisticsWithSubtaskDetails, len(js.vertices))
	for _, v := range js.vertices {
		d, err := s.client.CheckpointSubtasks(s.ctx, jobID, checkpointID, v.ID)
		if flinkapi.IsNotFound(err) {
			continue // a vertex that took no part, e.g. finished
		}
		if err != nil {
			return nil, nil, err
		}
		details[v.ID] = d
	}
	js.acks = AnalyzeAcks(checkpointID, details, js.placement)
	return js.acks, js.vertexNames(), nil
}

// vertexNames returns the job's vertex names by id.
func (js *jobState) vertexNames() map[string]string {
	names := make(map[string]string, len(js.vertices))
	for _, v := range js.vertices {
		names[v.ID] = v.Name
	}
	return names
}

// loadVertices fetches the job's vertices and where each subtask runs, once
// per run of the job.
func (js *jobState) loadVertices(s *Scrape, jobID string) error {
	if js.vertices != nil {
		return nil
	}
	job, err := s.client.Job(s.ctx, jobID)
	if err != nil {
		return err
	}
	placement := make(map[string][]string, len(job.Vertices))
	for _, v := range job.Vertices {
		vd, err := s.client.Vertex(s.ctx, jobID, v.ID)
		if err != nil {
			return fmt.Errorf("vertex %s: %w", v.ID, err)
		}
		placement[v.ID] = Placement(vd)
	}
	js.vertices, js.placement = job.Vertices, placement
	return nil
}

// failureLedger counts each failed checkpoint once by reason. It remembers
// the ids it counted only while they can still appear in the history.
type failureLedger struct {
	seen   map[int64]bool
	counts map[string]float64
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

// recordFailures counts new failures of the job and returns the totals by
// reason.
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
	out := make(map[string]float64, len(FailureReasons))
	for _, r := range FailureReasons {
		out[r] = l.counts[r]
	}
	return out
}
