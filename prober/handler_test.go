package prober

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/config"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// flinkStandIn serves a simulated JobManager; wrap, when set, sits in
// front of it (request counting).
func flinkStandIn(t *testing.T, wrap func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	sim, err := flinksim.New(flinksim.Config{Jobs: 1, Vertices: 2, TaskManagers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = sim.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// requestCounter counts the requests that reach a server.
type requestCounter struct{ n atomic.Int64 }

func (c *requestCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.n.Add(1)
		h.ServeHTTP(w, r)
	})
}

// testSettings are the flag defaults.
func testSettings() Settings {
	var names []string
	for _, a := range collector.Areas() {
		names = append(names, a.Name)
	}
	return Settings{Timeout: 5 * time.Second, MaxConcurrentRequests: 4, ScrapeTimeout: 10 * time.Second, Collectors: names}
}

// probeServer serves Handler of a pool of the given clusters.
func probeServer(t *testing.T, allowArbitrary bool, clusters map[string]config.Cluster) *httptest.Server {
	t.Helper()
	pool := NewPool(testSettings(), allowArbitrary, log.NewNopLogger())
	if err := pool.Apply(&config.Config{Clusters: clusters}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(pool, 10*time.Second, 500*time.Millisecond, log.NewNopLogger()))
	t.Cleanup(srv.Close)
	return srv
}

// probe GETs /probe?target= and returns the status and body.
func probe(t *testing.T, srv *httptest.Server, target string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + "/probe?target=" + url.QueryEscape(target))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestHandlerScrapesConfiguredClusters: /probe?target=<name> returns that
// cluster's flink_* metrics and its REST accounting, with the cluster's
// own collectors, and asks no other cluster; the counters of a cluster
// carry on from one probe to the next.
func TestHandlerScrapesConfiguredClusters(t *testing.T) {
	var countA, countB requestCounter
	a := flinkStandIn(t, countA.wrap)
	b := flinkStandIn(t, countB.wrap)
	srv := probeServer(t, false, map[string]config.Cluster{
		"a": {URL: a.URL + "/"},
		"b": {URL: b.URL, Collectors: []string{"cluster", "jobs"}, MaxConcurrentRequests: 2},
	})

	status, body := probe(t, srv, "a")
	if status != http.StatusOK {
		t.Fatalf("/probe?target=a: %d\n%s", status, body)
	}
	for _, want := range []string{"flink_up 1", "flink_cluster_info{", "flink_job_checkpoint_timeout_seconds{", `flink_exporter_scrape_collector_success{collector="checkpoints"} 1`, "flink_exporter_scrape_collector_duration_seconds{", `flink_exporter_rest_requests_total{code="200",endpoint="/overview"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("/probe?target=a lacks %s", want)
		}
	}
	for _, own := range []string{"go_goroutines", "process_", "flink_exporter_build_info"} {
		if strings.Contains(body, own) {
			t.Errorf("/probe serves the exporter's own %s", own)
		}
	}
	if countA.n.Load() == 0 || countB.n.Load() != 0 {
		t.Errorf("requests: a %d, b %d; want only a asked", countA.n.Load(), countB.n.Load())
	}
	if _, body := probe(t, srv, "b"); !strings.Contains(body, "flink_up 1") || strings.Contains(body, "flink_job_checkpoint_timeout_seconds") {
		t.Errorf("target b must run only its collectors cluster and jobs:\n%s", body)
	}
	if _, body := probe(t, srv, "a"); !strings.Contains(body, `flink_exporter_rest_requests_total{code="200",endpoint="/overview"} 2`) {
		t.Errorf("REST counters of target a do not carry on:\n%s", body)
	}
}

// TestHandlerRefusesUnlistedTargets: only configured names are scraped; a
// URL, an unknown name or a missing target is answered 400 with the
// reason, and no request reaches any server. Allowing arbitrary targets
// lets URLs through, never with credentials in them.
func TestHandlerRefusesUnlistedTargets(t *testing.T) {
	var listed, other requestCounter
	a := flinkStandIn(t, listed.wrap)
	stray := flinkStandIn(t, other.wrap)
	clusters := map[string]config.Cluster{"prod": {URL: a.URL}}
	closed := probeServer(t, false, clusters)

	strayHost := strings.TrimPrefix(stray.URL, "http://")
	for _, tc := range []struct{ target, want string }{
		{"", "missing target"},
		{"staging", `unknown target "staging"`},
		{stray.URL, "--probe.allow-arbitrary-targets"},
		{"http://flink:hunter2@" + strayHost, "--probe.allow-arbitrary-targets"},
		{"ftp://" + strayHost, "--probe.allow-arbitrary-targets"},
	} {
		status, body := probe(t, closed, tc.target)
		if status != http.StatusBadRequest || !strings.Contains(body, tc.want) {
			t.Errorf("target %q: %d %q, want 400 saying %q", tc.target, status, body, tc.want)
		}
		if strings.Contains(body, "hunter2") {
			t.Errorf("target %q: the answer repeats the password: %q", tc.target, body)
		}
	}
	if n := listed.n.Load() + other.n.Load(); n != 0 {
		t.Errorf("%d requests reached a server for refused targets", n)
	}

	open := probeServer(t, true, clusters)
	if status, body := probe(t, open, stray.URL); status != http.StatusOK || !strings.Contains(body, "flink_up 1") {
		t.Errorf("arbitrary target allowed: %d\n%s", status, body)
	}
	if other.n.Load() == 0 {
		t.Error("the arbitrary target was not scraped")
	}
	for _, tc := range []struct{ target, want string }{
		{"http://flink:hunter2@" + strayHost, "credentials"},
		{"ftp://" + strayHost, "scheme must be http or https"},
		{stray.URL + "/?x=1", "query"},
	} {
		status, body := probe(t, open, tc.target)
		if status != http.StatusBadRequest || strings.Contains(body, "hunter2") || !strings.Contains(body, tc.want) {
			t.Errorf("target %q: %d %q, want 400 saying %q", tc.target, status, body, tc.want)
		}
	}
}

// TestHandlerHonoursScrapeTimeout: /probe of a JobManager that never
// answers returns within Prometheus's scrape timeout less the offset, with
// flink_up 0.
func TestHandlerHonoursScrapeTimeout(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	pool := NewPool(testSettings(), false, log.NewNopLogger())
	if err := pool.Apply(&config.Config{Clusters: map[string]config.Cluster{"hung": {URL: hang.URL}}}); err != nil {
		t.Fatal(err)
	}
	h := Handler(pool, time.Minute, 500*time.Millisecond, log.NewNopLogger())
	req := httptest.NewRequest(http.MethodGet, "/probe?target=hung", nil)
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "1.5")
	rec := httptest.NewRecorder()
	start := time.Now()
	h.ServeHTTP(rec, req)
	took := time.Since(start)
	if took < 900*time.Millisecond || took > 3*time.Second {
		t.Errorf("probe took %v; the budget is 1.5s - 0.5s (the fallback a minute)", took)
	}
	if !strings.Contains(rec.Body.String(), "flink_up 0") {
		t.Errorf("hung cluster:\n%s", rec.Body)
	}
}

// TestFlagClusterRefusesCredentials: the cluster of --flink.url takes no
// password, and the refusal does not repeat it.
func TestFlagClusterRefusesCredentials(t *testing.T) {
	for _, raw := range []string{"http://flink:hunter2@127.0.0.1:8081", "http://flink:hunter2#x@127.0.0.1:8081", "http://flink:hunter2@127.0.0.1:badport", "http://flink:hun ter2@[::1"} {
		_, err := NewFlagCluster(raw, testSettings(), newInstrumentation(), log.NewNopLogger())
		if err == nil || !strings.Contains(err.Error(), "credentials") || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "hun") {
			t.Errorf("credentials in --flink.url %q: %v", raw, err)
		}
	}
	if _, err := NewFlagCluster("http://127.0.0.1:8081", testSettings(), newInstrumentation(), log.NewNopLogger()); err != nil {
		t.Errorf("plain URL: %v", err)
	}
}
