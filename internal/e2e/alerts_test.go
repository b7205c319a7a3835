package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/flink-exporter/flink_exporter/flinksim"
	"github.com/flink-exporter/flink_exporter/internal/causes"
	"github.com/flink-exporter/flink_exporter/internal/testenv"
)

// forScale shortens the rules' for: durations for the test, the only
// change made to the shipped rules: 5m becomes 15s.
const forScale = 20

// scrapeTimeout is Prometheus's default scrape timeout: the scenarios
// whose REST answers take seconds (jobmanager-overload-slow-rest, the far
// exporters) must give their evidence within it. The scrape interval
// equals it (Prometheus allows no timeout above the interval); rules are
// evaluated twice as often.
const (
	scrapeTimeout      = "10s"
	evaluationInterval = 5 * time.Second
)

// repoFile reads a file of the repository.
func repoFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var forRE = regexp.MustCompile(`(?m)^(\s+for: )(\d+)([smh])$`)

// shortenFor divides every for: duration of a rule file by forScale.
func shortenFor(t *testing.T, rules []byte) []byte {
	t.Helper()
	return forRE.ReplaceAllFunc(rules, func(m []byte) []byte {
		parts := forRE.FindSubmatch(m)
		n, err := strconv.Atoi(string(parts[2]))
		if err != nil {
			t.Fatal(err)
		}
		d := time.Duration(n) * map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[string(parts[3])]
		return []byte(fmt.Sprintf("%s%ds", parts[1], int((d / forScale).Seconds())))
	})
}

// webhook receives Alertmanager's notifications.
type webhook struct {
	mu     sync.Mutex
	alerts map[string]map[string]receivedAlert // instance -> alertname/cause -> alert
}

type receivedAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	Receiver    string
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var msg struct {
		Receiver string          `json:"receiver"`
		Alerts   []receivedAlert `json:"alerts"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &msg); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, a := range msg.Alerts {
		if a.Status != "firing" {
			continue
		}
		a.Receiver = msg.Receiver
		inst := a.Labels["instance"]
		if w.alerts[inst] == nil {
			w.alerts[inst] = map[string]receivedAlert{}
		}
		w.alerts[inst][alertKey(a.Labels)] = a
	}
}

func alertKey(labels map[string]string) string {
	if c := labels["cause"]; c != "" {
		return labels["alertname"] + "/" + c
	}
	return labels["alertname"]
}

func (w *webhook) snapshot() map[string]map[string]receivedAlert {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]map[string]receivedAlert{}
	for inst, as := range w.alerts {
		out[inst] = map[string]receivedAlert{}
		for k, a := range as {
			out[inst][k] = a
		}
	}
	return out
}

// exampleAlertmanagerConfig is examples/alertmanager.yml with every receiver
// pointed at the test's webhook and the grouping timers shortened.
func exampleAlertmanagerConfig(t *testing.T, hook string) []byte {
	t.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal(repoFile(t, "examples/alertmanager.yml"), &cfg); err != nil {
		t.Fatal(err)
	}
	route := cfg["route"].(map[string]any)
	route["group_wait"], route["group_interval"], route["repeat_interval"] = "1s", "1s", "1m"
	for _, r := range cfg["receivers"].([]any) {
		rec := r.(map[string]any)
		for _, wc := range rec["webhook_configs"].([]any) {
			wc.(map[string]any)["url"] = hook + "/" + rec["name"].(string)
		}
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// examplePrometheusConfig is examples/prometheus.yml scraping the given exporters
// every scrapeInterval, evaluating as often, with the shipped rules (for:
// shortened) and the test's Alertmanager.
func examplePrometheusConfig(t *testing.T, exporters []string, alertmanager string) []byte {
	t.Helper()
	var cfg map[string]any
	if err := yaml.Unmarshal(repoFile(t, "examples/prometheus.yml"), &cfg); err != nil {
		t.Fatal(err)
	}
	global := cfg["global"].(map[string]any)
	global["scrape_interval"], global["scrape_timeout"], global["evaluation_interval"] = scrapeTimeout, scrapeTimeout, evaluationInterval.String()
	cfg["rule_files"] = []any{"flink-checkpoints.rules.yml", "flink-checkpoints.alerts.yml"}
	am := cfg["alerting"].(map[string]any)["alertmanagers"].([]any)[0].(map[string]any)
	am["static_configs"] = []any{map[string]any{"targets": []any{strings.TrimPrefix(alertmanager, "http://")}}}
	var scrapes []any
	for _, sc := range cfg["scrape_configs"].([]any) {
		job := sc.(map[string]any)
		if job["job_name"] == "flink" {
			targets := make([]any, len(exporters))
			for i, e := range exporters {
				targets[i] = e
			}
			job["static_configs"] = []any{map[string]any{"targets": targets}}
			scrapes = append(scrapes, job)
		}
	}
	cfg["scrape_configs"] = scrapes
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// startExporterBinary builds and runs the flink_exporter binary against
// flinkURL and returns its host:port.
func startExporterBinary(t *testing.T, bin, flinkURL string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--web.listen-address="+addr, "--flink.url="+flinkURL, "--log.level=warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	if err := waitReady("http://"+addr+"/", nil); err != nil {
		t.Fatalf("exporter on %s: %v", addr, err)
	}
	return addr
}

func buildExporterBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "flink_exporter")
	cmd := exec.Command("go", "build", "-o", bin, "../..")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// causeAlerts lists the alerts of each cause that the REST signals alone
// can raise (the agent's alerts need the agent).
func causeAlerts() map[string][]string {
	out := map[string][]string{}
	for _, a := range causes.Alerts() {
		if a.Cause == "" || a.Name == "FlinkJobManagerConnectSlow" || a.Name == "FlinkTaskManagerHostStarved" {
			continue
		}
		out[a.Cause] = append(out[a.Cause], a.Name)
	}
	return out
}

// TestAlertsEndToEnd runs every scenario of the simulator behind the
// flink_exporter binary, a real Prometheus loaded with the example
// configuration and the shipped rules, and a real Alertmanager routing to
// a webhook: each cause pages with its cause, fix and runbook; over the
// whole run (ALERTS at every rule evaluation, not only at the end) no
// alert of another cause fires, the scenario's own alerts keep firing from
// the first evaluation they fire at, and the healthy variants fire
// nothing.
func TestAlertsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end alerting takes minutes")
	}
	testenv.RequireBinary(t, "prometheus")
	testenv.RequireBinary(t, "prometheus-alertmanager")

	hook := &webhook{alerts: map[string]map[string]receivedAlert{}}
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)

	am := StartAlertmanager(t, exampleAlertmanagerConfig(t, hookSrv.URL), map[string][]byte{"flink.tmpl": repoFile(t, "examples/flink.tmpl")})

	bin := buildExporterBinary(t)
	scenarioOf := map[string]string{}
	var exporters []string
	for _, s := range flinksim.Scenarios() {
		sim, err := flinksim.New(flinksim.Config{Scenario: s})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(sim.Handler())
		t.Cleanup(srv.Close)
		addr := startExporterBinary(t, bin, srv.URL)
		scenarioOf[addr] = s
		exporters = append(exporters, addr)
	}
	prom := StartPrometheusWithConfig(t, examplePrometheusConfig(t, exporters, am.URL), map[string][]byte{
		"flink-checkpoints.rules.yml":  shortenFor(t, repoFile(t, "rules/flink-checkpoints.rules.yml")),
		"flink-checkpoints.alerts.yml": shortenFor(t, repoFile(t, "rules/flink-checkpoints.alerts.yml")),
	})

	want := causeAlerts()
	start := time.Now()
	deadline := start.Add(4 * time.Minute)
	allArrived := func(got map[string]map[string]receivedAlert) bool {
		for addr, s := range scenarioOf {
			cause := flinksim.ScenarioCause(s)
			for _, name := range want[cause] {
				if _, ok := got[addr][name+"/"+cause]; !ok {
					return false
				}
			}
		}
		return true
	}
	for !allArrived(hook.snapshot()) {
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	// Let alerts that should not fire have their chance to.
	settle := time.Now().Add(30 * time.Second)
	for time.Now().Before(settle) {
		time.Sleep(time.Second)
	}
	got := hook.snapshot()
	end := time.Now()
	t.Logf("alerts arrived within %s", end.Sub(start).Round(time.Second))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	timeline, err := firingTimeline(ctx, prom, start, end)
	if err != nil {
		t.Fatal(err)
	}
	paged := map[string]map[string]time.Duration{}
	for addr, s := range scenarioOf {
		cause := flinksim.ScenarioCause(s)
		paged[s] = checkTimeline(t, s, cause, want[cause], timeline[addr], start, end)
	}

	for addr, s := range scenarioOf {
		cause := flinksim.ScenarioCause(s)
		for key, a := range got[addr] {
			if cause == "" {
				t.Errorf("%s (healthy): %s reached the webhook", s, key)
				continue
			}
			if c := a.Labels["cause"]; c != "" && c != cause {
				t.Errorf("%s: alert %s of cause %s reached the webhook", s, key, c)
			}
		}
		for _, name := range want[cause] {
			a, ok := got[addr][name+"/"+cause]
			if !ok {
				t.Errorf("%s: %s never reached the webhook", s, name)
				continue
			}
			for _, ann := range []string{"summary", "description", "cause", "fix", "runbook_url", "dashboard"} {
				if strings.TrimSpace(a.Annotations[ann]) == "" {
					t.Errorf("%s: %s arrived without %s", s, name, ann)
				}
			}
			c, _ := causes.ByName(cause)
			if a.Annotations["fix"] != c.Fix {
				t.Errorf("%s: %s arrived with fix %q", s, name, a.Annotations["fix"])
			}
			if !strings.Contains(a.Annotations["description"], a.Labels["job_name"]) {
				t.Errorf("%s: %s description does not name the job: %q", s, name, a.Annotations["description"])
			}
			if wantRecv := map[string]string{"critical": "flink-page", "warning": "flink-notify", "info": "flink-ticket"}[a.Labels["severity"]]; a.Receiver != wantRecv {
				t.Errorf("%s: %s (severity %s) routed to %s, want %s", s, name, a.Labels["severity"], a.Receiver, wantRecv)
			}
		}
	}
	matrix := renderAlertMatrix(paged)
	t.Logf("scenario × cause alert matrix:\n%s", matrix)
	fmt.Println(matrix)
	checkReadmeMatrix(t, matrix)
	var symptoms []string
	for addr, s := range scenarioOf {
		for key, a := range got[addr] {
			if a.Labels["cause"] == "" {
				symptoms = append(symptoms, s+": "+key)
			}
		}
	}
	sort.Strings(symptoms)
	t.Logf("symptom alerts (timing-dependent, not in the matrix): %v", symptoms)
}

// firingTimeline queries ALERTS{alertstate="firing"} over [start, end]
// at every rule evaluation and returns, per exporter address (the
// instance label) and alert key (alertname/cause), the times it fired.
func firingTimeline(ctx context.Context, prom *Prometheus, start, end time.Time) (map[string]map[string][]time.Time, error) {
	m, err := prom.QueryRange(ctx, `ALERTS{alertstate="firing"}`, start, end, evaluationInterval)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string][]time.Time{}
	for _, ss := range m {
		labels := map[string]string{}
		for k, v := range ss.Metric {
			labels[string(k)] = string(v)
		}
		inst, key := labels["instance"], alertKey(labels)
		if out[inst] == nil {
			out[inst] = map[string][]time.Time{}
		}
		for _, p := range ss.Values {
			out[inst][key] = append(out[inst][key], p.Timestamp.Time())
		}
	}
	for _, keys := range out {
		for key := range keys {
			sort.Slice(keys[key], func(i, j int) bool { return keys[key][i].Before(keys[key][j]) })
		}
	}
	return out, nil
}

// checkTimeline checks one scenario's firing alerts over the whole run:
// no alert of another cause ever fires (a healthy variant fires nothing at
// all), and each of the cause's own alerts, once it fires, fires at every
// evaluation until the end. It returns when each own alert first fired,
// after start.
func checkTimeline(t *testing.T, scenario, cause string, own []string, fired map[string][]time.Time, start, end time.Time) map[string]time.Duration {
	t.Helper()
	keys := make([]string, 0, len(fired))
	for key := range fired {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		at := fired[key]
		_, c, _ := strings.Cut(key, "/")
		switch {
		case cause == "":
			t.Errorf("%s (healthy): %s fired at %d evaluations, first %s after start", scenario, key, len(at), at[0].Sub(start).Round(time.Second))
		case c != "" && c != cause:
			t.Errorf("%s: %s of cause %s fired at %d evaluations, first %s after start", scenario, key, c, len(at), at[0].Sub(start).Round(time.Second))
		}
	}
	paged := map[string]time.Duration{}
	for _, name := range own {
		at := fired[name+"/"+cause]
		if len(at) == 0 {
			continue // reported by the webhook check
		}
		paged[name] = at[0].Sub(start)
		for i := 1; i < len(at); i++ {
			if gap := at[i].Sub(at[i-1]); gap > evaluationInterval*3/2 {
				t.Errorf("%s: %s stopped firing for %s, %s after start", scenario, name, gap.Round(time.Second), at[i-1].Sub(start).Round(time.Second))
			}
		}
		if last := at[len(at)-1]; end.Sub(last) > 2*evaluationInterval {
			t.Errorf("%s: %s stopped firing %s after start, %s before the end", scenario, name, last.Sub(start).Round(time.Second), end.Sub(last).Round(time.Second))
		}
	}
	return paged
}

// matrixAlerts are the matrix's columns: the cause alerts the REST signals
// alone can raise.
func matrixAlerts() []string {
	var names []string
	for _, a := range causes.Alerts() {
		if a.Cause != "" && a.Name != "FlinkJobManagerConnectSlow" && a.Name != "FlinkTaskManagerHostStarved" {
			names = append(names, a.Name)
		}
	}
	return names
}

// renderAlertMatrix renders scenario × cause alert as a Markdown table:
// the alerts that fired, with the time from Prometheus's start to the
// first evaluation they fired at (for: durations shortened forScale times).
func renderAlertMatrix(paged map[string]map[string]time.Duration) string {
	names := matrixAlerts()
	var b strings.Builder
	b.WriteString("| scenario | cause |")
	for _, n := range names {
		b.WriteString(" " + strings.TrimPrefix(n, "Flink") + " |")
	}
	b.WriteString("\n| --- | --- |" + strings.Repeat(" --- |", len(names)) + "\n")
	for _, s := range flinksim.Scenarios() {
		cause := flinksim.ScenarioCause(s)
		if cause == "" {
			cause = "none"
		}
		b.WriteString("| " + s + " | " + cause + " |")
		for _, n := range names {
			if d, ok := paged[s][n]; ok {
				fmt.Fprintf(&b, " **pages** %d s |", int(d.Round(time.Second).Seconds()))
			} else {
				b.WriteString(" · |")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// pageTimeRE matches the time to page of a matrix cell, which varies from
// run to run.
var pageTimeRE = regexp.MustCompile(`\*\*pages\*\* \d+ s`)

// checkReadmeMatrix compares the printed matrix with the one committed in
// the README between its markers, times to page aside.
func checkReadmeMatrix(t *testing.T, matrix string) {
	t.Helper()
	readme := string(repoFile(t, "README.md"))
	const begin, end = "<!-- e2e-matrix:begin -->\n", "<!-- e2e-matrix:end -->"
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README has no %q ... %q section", begin, end)
	}
	normal := func(s string) string { return pageTimeRE.ReplaceAllString(s, "**pages**") }
	if committed := readme[i+len(begin) : j]; normal(committed) != normal(matrix) {
		t.Errorf("README's matrix differs from the one printed:\n%s", committed)
	}
}
