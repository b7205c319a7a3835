package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/flink-exporter/flink_exporter/internal/testenv"
)

// Defaults of Config.
const (
	DefaultScrapeInterval = time.Second
	DefaultJobName        = "flink"
)

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

	client *http.Client
}

// StartPrometheus writes a prometheus.yml for cfg in a temporary
// directory, starts the machine's Prometheus on a free loopback port and
// waits until it reports ready. The server is stopped when the test ends;
// if the test failed, the end of its log is written to the test log. The
// test is skipped without a prometheus binary (failed in CI, see
// testenv.RequireBinary).
func StartPrometheus(t testing.TB, cfg Config) *Prometheus {
	t.Helper()
	bin := testenv.RequireBinary(t, "prometheus")
	dir := t.TempDir()
	configPath := filepath.Join(dir, "prometheus.yml")
	text, err := cfg.yaml()
	if err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	if err := os.WriteFile(configPath, text, 0o644); err != nil {
		t.Fatalf("write prometheus.yml: %v", err)
	}
	return runPrometheus(t, bin, dir, configPath)
}

// runPrometheus starts Prometheus with the configuration at configPath,
// its TSDB in dir.
func runPrometheus(t testing.TB, bin, dir, configPath string) *Prometheus {
	t.Helper()
	url := startServer(t, serverSpec{name: "prometheus", bin: bin, dir: dir, args: func(addr string, attempt int) []string {
		return []string{
			"--config.file=" + configPath,
			"--storage.tsdb.path=" + filepath.Join(dir, fmt.Sprintf("data-%d", attempt)),
			"--web.listen-address=" + addr,
			"--web.console.templates=" + filepath.Join(dir, "consoles"),
			"--web.console.libraries=" + filepath.Join(dir, "console_libraries"),
		}
	}})
	return &Prometheus{URL: url, Dir: dir, client: &http.Client{Timeout: 30 * time.Second}}
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
