package collector

import (
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
