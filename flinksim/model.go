package flinksim

import (
	"time"
)

// backfill is how long the cluster "has been running" when the simulator
// starts, so that the very first request already sees checkpoint history.
const backfill = 2 * time.Minute

// historySize is web.checkpoints.history: the number of checkpoints
// /checkpoints lists.
const historySize = 10

// model is the simulated cluster. Every field is guarded by the Simulator's
// mutex; advance moves it to a point in time.
type model struct {
	cfg Config
	ver version
	sc  scenario
	r   rnd

	created        int64 // ms: Clock() at New
	jmStart        int64 // ms: JobManager process start (New or RestartJobManager)
	metricsReadyAt int64 // ms: metric endpoints answer from here on

	tms     []*taskManager // registered TaskManagers, in order
	jobs    []*job
	jobByID map[string]*job
	tmByID  map[string]*taskManager
}

// taskManager is one registered TaskManager.
type taskManager struct {
	n              int // position at creation: stable key for randomness
	id, ip         string
	dataPort       int
	slots          int
	started        int64 // ms: process start, origin of cumulative counters
	heartbeatEpoch int64 // ms: registration with the current JobManager
	hot            bool  // the overloaded TaskManager of taskmanager-overload
}

// jobKind says how a job checkpoints.
type jobKind int

const (
	jobCheckpointed    jobKind = iota // periodic checkpointing on
	jobPeriodicOff                    // coordinator without periodic trigger
	jobNoCheckpointing                // no coordinator: checkpoint endpoints 404
	jobFinished                       // FINISHED batch job: checkpoint endpoints 404
)

// vertex is one job vertex.
type vertex struct {
	id, name string
}

// job is one job of the cluster.
type job struct {
	n           int // position: stable key for randomness
	id, name    string
	kind        jobKind
	vertices    []vertex
	parallelism int
	submitted   int64 // ms: start-time of the current execution graph
	stateSince  int64 // ms: when the job's state started to accumulate (survives restarts)
	ended       int64 // ms, -1 while running
	running     int64 // ms: start of the current attempt (after restarts)
	restarting  int64 // ms of the last restart, 0 if none
	attempt     int
	restarts    int
	// placement[i] runs subtask i of every vertex (slot sharing). The slice
	// is replaced, never modified, so checkpoints can keep a reference.
	placement  []*taskManager
	coord      *coordinator // nil without checkpoint coordinator
	exceptions []jobException
}

// jobException is one failure in a job's exception history.
type jobException struct {
	timestamp int64
	name      string
	stack     string
	taskName  string // "" for global failures
	tm        *taskManager
}

// isRunning reports whether the job is RUNNING.
func (j *job) isRunning() bool { return j.kind != jobFinished }

// numSubtasks is the number of subtasks of the job.
func (j *job) numSubtasks() int { return len(j.vertices) * j.parallelism }

// newModel builds the cluster as it is at now, including the checkpoint
// history of the backfill period.
func newModel(cfg Config, ver version, sc scenario, now int64) *model {
	m := &model{
		cfg: cfg, ver: ver, sc: sc, r: rnd{seed: uint64(cfg.Seed)},
		created: now, jmStart: now - backfill.Milliseconds(),
		metricsReadyAt: now + cfg.MetricsWarmup.Milliseconds(),
		jobByID:        map[string]*job{},
		tmByID:         map[string]*taskManager{},
	}
	m.buildTaskManagers()
	m.buildJobs()
	m.advance(now)
	return m
}

// buildTaskManagers registers the TaskManagers with enough slots for every
// running job (one slot per subtask index per job) and one spare each.
func (m *model) buildTaskManagers() {
	running := m.cfg.Jobs + m.cfg.UncheckpointedJobs + m.cfg.CheckpointingDisabledJobs
	slots := 1 + (running*m.cfg.Parallelism+m.cfg.TaskManagers-1)/m.cfg.TaskManagers
	for n := 0; n < m.cfg.TaskManagers; n++ {
		tm := &taskManager{
			n: n, id: m.r.tmResourceID(n), ip: tmAddress(n), dataPort: m.r.tmDataPort(n),
			slots: slots, started: m.jmStart - 30_000, heartbeatEpoch: m.jmStart,
			hot: m.sc.Hot && n == 0,
		}
		m.tms = append(m.tms, tm)
		m.tmByID[tm.id] = tm
	}
}

// buildJobs creates the jobs of every kind, in the order of Config's fields.
func (m *model) buildJobs() {
	kinds := []struct {
		kind  jobKind
		count int
	}{
		{jobCheckpointed, m.cfg.Jobs},
		{jobPeriodicOff, m.cfg.UncheckpointedJobs},
		{jobNoCheckpointing, m.cfg.CheckpointingDisabledJobs},
		{jobFinished, m.cfg.FinishedJobs},
	}
	for _, k := range kinds {
		for range k.count {
			m.addJob(k.kind)
		}
	}
}

// addJob creates one job of the kind; running jobs start during the backfill
// period, a few seconds apart.
func (m *model) addJob(kind jobKind) {
	n := len(m.jobs)
	j := &job{
		n: n, id: m.r.hexID(dJobID, int64(n)), name: jobName(n), kind: kind,
		parallelism: m.cfg.Parallelism, ended: -1,
	}
	for v, name := range vertexNames(m.cfg.Vertices) {
		j.vertices = append(j.vertices, vertex{id: m.r.hexID(dVertexID, int64(n), int64(v)), name: name})
	}
	switch kind {
	case jobFinished:
		j.submitted = m.jmStart - 30*60_000 + int64(n)*1000
		j.ended = j.submitted + 5*60_000
		j.running = j.submitted + 1500
	default:
		j.submitted = m.jmStart + int64(n%10)*1000
		j.running = j.submitted + 1500
	}
	j.stateSince = j.submitted
	j.placement = m.place(j, m.tms)
	if kind == jobCheckpointed || kind == jobPeriodicOff {
		j.coord = newCoordinator(m.sc, kind == jobCheckpointed, j.running)
		if kind == jobCheckpointed && m.sc.TimeoutQuantile > 0 {
			j.coord.timeout = m.calibratedTimeout(j)
		}
	}
	m.jobs = append(m.jobs, j)
	m.jobByID[j.id] = j
}

// place assigns subtask i of job j to TaskManager (i+j) mod len(tms).
func (m *model) place(j *job, tms []*taskManager) []*taskManager {
	p := make([]*taskManager, j.parallelism)
	for i := range p {
		p[i] = tms[(i+j.n)%len(tms)]
	}
	return p
}

// advance moves every job's checkpoint coordinator to now.
func (m *model) advance(now int64) {
	for _, j := range m.jobs {
		if j.coord != nil {
			m.advanceCoordinator(j, now)
		}
	}
}

// slotUsage returns how many slots running jobs occupy on each TaskManager.
func (m *model) slotUsage() map[*taskManager]int {
	used := make(map[*taskManager]int, len(m.tms))
	for _, j := range m.jobs {
		if !j.isRunning() {
			continue
		}
		for _, p := range j.placement {
			used[p]++
		}
	}
	return used
}

// runningJobs counts the RUNNING jobs.
func (m *model) runningJobs() int {
	n := 0
	for _, j := range m.jobs {
		if j.isRunning() {
			n++
		}
	}
	return n
}

// metricsReady reports whether the MetricFetcher has fetched once.
func (m *model) metricsReady(now int64) bool { return now >= m.metricsReadyAt }
