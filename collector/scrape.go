package collector

import (
	"context"
	"errors"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// Scrape is one scrape of one cluster: the REST client bound to the
// scrape's context, the clock reading shared by every collector, and the
// answers several collectors need, each fetched at most once.
type Scrape struct {
	ctx    context.Context
	client *flinkapi.Client
	state  *State
	now    time.Time
	// clock reads the exporter's clock when a request is sent and
	// answered; nil reads now.
	clock func() time.Time
	// jobManagerNow is now on the JobManager's clock as known when the
	// core answers came, so that every age of one scrape uses one clock.
	jobManagerNow time.Time
	logger        log.Logger
	// metricsTTL is how long answers of Flink's metric endpoints are
	// reused across scrapes (Config.MetricsTTL).
	metricsTTL time.Duration
	// maxJobs bounds the jobs read in detail (Config.MaxJobs); all when
	// not positive.
	maxJobs int

	// round is the refresh round this scrape started, nil while an
	// earlier scrape's still runs; late are the errors of refreshes that
	// ended after their scrape stopped waiting; background is
	// Config.BackgroundRefresh (refresh.go).
	round      *refreshRound
	late       map[string][]error
	background bool
	gate       *scrapeGate

	overview     memo[*flinkapi.ClusterOverview]
	jobs         memo[*jobList]
	taskManagers memo[*flinkapi.TaskManagersInfo]
	checkpoints  memo[*flinkapi.CheckpointingStatistics]
	// jobManagerMetrics is the JobManager's metric values, read once per
	// scrape (a prefetch and the collector share it).
	jobManagerMetrics memo[processReading]
}

func newScrape(ctx context.Context, client *flinkapi.Client, state *State, now time.Time, logger log.Logger) *Scrape {
	return &Scrape{ctx: ctx, client: client, state: state, now: now, logger: logger}
}

// Context bounds every request of the scrape.
func (s *Scrape) Context() context.Context { return s.ctx }

// Client returns the cluster's REST client.
func (s *Scrape) Client() *flinkapi.Client { return s.client }

// Now is the scrape's single reading of the clock, so that every age in one
// scrape is measured against the same instant.
func (s *Scrape) Now() time.Time { return s.now }

// JobManagerNow is Now on the JobManager's clock, for ages measured
// against the JobManager's timestamps (trigger times, heartbeats): an
// exporter whose clock is off by seconds would otherwise see checkpoints
// near their timeout or TaskManagers silent that are not. It uses the
// offset known when the scrape's core answers came (State.jobManagerTime),
// the same for every collector of the scrape, and is Now until an answer
// carried the JobManager's time.
func (s *Scrape) JobManagerNow() time.Time {
	if s.jobManagerNow.IsZero() {
		return s.now
	}
	return s.jobManagerNow
}

// clockNow reads the exporter's clock.
func (s *Scrape) clockNow() time.Time {
	if s.clock == nil {
		return s.now
	}
	return s.clock()
}

// core fetches the answers that decide flink_up.
// The two requests go out together: against a hung JobManager the scrape
// learns flink_up 0 after one request timeout, not two.
func (s *Scrape) core() error {
	errs := parallel(2, func(i int) error {
		if i == 0 {
			_, err := s.Overview()
			return err
		}
		_, err := s.Jobs()
		return err
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	o, _ := s.Overview()
	jobs, _ := s.Jobs()
	changed, newRuns := s.state.observeCluster(o, jobs)
	if changed {
		level.Warn(s.logger).Log("msg", "another Flink cluster answers at this URL (flink-version or flink-commit changed); everything remembered of the previous one dropped", "url", s.client.BaseURL(), "version", o.FlinkVersion, "commit", o.FlinkCommit)
	}
	for _, id := range newRuns {
		level.Info(s.logger).Log("msg", "job started a new run (start time changed); its checkpoint configuration, analyses and failure ledger dropped", "job_id", id)
	}
	s.jobManagerNow = s.state.jobManagerTime(s.now)
	return nil
}

// Overview returns GET /overview.
func (s *Scrape) Overview() (*flinkapi.ClusterOverview, error) {
	return s.overview.do("", func() (*flinkapi.ClusterOverview, error) { return s.client.Overview(s.ctx) })
}

// Jobs returns the jobs of GET /jobs/overview the scrape reads in detail:
// each once, at most Config.MaxJobs of them (see fetchJobs), by id.
func (s *Scrape) Jobs() ([]flinkapi.JobOverview, error) {
	o, err := s.jobs.do("", s.fetchJobs)
	if err != nil {
		return nil, err
	}
	return o.selected, nil
}

// ActiveJobs returns the jobs that are not globally terminal: only these
// are scraped for checkpoints.
func (s *Scrape) ActiveJobs() ([]flinkapi.JobOverview, error) {
	jobs, err := s.Jobs()
	if err != nil {
		return nil, err
	}
	active := make([]flinkapi.JobOverview, 0, len(jobs))
	for _, j := range jobs {
		if !flinkapi.IsGloballyTerminal(j.State) {
			active = append(active, j)
		}
	}
	return active, nil
}

// TaskManagers returns GET /taskmanagers.
func (s *Scrape) TaskManagers() (*flinkapi.TaskManagersInfo, error) {
	return s.taskManagers.do("", func() (*flinkapi.TaskManagersInfo, error) { return s.client.TaskManagers(s.ctx) })
}

// TaskManagerIDs returns the ids of the TaskManagers registered now, from
// the scrape's GET /taskmanagers.
func (s *Scrape) TaskManagerIDs() (map[string]bool, error) {
	info, err := s.TaskManagers()
	if err != nil {
		return nil, err
	}
	ids := make(map[string]bool, len(info.TaskManagers))
	for _, tm := range info.TaskManagers {
		ids[tm.ID] = true
	}
	return ids, nil
}

// Checkpoints returns GET /jobs/:jobid/checkpoints of one job. A job
// without checkpointing gives an error for which flinkapi.IsNotFound holds.
//
// The requests of all jobs queue for the client's request slots in the
// order of Jobs (flinkapi.WithQueueOrder), whichever goroutine asks first:
// the answers then come in the order in which the collectors send the
// jobs' series (exposition.go), and an early job's answer does not come
// last and hold the series of the jobs after it back.
func (s *Scrape) Checkpoints(jobID string) (*flinkapi.CheckpointingStatistics, error) {
	return s.checkpoints.do(jobID, func() (*flinkapi.CheckpointingStatistics, error) {
		ctx := s.ctx
		if l, err := s.jobs.do("", s.fetchJobs); err == nil {
			if n, ok := l.rank[jobID]; ok {
				ctx = flinkapi.WithQueueOrder(ctx, n)
			}
		}
		return s.client.Checkpoints(ctx, jobID)
	})
}
