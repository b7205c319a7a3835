package scrapehttp

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// text encodes families in the text format, for comparing answers.
func text(t testing.TB, mfs []*dto.MetricFamily) string {
	t.Helper()
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

// flinkRegistry holds a few families like the exporter's; own one like the
// exporter's own metrics (a histogram, a counter with no labels).
func flinkRegistry(t testing.TB) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	up := prometheus.NewGauge(prometheus.GaugeOpts{Name: "flink_up", Help: "Up."})
	up.Set(1)
	lat := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "flink_taskmanager_checkpoint_ack_latency_max_seconds", Help: "Ack."}, []string{"job_id", "tm_id"})
	lat.WithLabelValues("b", "tm-2").Set(2)
	lat.WithLabelValues("a", "tm-1").Set(1.5)
	lat.WithLabelValues("a", "tm-2").Set(0.5)
	failed := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "flink_job_checkpoints_failed_total", Help: "Failed."}, []string{"job_id"})
	failed.WithLabelValues("a").Add(3)
	reg.MustRegister(up, lat, failed)
	return reg
}

func ownRegistry(t testing.TB) *prometheus.Registry {
	t.Helper()
	reg := prometheus.NewRegistry()
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "flink_exporter_rest_request_duration_seconds", Help: "REST.", Buckets: []float64{0.1, 1}})
	h.Observe(0.05)
	h.Observe(2)
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "flink_exporter_build_total", Help: "Builds."})
	c.Inc()
	reg.MustRegister(h, c)
	return reg
}

func TestSequenceServesWhatGatherersServes(t *testing.T) {
	flink, own := flinkRegistry(t), ownRegistry(t)
	want, err := prometheus.Gatherers{flink, own}.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got, err := sequence{flink, own}.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if g, w := text(t, got), text(t, want); g != w {
		t.Errorf("sequence served\n%s\nprometheus.Gatherers serves\n%s", g, w)
	}
	// Written out, so that the comparison above cannot pass on two
	// equally wrong answers: families by name, series by label values.
	var names []string
	for _, mf := range got {
		names = append(names, mf.GetName())
	}
	wantNames := "flink_exporter_build_total flink_exporter_rest_request_duration_seconds flink_job_checkpoints_failed_total flink_taskmanager_checkpoint_ack_latency_max_seconds flink_up"
	if strings.Join(names, " ") != wantNames {
		t.Errorf("families %v, want %s", names, wantNames)
	}
	if !strings.Contains(text(t, got), `flink_taskmanager_checkpoint_ack_latency_max_seconds{job_id="a",tm_id="tm-1"} 1.5
flink_taskmanager_checkpoint_ack_latency_max_seconds{job_id="a",tm_id="tm-2"} 0.5
flink_taskmanager_checkpoint_ack_latency_max_seconds{job_id="b",tm_id="tm-2"} 2
`) {
		t.Errorf("series of flink_taskmanager_checkpoint_ack_latency_max_seconds not in label order:\n%s", text(t, got))
	}
}

func TestSequenceGathersInOrder(t *testing.T) {
	var order []string
	g := func(name string) prometheus.Gatherer {
		return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
			order = append(order, name)
			return nil, nil
		})
	}
	if _, err := (sequence{g("flink"), g("own"), g("rest")}).Gather(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, " "); got != "flink own rest" {
		t.Errorf("gathered %q, want the flink gatherer first, then own, then rest", got)
	}
}

// A family two gatherers share is merged, with the checks
// prometheus.Gatherers makes: a series both serve is an error.
func TestSequenceMergesSharedFamilies(t *testing.T) {
	a, b := prometheus.NewRegistry(), prometheus.NewRegistry()
	ga := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "shared", Help: "Shared."}, []string{"from"})
	ga.WithLabelValues("b").Set(2)
	gb := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "shared", Help: "Shared."}, []string{"from"})
	gb.WithLabelValues("a").Set(1)
	a.MustRegister(ga)
	b.MustRegister(gb)
	got, err := sequence{a, b}.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := "# HELP shared Shared.\n# TYPE shared gauge\nshared{from=\"a\"} 1\nshared{from=\"b\"} 2\n"
	if g := text(t, got); g != want {
		t.Errorf("merged\n%s\nwant\n%s", g, want)
	}

	gb.WithLabelValues("b").Set(3) // the same series as a's
	got, err = sequence{a, b}.Gather()
	if err == nil || !strings.Contains(err.Error(), "collected before with the same name and label values") {
		t.Errorf("a series served by both gatherers: error %v, want prometheus.Gatherers's duplicate error", err)
	}
	if g := text(t, got); !strings.Contains(g, `shared{from="a"} 1`) {
		t.Errorf("the other series were dropped along with the duplicate:\n%s", g)
	}
}

// A gatherer that fails keeps what it gathered, and its error is
// returned marked with its place, so that ContinueOnError serves the rest.
func TestSequenceKeepsWhatAFailingGathererReturned(t *testing.T) {
	own := ownRegistry(t)
	failing := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		mfs, _ := flinkRegistry(t).Gather()
		return mfs, prometheus.MultiError{errors.New("collector failed"), errors.New("another")}
	})
	got, err := sequence{failing, own}.Gather()
	if err == nil || !strings.Contains(err.Error(), "[from Gatherer #1] collector failed") || !strings.Contains(err.Error(), "[from Gatherer #1] another") {
		t.Errorf("error %v, want both errors of gatherer #1", err)
	}
	if n := len(got); n != 5 {
		t.Errorf("%d families, want the 3 of the failing gatherer and the 2 of the other", n)
	}
}

// series emits n const gauges shaped like the exporter's per-TaskManager
// series (a 32-character job id, a job name, a TaskManager id), in the
// exposition's order.
type series struct {
	desc *prometheus.Desc
	n    int
}

func (s series) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }
func (s series) Collect(ch chan<- prometheus.Metric) {
	for i := range s.n {
		job, tm := i/100, i%100
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, float64(i),
			fmt.Sprintf("%032x", job), fmt.Sprintf("job-%d", job), fmt.Sprintf("10.0.%d.%d:41769-%06x", tm/256, tm%256, tm))
	}
}

// BenchmarkGather measures what serving a gathered scrape of 25,000
// series beside the exporter's own metrics costs after the flink
// registry's Gather: prometheus.Gatherers checks and sorts every series
// again, sequence only orders the families.
func BenchmarkGather(b *testing.B) {
	flink := prometheus.NewRegistry()
	for f := range 5 {
		desc := prometheus.NewDesc(fmt.Sprintf("flink_series_%d", f), "Series.", []string{"job_id", "job_name", "tm_id"}, nil)
		flink.MustRegister(series{desc: desc, n: 5000})
	}
	mfs, err := flink.Gather()
	if err != nil {
		b.Fatal(err)
	}
	gathered := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return mfs, nil })
	own := ownRegistry(b)
	for _, c := range []struct {
		name string
		g    prometheus.Gatherer
	}{
		{"prometheus.Gatherers", prometheus.Gatherers{gathered, own}},
		{"sequence", sequence{gathered, own}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.g.Gather(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
