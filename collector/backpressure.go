package collector

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// backPressureCollector exports, per vertex of each running job, how its
// busiest subtasks spend their time: back-pressured (waiting for buffers
// downstream), busy or idle, and Flink's back-pressure level. A slow
// operator shows as busy with back-pressured vertices upstream of it. One
// aggregated metrics request per vertex, reused for the metrics TTL and
// refreshed within the scrape's refresh budget (refresh.go).
type backPressureCollector struct {
	descSet
	backPressured, busy, idle, level, age *prometheus.Desc
}

// backPressureLevels are the values of the level label, in the
// exposition's order (by name).
var backPressureLevels = []string{flinkapi.BackPressureHigh, flinkapi.BackPressureLow, flinkapi.BackPressureOK}

// pressureMetricIDs are the task metrics read per vertex with agg=max.
var pressureMetricIDs = []string{"backPressuredTimeMsPerSecond", "busyTimeMsPerSecond", "idleTimeMsPerSecond"}

func newBackPressureCollector() Collector {
	c := &backPressureCollector{}
	const src = "/jobs/:jobid/vertices/:vertexid/subtasks/metrics?agg=max"
	const fallback = " (or the subtasks of /jobs/:jobid/vertices/:vertexid/backpressure before the metrics exist)"
	c.backPressured = c.add("job_vertex", "backpressured_ratio_max", "Largest fraction of time a subtask of the vertex was back-pressured, from "+src+" backPressuredTimeMsPerSecond / 1000"+fallback+".", vertexLabels...)
	c.busy = c.add("job_vertex", "busy_ratio_max", "Largest fraction of time a subtask of the vertex was busy, from "+src+" busyTimeMsPerSecond / 1000"+fallback+".", vertexLabels...)
	c.idle = c.add("job_vertex", "idle_ratio_max", "Largest fraction of time a subtask of the vertex was idle, from "+src+" idleTimeMsPerSecond / 1000"+fallback+".", vertexLabels...)
	c.age = c.add("job_vertex", "backpressure_age_seconds", "Seconds since the vertex's other back-pressure series were read, on the exporter's clock: below the metrics TTL while fresh, more while the vertex waits its turn in the refresh budget or its refresh is cut short by the refresh round's time limit; a refresh that fails drops them.", vertexLabels...)
	c.level = c.add("job_vertex", "backpressure_level", "1 for the vertex's back-pressure level and 0 for the others: Flink's thresholds (ok <= 0.1 < low <= 0.5 < high) on the largest back-pressured ratio.", append(append([]string{}, vertexLabels...), "level")...)
	return c
}

// Update plans before it asks: the vertices whose back-pressure is older
// than the metrics TTL (or never read) compete for the collector's share
// of the refresh budget, longest waiting first; the others export what was
// last read.
func (c *backPressureCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	jobs, err := s.Jobs()
	if err != nil {
		return err
	}
	active, err := s.ActiveJobs()
	if err != nil {
		return err
	}
	var running []flinkapi.JobOverview
	for _, j := range jobs {
		if j.State == flinkapi.JobRunning {
			running = append(running, j)
		}
	}
	plans := make([]pressurePlan, len(running))
	errs := parallel(len(running), func(i int) error { return plans[i].prepare(s, running[i]) })

	now := s.Now()
	var cands []refreshCandidate
	type vertexRef struct{ job, vertex int }
	var refs []vertexRef
	for i := range plans {
		if errs[i] != nil {
			continue
		}
		for k, v := range plans[i].vertices {
			e, ok := plans[i].entries[v.ID]
			if ok && now.Before(e.expires) {
				continue
			}
			cands = append(cands, refreshCandidate{key: running[i].ID + "/" + v.ID, missing: !ok, since: e.expires, cost: 1})
			refs = append(refs, vertexRef{i, k})
		}
	}
	budget := 0
	if s.refreshing() {
		budget = pressureBudget(len(active), s.state.firstScrape(s))
	}
	picked := pickRefreshes(cands, budget)
	ttl := max(s.metricsTTL, 0)
	fetched := make([]pressureEntry, len(picked))
	done, vertexErrs := s.refresh("backpressure", len(picked), false, func(ctx context.Context, n int) error {
		ref := refs[picked[n]]
		e, err := plans[ref.job].refresh(ctx, s, ref.vertex, now.Add(ttl))
		fetched[n] = e
		return err
	})
	// A refresh that failed means the endpoint fails: what it said before
	// is past its TTL (else it would not have been asked) and is dropped,
	// as is every other answer past its TTL, of any job, instead of being
	// served as current while it waits for its turn. A failure of a
	// refresh that ended after an earlier scrape counts the same.
	endpointFailed := false
	for n, err := range vertexErrs {
		if job := refs[picked[n]].job; err != nil {
			errs[job] = errors.Join(errs[job], err)
			endpointFailed = true
		}
	}
	lateErr := s.lateError("backpressure")
	endpointFailed = endpointFailed || lateErr != nil

	for i := range plans {
		p := &plans[i]
		if p.js == nil {
			continue
		}
		read := map[string]bool{}
		for n, ok := range done {
			if ref := refs[picked[n]]; ok && ref.job == i && vertexErrs[n] == nil {
				id := p.vertices[ref.vertex].ID
				p.entries[id], read[id] = fetched[n], true
			}
		}
		var expired []string
		if endpointFailed {
			for id, e := range p.entries {
				if !read[id] && !now.Before(e.expires) {
					expired = append(expired, id)
					delete(p.entries, id)
				}
			}
		}
		p.js.forgetPressure(p.vertices, expired)
		c.emit(ch, p, now)
	}
	return errors.Join(joinJobErrors(running, errs), lateErr)
}

