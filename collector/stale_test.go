package collector

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// TestCachedValuesDropWhenTheEndpointFails: every value the exporter keeps
// across scrapes follows one rule: once it is past its TTL, a refresh that
// fails drops it; it is never served as current. Good scrapes first, then
// the endpoint fails: the series stay while within their TTL (nothing is
// asked), and are gone at the first scrape past it.
func TestCachedValuesDropWhenTheEndpointFails(t *testing.T) {
	for _, tt := range []struct {
		collector, route string
		metrics          []string
		// withinTTL: a scrape 5 s after the fault still serves the value
		// without asking (metric endpoints, TTL 10 s). The acknowledgement
		// analysis lives until the next checkpoint completes instead.
		withinTTL bool
	}{
		{"backpressure", flinkapi.EndpointVertexSubtaskMetrics, []string{"flink_job_vertex_busy_ratio_max", "flink_job_vertex_backpressure_level"}, true},
		{"taskmanagers", flinkapi.EndpointTaskManagerMetrics, []string{"flink_taskmanager_jvm_heap_used_bytes"}, true},
		{"jobmanager", flinkapi.EndpointJobManagerMetrics, []string{"flink_jobmanager_jvm_heap_used_bytes"}, true},
		{"checkpoint_acks", flinkapi.EndpointCheckpointSubtasks, []string{"flink_job_vertex_checkpoint_ack_latency_max_seconds", "flink_taskmanager_checkpoint_ack_latency_max_seconds"}, false},
	} {
		t.Run(tt.collector, func(t *testing.T) {
			c := newFaultCluster(t, faultOptions{})
			c.exporter.metricsTTL = DefaultMetricsTTL
			c.clock.Advance(30 * time.Second)
			success := func(got map[string]series) float64 {
				return got["flink_exporter_scrape_collector_success"].withLabel("collector="+tt.collector).one(t, "success")
			}
			for i := range 2 {
				if i > 0 {
					c.clock.Advance(DefaultMetricsTTL + time.Second)
				}
				got := gatherSeries(t, c.exporter)
				if success(got) != 1 {
					t.Fatal("good scrape failed")
				}
				for _, m := range tt.metrics {
					if len(got[m]) == 0 {
						t.Fatalf("good scrape without %s", m)
					}
				}
			}

			c.sim.SetFaults(flinksim.Faults{Status: 500, Routes: []string{tt.route}})
			if tt.withinTTL {
				c.clock.Advance(5 * time.Second)
				got := gatherSeries(t, c.exporter)
				for _, m := range tt.metrics {
					if len(got[m]) == 0 {
						t.Errorf("within the TTL: %s dropped although nothing failed yet", m)
					}
				}
			}
			c.clock.Advance(DefaultMetricsTTL)
			got := gatherSeries(t, c.exporter)
			if success(got) != 0 {
				t.Errorf("the collector reports success while %s fails", tt.route)
			}
			for _, m := range tt.metrics {
				if len(got[m]) != 0 {
					t.Errorf("past the TTL with %s failing: %s still served: %v", tt.route, m, got[m])
				}
			}
			if tt.collector == "checkpoint_acks" {
				if s := got["flink_job_checkpoint_ack_analysis_checkpoint_id"].withLabel("checkpoint=latest_completed"); len(s) != 0 {
					t.Errorf("analysis of an older checkpoint still served: %v", s)
				}
			}

			// The endpoint answers again: the series come back.
			c.sim.SetFaults(flinksim.Faults{})
			c.clock.Advance(DefaultMetricsTTL + time.Second)
			got = gatherSeries(t, c.exporter)
			for _, m := range tt.metrics {
				if len(got[m]) == 0 {
					t.Errorf("after the fault: %s missing", m)
				}
			}
		})
	}
}

// TestValuesKeptPastTheirTTLShowTheirAge: a background refresh cut short by
// the refresh round's time limit is no failure of the endpoint, so the
// back-pressure and TaskManager values read before stay, past their TTL.
// They are then served with their age, never as current: the age series
// grow with every scrape whose refresh is cut short, and fall to 0 once a
// refresh reads them again.
func TestValuesKeptPastTheirTTLShowTheirAge(t *testing.T) {
	sim, clock := newInstantSim(t, flinksim.Config{Jobs: 1, Vertices: 2, Parallelism: 2, TaskManagers: 2, Seed: 1})
	clock.Advance(30 * time.Second)
	h := sim.Handler()
	var hang atomic.Bool
	srv := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang.Load() && (strings.HasSuffix(r.URL.Path, "/subtasks/metrics") || strings.HasPrefix(r.URL.Path, "/taskmanagers/")) {
			<-r.Context().Done()
			return
		}
		h.ServeHTTP(w, r)
	}))
	e := newExporterAt(t, srv.URL, Config{Now: clock.Now, MetricsTTL: DefaultMetricsTTL, BackgroundRefresh: true, RefreshTimeout: 2 * time.Second})
	scrape := func() map[string]series {
		t.Helper()
		got := gatherSeries(t, e)
		if err := e.WaitRefreshed(context.Background()); err != nil {
			t.Fatal(err)
		}
		return got
	}
	// ages returns, per age series, its only value across its series, and
	// checks that the values it dates are there.
	ages := func(got map[string]series, when string) map[string]float64 {
		t.Helper()
		out := map[string]float64{}
		for age, dated := range map[string]string{
			"flink_job_vertex_backpressure_age_seconds": "flink_job_vertex_busy_ratio_max",
			"flink_taskmanager_metrics_age_seconds":     "flink_taskmanager_jvm_heap_used_bytes",
		} {
			if n, want := len(got[dated]), len(got[age]); n == 0 || n != want {
				t.Fatalf("%s: %d %s series for %d %s series", when, n, dated, want, age)
			}
			seen := map[float64]bool{}
			for _, v := range got[age] {
				seen[v] = true
				out[age] = v
			}
			if len(seen) != 1 {
				t.Errorf("%s: %s differs between series: %v", when, age, got[age])
			}
		}
		return out
	}

	scrape() // first scrape: the round reads every value
	got := scrape()
	for age, v := range ages(got, "read by the first round") {
		if v != 0 {
			t.Errorf("right after the read: %s = %v, want 0", age, v)
		}
	}

	hang.Store(true)
	for n, want := range []float64{15, 30, 45} {
		clock.Advance(15 * time.Second)
		got := scrape()
		for age, v := range ages(got, fmt.Sprintf("refresh %d cut short", n+1)) {
			if v != want {
				t.Errorf("%d scrapes whose refresh was cut short: %s = %v, want %v", n+1, age, v, want)
			}
		}
		for _, c := range []string{"backpressure", "taskmanagers"} {
			if v := got["flink_exporter_scrape_collector_success"].withLabel("collector="+c).one(t, c); v != 1 {
				t.Errorf("collector %s success %v: a refresh cut short by the round is no failure of the endpoint", c, v)
			}
		}
	}

	hang.Store(false)
	clock.Advance(15 * time.Second)
	scrape() // exports the old values, its round reads them again
	for age, v := range ages(scrape(), "read again") {
		if v != 0 {
			t.Errorf("after a refresh that read them: %s = %v, want 0", age, v)
		}
	}
}
