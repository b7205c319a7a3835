package collector

import "github.com/prometheus/client_golang/prometheus"

// Label sets of the metric contract.
var (
	jobLabels    = []string{"job_id", "job_name"}
	vertexLabels = []string{"job_id", "job_name", "vertex_id", "vertex_name"}
	tmJobLabels  = []string{"tm_id", "job_id", "job_name"}
)

// descSet builds a collector's descriptors and describes them all.
type descSet []*prometheus.Desc

// add builds flink_<subsystem>_<name> and remembers it for Describe.
func (d *descSet) add(subsystem, name, help string, labels ...string) *prometheus.Desc {
	desc := prometheus.NewDesc(prometheus.BuildFQName(Namespace, subsystem, name), help, labels, nil)
	*d = append(*d, desc)
	return desc
}

// Describe sends every descriptor.
func (d descSet) Describe(ch chan<- *prometheus.Desc) {
	for _, desc := range d {
		ch <- desc
	}
}

func gauge(ch chan<- prometheus.Metric, desc *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
}

func counter(ch chan<- prometheus.Metric, desc *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, v, labels...)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
