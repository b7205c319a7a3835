package collector

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// gate holds the first request for /overview until released, so that a
// test can line up concurrent scrapes behind a scrape in flight.
type gate struct {
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func newGate() *gate {
	return &gate{entered: make(chan struct{}), release: make(chan struct{})}
}

func (g *gate) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == flinkapi.EndpointOverview {
			first := false
			g.once.Do(func() { first = true })
			if first {
				close(g.entered)
				<-g.release
			}
		}
		h.ServeHTTP(w, r)
	})
}

// gatedCluster is a simulator behind a gate, with an exporter.
func gatedCluster(t *testing.T, cfg flinksim.Config) (*simCluster, *gate) {
	t.Helper()
	sim, clock := newInstantSim(t, cfg)
	g := newGate()
	srv := httptest.NewServer(g.wrap(sim.Handler()))
	t.Cleanup(srv.Close)
	e, _ := newTestExporter(t, srv.URL, time.Time{})
	e.now = clock.Now
	return &simCluster{sim: sim, clock: clock, exporter: e}, g
}

// exposition gathers c and renders it as text, without failing the test,
// so that it can run in any goroutine.
func exposition(c prometheus.Collector) (string, error) {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		return "", err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			return "", err
		}
	}
	return buf.String(), nil
}

// durations matches the values of the duration series, which differ from
// one run of a scrape to the next.
var durations = regexp.MustCompile(`(?m)^(flink_exporter_scrape_collector_duration_seconds\{[^}]*\}) .*$`)

// TestConcurrentScrapesShareOneRound: scrapes of one cluster that arrive
// while a scrape is in flight (a Prometheus HA pair, or more) wait for it
// and get its metrics: the JobManager answers one round of requests, the
// same as for a single scrape, and every scraper gets the same exposition.
func TestConcurrentScrapesShareOneRound(t *testing.T) {
	const scrapers = 6
	cfg := flinksim.Config{Jobs: 3, Vertices: 3, TaskManagers: 3}

	single := newSimCluster(t, cfg)
	single.clock.Advance(30 * time.Second)
	want, err := exposition(single.exporter)
	if err != nil {
		t.Fatal(err)
	}
	wantRequests := single.sim.RequestCounts()

	c, g := gatedCluster(t, cfg)
	c.clock.Advance(30 * time.Second)
	var joined sync.WaitGroup
	joined.Add(scrapers - 1)
	c.exporter.joined = joined.Done

	got := make([]string, scrapers)
	errs := make([]error, scrapers)
	var done sync.WaitGroup
	for i := range scrapers {
		done.Add(1)
		go func() {
			defer done.Done()
			got[i], errs[i] = exposition(c.exporter)
		}()
	}
	<-g.entered   // the first scrape is in flight, held at /overview
	joined.Wait() // every other scrape waits for it
	close(g.release)
	done.Wait()

	for i, err := range errs {
		if err != nil {
			t.Fatalf("scrape %d: %v", i, err)
		}
	}
	for i := 1; i < scrapers; i++ {
		if got[i] != got[0] {
			t.Errorf("scrape %d differs from scrape 0:\n%s\n---\n%s", i, got[i], got[0])
		}
	}
	if a, b := durations.ReplaceAllString(got[0], "$1"), durations.ReplaceAllString(want, "$1"); a != b {
		t.Errorf("coalesced scrape differs from a single scrape:\n%s\n---\n%s", a, b)
	}
	gotRequests := c.sim.RequestCounts()
	for route, n := range wantRequests {
		if gotRequests[route] != n {
			t.Errorf("%s: %d requests for %d concurrent scrapes, a single scrape makes %d", route, gotRequests[route], scrapers, n)
		}
	}
	for route, n := range gotRequests {
		if _, ok := wantRequests[route]; !ok {
			t.Errorf("%s: %d requests a single scrape does not make", route, n)
		}
	}

	// Once the shared scrape is over, the next scrape asks again.
	before := c.sim.RequestCounts()[flinkapi.EndpointOverview]
	if _, err := exposition(c.exporter); err != nil {
		t.Fatal(err)
	}
	if c.sim.RequestCounts()[flinkapi.EndpointOverview] != before+1 {
		t.Error("a scrape after the shared one did not ask the JobManager")
	}
}

// TestWaitingScrapeKeepsItsBudget: a scrape that waits for one in flight
// gives up at the end of its own budget and reports the cluster down,
// while the scrape in flight goes on for the caller that started it.
func TestWaitingScrapeKeepsItsBudget(t *testing.T) {
	c, g := gatedCluster(t, flinksim.Config{})
	var joined sync.WaitGroup
	joined.Add(1)
	c.exporter.joined = joined.Done

	leader := make(chan map[string]series, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		s, _ := exposition(boundCollector{e: c.exporter, ctx: ctx})
		leader <- parseExposition(s)
	}()
	<-g.entered

	ctx, cancel := context.WithCancel(context.Background())
	follower := make(chan map[string]series, 1)
	go func() {
		s, _ := exposition(boundCollector{e: c.exporter, ctx: ctx})
		follower <- parseExposition(s)
	}()
	joined.Wait()
	cancel() // the follower's budget ends while the leader's scrape is held
	got := <-follower
	if v := got["flink_up"][""]; v != 0 || len(got["flink_up"]) != 1 {
		t.Errorf("waiting scrape past its budget: flink_up = %v, want 0", got["flink_up"])
	}
	close(g.release)
	if v := (<-leader)["flink_up"][""]; v != 1 {
		t.Errorf("leading scrape: flink_up = %v, want 1", v)
	}
}

// parseExposition reads the flink_up and success series of an exposition.
func parseExposition(text string) map[string]series {
	out := map[string]series{}
	for _, m := range regexp.MustCompile(`(?m)^(flink_up|flink_exporter_scrape_collector_success)(\{[^}]*\})? (\S+)$`).FindAllStringSubmatch(text, -1) {
		if out[m[1]] == nil {
			out[m[1]] = series{}
		}
		v := 0.0
		if m[3] == "1" {
			v = 1
		}
		out[m[1]][m[2]] = v
	}
	return out
}
