package collector

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// clusterCollector exports the cluster's size and version.
type clusterCollector struct {
	descSet
	info, taskManagers, blocked, slotsTotal, slotsAvailable, jobs, skipped *prometheus.Desc
}

func newClusterCollector() Collector {
	c := &clusterCollector{}
	c.info = c.add("cluster", "info", "Flink version and revision of the JobManager, from /overview flink-version and flink-commit; value 1.", "version", "revision")
	c.taskManagers = c.add("cluster", "taskmanagers", "TaskManagers registered with the JobManager, from /overview taskmanagers.")
	c.blocked = c.add("cluster", "taskmanagers_blocked", "TaskManagers blocked for new slots (Flink 1.16+), from /overview taskmanagers-blocked.")
	c.slotsTotal = c.add("cluster", "slots", "Task slots of all TaskManagers, from /overview slots-total.")
	c.slotsAvailable = c.add("cluster", "slots_available", "Task slots free for new work, from /overview slots-available.")
	c.jobs = c.add("cluster", "jobs", "Jobs known to the JobManager by state, from /jobs/overview.", "state")
	c.skipped = c.add("exporter", "jobs_skipped", "Jobs of /jobs/overview by state that this scrape only counted and did not read in detail, beyond --flink.max-jobs (running, failing and restarting jobs are read first).", "state")
	return c
}

func (c *clusterCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	o, err := s.Overview()
	if err != nil {
		return err
	}
	gauge(ch, c.info, 1, o.FlinkVersion, o.FlinkCommit)
	gauge(ch, c.taskManagers, float64(o.TaskManagers))
	gauge(ch, c.blocked, float64(o.TaskManagersBlocked))
	gauge(ch, c.slotsTotal, float64(o.SlotsTotal))
	gauge(ch, c.slotsAvailable, float64(o.SlotsAvailable))

	byState, skipped, err := s.JobCounts()
	if err != nil {
		return err
	}
	for _, state := range flinkapi.JobStates() {
		gauge(ch, c.jobs, float64(byState[state]), state)
		gauge(ch, c.skipped, float64(skipped[state]), state)
	}
	return nil
}
