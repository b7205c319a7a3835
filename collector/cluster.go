package collector

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// clusterCollector exports the cluster's size and version.
type clusterCollector struct {
	descSet
	info, taskManagers, blocked, slotsTotal, slotsAvailable, jobs *prometheus.Desc
}

func newClusterCollector() Collector {
	c := &clusterCollector{}
	c.info = c.add("cluster", "info", "Flink version and revision of the JobManager, from /overview flink-version and flink-commit; value 1.", "version", "revision")
	c.taskManagers = c.add("cluster", "taskmanagers", "TaskManagers registered with the JobManager, from /overview taskmanagers.")
	c.blocked = c.add("cluster", "taskmanagers_blocked", "TaskManagers blocked for new slots (Flink 1.16+), from /overview taskmanagers-blocked.")
	c.slotsTotal = c.add("cluster", "slots", "Task slots of all TaskManagers, from /overview slots-total.")
	c.slotsAvailable = c.add("cluster", "slots_available", "Task slots free for new work, from /overview slots-available.")
	c.jobs = c.add("cluster", "jobs", "Jobs known to the JobManager by state, from /jobs/overview.", "state")
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

	jobs, err := s.Jobs()
	if err != nil {
		return err
	}
	byState := make(map[string]int, len(flinkapi.JobStates()))
	for _, j := range jobs {
		byState[j.State]++
	}
	for _, state := range flinkapi.JobStates() {
		gauge(ch, c.jobs, float64(byState[state]), state)
	}
	return nil
}
