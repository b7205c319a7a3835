package collector

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// TestBackgroundRefreshRound: with BackgroundRefresh, a scrape exports
// what the caches hold and starts the detail refreshes as a round of their
// own; a scrape while that round runs sends no detail request and starts
// no other round; once the round ended, the next scrape exports what it
// read.
func TestBackgroundRefreshRound(t *testing.T) {
	sim, clock := newInstantSim(t, flinksim.Config{Jobs: 1, Vertices: 2, Parallelism: 2, TaskManagers: 2, Seed: 1})
	clock.Advance(30 * time.Second)
	h := sim.Handler()
	var detail atomic.Int64
	release := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	t.Cleanup(open)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/vertices/") || strings.Contains(r.URL.Path, "/checkpoints/details/") || strings.HasPrefix(r.URL.Path, "/taskmanagers/") {
			detail.Add(1)
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e := newExporterAt(t, srv.URL, Config{Now: clock.Now, MetricsTTL: DefaultMetricsTTL, BackgroundRefresh: true})

	first := gatherSeries(t, e)
	if n := len(first["flink_job_vertex_backpressured_ratio_max"]); n != 0 {
		t.Errorf("first scrape exports %d back-pressure series before any was read", n)
	}
	for _, c := range []string{"checkpoints", "checkpoint_acks", "backpressure", "taskmanagers"} {
		if v := first["flink_exporter_scrape_collector_success"].withLabel("collector="+c).one(t, c); v != 1 {
			t.Errorf("first scrape: collector %s success %v, want 1", c, v)
		}
	}
	// The round's requests reach the JobManager (at most 3 at once: detail
	// never takes the last request slot) and wait there.
	waitForCondition(t, func() bool { return detail.Load() == 3 }, "3 detail requests in flight")

	clock.Advance(15 * time.Second)
	second := gatherSeries(t, e)
	if v := second["flink_up"].one(t, "flink_up"); v != 1 {
		t.Errorf("second scrape flink_up %v with the round's requests in flight", v)
	}
	if n := detail.Load(); n != 3 {
		t.Errorf("%d detail requests after a scrape while the round runs, want still 3: no second round", n)
	}

	open()
	if err := e.WaitRefreshed(context.Background()); err != nil {
		t.Fatal(err)
	}
	asked := detail.Load()
	third := gatherSeries(t, e)
	if n := len(third["flink_job_vertex_backpressured_ratio_max"]); n != 2 {
		t.Errorf("after the round, %d back-pressure series, want 2 (one per vertex)", n)
	}
	if n := len(third["flink_job_vertex_checkpoint_subtasks_acknowledged"]); n != 2 {
		t.Errorf("after the round, %d acknowledgement series, want 2 (one per vertex)", n)
	}
	if err := e.WaitRefreshed(context.Background()); err != nil {
		t.Fatal(err)
	}
	if detail.Load() == asked {
		t.Errorf("the scrape after the round started no new round")
	}
}

// waitForCondition waits, up to 10 s, until cond holds.
func waitForCondition(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
