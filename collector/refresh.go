package collector

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// This file bounds what one scrape asks per vertex. Most REST requests of
// a large cluster are per vertex: its back-pressure (one aggregated
// metrics request) and, when a checkpoint completed, the subtask details
// of the checkpoint (one request per vertex, plus where each subtask runs
// once per run of the job). Asking all of them at every scrape costs the
// JobManager V requests per job twice over. Instead each scrape may spend
// a refresh budget of about one request per job on them, and spends it
// on the answers that have waited longest; the others stay exported as
// last read until their turn comes. A scrape of J jobs and T TaskManagers
// then sends at most 3 + 2·J + T requests once the exporter knows the
// cluster (see README, "REST requests"), and its duration is bounded
// whatever the number of vertices.

// minRefreshBudget is the refresh budget of a scrape of few jobs: enough
// to refresh every vertex of a small cluster at each scrape (the default
// simulator, 3 jobs of 3 vertices, needs 9 back-pressure and 9 subtask
// details requests once it is known).
const minRefreshBudget = 18

// firstScrapeBudget is the refresh budget of an exporter's first scrape
// of a cluster of few jobs, which has nothing read before to export and
// reads where the subtasks run besides: enough for a small cluster to be
// complete at once (4 jobs of 4 vertices need 16 back-pressure, 16
// subtask details and 16 vertex details requests).
const firstScrapeBudget = 64

// refreshBudget is how many per-vertex requests one scrape of a cluster
// with the given number of active jobs may send: one per job less one, so
// that with /overview, /jobs/overview, /taskmanagers, /jobmanager/metrics,
// one /jobs/:jobid/checkpoints per job and one metrics request per
// TaskManager a scrape stays within 3 + 2·J + T requests; at least
// minRefreshBudget, or firstScrapeBudget in the exporter's first scrape.
func refreshBudget(jobs int, first bool) int {
	if first {
		return max(firstScrapeBudget, jobs-1)
	}
	return max(minRefreshBudget, jobs-1)
}

// pressureBudget is the back-pressure collector's half of the refresh
// budget, in vertices; checkpointAckBudget is the other half, in requests
// for subtask details and placements. The halves are fixed so that each
// collector plans alone, and the same cluster gets the same plan.
func pressureBudget(jobs int, first bool) int {
	b := refreshBudget(jobs, first)
	return b - b/2
}

func checkpointAckBudget(jobs int, first bool) int { return refreshBudget(jobs, first) / 2 }

// RefreshBudget returns how many per-vertex requests a scrape of a cluster
// with the given number of active jobs may send once the exporter knows
// it: back-pressure requests (one per vertex) and checkpoint
// acknowledgement requests (one per vertex of each job analysed, and as
// many again for a job's first analysis in a run). How often a vertex or
// a job gets its turn follows from it; docs/performance.md shows it.
func RefreshBudget(jobs int) (backPressure, acks int) {
	return pressureBudget(jobs, false), checkpointAckBudget(jobs, false)
}

// firstScrape reports whether s is the exporter's first scrape of the
// cluster, the one that found the State empty. Scrapes of one Exporter
// never overlap, so once another scrape asks, the first is over.
func (st *State) firstScrape(s *Scrape) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case !st.scraped:
		st.scraped, st.first = true, s
	case st.first != s:
		st.first = nil
	}
	return st.first == s
}

// refreshCandidate is an answer a scrape may refresh.
type refreshCandidate struct {
	// key orders candidates that are equal otherwise: job and vertex id.
	key string
	// urgent is true for an answer that loses its worth within seconds
	// (a checkpoint in progress nearing its timeout): served before all.
	urgent bool
	// missing is true for an answer never read: served first, so that new
	// jobs and vertices appear soonest.
	missing bool
	// since is when the answer became due (its expiry, or when it was
	// read): the longest waiting is served first.
	since time.Time
	// cost is the requests the refresh sends.
	cost int
}

// pickRefreshes returns the indexes of the candidates one scrape refreshes
// within budget requests: urgent ones first, then missing ones, then by
// how long they have waited, then by key. A candidate that does not fit in what is left is
// skipped for a cheaper one, except the first: the longest waiting is
// always served, even when it alone exceeds the budget, so nothing waits
// forever.
func pickRefreshes(cands []refreshCandidate, budget int) []int {
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		x, y := cands[order[a]], cands[order[b]]
		if x.urgent != y.urgent {
			return x.urgent
		}
		if x.missing != y.missing {
			return x.missing
		}
		if !x.since.Equal(y.since) {
			return x.since.Before(y.since)
		}
		return x.key < y.key
	})
	var picked []int
	left := budget
	for _, i := range order {
		if left <= 0 {
			break
		}
		if cands[i].cost > left && len(picked) > 0 {
			continue
		}
		picked = append(picked, i)
		left -= cands[i].cost
	}
	sort.Ints(picked)
	return picked
}

