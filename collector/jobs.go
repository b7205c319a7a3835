package collector

import (
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// jobsCollector exports each job's state.
type jobsCollector struct {
	descSet
	state, start *prometheus.Desc
}

func newJobsCollector() Collector {
	c := &jobsCollector{}
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
		for _, state := range flinkapi.JobStates() {
			gauge(ch, c.state, boolValue(j.State == state), j.ID, j.Name, state)
		}
		if j.StartTime > 0 {
			gauge(ch, c.start, msToSeconds(j.StartTime), j.ID, j.Name)
		}
	}
	return nil
}

// fetchJobs reads GET /jobs/overview once for the scrape and keeps one entry
// per job id. A JobManager that lists a job twice would otherwise have it
// counted twice in flink_cluster_jobs and its series sent twice, which fails
// the whole gather; the duplicates are logged once per scrape.
func (s *Scrape) fetchJobs() (*flinkapi.JobsOverview, error) {
	o, err := s.client.JobsOverview(s.ctx)
	if err != nil {
		return nil, err
	}
	var dups []string
	o.Jobs, dups = uniqueJobs(o.Jobs)
	if len(dups) > 0 {
		level.Warn(s.logger).Log("msg", "/jobs/overview lists job ids more than once; each job is counted once, from its most recently modified entry", "url", s.client.BaseURL(), "duplicated_jobs", len(dups), "first_job_id", dups[0])
	}
	return o, nil
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
