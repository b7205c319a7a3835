package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

func TestConfigYAML(t *testing.T) {
	cfg := Config{
		ScrapeTargets:   []string{"127.0.0.1:1", "127.0.0.1:2"},
		ScrapeInterval:  1500 * time.Millisecond,
		RuleFiles:       []string{"rules.yml"},
		AlertmanagerURL: "http://127.0.0.1:9093/am/",
	}
	text, err := cfg.yaml()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := yaml.Unmarshal(text, &got); err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	global := got["global"].(map[string]any)
	for key, want := range map[string]string{"scrape_interval": "1500ms", "scrape_timeout": "1500ms", "evaluation_interval": "1500ms"} {
		if global[key] != want {
			t.Errorf("global.%s = %v, want %s", key, global[key], want)
		}
	}
	rules := got["rule_files"].([]any)
	if len(rules) != 1 || !filepath.IsAbs(rules[0].(string)) {
		t.Errorf("rule_files = %v, want one absolute path", rules)
	}
	for _, want := range []string{"path_prefix: /am", "- 127.0.0.1:9093", "job_name: flink", "- 127.0.0.1:2"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("prometheus.yml lacks %q:\n%s", want, text)
		}
	}
	if _, err := (Config{AlertmanagerURL: "127.0.0.1:9093"}).yaml(); err == nil {
		t.Error("an Alertmanager URL without scheme was accepted")
	}
}

// TestPrometheusScrapesExporter runs the whole harness: a simulated
// cluster, its exporter, an agent probing the simulator and a real
// Prometheus scraping both, queried for every result type.
func TestPrometheusScrapesExporter(t *testing.T) {
	addr, _ := StartExporterWithSim(t, flinksim.Config{Scenario: "healthy"})
	_, simURL := StartSimulator(t, flinksim.Config{})
	agent := StartAgent(t, AgentConfig{TaskManagerID: "tm-e2e", JobManagerURL: simURL})
	prom := StartPrometheus(t, Config{ScrapeTargets: []string{addr, agent}, ScrapeInterval: time.Second})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	up, err := prom.WaitFor(ctx, `flink_up == 1`, AtLeast(1))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(up[0].Metric["instance"]); got != addr {
		t.Errorf("flink_up instance = %q, want the exporter's address %q", got, addr)
	}
	if _, err := prom.WaitFor(ctx, `flink_host_cpus{tm_id="tm-e2e"}`, AtLeast(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := prom.WaitFor(ctx, `flink_jobmanager_probe_rest_duration_seconds_count > 0`, AtLeast(1)); err != nil {
		t.Fatal(err)
	}

	scalar, err := prom.Query(ctx, `1 + 1`)
	if err != nil || len(scalar) != 1 || scalar[0].Value != 2 {
		t.Errorf("scalar query: %v, %v", scalar, err)
	}
	if v, err := prom.QueryValue(ctx, `1 + 1`); err != nil || v.Type() != model.ValScalar {
		t.Errorf("QueryValue(1 + 1) = %v, %v; want a scalar", v, err)
	}
	matrix, err := prom.Query(ctx, `flink_up[1m]`)
	if err != nil || len(matrix) != 1 || matrix[0].Value != 1 {
		t.Errorf("matrix query: %v, %v", matrix, err)
	}
	if _, err := prom.Query(ctx, `"text"`); err == nil {
		t.Error("a string result was accepted as a vector")
	}
	if _, err := prom.Query(ctx, `rate(flink_up[`); !isBadData(err) {
		t.Errorf("invalid expression: err = %v, want bad_data", err)
	}
	if _, err := prom.WaitFor(ctx, `sum(`, AtLeast(1)); !isBadData(err) {
		t.Errorf("WaitFor on an invalid expression: err = %v, want bad_data at once", err)
	}
	end := time.Now()
	series, err := prom.QueryRange(ctx, `flink_up`, end.Add(-time.Minute), end, time.Second)
	if err != nil || len(series) != 1 {
		t.Errorf("range query: %v, %v", series, err)
	}
	targets, err := prom.Targets(ctx)
	if err != nil || len(targets) != 2 {
		t.Errorf("targets: %v, %v", targets, err)
	}
	for _, tg := range targets {
		if tg.Health != "up" {
			t.Errorf("target %s: health %q, last error %q", tg.ScrapeURL, tg.Health, tg.LastError)
		}
	}
	if alerts, err := prom.Alerts(ctx); err != nil || len(alerts) != 0 {
		t.Errorf("alerts without rules: %v, %v", alerts, err)
	}
}
