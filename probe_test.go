package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/config"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// flinkStandIn serves a simulated JobManager; wrap, when set, sits in
// front of it (authentication checks, request counting).
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

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// fetch sends a request and returns the status and body.
func fetch(t *testing.T, client *http.Client, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	return fetch(t, http.DefaultClient, http.MethodGet, url)
}

// TestProbeScrapesConfiguredClusters: /probe?target=<name> returns that
// cluster's flink_* metrics and its REST accounting, nothing of the
// exporter process; /metrics keeps the exporter's own metrics and, with a
// configuration file and no --flink.url, no cluster.
func TestProbeScrapesConfiguredClusters(t *testing.T) {
	var countA, countB requestCounter
	a := flinkStandIn(t, countA.wrap)
	b := flinkStandIn(t, countB.wrap)
	dir := t.TempDir()
	cfg := writeFile(t, dir, "flink_exporter.yml", fmt.Sprintf(`clusters:
  a:
    url: %s/
  b:
    url: %s
    collectors: [cluster, jobs]
    max_concurrent_requests: 2
    timeout: 2s
`, a.URL, b.URL))
	p := startExporterProcess(t, buildExporter(t), okAt("/"), "--config.file="+cfg)

	status, body := get(t, p.base+"/probe?target=a")
	if status != http.StatusOK {
		t.Fatalf("/probe?target=a: %d\n%s", status, body)
	}
	for _, want := range []string{"flink_up 1", "flink_cluster_info{", "flink_job_checkpoint_timeout_seconds{", `flink_exporter_scrape_collector_success{collector="checkpoints"} 1`, "flink_exporter_scrape_collector_duration_seconds{", `flink_exporter_rest_requests_total{code="200",endpoint="/overview"} 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("/probe?target=a lacks %s", want)
		}
	}
	for _, own := range []string{"go_goroutines", "process_", "flink_exporter_build_info", "flink_exporter_config_last_reload"} {
		if strings.Contains(body, own) {
			t.Errorf("/probe serves the exporter's own %s", own)
		}
	}
	if countA.n.Load() == 0 || countB.n.Load() != 0 {
		t.Errorf("requests: a %d, b %d; want only a asked", countA.n.Load(), countB.n.Load())
	}

	_, body = get(t, p.base+"/probe?target=b")
	if !strings.Contains(body, "flink_up 1") || strings.Contains(body, "flink_job_checkpoint_timeout_seconds") {
		t.Errorf("target b must run only its collectors cluster and jobs:\n%s", body)
	}
	// Counters of a cluster carry on from one probe to the next.
	_, body = get(t, p.base+"/probe?target=a")
	if !strings.Contains(body, `flink_exporter_rest_requests_total{code="200",endpoint="/overview"} 2`) {
		t.Errorf("REST counters of target a do not carry on:\n%s", body)
	}

	_, metrics := get(t, p.base+"/metrics")
	for _, want := range []string{"flink_exporter_build_info{", "go_goroutines", "flink_exporter_config_last_reload_successful 1"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(metrics, "flink_up") {
		t.Error("/metrics scrapes a cluster although --flink.url was not given with --config.file")
	}
	if strings.Contains(p.stderr.String(), "level=error") {
		t.Errorf("errors logged:\n%s", p.stderr)
	}
}

// okAt is a readiness check: GET path answers 200.
func okAt(path string) func(base string) bool {
	return func(base string) bool {
		resp, err := http.Get(base + path)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
}

// TestProbeRefusesUnlistedTargets: only configured names are scraped; a
// URL, an unknown name or a missing target is answered 400 with the
// reason, and no request reaches any server. --probe.allow-arbitrary-
// targets lets URLs through, never with credentials in them.
func TestProbeRefusesUnlistedTargets(t *testing.T) {
	var listed, other requestCounter
	a := flinkStandIn(t, listed.wrap)
	stray := flinkStandIn(t, other.wrap)
	dir := t.TempDir()
	cfg := writeFile(t, dir, "flink_exporter.yml", "clusters:\n  prod:\n    url: "+a.URL+"\n")
	bin := buildExporter(t)
	p := startExporterProcess(t, bin, okAt("/"), "--config.file="+cfg)

	strayHost := strings.TrimPrefix(stray.URL, "http://")
	for _, tc := range []struct{ target, want string }{
		{"", "missing target"},
		{"staging", `unknown target "staging"`},
		{stray.URL, "--probe.allow-arbitrary-targets"},
		{"http://flink:hunter2@" + strayHost, "--probe.allow-arbitrary-targets"},
		{"ftp://" + strayHost, "--probe.allow-arbitrary-targets"},
	} {
		status, body := get(t, p.base+"/probe?target="+url.QueryEscape(tc.target))
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

	open := startExporterProcess(t, bin, okAt("/"), "--config.file="+cfg, "--probe.allow-arbitrary-targets")
	status, body := get(t, open.base+"/probe?target="+url.QueryEscape(stray.URL))
	if status != http.StatusOK || !strings.Contains(body, "flink_up 1") {
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
		status, body := get(t, open.base+"/probe?target="+url.QueryEscape(tc.target))
		if status != http.StatusBadRequest || strings.Contains(body, "hunter2") || !strings.Contains(body, tc.want) {
			t.Errorf("target %q: %d %q, want 400 saying %q", tc.target, status, body, tc.want)
		}
	}
}

// TestProbeHonoursScrapeTimeout: /probe of a JobManager that never answers
// returns within Prometheus's scrape timeout less the offset, with
// flink_up 0.
func TestProbeHonoursScrapeTimeout(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	pool := newTargetPool(testSettings(), false, log.NewNopLogger())
	if err := pool.apply(&config.Config{Clusters: map[string]config.Cluster{"hung": {URL: hang.URL}}}); err != nil {
		t.Fatal(err)
	}
	h := probeHandler(pool, time.Minute, 500*time.Millisecond, log.NewNopLogger())
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

// testSettings are the flag defaults for in-process tests.
func testSettings() clusterSettings {
	var names []string
	for _, a := range collector.Areas() {
		names = append(names, a.Name)
	}
	return clusterSettings{timeout: 5 * time.Second, maxConcurrent: 4, scrapeTimeout: 10 * time.Second, collectors: names}
}

// TestReloadOnPostAndSIGHUP: the configuration is reloaded on POST
// /-/reload and on SIGHUP; a broken configuration is refused with the
// reason, keeps the previous one and sets
// flink_exporter_config_last_reload_successful to 0.
func TestReloadOnPostAndSIGHUP(t *testing.T) {
	a := flinkStandIn(t, nil)
	dir := t.TempDir()
	write := func(content string) string { return writeFile(t, dir, "flink_exporter.yml", content) }
	cfg := write("clusters:\n  a:\n    url: " + a.URL + "\n")
	p := startExporterProcess(t, buildExporter(t), okAt("/"), "--config.file="+cfg)

	if status, _ := get(t, p.base+"/probe?target=b"); status != http.StatusBadRequest {
		t.Fatalf("target b before it is configured: %d", status)
	}
	write("clusters:\n  a:\n    url: " + a.URL + "\n  b:\n    url: " + a.URL + "/\n")
	if status, body := fetch(t, http.DefaultClient, http.MethodPost, p.base+"/-/reload"); status != http.StatusOK {
		t.Fatalf("POST /-/reload: %d %s", status, body)
	}
	if status, body := get(t, p.base+"/probe?target=b"); status != http.StatusOK || !strings.Contains(body, "flink_up 1") {
		t.Fatalf("target b after the reload: %d\n%s", status, body)
	}
	if status, _ := get(t, p.base+"/-/reload"); status != http.StatusMethodNotAllowed {
		t.Errorf("GET /-/reload: %d, want 405", status)
	}

	write("clusters:\n  a:\n    url: " + a.URL + "\n    colectors: [jobs]\n")
	status, body := fetch(t, http.DefaultClient, http.MethodPost, p.base+"/-/reload")
	if status != http.StatusInternalServerError || !strings.Contains(body, "colectors") {
		t.Errorf("broken configuration: %d %q, want 500 naming the mistake", status, body)
	}
	if status, _ := get(t, p.base+"/probe?target=b"); status != http.StatusOK {
		t.Errorf("a refused reload dropped target b: %d", status)
	}
	if _, metrics := get(t, p.base+"/metrics"); !strings.Contains(metrics, "flink_exporter_config_last_reload_successful 0") {
		t.Error("the failed reload is not exported")
	}

	write("clusters:\n  b:\n    url: " + a.URL + "\n")
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, func() bool {
		status, _ := get(t, p.base+"/probe?target=a")
		return status == http.StatusBadRequest
	}, func() string { return "SIGHUP did not reload; stderr:\n" + p.stderr.String() })
	if _, metrics := get(t, p.base+"/metrics"); !strings.Contains(metrics, "flink_exporter_config_last_reload_successful 1") {
		t.Error("the reload on SIGHUP is not exported")
	}
}

// TestConfigFileMustLoad: the exporter does not start with a broken
// configuration file.
func TestConfigFileMustLoad(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "bad.yml", "clusters:\n  a:\n    url: localhost:8081\n")
	out, err := execOutput(buildExporter(t), "--config.file="+cfg, "--web.listen-address="+freeAddr(t))
	if err == nil || !strings.Contains(out, "scheme must be http or https") {
		t.Errorf("started with a broken configuration: %v\n%s", err, out)
	}
}

// execOutput runs the binary to its end (at most a minute) and returns its
// output.
func execOutput(bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	return string(out), err
}