// joinJobErrors joins the errors of jobs (errs[i] is jobs[i]'s), each
// naming its job, so that one failing job never hides the others.
func joinJobErrors(jobs []flinkapi.JobOverview, errs []error) error {
	out := make([]error, len(errs))
	for i, err := range errs {
		out[i] = jobError(jobs[i], err)
	}
	return errors.Join(out...)
}

// refreshRound is one round of detail refreshes (per-vertex back-pressure
// and checkpoint subtask details, vertex placement, per-TaskManager
// metrics), started by a scrape and run on a context of its own: bounded
// in total (roundTimeout, from the end of the scrape's own work), each request by the REST client's timeout, and
// ranked below the core and checkpoint requests of every scrape
// (flinkapi.PriorityDetail). Its answers complete into the State even
// after the scrape that started it ended, so that an answer in flight at
// the scrape's deadline is kept, not thrown away. A scrape starts a round
// only when none runs: at most one per cluster at a time, and never more
// than one per scrape, so requests per minute do not grow.
type refreshRound struct {
	ctx    context.Context
	cancel context.CancelFunc
	// timeout bounds the round from when its scrape sealed it.
	timeout time.Duration
	wg      sync.WaitGroup
	done    chan struct{}

	mu sync.Mutex
	// late holds, by collector, the errors of refreshes that ended after
	// their scrape stopped waiting; the next scrape that starts a round
	// reports them.
	late map[string][]error
	// pending are the background refreshes, started when the scrape has
	// sent its own requests (seal), so that they never delay them.
	pending []pendingRefresh
}

// pendingRefresh is a background refresh waiting for its scrape to end.
type pendingRefresh struct {
	collector string
	run       func()
}

// refreshRank orders the background refreshes of a round: the
// acknowledgement analysis first (the evidence of a failing checkpoint),
// then the TaskManagers' metrics, then back-pressure. On a JobManager too
// slow to answer them all within the round, the last wait for the next.
func refreshRank(collector string) int {
	switch collector {
	case "checkpoint_acks":
		return 0
	case "taskmanagers":
		return 1
	}
	return 2
}

func newRefreshRound(timeout time.Duration) *refreshRound {
	ctx, cancel := context.WithCancel(context.Background())
	return &refreshRound{
		ctx:     flinkapi.WithPriority(ctx, flinkapi.PriorityDetail),
		cancel:  cancel,
		timeout: timeout,
		done:    make(chan struct{}),
		late:    map[string][]error{},
	}
}

// seal is called once the scrape that started the round has handed it
// every refresh: the round ends when they have.
func (r *refreshRound) seal() {
	r.mu.Lock()
	pending := r.pending
	r.pending = nil
	r.mu.Unlock()
	timer := time.AfterFunc(r.timeout, r.cancel)
	sort.SliceStable(pending, func(a, b int) bool {
		return refreshRank(pending[a].collector) < refreshRank(pending[b].collector)
	})
	for _, p := range pending {
		go p.run()
	}
	go func() {
		defer timer.Stop()
		r.wg.Wait()
		r.cancel()
		close(r.done)
	}()
}

// finished reports whether the round ended.
func (r *refreshRound) finished() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// lateErrors returns the errors no scrape reported, by collector.
func (r *refreshRound) lateErrors() map[string][]error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.late)
}

// startRound returns a new refresh round and the late errors of the one
// before. While the round of an earlier scrape still runs, a scrape that
// refreshes in the background starts none (nil): it exports what the
// caches hold. A scrape that waits for its refreshes instead ends the
// earlier round (what it read so far is in the caches; its failures were
// that scrape's) and starts its own, so that it reports what it read
// itself.
func (e *Exporter) startRound(ctx context.Context) (*refreshRound, map[string][]error) {
	e.roundMu.Lock()
	defer e.roundMu.Unlock()
	var late map[string][]error
	if prev := e.round; prev != nil {
		switch {
		case prev.finished():
			late = prev.lateErrors()
		case e.background:
			return nil, nil
		default:
			prev.cancel()
			select {
			case <-prev.done:
			case <-ctx.Done():
			}
		}
	}
	e.round = newRefreshRound(e.roundTimeout)
	return e.round, late
}

// refreshing reports whether the scrape may start refreshes: it started
// the refresh round. While the round of an earlier scrape runs, a scrape
// exports what the caches hold.
func (s *Scrape) refreshing() bool { return s.round != nil }

