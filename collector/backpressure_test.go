package collector

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// samePressure compares two VertexPressure values, NaN equal to NaN.
func samePressure(a, b VertexPressure) bool {
	eq := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	return eq(a.BackPressured, b.BackPressured) && eq(a.Busy, b.Busy) && eq(a.Idle, b.Idle) && a.Level == b.Level
}

func TestPressureSamples(t *testing.T) {
	nan := math.NaN()
	for _, version := range []string{"1.14", "1.18", "1.20", "2.1"} {
		t.Run(version, func(t *testing.T) {
			dir := filepath.Join(samplesDir(t), "constructed", version)

			// The sample holds a start delay and a "NaN" busy time only:
			// nothing about back-pressure is known.
			var agg []flinkapi.AggregatedMetric
			readJSON(t, filepath.Join(dir, "subtasks_metrics_agg_max.json"), &agg)
			if p, ok := PressureFromAggregates(agg); ok || !samePressure(p, unknownPressure()) {
				t.Errorf("subtasks_metrics_agg_max: %+v, %v; want nothing known", p, ok)
			}

			var bp flinkapi.JobVertexBackPressure
			readJSON(t, filepath.Join(dir, "jobs_jobid_vertices_vertexid_backpressure.json"), &bp)
			want := VertexPressure{BackPressured: 0.78, Busy: 0.22, Idle: 0.95, Level: flinkapi.BackPressureHigh}
			if p, ok := PressureFromBackPressure(&bp); !ok || !samePressure(p, want) {
				t.Errorf("backpressure: %+v, %v; want %+v", p, ok, want)
			}

			var notReady flinkapi.JobVertexBackPressure
			readJSON(t, filepath.Join(dir, "jobs_jobid_vertices_vertexid_backpressure_not_ready.json"), &notReady)
			if p, ok := PressureFromBackPressure(&notReady); ok {
				t.Errorf("deprecated back-pressure gave %+v", p)
			}
		})
	}

	agg := func(id string, max float64) flinkapi.AggregatedMetric {
		return flinkapi.AggregatedMetric{ID: id, Max: flinkapi.NewFloat(max)}
	}
	tests := []struct {
		name string
		in   []flinkapi.AggregatedMetric
		want VertexPressure
		ok   bool
	}{
		{"empty", nil, unknownPressure(), false},
		{"ok", []flinkapi.AggregatedMetric{agg("backPressuredTimeMsPerSecond", 100), agg("busyTimeMsPerSecond", 850), agg("idleTimeMsPerSecond", 50)}, VertexPressure{0.1, 0.85, 0.05, "ok"}, true},
		{"low", []flinkapi.AggregatedMetric{agg("backPressuredTimeMsPerSecond", 500)}, VertexPressure{0.5, nan, nan, "low"}, true},
		{"high, busy NaN", []flinkapi.AggregatedMetric{agg("backPressuredTimeMsPerSecond", 501), agg("busyTimeMsPerSecond", nan)}, VertexPressure{0.501, nan, nan, "high"}, true},
		{"no back-pressure value, no level", []flinkapi.AggregatedMetric{agg("idleTimeMsPerSecond", 1000)}, VertexPressure{nan, nan, 1, ""}, true},
		{"missing max", []flinkapi.AggregatedMetric{{ID: "backPressuredTimeMsPerSecond"}}, unknownPressure(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := PressureFromAggregates(tt.in)
			if ok != tt.ok || !samePressure(p, tt.want) {
				t.Errorf("PressureFromAggregates = %+v, %v; want %+v, %v", p, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestBackPressureCollector runs the collector against a cluster whose
// vertex metrics take each path: one request, one request per metric after
// Flink's all-or-nothing [], the /backpressure fallback, and not ready.
func TestBackPressureCollector(t *testing.T) {
	const vertices = 2
	nan := math.NaN()
	tests := []struct {
		name          string
		vertexMetrics map[string]float64
		ready         bool
		// per vertex
		wantAggregated, wantBackPressure int
		want                             VertexPressure // NaN: series absent
	}{
		{"one request", map[string]float64{"backPressuredTimeMsPerSecond": 300, "busyTimeMsPerSecond": 650, "idleTimeMsPerSecond": 50}, true, 1, 0, VertexPressure{0.3, 0.65, 0.05, "low"}},
		{"busy has no value: one request per metric", map[string]float64{"backPressuredTimeMsPerSecond": 0, "idleTimeMsPerSecond": 990}, true, 4, 0, VertexPressure{0, nan, 0.99, "ok"}},
		{"no metric yet: /backpressure", map[string]float64{}, true, 4, 1, VertexPressure{0.78, 0.22, 0.95, "high"}},
		{"not ready: no series, no error", nil, false, 4, 1, unknownPressure()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCluster(t, 1, 0, 1, vertices, 2)
			fc.vertexMetrics, fc.metricsReady = tt.vertexMetrics, tt.ready
			srv := fc.serve()
			clock := flinksim.NewManualClock(time.UnixMilli(1_700_000_600_000))
			e := newClockedExporter(t, srv.URL, clock, DefaultMetricsTTL, "backpressure")
			got := gatherSeries(t, e)
			if v := got["flink_exporter_scrape_collector_success"].one(t, "success"); v != 1 {
				t.Error("backpressure collector failed")
			}
			requests, _ := fc.counts()
			if n := requests[flinkapi.EndpointVertexSubtaskMetrics]; n != vertices*tt.wantAggregated {
				t.Errorf("%d aggregated metric requests, want %d", n, vertices*tt.wantAggregated)
			}
			if n := requests[flinkapi.EndpointVertexBackPressure]; n != vertices*tt.wantBackPressure {
				t.Errorf("%d /backpressure requests, want %d", n, vertices*tt.wantBackPressure)
			}
			if n := requests[flinkapi.EndpointJob]; n != 1 {
				t.Errorf("%d /jobs/:jobid requests, want 1 (the FINISHED job is not read)", n)
			}
			for v := range vertices {
				vertex := "vertex_id=" + fc.vertexID(0, v)
				for name, want := range map[string]float64{
					"flink_job_vertex_backpressured_ratio_max": tt.want.BackPressured,
					"flink_job_vertex_busy_ratio_max":          tt.want.Busy,
					"flink_job_vertex_idle_ratio_max":          tt.want.Idle,
				} {
					s := got[name].withLabel(vertex, "job_id="+fc.jobID(0), "job_name=job 0", "vertex_name=Vertex "+string(rune('0'+v)))
					if math.IsNaN(want) {
						if len(s) != 0 {
							t.Errorf("%s exported without a value: %v", name, s)
						}
						continue
					}
					if got := s.one(t, name); math.Abs(got-want) > 1e-12 {
						t.Errorf("%s = %v, want %v", name, got, want)
					}
				}
				levels := got["flink_job_vertex_backpressure_level"].withLabel(vertex)
				if tt.want.Level == "" {
					if len(levels) != 0 {
						t.Errorf("level exported without a value: %v", levels)
					}
					continue
				}
				for _, level := range backPressureLevels {
					if v := levels.withLabel("level="+level).one(t, level); v != boolValue(level == tt.want.Level) {
						t.Errorf("level %s = %v, want the level %s", level, v, tt.want.Level)
					}
				}
			}

			// A second scrape within the TTL asks nothing about vertices.
			clock.Advance(5 * time.Second)
			gatherSeries(t, e)
			requests, _ = fc.counts()
			if n := requests[flinkapi.EndpointVertexSubtaskMetrics] + requests[flinkapi.EndpointVertexBackPressure] + requests[flinkapi.EndpointJob]; n != 0 {
				t.Errorf("scrape within the TTL asked %v", requests)
			}
		})
	}
}
