package config_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	promconfig "github.com/prometheus/common/config"
	"go.yaml.in/yaml/v2"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/config"
	"github.com/flink-exporter/flink_exporter/internal/promtool3"
	"github.com/flink-exporter/flink_exporter/internal/testenv"
)

// examplesDir is the repository's examples/ directory, seen from this
// package.
const examplesDir = "../examples"

// TestEveryExampleLoads loads every file of examples/ with the program
// that reads it: the exporter's configurations with this package's loader,
// Prometheus's with promtool and Alertmanager's (and its template) with
// amtool. A new example without a check here fails the test.
func TestEveryExampleLoads(t *testing.T) {
	checks := map[string]func(t *testing.T, path string){
		"flink_exporter.yml":           checkRunnableExporterConfig,
		"flink_exporter.reference.yml": checkExporterConfig,
		"prometheus.yml":               checkPrometheusConfig,
		"prometheus-kubernetes.yml":    checkPrometheus3Config,
		"alertmanager.yml":             checkAlertmanagerConfig,
		// flink.tmpl is alertmanager.yml's template: amtool parses it
		// with the configuration.
		"flink.tmpl": func(*testing.T, string) {},
	}
	entries, err := os.ReadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, e := range entries {
		name := e.Name()
		seen = append(seen, name)
		check, ok := checks[name]
		if !ok {
			t.Errorf("examples/%s has no check in TestEveryExampleLoads: add one", name)
			continue
		}
		t.Run(name, func(t *testing.T) { check(t, filepath.Join(examplesDir, name)) })
	}
	for name := range checks {
		if !slices.Contains(seen, name) {
			t.Errorf("examples/%s is checked here but does not exist", name)
		}
	}
}

// collectorNames are the collectors the exporter has, as --collector.*
// flags enable them.
func collectorNames() []string {
	var names []string
	for _, a := range collector.Areas() {
		names = append(names, a.Name)
	}
	return names
}

func checkExporterConfig(t *testing.T, path string) {
	cfg, err := config.LoadFile(path, collectorNames())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Clusters) == 0 {
		t.Errorf("%s names no cluster", path)
	}
}

// checkRunnableExporterConfig: examples/flink_exporter.yml runs as written
// here. It loads, every cluster's HTTP client can be built (no file it
// names is missing, which would stop the exporter at start), every URL is
// a simulator on this machine that its header tells how to start, and
// examples/prometheus.yml probes exactly its clusters.
func checkRunnableExporterConfig(t *testing.T, path string) {
	cfg, err := config.LoadFile(path, collectorNames())
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range cfg.Names() {
		c := cfg.Clusters[name]
		if _, err := promconfig.NewClientFromConfig(c.HTTPClientConfig, "flink_"+name); err != nil {
			t.Errorf("cluster %s: the exporter could not build its HTTP client: %v", name, err)
		}
		addr, ok := strings.CutPrefix(c.URL, "http://")
		if !ok || !strings.HasPrefix(addr, "127.0.0.1:") {
			t.Errorf("cluster %s: url %s is not a simulator on 127.0.0.1", name, c.URL)
			continue
		}
		if want := "go run ./cmd/flinksim --web.listen-address=" + addr; !strings.Contains(string(text), want) {
			t.Errorf("cluster %s: the file does not say how to start its simulator (%q)", name, want)
		}
	}
	if want := "go run . --config.file=examples/flink_exporter.yml"; !strings.Contains(string(text), want) {
		t.Errorf("%s does not show how to run it (%q)", path, want)
	}
	if got, want := probeTargets(t), cfg.Names(); !slices.Equal(got, want) {
		t.Errorf("examples/prometheus.yml probes %v, examples/flink_exporter.yml names %v", got, want)
	}
}

// probeTargets returns the sorted targets of examples/prometheus.yml's
// /probe jobs.
func probeTargets(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ScrapeConfigs []struct {
			MetricsPath   string `yaml:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, sc := range cfg.ScrapeConfigs {
		if sc.MetricsPath != "/probe" {
			continue
		}
		for _, s := range sc.StaticConfigs {
			targets = append(targets, s.Targets...)
		}
	}
	slices.Sort(targets)
	return targets
}

func checkPrometheusConfig(t *testing.T, path string) {
	runCheck(t, testenv.RequireBinary(t, "promtool"), "check", "config", path)
}

// checkPrometheus3Config loads a Prometheus configuration with Kubernetes
// discovery, which only promtool 3 (internal/promtool3) reads: Debian's
// Prometheus 2 is built without it.
func checkPrometheus3Config(t *testing.T, path string) {
	runCheck(t, promtool3.Require(t, ".."), "check", "config", "--syntax-only", path)
}

func checkAlertmanagerConfig(t *testing.T, path string) {
	runCheck(t, testenv.RequireBinary(t, "amtool"), "check-config", path)
}

// runCheck runs a checking tool and fails the test with its output when
// it does not succeed.
func runCheck(t *testing.T, bin string, args ...string) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Errorf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
		return
	}
	t.Logf("%s %s:\n%s", filepath.Base(bin), strings.Join(args, " "), out)
}
