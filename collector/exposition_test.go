package collector

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// arrival is one series as a Collect sent it.
type arrival struct {
	desc *prometheus.Desc
	pb   *dto.Metric
}

// collectArrivals runs one Collect of c and returns its series in the
// order they were sent.
func collectArrivals(t *testing.T, c prometheus.Collector) []arrival {
	t.Helper()
	ch := make(chan prometheus.Metric)
	go func() {
		c.Collect(ch)
		close(ch)
	}()
	var out []arrival
	for m := range ch {
		pb := &dto.Metric{}
		if err := m.Write(pb); err != nil {
			t.Fatalf("%s: %v", m.Desc(), err)
		}
		out = append(out, arrival{m.Desc(), pb})
	}
	return out
}

// labelText is a series' labels as name="value" pairs, by name (the
// order Write gives them in).
func labelText(pb *dto.Metric) string {
	var parts []string
	for _, lp := range pb.GetLabel() {
		parts = append(parts, fmt.Sprintf("%s=%q", lp.GetName(), lp.GetValue()))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// exposedBefore reports whether the exposition lists a before b within
// their family: written out here as client_golang's internal MetricSorter
// orders them, label values compared in the order of the label names.
func exposedBefore(a, b *dto.Metric) bool {
	for i, lp := range a.GetLabel() {
		if va, vb := lp.GetValue(), b.GetLabel()[i].GetValue(); va != vb {
			return va < vb
		}
	}
	return false
}

// TestSeriesComeInExpositionOrder: every family labelled with job_id
// reaches the registry in the order the exposition lists it (jobs by id,
// then the other labels), so that the registry's sort after the last
// series passes over each once instead of sorting it on the scrape's
// critical path. On a simulated cluster whose jobs have analyses of
// completed, in-progress and failed checkpoints, with detail refreshed
// within the scrape and in the background.
func TestSeriesComeInExpositionOrder(t *testing.T) {
	for _, background := range []bool{false, true} {
		t.Run(fmt.Sprintf("background=%v", background), func(t *testing.T) {
			sim, clock := newInstantSim(t, flinksim.Config{Scenario: "short-timeout", Jobs: 6, Vertices: 3, Parallelism: 4, TaskManagers: 5, Seed: 3})
			srv := httptestServer(t, sim.Handler())
			e := newExporterAt(t, srv.URL, Config{Now: clock.Now, BackgroundRefresh: background})
			kinds := map[string]bool{}
			checked := map[string]int{}
			for scrape := 0; scrape < 1000 && len(kinds) < 3; scrape++ {
				clock.Advance(300 * time.Millisecond)
				last := map[*prometheus.Desc]*dto.Metric{}
				for _, a := range collectArrivals(t, e) {
					if !slices.ContainsFunc(a.pb.GetLabel(), func(lp *dto.LabelPair) bool { return lp.GetName() == "job_id" }) {
						continue
					}
					if prev := last[a.desc]; prev != nil && exposedBefore(a.pb, prev) {
						t.Fatalf("scrape %d: %s came after %s of %s", scrape, labelText(a.pb), labelText(prev), a.desc)
					}
					last[a.desc] = a.pb
					name := a.desc.String()
					checked[name[strings.Index(name, `"`)+1:strings.Index(name, `",`)]]++
					if strings.Contains(name, `"flink_job_checkpoint_ack_analysis_checkpoint_id"`) {
						for _, lp := range a.pb.GetLabel() {
							if lp.GetName() == "checkpoint" {
								kinds[lp.GetValue()] = true
							}
						}
					}
				}
				if background {
					if err := e.WaitRefreshed(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
			}
			if len(kinds) < 3 {
				t.Fatalf("analyses seen of %v only: the order of the in-progress and failed ones went unchecked", kinds)
			}
			for _, name := range []string{
				"flink_job_state", "flink_job_checkpoint_failures_total", "flink_job_vertex_backpressure_level",
				"flink_job_vertex_checkpoint_ack_latency_max_seconds", "flink_taskmanager_checkpoint_ack_latency_max_seconds",
				"flink_job_vertex_checkpoint_subtasks_pending", "flink_taskmanager_checkpoint_subtasks_pending",
				"flink_job_vertex_checkpoint_acknowledged_phase_max_seconds",
			} {
				if checked[name] == 0 {
					t.Errorf("no series of %s checked", name)
				}
			}
		})
	}
}

// TestJobOrderSendsInJobOrder: jobs whose series are made concurrently
// and end in reverse order send them in the order of the jobs, and a job
// that panics holds none of the jobs after it back.
func TestJobOrderSendsInJobOrder(t *testing.T) {
	desc := prometheus.NewDesc("test_series", "Test.", []string{"job_id"}, nil)
	jobs := make([]flinkapi.JobOverview, 5)
	release := make([]chan struct{}, len(jobs))
	for i := range jobs {
		jobs[i] = flinkapi.JobOverview{ID: fmt.Sprintf("job-%d", i), Name: "j"}
		release[i] = make(chan struct{})
	}
	ch := make(chan prometheus.Metric, 100)
	ended := make(chan error)
	go func() {
		ended <- forEachJobInOrder(jobs, ch, func(j flinkapi.JobOverview, b *batch) error {
			i := slices.IndexFunc(jobs, func(x flinkapi.JobOverview) bool { return x.ID == j.ID })
			<-release[i]
			b.gauge(desc, float64(i), j.ID)
			b.gauge(desc, float64(i), j.ID+"-second")
			if i == 1 {
				panic("unforeseen answer")
			}
			return nil
		})
	}()
	for i := len(jobs) - 1; i >= 0; i-- {
		close(release[i])
	}
	err := <-ended
	close(ch)
	var got []string
	for m := range ch {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			t.Fatal(err)
		}
		got = append(got, pb.GetLabel()[0].GetValue())
	}
	want := []string{"job-0", "job-0-second", "job-1", "job-1-second", "job-2", "job-2-second", "job-3", "job-3-second", "job-4", "job-4-second"}
	if !slices.Equal(got, want) {
		t.Errorf("series sent as %v, want %v", got, want)
	}
	if err == nil || !strings.Contains(err.Error(), "panic: unforeseen answer") {
		t.Errorf("error %v, want job-1's panic", err)
	}
}