// pressurePlan is what the collector knows of one running job in one
// scrape.
type pressurePlan struct {
	job      flinkapi.JobOverview
	js       *jobState
	vertices []flinkapi.JobVertex
	// entries is what was read before, then what this scrape read.
	entries map[string]pressureEntry
}

// prepare reads the job's vertices (once per run) and remembered entries.
func (p *pressurePlan) prepare(s *Scrape, j flinkapi.JobOverview) error {
	p.job = j
	js := s.state.Job(j.ID)
	vertices, entries, err := js.pressureSnapshot(s, j.ID)
	if flinkapi.IsNotFound(err) {
		return nil // the job left since /jobs/overview
	}
	if err != nil {
		return err
	}
	p.js, p.vertices, p.entries = js, vertices, entries
	if p.entries == nil {
		p.entries = map[string]pressureEntry{}
	}
	return nil
}

// refresh reads the back-pressure of the k-th vertex within ctx and
// stores it in the job's memory until expires; a failed read drops what
// the memory held for the vertex. A vertex Flink does not know (404) is
// remembered as not ready, so that it waits its turn like the others
// instead of going first at every scrape. It runs on the refresh round
// and touches nothing of the plan.
func (p *pressurePlan) refresh(ctx context.Context, s *Scrape, k int, expires time.Time) (pressureEntry, error) {
	v := p.vertices[k]
	pr, ready, err := fetchPressure(ctx, s, p.job.ID, v.ID)
	if flinkapi.IsNotFound(err) {
		pr, ready, err = unknownPressure(), false, nil
	}
	if err != nil {
		if !s.background || ctx.Err() == nil {
			// The endpoint failed: what it said before must not be
			// served. A background refresh cut short by its round's bound
			// is no failure of the endpoint, and keeps it.
			p.js.storePressure(v.ID, nil)
		}
		return pressureEntry{}, fmt.Errorf("vertex %s (%s): %w", v.ID, v.Name, err)
	}
	e := pressureEntry{p: pr, ready: ready, expires: expires, read: s.clockNow()}
	p.js.storePressure(v.ID, &e)
	return e, nil
}

// emit sends the series of the job's vertices that have a reading, in
// the exposition's order (exposition.go): vertices by id, and the level
// series by level first.
func (c *backPressureCollector) emit(ch chan<- prometheus.Metric, p *pressurePlan, now time.Time) {
	var read []flinkapi.JobVertex
	for _, v := range p.vertices {
		if e, ok := p.entries[v.ID]; ok && e.ready {
			read = append(read, v)
		}
	}
	slices.SortFunc(read, func(a, b flinkapi.JobVertex) int { return strings.Compare(a.ID, b.ID) })
	for _, v := range read {
		e := p.entries[v.ID]
		for _, m := range []struct {
			desc *prometheus.Desc
			v    float64
		}{{c.backPressured, e.p.BackPressured}, {c.busy, e.p.Busy}, {c.idle, e.p.Idle}} {
			if !math.IsNaN(m.v) {
				gauge(ch, m.desc, m.v, p.job.ID, p.job.Name, v.ID, v.Name)
			}
		}
		gauge(ch, c.age, max(0, now.Sub(e.read).Seconds()), p.job.ID, p.job.Name, v.ID, v.Name)
	}
	for _, level := range backPressureLevels {
		for _, v := range read {
			if l := p.entries[v.ID].p.Level; isBackPressureLevel(l) {
				gauge(ch, c.level, boolValue(l == level), p.job.ID, p.job.Name, v.ID, v.Name, level)
			}
		}
	}
}

func isBackPressureLevel(level string) bool {
	for _, l := range backPressureLevels {
		if level == l {
			return true
		}
	}
	return false
}

// fetchPressure reads one vertex's back-pressure: one aggregated request
// for the three metrics; if Flink answers [] (it does when any one id has
// no value), one request per metric; if none has a value yet, the
// /backpressure endpoint, which says "deprecated" until the metrics exist.
// ready is false when nothing is known yet.
func fetchPressure(ctx context.Context, s *Scrape, jobID, vertexID string) (p VertexPressure, ready bool, err error) {
	if err := s.detailTurn(ctx); err != nil {
		return p, false, err
	}
	agg := []string{"max"}
	ms, err := s.client.SubtaskMetricsAggregated(ctx, jobID, vertexID, pressureMetricIDs, agg)
	if err != nil {
		return p, false, err
	}
	if len(ms) == 0 {
		for _, id := range pressureMetricIDs {
			one, err := s.client.SubtaskMetricsAggregated(ctx, jobID, vertexID, []string{id}, agg)
			if err != nil {
				return p, false, err
			}
			ms = append(ms, one...)
		}
	}
	if p, ok := PressureFromAggregates(ms); ok {
		return p, true, nil
	}
	bp, err := s.client.VertexBackPressure(ctx, jobID, vertexID)
	if err != nil {
		return p, false, err
	}
	p, ok := PressureFromBackPressure(bp)
	return p, ok, nil
}

