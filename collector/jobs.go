package collector

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// jobsCollector exports each job's state.
type jobsCollector struct {
	descSet
	state, start *prometheus.Desc
	// states are Flink's job states in the exposition's order.
	states []string
}

func newJobsCollector() Collector {
	c := &jobsCollector{states: flinkapi.JobStates()}
	slices.Sort(c.states)
	c.state = c.add("job", "state", "1 for the job's current state and 0 for the others, from /jobs/overview state.", "job_id", "job_name", "state")
	c.start = c.add("job", "start_timestamp_seconds", "When the job was submitted, from /jobs/overview start-time.", jobLabels...)
	return c
}

func (c *jobsCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	jobs, err := s.Jobs()
	if err != nil {
		return err
	}
	for _, j := range jobs {
		for _, state := range c.states {
			gauge(ch, c.state, boolValue(j.State == state), j.ID, j.Name, state)
		}
		if j.StartTime > 0 {
			gauge(ch, c.start, msToSeconds(j.StartTime), j.ID, j.Name)
		}
	}
	return nil
}

// DefaultMaxJobs is how many jobs a scrape reads in detail unless
// configured otherwise (Config.MaxJobs, --flink.max-jobs). Each job costs a
// few REST requests per scrape. Measured against the 100 000-job
// JobManager of internal/fakejm with 4 requests in flight on a shared
// 2-core machine, a scrape reading 1 000 jobs took 2.3-2.8 s (about 1.5 s of
// it decoding the 19 MB /jobs/overview), well inside the default 10 s
// budget, and 2 000 jobs 3.9-5.3 s; a real JobManager answers more slowly
// (docs/performance.md).
const DefaultMaxJobs = 1000

// jobList is the scrape's view of /jobs/overview: the jobs read in detail,
// at most MaxJobs, and the count of every job by state, so that
// flink_cluster_jobs counts all of them.
type jobList struct {
	selected []flinkapi.JobOverview
	// rank is each selected job's place in selected.
	rank    map[string]int
	byState map[string]int
	skipped map[string]int
}

// fetchJobs reads GET /jobs/overview once for the scrape, keeps one entry
// per job id and, beyond maxJobs, the jobs that matter most. A JobManager
// that lists a job twice would otherwise have it counted twice in
// flink_cluster_jobs and its series sent twice, which fails the whole
// gather; the duplicates and the jobs left out are logged when they
// change, not at every scrape.
func (s *Scrape) fetchJobs() (*jobList, error) {
	o, err := s.client.JobsOverview(s.ctx)
	if err != nil {
		return nil, err
	}
	jobs, dups := uniqueJobs(o.Jobs)
	dupsCondition := ""
	if len(dups) > 0 {
		dupsCondition = fmt.Sprint(len(dups), dups[0])
	}
	if s.state.changed("duplicated_jobs", dupsCondition) {
		level.Warn(s.logger).Log("msg", "/jobs/overview lists job ids more than once; each job is counted once, from its most recently modified entry", "url", s.client.BaseURL(), "duplicated_jobs", len(dups), "first_job_id", dups[0])
	}
	l := &jobList{byState: map[string]int{}, skipped: map[string]int{}}
	for _, j := range jobs {
		l.byState[j.State]++
	}
	l.selected = selectJobs(jobs, s.maxJobs)
	// By id: the collectors send each job's series in this order, the
	// order in which the exposition lists them (exposition.go). The slice
	// is fetchJobs' own (uniqueJobs made it).
	slices.SortFunc(l.selected, func(a, b flinkapi.JobOverview) int { return strings.Compare(a.ID, b.ID) })
	l.rank = make(map[string]int, len(l.selected))
	for i, j := range l.selected {
		l.rank[j.ID] = i
	}
	left := len(jobs) - len(l.selected)
	if left > 0 {
		kept := make(map[string]bool, len(l.selected))
		for _, j := range l.selected {
			kept[j.ID] = true
		}
		for _, j := range jobs {
			if !kept[j.ID] {
				l.skipped[j.State]++
			}
		}
	}
	skippedCondition := ""
	if left > 0 {
		skippedCondition = fmt.Sprint(left)
	}
	if s.state.changed("skipped_jobs", skippedCondition) {
		level.Warn(s.logger).Log("msg", "more jobs than --flink.max-jobs; running, failing and restarting jobs are read first, the rest are only counted (logged again when the number changes)", "url", s.client.BaseURL(), "jobs", len(jobs), "max_jobs", s.maxJobs, "skipped", left)
	}
	return l, nil
}

// JobCounts returns the number of jobs of /jobs/overview by state, each
// job once, and the jobs by state that the scrape does not read in detail
// (beyond Config.MaxJobs).
func (s *Scrape) JobCounts() (byState, skipped map[string]int, err error) {
	l, err := s.jobs.do("", s.fetchJobs)
	if err != nil {
		return nil, nil, err
	}
	return l.byState, l.skipped, nil
}

// jobPriority orders job states for selectJobs: jobs whose checkpoints
// matter now first, then the others that may still run, the finished last.
func jobPriority(state string) int {
	switch state {
	case flinkapi.JobRunning, flinkapi.JobFailing, flinkapi.JobRestarting:
		return 0
	}
	if flinkapi.IsGloballyTerminal(state) {
		return 2
	}
	return 1
}

// selectJobs returns at most max jobs (all when max <= 0): by state
// priority, then the most recently modified, then by id, so that the choice
// is stable from scrape to scrape. The order of the list is kept.
func selectJobs(jobs []flinkapi.JobOverview, max int) []flinkapi.JobOverview {
	if max <= 0 || len(jobs) <= max {
		return jobs
	}
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		ja, jb := jobs[order[a]], jobs[order[b]]
		if pa, pb := jobPriority(ja.State), jobPriority(jb.State); pa != pb {
			return pa < pb
		}
		if ja.LastModification != jb.LastModification {
			return ja.LastModification > jb.LastModification
		}
		return ja.ID < jb.ID
	})
	keep := order[:max]
	sort.Ints(keep)
	out := make([]flinkapi.JobOverview, 0, max)
	for _, i := range keep {
		out = append(out, jobs[i])
	}
	return out
}

// uniqueJobs keeps one entry per job id, in the order of first appearance:
// the one modified last (the first of equals), since it is the newest view
// of the job. dups lists each id that appeared more than once.
func uniqueJobs(jobs []flinkapi.JobOverview) (unique []flinkapi.JobOverview, dups []string) {
	at := make(map[string]int, len(jobs))
	counted := map[string]bool{}
	unique = make([]flinkapi.JobOverview, 0, len(jobs))
	for _, j := range jobs {
		i, ok := at[j.ID]
		if !ok {
			at[j.ID] = len(unique)
			unique = append(unique, j)
			continue
		}
		if !counted[j.ID] {
			counted[j.ID] = true
			dups = append(dups, j.ID)
		}
		if j.LastModification > unique[i].LastModification {
			unique[i] = j
		}
	}
	return unique, dups
}
