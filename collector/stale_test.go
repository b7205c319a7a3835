package collector

import (
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