// VertexPressure is how the busiest subtasks of a vertex spend their time,
// as fractions of a second (each the maximum over the subtasks, so they
// need not add up to 1), and Flink's back-pressure level. Unknown values
// are NaN; an unknown level is "".
type VertexPressure struct {
	BackPressured, Busy, Idle float64
	Level                     string
}

func unknownPressure() VertexPressure {
	return VertexPressure{BackPressured: math.NaN(), Busy: math.NaN(), Idle: math.NaN()}
}

// PressureFromAggregates reads the max of backPressuredTimeMsPerSecond,
// busyTimeMsPerSecond and idleTimeMsPerSecond (milliseconds per second)
// from an aggregated subtask metrics answer. The level follows Flink's
// thresholds on the back-pressured ratio. ok is false when no value is a
// number (busyTimeMsPerSecond is "NaN" while a task has no busy time
// measured).
func PressureFromAggregates(ms []flinkapi.AggregatedMetric) (p VertexPressure, ok bool) {
	p = unknownPressure()
	for _, m := range ms {
		v := m.Max.Value() / 1000
		if math.IsNaN(v) {
			continue
		}
		switch m.ID {
		case "backPressuredTimeMsPerSecond":
			p.BackPressured = v
		case "busyTimeMsPerSecond":
			p.Busy = v
		case "idleTimeMsPerSecond":
			p.Idle = v
		default:
			continue
		}
		ok = true
	}
	if !math.IsNaN(p.BackPressured) {
		p.Level = flinkapi.BackPressureLevelOf(p.BackPressured)
	}
	return p, ok
}

// PressureFromBackPressure reads the /backpressure answer: the maximum of
// each ratio over the subtasks and the vertex's level. ok is false while
// the status is "deprecated", Flink's way of saying that no metrics were
// fetched yet.
func PressureFromBackPressure(bp *flinkapi.JobVertexBackPressure) (p VertexPressure, ok bool) {
	p = unknownPressure()
	if bp == nil || bp.Status != flinkapi.BackPressureStatusOK {
		return p, false
	}
	for _, st := range bp.Subtasks {
		p.BackPressured = maxKnown(p.BackPressured, float64(st.Ratio))
		p.Busy = maxKnown(p.Busy, float64(st.BusyRatio))
		p.Idle = maxKnown(p.Idle, float64(st.IdleRatio))
	}
	p.Level = bp.Level()
	if p.Level == "" && !math.IsNaN(p.BackPressured) {
		p.Level = flinkapi.BackPressureLevelOf(p.BackPressured)
	}
	return p, p.Level != "" || !math.IsNaN(p.BackPressured) || !math.IsNaN(p.Busy) || !math.IsNaN(p.Idle)
}

// maxKnown is the larger of a and b, ignoring NaN.
func maxKnown(a, b float64) float64 {
	switch {
	case math.IsNaN(b):
		return a
	case math.IsNaN(a):
		return b
	}
	return max(a, b)
}

// pressureEntry is a vertex's back-pressure as last read, at read on the
// exporter's clock; ready is false while Flink had nothing yet. It is due
// for a refresh from expires on.
type pressureEntry struct {
	p       VertexPressure
	ready   bool
	expires time.Time
	read    time.Time
}

// pressureSnapshot returns the job's vertices, loaded once per run, and
// every back-pressure entry remembered, fresh or due. The job's lock is
// held only while reading the memory, never during the metric requests.
func (js *jobState) pressureSnapshot(s *Scrape, jobID string) ([]flinkapi.JobVertex, map[string]pressureEntry, error) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if err := js.loadVertices(s, jobID); err != nil {
		return nil, nil, err
	}
	return append([]flinkapi.JobVertex(nil), js.vertices...), maps.Clone(js.pressure), nil
}

// storePressure remembers the entry just read for a vertex, or forgets
// the vertex's entry when e is nil (its read failed).
func (js *jobState) storePressure(vertexID string, e *pressureEntry) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if e == nil {
		delete(js.pressure, vertexID)
		return
	}
	if js.pressure == nil {
		js.pressure = map[string]pressureEntry{}
	}
	js.pressure[vertexID] = *e
}

// forgetPressure forgets the entries of vertices the job no longer has
// and the expired ones given: read from an endpoint that now fails, they
// must not be served.
func (js *jobState) forgetPressure(vertices []flinkapi.JobVertex, expired []string) {
	js.mu.Lock()
	defer js.mu.Unlock()
	for _, id := range expired {
		delete(js.pressure, id)
	}
	current := make(map[string]bool, len(vertices))
	for _, v := range vertices {
		current[v.ID] = true
	}
	for id := range js.pressure {
		if !current[id] {
			delete(js.pressure, id)
		}
	}
}
