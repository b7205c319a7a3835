package collector

import (
	"cmp"
	"errors"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// The registry sorts the series of each metric family by their label
// values (labels taken by name) after the scrape's last series arrived: on
// the scrape's critical path, behind the last REST answer. Go's sort passes
// over a sorted slice once, while series in arrival order cost it 15-30 ms
// at 25,000 series (docs/performance-scrape-work.md). So the collectors
// send series in the exposition's order: jobs by id (Scrape.Jobs), and
// within a job each family by its other labels. forEachJobInOrder keeps
// that order while the jobs are read concurrently; sortSeries orders series
// built once and sent at every scrape.

// batch holds series to send later, in one go.
type batch []prometheus.Metric

func (b *batch) gauge(desc *prometheus.Desc, v float64, labels ...string) {
	*b = append(*b, prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...))
}

func (b *batch) counter(desc *prometheus.Desc, v float64, labels ...string) {
	*b = append(*b, prometheus.MustNewConstMetric(desc, prometheus.CounterValue, v, labels...))
}

// jobOrder sends the series of jobs read concurrently in the order of the
// jobs, each job's as soon as every earlier job's went out.
type jobOrder struct {
	ch   chan<- prometheus.Metric
	mu   sync.Mutex
	held []batch
	done []bool
	next int
}

func newJobOrder(ch chan<- prometheus.Metric, jobs int) *jobOrder {
	return &jobOrder{ch: ch, held: make([]batch, jobs), done: make([]bool, jobs)}
}

// send hands over the series of the i-th job, then sends those of every
// job no longer waiting for an earlier one. Every job calls it once, also
// without series, or the jobs after it wait for the end of the scrape.
func (o *jobOrder) send(i int, b batch) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.held[i], o.done[i] = b, true
	for o.next < len(o.done) && o.done[o.next] {
		for _, m := range o.held[o.next] {
			o.ch <- m
		}
		o.held[o.next] = nil
		o.next++
	}
}

// forEachJobInOrder runs fn for every job concurrently (the REST client
// bounds the requests in flight) and returns the jobs' errors joined, each
// naming its job, so that one failing job never hides the others. fn makes
// the job's series in a batch; they go to ch in the order of jobs, each
// job's once every earlier job's did.
func forEachJobInOrder(jobs []flinkapi.JobOverview, ch chan<- prometheus.Metric, fn func(flinkapi.JobOverview, *batch) error) error {
	o := newJobOrder(ch, len(jobs))
	errs := parallel(len(jobs), func(i int) error {
		var b batch
		// Deferred, so that a panic (parallel recovers it) holds no
		// later job back.
		defer func() { o.send(i, b) }()
		return jobError(jobs[i], fn(jobs[i], &b))
	})
	return errors.Join(errs...)
}

// sortSeries orders xs, whose metric is m(x), as the exposition lists them:
// the series of each family by label values, labels taken by name (the
// order of client_golang's MetricSorter); the families keep the place of
// their first series.
func sortSeries[T any](xs []T, m func(T) prometheus.Metric) {
	type keyed struct {
		x      T
		family int
		values []string
	}
	families := map[*prometheus.Desc]int{}
	ks := make([]keyed, len(xs))
	for i, x := range xs {
		metric := m(x)
		f, ok := families[metric.Desc()]
		if !ok {
			f = len(families)
			families[metric.Desc()] = f
		}
		var pb dto.Metric
		// A const metric's Write fails only on invalid labels, which
		// MustNewConstMetric already refused.
		_ = metric.Write(&pb)
		values := make([]string, len(pb.GetLabel()))
		for n, lp := range pb.GetLabel() {
			values[n] = lp.GetValue()
		}
		ks[i] = keyed{x: x, family: f, values: values}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if c := cmp.Compare(a.family, b.family); c != 0 {
			return c
		}
		return slices.Compare(a.values, b.values)
	})
	for i := range ks {
		xs[i] = ks[i].x
	}
}
