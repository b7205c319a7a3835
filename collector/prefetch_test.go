package collector

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// coreGate holds the answers of the core requests (/overview and
// /jobs/overview) until /taskmanagers and /jobmanager/metrics have both
// been asked, or until a deadline: a scrape that sends those two only
// after the core answers came waits for the deadline.
type coreGate struct {
	next http.Handler

	mu      sync.Mutex
	asked   map[string]bool
	both    chan struct{}
	timeout time.Duration
	// timedOut counts core answers released by the deadline.
	timedOut int
}

func newCoreGate(next http.Handler, timeout time.Duration) *coreGate {
	return &coreGate{next: next, asked: map[string]bool{}, both: make(chan struct{}), timeout: timeout}
}

func (g *coreGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/taskmanagers", "/jobmanager/metrics":
		g.mu.Lock()
		g.asked[r.URL.Path] = true
		if len(g.asked) == 2 {
			select {
			case <-g.both:
			default:
				close(g.both)
			}
		}
		g.mu.Unlock()
	case "/overview", "/jobs/overview":
		select {
		case <-g.both:
		case <-time.After(g.timeout):
			g.mu.Lock()
			g.timedOut++
			g.mu.Unlock()
		}
	}
	g.next.ServeHTTP(w, r)
}

// TestClusterRequestsGoBesideCore checks that /taskmanagers and
// /jobmanager/metrics, which need no core answer, are asked while the core
// requests are still unanswered: they share the core requests' round trip
// instead of queueing behind the per-job requests.
func TestClusterRequestsGoBesideCore(t *testing.T) {
	fc := newFakeCluster(t, 2, 0, 0, 2, 2)
	gate := newCoreGate(fc, 5*time.Second)
	srv := httptestServer(t, gate)
	clock := flinksim.NewManualClock(time.UnixMilli(1_750_000_000_000))
	e := newClockedExporter(t, srv.URL, clock, DefaultMetricsTTL)

	got := gatherSeries(t, e)
	if gate.timedOut != 0 {
		t.Errorf("%d core answers waited for the deadline: /taskmanagers and /jobmanager/metrics were not asked beside the core requests", gate.timedOut)
	}
	if v := got["flink_up"][""]; v != 1 {
		t.Fatalf("flink_up = %v, want 1", v)
	}
	for _, c := range []string{"taskmanagers", "jobmanager"} {
		if v := got["flink_exporter_scrape_collector_success"]["collector="+c]; v != 1 {
			t.Errorf("collector %s success = %v, want 1", c, v)
		}
	}
	if n := len(got["flink_taskmanager_slots"]); n != 2 {
		t.Errorf("flink_taskmanager_slots has %d series, want one per TaskManager (2)", n)
	}
	if _, ok := got["flink_jobmanager_jvm_cpu_load_ratio"][""]; !ok {
		t.Errorf("flink_jobmanager_jvm_cpu_load_ratio missing: the prefetched JobManager metrics were not exported")
	}
}

// TestClusterPrefetchNeedsFreeSlots checks that with fewer request slots
// than the core requests and the prefetches together, /taskmanagers is
// asked only after the core answers: it must not take a slot the core
// requests, which decide flink_up, need.
func TestClusterPrefetchNeedsFreeSlots(t *testing.T) {
	fc := newFakeCluster(t, 1, 0, 0, 1, 1)
	var mu sync.Mutex
	var order []string
	srv := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		order = append(order, r.URL.Path)
		mu.Unlock()
		fc.ServeHTTP(w, r)
	}))
	client, err := flinkapi.NewClient(srv.URL, flinkapi.Options{MaxConcurrentRequests: 2})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExporter(Config{Client: client, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	gatherSeries(t, e)
	mu.Lock()
	defer mu.Unlock()
	core := 0
	for _, p := range order {
		switch p {
		case "/overview", "/jobs/overview":
			core++
		case "/taskmanagers", "/jobmanager/metrics":
			if core < 2 {
				t.Fatalf("%s asked before both core requests with 2 slots; order %v", p, order)
			}
		}
	}
}

// TestPrefetchAsksOnce checks that a prefetch and its collector share one
// request: a failing /taskmanagers or /jobmanager/metrics is asked once
// per scrape, and its collector reports the failure.
func TestPrefetchAsksOnce(t *testing.T) {
	fc := newFakeCluster(t, 1, 0, 0, 1, 1)
	var mu sync.Mutex
	asked := map[string]int{}
	srv := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/taskmanagers", "/jobmanager/metrics":
			mu.Lock()
			asked[r.URL.Path]++
			mu.Unlock()
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"errors":["Internal server error."]}`))
			return
		}
		fc.ServeHTTP(w, r)
	}))
	clock := flinksim.NewManualClock(time.UnixMilli(1_750_000_000_000))
	e := newClockedExporter(t, srv.URL, clock, DefaultMetricsTTL)
	for scrape := 1; scrape <= 3; scrape++ {
		clock.Advance(15 * time.Second)
		got := gatherSeries(t, e)
		mu.Lock()
		for _, p := range []string{"/taskmanagers", "/jobmanager/metrics"} {
			if asked[p] != scrape {
				t.Errorf("after scrape %d: %s asked %d times, want %d", scrape, p, asked[p], scrape)
			}
		}
		mu.Unlock()
		for _, c := range []string{"taskmanagers", "jobmanager"} {
			if v := got["flink_exporter_scrape_collector_success"]["collector="+c]; v != 0 {
				t.Errorf("scrape %d: collector %s success = %v, want 0", scrape, c, v)
			}
		}
	}
}