// refresh runs fn(ctx, i) for every i in [0, n) concurrently on the
// scrape's refresh round, for the named collector, and reports which ended
// (done) and their errors. fn must write only to the State (under its
// locks) and to its own index of slices the caller reads only when
// done[i].
//
// When the exporter refreshes in the background, refresh returns at once:
// the refreshes start when the scrape has sent its own requests, run on
// the round's context and complete into the State,
// and a failure is reported by the next scrape that starts a round
// (lateError). Otherwise it waits until they ended or the scrape's
// context did. Refreshes of immutable answers (keep: a completed or
// failed checkpoint's subtask details, the placement) then go on past the
// scrape's deadline into the State, and are reported failed for this
// scrape; the others end with the scrape.
func (s *Scrape) refresh(name string, n int, keep bool, fn func(ctx context.Context, i int) error) (done []bool, errs []error) {
	done, errs = make([]bool, n), make([]error, n)
	r := s.round
	if r == nil || n == 0 {
		return done, errs
	}
	ctx := r.ctx
	if !s.background && !keep {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		stop := context.AfterFunc(s.ctx, cancel)
		defer func() {
			stop()
			cancel()
		}()
	}
	var mu sync.Mutex
	left := false
	remaining := n
	all := make(chan struct{})
	for i := range n {
		r.wg.Add(1)
		run := func() {
			defer r.wg.Done()
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("panic: %v", p)
					}
				}()
				if s.background {
					if err = s.gate.wait(ctx); err != nil {
						return
					}
				}
				err = fn(ctx, i)
			}()
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && s.background && r.ctx.Err() != nil:
				// Cut short by the round's bound: not refreshed this
				// round, due again in the next; no failure of the
				// endpoint.
			case !left:
				done[i], errs[i] = true, err
			case err != nil && s.background:
				r.mu.Lock()
				r.late[name] = append(r.late[name], err)
				r.mu.Unlock()
			}
			if remaining--; remaining == 0 {
				close(all)
			}
		}
		if s.background {
			r.mu.Lock()
			r.pending = append(r.pending, pendingRefresh{name, run})
			r.mu.Unlock()
		} else {
			go run()
		}
	}
	switch {
	case s.background:
	case keep:
		select {
		case <-all:
		case <-s.ctx.Done():
		}
	default:
		<-all // bounded by the scrape's context
	}
	mu.Lock()
	defer mu.Unlock()
	left = true
	if !s.background {
		for i := range errs {
			if !done[i] {
				errs[i] = fmt.Errorf("still in flight at the scrape's deadline, kept for the next scrape: %w", context.Cause(s.ctx))
			}
		}
	}
	return slices.Clone(done), errs
}

// lateError returns, joined, the errors of the named collector's
// refreshes that ended after their scrape stopped waiting, as known when
// this scrape started its round.
func (s *Scrape) lateError(name string) error {
	errs := s.late[name]
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("refresh after an earlier scrape: %w", errors.Join(errs...))
}

// scrapeGate holds background refreshes back while a scrape sends its own
// requests: a detail request already in flight cannot be taken back, and
// on a JobManager answering in seconds one such request in each freed
// slot, between the steps of a scrape's chain of core requests, would
// cost the scrape its deadline.
type scrapeGate struct {
	mu     sync.Mutex
	active int
	open   chan struct{} // closed while no scrape is active
}

// enter marks a scrape active; leave marks it done.
func (g *scrapeGate) enter() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.active == 0 {
		g.open = make(chan struct{})
	}
	g.active++
}

func (g *scrapeGate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.active--; g.active == 0 {
		close(g.open)
	}
}

// wait returns when no scrape is active, or with ctx's error.
func (g *scrapeGate) wait(ctx context.Context) error {
	g.mu.Lock()
	if g.active == 0 {
		g.mu.Unlock()
		return nil
	}
	open := g.open
	g.mu.Unlock()
	select {
	case <-open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close ends the refresh round in flight, if any, and waits until its
// requests ended, so that a cluster the exporter forgets keeps no
// connection busy; a later scrape starts a new round.
func (e *Exporter) Close() {
	e.roundMu.Lock()
	r := e.round
	e.roundMu.Unlock()
	if r == nil {
		return
	}
	r.cancel()
	r.mu.Lock()
	pending := len(r.pending) > 0
	r.mu.Unlock()
	if !pending {
		<-r.done
	}
}

// WaitRefreshed waits until the refresh round in flight, if any, ended,
// or ctx did: for harnesses that measure a scrape and the refreshes it
// started, as a scrape interval of idle time would let them end.
func (e *Exporter) WaitRefreshed(ctx context.Context) error {
	e.roundMu.Lock()
	r := e.round
	e.roundMu.Unlock()
	if r == nil {
		return nil
	}
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// detailTurn waits, in a background refresh, until no scrape of the
// cluster sends its own requests, before each detail request: a request
// in flight cannot be taken back, and a refresh started between scrapes
// may still be running when the next one starts.
func (s *Scrape) detailTurn(ctx context.Context) error {
	if !s.background || s.gate == nil {
		return nil
	}
	return s.gate.wait(ctx)
}
