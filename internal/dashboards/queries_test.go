package dashboards

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/flink-exporter/flink_exporter/flinksim"
	"github.com/flink-exporter/flink_exporter/internal/e2e"
)

// Values of Grafana's built-in variables in the queries, for a 1 s scrape
// interval.
var builtins = strings.NewReplacer(
	"$__rate_interval", "15s",
	"$__interval", "5s",
	"$__range", "5m",
)

// agentInstance names the agent exporter among the scenarios.
const agentInstance = "agent"

// testAlertRules makes one Flink alert fire at once, so that the ALERTS
// panel's query meets real ALERTS series.
const testAlertRules = `groups:
  - name: dashboards-test
    rules:
      - alert: FlinkDashboardsTestFiring
        expr: flink_up == 1
        labels:
          severity: info
`

// substitute replaces the dashboard's variables in a query as Grafana
// does when "All" is selected (each variable's all value is .*), and the
// built-in ones with values fit for the test's scrape interval.
func substitute(expr string, vars []Variable) string {
	expr = builtins.Replace(expr)
	for _, v := range vars {
		value := v.AllValue
		if v.Type == "datasource" {
			continue
		}
		expr = strings.ReplaceAll(expr, "${"+v.Name+"}", value)
		expr = strings.ReplaceAll(expr, "$"+v.Name, value)
	}
	return expr
}

// panelQuery is one query of one panel, ready to send to Prometheus.
type panelQuery struct {
	uid, panelTitle, refID string
	panelID                int
	expr                   string
}

func (q panelQuery) String() string {
	return fmt.Sprintf("%s panel %d (%s) query %s", q.uid, q.panelID, q.panelTitle, q.refID)
}

// slowRESTScale divides the REST delays of the scenarios whose answers
// take longer than the test's 1 s scrape timeout allows.
var slowRESTScale = map[string]int{
	"jobmanager-overload":           20,
	"jobmanager-overload-slow-rest": 60,
	"healthy-slow-exporter-path":    60,
	"network-latency-exporter-far":  60,
}

// TestPanelQueriesReturnData runs the simulator in every scenario, an
// exporter for each, an agent exporter probing one simulator, and one
// real Prometheus scraping them all every second. Then it evaluates every
// query of every panel with the variables set to "All": none may fail,
// and each must return data for at least one scenario.
func TestPanelQueriesReturnData(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and nine exporters; skipped with -short")
	}
	scenarioOf := map[string]string{}
	var targets []string
	var simURL string
	for _, s := range flinksim.Scenarios() {
		cfg := flinksim.Config{Scenario: s}
		// jobmanager-overload's REST answers are 0.3-1 s late, those of
		// the slow-REST and far-exporter variants 1-3 s, and a scrape
		// makes a dozen requests, more than a 1 s scrape timeout allows.
		// A fraction of each delay keeps these clusters the slowest
		// without failing the scrapes.
		if scale, ok := slowRESTScale[s]; ok {
			cfg.Sleep = scaledSleep(scale)
		}
		addr, _ := e2e.StartExporterWithSim(t, cfg)
		scenarioOf[addr] = s
		targets = append(targets, addr)
		if s == "healthy" {
			_, simURL = e2e.StartSimulator(t, flinksim.Config{})
		}
	}
	agent := e2e.StartAgent(t, e2e.AgentConfig{TaskManagerID: "tm-agent", JobManagerURL: simURL})
	scenarioOf[agent] = agentInstance
	targets = append(targets, agent)

	rules := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(rules, []byte(testAlertRules), 0o644); err != nil {
		t.Fatal(err)
	}
	prom := e2e.StartPrometheus(t, e2e.Config{
		ScrapeTargets:      targets,
		ScrapeInterval:     time.Second,
		EvaluationInterval: time.Second,
		RuleFiles:          []string{rules},
	})

	// Each scrape has half a second; on a loaded machine (CI runs the
	// simulator's scale tests beside this one) the acknowledgement
	// analyses may take until the load passes.
	ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second)
	t0 := time.Now()
	defer cancel()
	scenarios := len(flinksim.Scenarios())
	if _, err := prom.WaitFor(ctx, `count by (instance) (flink_job_last_checkpoint_upload_throughput_bytes_per_second)`, e2e.AtLeast(scenarios)); err != nil {
		t.Fatalf("not every scenario's exporter was scraped: %v", err)
	}
	t.Logf("every scenario's exporter had analysed a checkpoint %v after Prometheus started", time.Since(t0).Round(time.Second))

	var queries []panelQuery
	for _, d := range rendered(t) {
		for _, p := range d.allPanels() {
			for _, tg := range p.Targets {
				expr := substitute(tg.Expr, d.Templating.List)
				if strings.Contains(expr, "$") {
					t.Errorf("%s panel %d query %s: unsubstituted variable in %s", d.UID, p.ID, tg.RefID, expr)
				}
				queries = append(queries, panelQuery{uid: d.UID, panelID: p.ID, panelTitle: p.Title, refID: tg.RefID, expr: expr})
			}
		}
	}
	slices.SortFunc(queries, func(a, b panelQuery) int { return strings.Compare(a.String(), b.String()) })

	// Rates need two scrapes and some counters appear only with the first
	// failed checkpoint, so the queries are asked again until every one
	// has data or the deadline passes.
	withData := map[string][]string{} // query -> scenarios with data
	pending := queries
	for len(pending) > 0 && ctx.Err() == nil {
		var next []panelQuery
		for _, q := range pending {
			v, err := prom.Query(ctx, q.expr)
			if err != nil {
				if ctx.Err() != nil {
					break
				}
				t.Fatalf("%s: %v\nexpr: %s", q, err, q.expr)
			}
			if len(v) == 0 {
				next = append(next, q)
				continue
			}
			withData[q.String()] = scenariosIn(v, scenarioOf)
		}
		pending = next
		if len(pending) > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	for _, q := range pending {
		if optional(q.expr) {
			t.Logf("%s: no data, allowed here: %s", q, q.expr)
			continue
		}
		t.Errorf("%s returned no data in any scenario\nexpr: %s", q, q.expr)
	}
	for _, q := range queries {
		if s, ok := withData[q.String()]; ok {
			t.Logf("%s: data from %s", q, strings.Join(s, ", "))
		}
	}
}

// optional tells the queries that may find nothing on this machine:
// pressure stall information needs a kernel with PSI.
func optional(expr string) bool {
	if strings.Contains(expr, "flink_host_pressure_") {
		_, err := os.Stat("/proc/pressure")
		return err != nil
	}
	return false
}

// scenariosIn names the scenarios whose exporters produced the samples.
func scenariosIn(v model.Vector, scenarioOf map[string]string) []string {
	seen := map[string]bool{}
	for _, s := range v {
		name := scenarioOf[string(s.Metric["instance"])]
		if name == "" {
			name = "(no instance label)"
		}
		seen[name] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// scaledSleep waits a 1/div of each answer delay of the simulator.
func scaledSleep(div int) func(ctx context.Context, d time.Duration) error {
	return func(ctx context.Context, d time.Duration) error {
		if d <= 0 {
			return nil
		}
		timer := time.NewTimer(d / time.Duration(div))
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
			return nil
		}
	}
}
