package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// flinkStandIn serves a simulated JobManager; wrap, when set, sits in
// front of it (authentication checks).
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

// TestConfigFileServesProbeNotMetrics: with --config.file and no
// --flink.url, /probe?target=<name> scrapes the configured cluster and
// /metrics serves the exporter's own metrics, the reload outcome among
// them, and no cluster. The handler's logic is tested in package prober.
func TestConfigFileServesProbeNotMetrics(t *testing.T) {
	a := flinkStandIn(t, nil)
	cfg := writeFile(t, t.TempDir(), "flink_exporter.yml", "clusters:\n  a:\n    url: "+a.URL+"/\n")
	p := startExporterProcess(t, buildExporter(t), okAt("/"), "--config.file="+cfg)

	status, body := get(t, p.base+"/probe?target=a")
	if status != http.StatusOK || !strings.Contains(body, "flink_up 1") {
		t.Fatalf("/probe?target=a: %d\n%s", status, body)
	}
	for _, own := range []string{"go_goroutines", "flink_exporter_build_info", "flink_exporter_config_last_reload"} {
		if strings.Contains(body, own) {
			t.Errorf("/probe serves the exporter's own %s", own)
		}
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
