package collector

import (
	"errors"
	"fmt"
	"sort"
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
	var out []error
	for i, err := range errs {
		if err != nil {
			out = append(out, fmt.Errorf("job %s (%s): %w", jobs[i].ID, jobs[i].Name, err))
		}
	}
	return errors.Join(out...)
}
