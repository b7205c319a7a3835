package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// Defaults of Config.
const (
	DefaultScrapeInterval = time.Second
	DefaultJobName        = "flink"
)

// startTimeout bounds how long Prometheus may take to become ready: it
// replays no WAL in a fresh directory, so seconds are plenty even under
// the race detector on a busy machine.
const startTimeout = 60 * time.Second

// stopTimeout is how long Prometheus may take to exit after SIGTERM before
// it is killed.
const stopTimeout = 10 * time.Second

// startAttempts bounds the retries when the free port picked for
// Prometheus was taken by someone else before it bound it.
const startAttempts = 3

// Config describes the Prometheus server a test needs.
type Config struct {
	// ScrapeTargets are the host:port addresses scraped at /metrics, all in
	// one scrape job; each is told apart by its instance label, which is
	// the address.
	ScrapeTargets []string
	// JobName is the job label of the targets, DefaultJobName if empty.
	JobName string
	// ScrapeInterval is the global scrape interval, DefaultScrapeInterval
	// if zero. The scrape timeout equals it (Prometheus rejects a timeout
	// above the interval), at most 10 s.
	ScrapeInterval time.Duration
	// EvaluationInterval is the rule evaluation interval, ScrapeInterval if
	// zero.
	EvaluationInterval time.Duration
	// RuleFiles are paths of rule files to load; relative paths are taken
	// from the test's working directory.
	RuleFiles []string
	// AlertmanagerURL is the base URL (http://host:port[/prefix]) of an
	// Alertmanager to send alerts to; none if empty.
	AlertmanagerURL string
}

// Prometheus is a running Prometheus server.
type Prometheus struct {
	// URL is the server's base URL, http://127.0.0.1:<port>.
	URL string
	// Dir holds prometheus.yml, the TSDB and the server's log.
	Dir string

	client  *http.Client
	logPath string
}

// StartPrometheus writes a prometheus.yml for cfg in a temporary
// directory, starts the machine's Prometheus on a free loopback port and
// waits until it reports ready. The server is stopped when the test ends;
// if the test failed, the end of its log is written to the test log. The
// test is skipped without a prometheus binary (failed in CI, see
// RequireBinary).
func StartPrometheus(t testing.TB, cfg Config) *Prometheus {
	t.Helper()
	bin := RequireBinary(t, "prometheus")
	dir := t.TempDir()
	configPath := filepath.Join(dir, "prometheus.yml")
	text, err := cfg.yaml()
	if err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	if err := os.WriteFile(configPath, text, 0o644); err != nil {
		t.Fatalf("write prometheus.yml: %v", err)
	}
	for attempt := 1; ; attempt++ {
		p, err := startPrometheus(t, bin, dir, configPath, attempt)
		if err == nil {
			return p
		}
		if attempt == startAttempts || !errors.Is(err, errAddressInUse) {
			t.Fatalf("start Prometheus: %v", err)
		}
		t.Logf("start Prometheus: %v; retrying on another port", err)
	}
}

// errAddressInUse marks a start that failed because the port was taken.
var errAddressInUse = errors.New("address already in use")

// startPrometheus runs one attempt: it starts the process on a fresh port
// and registers its cleanup only once it is ready.
func startPrometheus(t testing.TB, bin, dir, configPath string, attempt int) (*Prometheus, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, fmt.Sprintf("prometheus-%d.log", attempt))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin,
		"--config.file="+configPath,
		"--storage.tsdb.path="+filepath.Join(dir, fmt.Sprintf("data-%d", attempt)),
		"--web.listen-address="+addr,
		"--web.console.templates="+filepath.Join(dir, "consoles"),
		"--web.console.libraries="+filepath.Join(dir, "console_libraries"),
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	p := &Prometheus{
		URL:     "http://" + addr,
		Dir:     dir,
		client:  &http.Client{Timeout: 30 * time.Second},
		logPath: logPath,
	}
	if err := p.waitReady(exited); err != nil {
		stopProcess(cmd, exited)
		tail := logTail(logPath)
		if strings.Contains(tail, "address already in use") {
			return nil, fmt.Errorf("%s: %w", addr, errAddressInUse)
		}
		return nil, fmt.Errorf("%w; log:\n%s", err, tail)
	}
	t.Cleanup(func() {
		stopProcess(cmd, exited)
		if t.Failed() {
			t.Logf("Prometheus log (%s):\n%s", logPath, logTail(logPath))
		}
	})
	return p, nil
}

