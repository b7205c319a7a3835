package collector

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

func TestPickRefreshes(t *testing.T) {
	t0 := time.UnixMilli(1_750_000_000_000)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	tests := []struct {
		name   string
		cands  []refreshCandidate
		budget int
		want   []int
	}{
		{"none", nil, 5, nil},
		{"all fit", []refreshCandidate{{key: "a", since: at(1), cost: 1}, {key: "b", since: at(2), cost: 1}}, 5, []int{0, 1}},
		{"longest waiting first", []refreshCandidate{{key: "a", since: at(3), cost: 1}, {key: "b", since: at(1), cost: 1}, {key: "c", since: at(2), cost: 1}}, 2, []int{1, 2}},
		{"missing before due", []refreshCandidate{{key: "a", since: at(1), cost: 1}, {key: "b", missing: true, cost: 1}}, 1, []int{1}},
		{"key breaks ties", []refreshCandidate{{key: "b", since: at(1), cost: 1}, {key: "a", since: at(1), cost: 1}}, 1, []int{1}},
		{"a cheaper one fills what is left", []refreshCandidate{{key: "a", since: at(1), cost: 3}, {key: "b", since: at(2), cost: 3}, {key: "c", since: at(3), cost: 1}}, 4, []int{0, 2}},
		{"the first is served even over budget", []refreshCandidate{{key: "a", since: at(1), cost: 10}, {key: "b", since: at(2), cost: 1}}, 4, []int{0}},
		{"zero budget", []refreshCandidate{{key: "a", cost: 1}}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pickRefreshes(tt.cands, tt.budget); !slices.Equal(got, tt.want) {
				t.Errorf("pickRefreshes = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRefreshBudget(t *testing.T) {
	for _, tt := range []struct {
		jobs           int
		first          bool
		pressure, acks int
	}{
		{0, false, 9, 9}, {1, false, 9, 9}, {19, false, 9, 9}, {20, false, 10, 9}, {100, false, 50, 49}, {300, false, 150, 149},
		{1, true, 32, 32}, {65, true, 32, 32}, {100, true, 50, 49},
	} {
		p, a := pressureBudget(tt.jobs, tt.first), checkpointAckBudget(tt.jobs, tt.first)
		if p != tt.pressure || a != tt.acks {
			t.Errorf("%d jobs, first %v: budgets %d and %d, want %d and %d", tt.jobs, tt.first, p, a, tt.pressure, tt.acks)
		}
		if tt.jobs > firstScrapeBudget && p+a != tt.jobs-1 {
			t.Errorf("%d jobs: budget %d, want one per job less one", tt.jobs, p+a)
		}
	}
}

// TestFirstScrape: only the first scrape that plans is the first, however
// often it asks.
func TestFirstScrape(t *testing.T) {
	st := NewState()
	a, b := &Scrape{}, &Scrape{}
	for i, tt := range []struct {
		s    *Scrape
		want bool
	}{{a, true}, {a, true}, {b, false}, {a, false}, {b, false}} {
		if got := st.firstScrape(tt.s); got != tt.want {
			t.Errorf("call %d: firstScrape = %v, want %v", i, got, tt.want)
		}
	}
}

// perVertexRequests sums the requests of a scrape that are asked per
// vertex.
func perVertexRequests(asked map[string]int64) (pressure, acks int64) {
	for route, n := range asked {
		switch {
		case strings.HasSuffix(route, "/subtasks/metrics"), strings.HasSuffix(route, "/backpressure"):
			pressure += n
		case strings.Contains(route, "/details/"), route == "/jobs/:jobid/vertices/:vertexid":
			acks += n
		}
	}
	return pressure, acks
}

// TestRefreshBudgetBoundsScrapes scrapes a cluster of more jobs than the
// minimum budget, 15 s apart with new checkpoints each time: every scrape
// after the first stays within 3 + 2·J + T requests, the per-vertex
// requests of every scrape (the first included) within the budget, and
// every vertex's back-pressure and every job's analysis is refreshed in
// turn, none starved.
func TestRefreshBudgetBoundsScrapes(t *testing.T) {
	const jobs, vertices, tms = 30, 3, 6
	c := newSimCluster(t, flinksim.Config{Jobs: jobs, Vertices: vertices, Parallelism: 2, TaskManagers: tms})
	c.exporter.metricsTTL = DefaultMetricsTTL
	pressureShare, ackShare := pressureBudget(jobs, false), checkpointAckBudget(jobs, false)

	// The first analysis of a job also reads where its subtasks run, so
	// it costs twice as much: after fill scrapes every job was analysed
	// (the first scrape, of a larger budget, analyses more). From then on
	// each job's turn comes every cycle scrapes, and once the jobs
	// analysed during the fill had their turn, none waits longer.
	fill := (jobs+ackShare/(2*vertices)-1)/(ackShare/(2*vertices)) + 1
	cycle := (jobs + ackShare/vertices - 1) / (ackShare / vertices)
	lastAnalysis := map[string]int{}
	for scrape := range fill + 3*cycle {
		c.clock.Advance(15 * time.Second)
		before := c.sim.RequestCounts()
		got := gatherSeries(t, c.exporter)
		asked := requestDelta(before, c.sim.RequestCounts())
		var total int64
		for _, n := range asked {
			total += n
		}
		pressure, acks := perVertexRequests(asked)
		if scrape == 0 {
			pressureShare, ackShare = pressureBudget(jobs, true), checkpointAckBudget(jobs, true)
		} else {
			pressureShare, ackShare = pressureBudget(jobs, false), checkpointAckBudget(jobs, false)
		}
		if pressure > int64(pressureShare) || acks > int64(ackShare) {
			t.Errorf("scrape %d: %d back-pressure and %d acknowledgement requests, budget %d and %d: %v", scrape, pressure, acks, pressureShare, ackShare, asked)
		}
		if limit := 3 + 2*jobs + tms; scrape > 0 && total > int64(limit) {
			t.Errorf("scrape %d: %d requests, over 3 + 2·J + T = %d: %v", scrape, total, limit, asked)
		}
		for labels, v := range got["flink_exporter_scrape_collector_success"] {
			if v != 1 {
				t.Errorf("scrape %d: collector %s failed", scrape, labels)
			}
		}
		for _, id := range c.sim.JobIDs() {
			js := c.exporter.state.Job(id)
			js.mu.Lock()
			if e := js.acks[ackLatestCompleted]; e != nil && e.at.Equal(c.clock.Now()) {
				lastAnalysis[id] = scrape
			}
			js.mu.Unlock()
		}
		if scrape < fill {
			continue
		}
		// Past the fill every job has every series.
		for _, id := range c.sim.JobIDs() {
			if n := len(got["flink_job_vertex_backpressured_ratio_max"].withLabel("job_id=" + id)); n != vertices {
				t.Errorf("scrape %d: job %s has back-pressure of %d vertices, want %d", scrape, id, n, vertices)
			}
			if n := len(got["flink_job_vertex_checkpoint_ack_latency_max_seconds"].withLabel("job_id=" + id)); n != vertices {
				t.Errorf("scrape %d: job %s has acknowledgements of %d vertices, want %d", scrape, id, n, vertices)
			}
			if age := scrape - lastAnalysis[id]; scrape >= fill+cycle && age >= cycle {
				t.Errorf("scrape %d: job %s last analysed %d scrapes ago", scrape, id, age)
			}
		}
	}
}

// BenchmarkScrapeSizes scrapes the clusters of docs/performance.md without
// answer latency, each kind of scrape apart: cold (empty state), warm
// (15 s after the previous scrape, new checkpoints in between) and
// unchanged (the clock frozen, after the exporter caught up). It reports
// the REST requests per scrape; go run ./cmd/perfbench measures the same
// with latency, CPU time and memory.
func BenchmarkScrapeSizes(b *testing.B) {
	sizes := []struct{ jobs, vertices, parallelism, tms int }{{1, 3, 10, 10}, {20, 3, 4, 10}, {100, 5, 50, 100}, {300, 3, 4, 50}}
	for _, z := range sizes {
		for _, kind := range []string{"cold", "warm", "unchanged"} {
			name := fmt.Sprintf("jobs=%d/vertices=%d/parallelism=%d/tms=%d/%s", z.jobs, z.vertices, z.parallelism, z.tms, kind)
			b.Run(name, func(b *testing.B) {
				c := newSimCluster(b, flinksim.Config{Jobs: z.jobs, Vertices: z.vertices, Parallelism: z.parallelism, TaskManagers: z.tms})
				c.exporter.metricsTTL = DefaultMetricsTTL
				gatherSeries(b, c.exporter)
				if kind == "unchanged" {
					for range 100 {
						before := c.sim.RequestCounts()
						gatherSeries(b, c.exporter)
						if p, a := perVertexRequests(requestDelta(before, c.sim.RequestCounts())); p+a == 0 {
							break
						}
					}
				}
				var total int64
				b.ResetTimer()
				for range b.N {
					switch kind {
					case "cold":
						c.exporter.state = NewState()
						c.clock.Advance(15 * time.Second)
					case "warm":
						c.clock.Advance(15 * time.Second)
					}
					before := c.sim.RequestCounts()
					gatherSeries(b, c.exporter)
					for _, n := range requestDelta(before, c.sim.RequestCounts()) {
						total += n
					}
				}
				b.ReportMetric(float64(total)/float64(b.N), "requests/scrape")
			})
		}
	}
}
