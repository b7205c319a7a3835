package collector

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// jobManagerCollector exports the JobManager's JVM, its view of the
// cluster and its host, from /jobmanager/metrics: an overloaded JobManager
// (CPU, heap, GC) slows checkpoint acknowledgements and REST answers alike.
// How fast it answers REST is already measured by the client's
// flink_exporter_rest_request_duration_seconds.
type jobManagerCollector struct {
	descSet
	process processDescs
}

func newJobManagerCollector() Collector {
	c := &jobManagerCollector{}
	c.process = newProcessDescs(&c.descSet, "jobmanager", flinkapi.EndpointJobManagerMetrics, jobManagerMetrics)
	return c
}

func (c *jobManagerCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	values, err := c.values(s)
	if err != nil {
		return err
	}
	c.process.emit(ch, values, s.Now())
	return nil
}

// prefetchCluster reads the JobManager's metrics beside the core requests.
func (c *jobManagerCollector) prefetchCluster(s *Scrape) { _, _ = c.values(s) }

// values reads the JobManager's metrics once per scrape: from the cache
// while fresh, else with one ?get= request.
func (c *jobManagerCollector) values(s *Scrape) (processReading, error) {
	return s.jobManagerMetrics.do("", func() (processReading, error) {
		return s.state.metrics.values(s, jobManagerKey, c.process.metrics, metricSource{
			list: s.client.JobManagerMetricIDs,
			get:  s.client.JobManagerMetrics,
		})
	})
}
