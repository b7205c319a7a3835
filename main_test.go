package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// builtExporter is the binary built for this run of the tests.
var builtExporter struct {
	once sync.Once
	path string
	err  error
}

// buildExporter compiles the exporter once per test binary run.
func buildExporter(t *testing.T) string {
	t.Helper()
	builtExporter.once.Do(func() {
		dir, err := os.MkdirTemp("", "flink_exporter_test")
		if err != nil {
			builtExporter.err = err
			return
		}
		builtExporter.path = filepath.Join(dir, "flink_exporter")
		cmd := exec.Command("go", "build", "-o", builtExporter.path, ".")
		cmd.Stderr = os.Stderr
		builtExporter.err = cmd.Run()
	})
	if builtExporter.err != nil {
		t.Fatalf("go build: %v", builtExporter.err)
	}
	return builtExporter.path
}

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtExporter.path != "" {
		os.RemoveAll(filepath.Dir(builtExporter.path))
	}
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer collects a process's output safely.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// exporterProcess is a running exporter binary.
type exporterProcess struct {
	base   string // http://127.0.0.1:port
	addr   string
	stderr *syncBuffer
	cmd    *exec.Cmd
}

// startExporter runs the binary with args and waits until it answers.
func startExporter(t *testing.T, bin string, args ...string) (string, *syncBuffer) {
	t.Helper()
	p := startExporterProcess(t, bin, func(base string) bool {
		resp, err := http.Get(base + "/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, args...)
	return p.base, p.stderr
}

// startExporterProcess runs the binary with args on a free port and waits
// until ready holds for its base URL. The process is stopped at the end of
// the test.
func startExporterProcess(t *testing.T, bin string, ready func(base string) bool, args ...string) *exporterProcess {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"--web.listen-address=" + addr}, args...)...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	p := &exporterProcess{base: "http://" + addr, addr: addr, stderr: stderr, cmd: cmd}
	waitFor(t, 30*time.Second, func() bool { return ready(p.base) },
		func() string { return "exporter never answered; stderr:\n" + stderr.String() })
	return p
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, cond func() bool, msg func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", url, resp.StatusCode, body)
	}
	return string(body)
}

// sample returns the value of the first series whose line starts with
// prefix, or "".
func sample(exposition, prefix string) string {
	sc := bufio.NewScanner(strings.NewReader(exposition))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, prefix) {
			if i := strings.LastIndexByte(line, ' '); i >= 0 {
				return line[i+1:]
			}
		}
	}
	return ""
}

func TestUnreachableFlink(t *testing.T) {
	bin := buildExporter(t)
	base, stderr := startExporter(t, bin, "--flink.url=http://127.0.0.1:1")
	for i := 1; i <= 2; i++ {
		body := scrape(t, base+"/metrics")
		if got := sample(body, "flink_up "); got != "0" {
			t.Fatalf("flink_up = %q, want 0\n%s", got, body)
		}
		if sample(body, "flink_exporter_build_info{") != "1" {
			t.Error("no flink_exporter_build_info")
		}
		if sample(body, `flink_exporter_rest_requests_total{code="error",endpoint="/overview"} `) != fmt.Sprint(i) {
			t.Errorf("scrape %d: REST error count missing:\n%s", i, body)
		}
		// The child writes its log line before answering the scrape, but
		// the line reaches this process through a pipe: wait for it.
		waitFor(t, 10*time.Second, func() bool { return strings.Count(stderr.String(), "level=error") >= i },
			func() string { return fmt.Sprintf("after %d scrapes no error line for the last one:\n%s", i, stderr) })
		if errors := strings.Count(stderr.String(), "level=error"); errors != i {
			t.Fatalf("after %d scrapes %d error lines, want one per scrape:\n%s", i, errors, stderr)
		}
	}
	if !strings.Contains(stderr.String(), "connection refused") {
		t.Errorf("the error line does not say why:\n%s", stderr)
	}
}

func TestDemo(t *testing.T) {
	bin := buildExporter(t)
	base, stderr := startExporter(t, bin, "--demo")
	var body string
	waitFor(t, 60*time.Second, func() bool {
		body = scrape(t, base+"/metrics")
		return sample(body, "flink_job_checkpoint_duration_to_timeout_ratio{") != "" &&
			sample(body, "flink_taskmanager_checkpoint_ack_latency_max_seconds{") != ""
	}, func() string {
		return "demo never showed checkpoint metrics:\n" + body + "\nstderr:\n" + stderr.String()
	})
	for _, name := range []string{
		"flink_up ", "flink_cluster_info{", "flink_job_state{", "flink_job_checkpoint_timeout_seconds{",
		"flink_job_checkpoint_interval_seconds{", "flink_job_checkpoints_completed_total{",
		"flink_job_checkpoint_failures_total{", "flink_job_last_checkpoint_duration_seconds{",
		"flink_job_checkpoint_in_progress_to_timeout_ratio{", "flink_job_checkpoint_state_growth_bytes_per_second{",
		"flink_job_vertex_checkpoint_ack_latency_max_seconds{", "flink_job_last_checkpoint_upload_throughput_bytes_per_second{",
		"flink_exporter_rest_request_duration_seconds_bucket{",
	} {
		if sample(body, name) == "" {
			t.Errorf("demo does not serve %s", name)
		}
	}
	if got := sample(body, "flink_up "); got != "1" {
		t.Errorf("flink_up = %q", got)
	}
	if strings.Contains(stderr.String(), "level=error") || strings.Contains(stderr.String(), "level=warn") {
		t.Errorf("demo logged errors or warnings:\n%s", stderr)
	}
}

func TestFlagsLikeOfficialExporters(t *testing.T) {
	bin := buildExporter(t)
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("--help: %v\n%s", err, out)
	}
	help := strings.ReplaceAll(string(out), "--[no-]", "--")
	for _, flag := range []string{"--web.listen-address", "--web.telemetry-path", "--web.config.file", "--log.level", "--log.format", "--flink.url", "--flink.timeout", "--demo", "--version", "--collector.checkpoints"} {
		if !strings.Contains(help, flag) {
			t.Errorf("--help lacks %s", flag)
		}
	}
	// A build without -ldflags (go build, go run) still names a version.
	out, err = exec.Command(bin, "--version").CombinedOutput()
	if err != nil || !regexp.MustCompile(`^flink_exporter, version \S+ \(branch: .*, revision: \S+\)`).Match(out) {
		t.Errorf("--version: %v\n%s", err, out)
	}
}

func TestHealthy(t *testing.T) {
	base, _ := startExporter(t, buildExporter(t), "--flink.url=http://127.0.0.1:1")
	if body := scrape(t, base+"/-/healthy"); !strings.Contains(body, "Healthy") {
		t.Fatalf("/-/healthy = %q", body)
	}
}

// TestMainStaysThin: package main only parses flags, builds the logger and
// wires handlers; the work lives in packages of its own (prober, config,
// agent, collector, diagnose), as in node_exporter and blackbox_exporter.
func TestMainStaysThin(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines += bytes.Count(b, []byte("\n"))
	}
	if lines >= 300 {
		t.Errorf("package main holds %d lines of non-test code; keep it under 300 by moving work into a package", lines)
	}
}