// waitReady polls /-/ready until it answers 200, the process exits or
// startTimeout passes.
func (p *Prometheus) waitReady(exited <-chan struct{}) error {
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-exited:
			return errors.New("prometheus exited before it was ready")
		case <-deadline.C:
			return fmt.Errorf("prometheus not ready after %s", startTimeout)
		case <-tick.C:
			resp, err := p.client.Get(p.URL + "/-/ready")
			if err != nil {
				continue
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
}

// stopProcess asks the process to exit and kills it if it does not in
// time.
func stopProcess(cmd *exec.Cmd, exited <-chan struct{}) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// logTail returns the last lines of a server log, for failure messages.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// freeLoopbackAddr returns a loopback address whose port was free a moment
// ago. Another process may take it before the server binds it; callers
// retry on errAddressInUse.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}

// promConfig is the part of prometheus.yml the harness writes.
type promConfig struct {
	Global struct {
		ScrapeInterval     string `yaml:"scrape_interval"`
		ScrapeTimeout      string `yaml:"scrape_timeout"`
		EvaluationInterval string `yaml:"evaluation_interval"`
	} `yaml:"global"`
	RuleFiles     []string       `yaml:"rule_files,omitempty"`
	Alerting      *alertingBlock `yaml:"alerting,omitempty"`
	ScrapeConfigs []scrapeConfig `yaml:"scrape_configs"`
}

type alertingBlock struct {
	Alertmanagers []alertmanagerConfig `yaml:"alertmanagers"`
}

type alertmanagerConfig struct {
	Scheme        string         `yaml:"scheme"`
	PathPrefix    string         `yaml:"path_prefix,omitempty"`
	StaticConfigs []staticConfig `yaml:"static_configs"`
}

type scrapeConfig struct {
	JobName       string         `yaml:"job_name"`
	StaticConfigs []staticConfig `yaml:"static_configs"`
}

type staticConfig struct {
	Targets []string `yaml:"targets"`
}

// yaml renders cfg as prometheus.yml.
func (cfg Config) yaml() ([]byte, error) {
	var pc promConfig
	interval := cfg.ScrapeInterval
	if interval <= 0 {
		interval = DefaultScrapeInterval
	}
	timeout := min(interval, 10*time.Second)
	eval := cfg.EvaluationInterval
	if eval <= 0 {
		eval = interval
	}
	pc.Global.ScrapeInterval = promDuration(interval)
	pc.Global.ScrapeTimeout = promDuration(timeout)
	pc.Global.EvaluationInterval = promDuration(eval)
	for _, f := range cfg.RuleFiles {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, fmt.Errorf("rule file %q: %w", f, err)
		}
		pc.RuleFiles = append(pc.RuleFiles, abs)
	}
	if cfg.AlertmanagerURL != "" {
		u, err := url.Parse(cfg.AlertmanagerURL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("alertmanager URL %q: want http(s)://host:port[/prefix]", cfg.AlertmanagerURL)
		}
		pc.Alerting = &alertingBlock{Alertmanagers: []alertmanagerConfig{{
			Scheme:        u.Scheme,
			PathPrefix:    strings.TrimSuffix(u.Path, "/"),
			StaticConfigs: []staticConfig{{Targets: []string{u.Host}}},
		}}}
	}
	job := cfg.JobName
	if job == "" {
		job = DefaultJobName
	}
	targets := cfg.ScrapeTargets
	if targets == nil {
		targets = []string{}
	}
	pc.ScrapeConfigs = []scrapeConfig{{JobName: job, StaticConfigs: []staticConfig{{Targets: targets}}}}
	return yaml.Marshal(pc)
}

// promDuration formats d the way Prometheus parses durations: whole
// milliseconds with a unit.
func promDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}
