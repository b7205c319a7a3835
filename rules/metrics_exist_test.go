package rules

import (
	"context"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
	"github.com/flink-exporter/flink_exporter/host"
	"github.com/flink-exporter/flink_exporter/jmprobe"
)

// identRE finds metric and recording rule names in PromQL.
var identRE = regexp.MustCompile(`\b(flink_[a-zA-Z0-9_:]*)`)

// exportedFamilies scrapes the exporter fed by the simulator in every
// scenario, with the agent's host collector and JobManager probe, and
// returns every metric family it exports with its type.
func exportedFamilies(t *testing.T) map[string]dto.MetricType {
	t.Helper()
	out := map[string]dto.MetricType{}
	for _, scenario := range flinksim.Scenarios() {
		sim, err := flinksim.New(flinksim.Config{Scenario: scenario, Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
		if err != nil {
			t.Fatal(err)
		}
		// A restored job, so that the restore series exist too.
		if err := sim.RestartJob(sim.JobIDs()[0]); err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(sim.Handler())
		inst := flinkapi.NewInstrumentation(collector.Namespace + "_exporter")
		client, err := flinkapi.NewClient(srv.URL, flinkapi.Options{Instrumentation: inst})
		if err != nil {
			t.Fatal(err)
		}
		exp, err := collector.NewExporter(collector.Config{Client: client})
		if err != nil {
			t.Fatal(err)
		}
		hostCollector, err := host.NewCollector(host.Config{ProcPath: "/proc", TaskManagerID: "tm-1"})
		if err != nil {
			t.Fatal(err)
		}
		prober, err := jmprobe.New(jmprobe.Config{RESTURL: srv.URL, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		prober.ProbeOnce(context.Background())
		reg := prometheus.NewRegistry()
		reg.MustRegister(exp, inst, hostCollector, prober)
		// The second gather sees the REST requests of the first.
		if _, err := reg.Gather(); err != nil {
			t.Fatal(err)
		}
		mfs, err := reg.Gather()
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if len(mf.GetMetric()) > 0 {
				out[mf.GetName()] = mf.GetType()
			}
		}
	}
	return out
}

// TestEveryRuleMetricExists: every metric a rule reads is exported by the
// exporter fed by the simulator (or the agent), and every recording rule a
// rule reads is defined.
func TestEveryRuleMetricExists(t *testing.T) {
	families := exportedFamilies(t)
	recorded := map[string]bool{}
	rules := loadRules(t)
	for _, r := range rules {
		if r.Record != "" {
			recorded[r.Record] = true
		}
	}
	missing := map[string][]string{}
	for _, r := range rules {
		name := r.Record + r.Alert
		for _, m := range identRE.FindAllString(r.Expr, -1) {
			switch {
			case strings.Contains(m, ":"):
				if !recorded[m] {
					missing[m] = append(missing[m], name)
				}
			case strings.HasSuffix(m, "_bucket"):
				if families[strings.TrimSuffix(m, "_bucket")] != dto.MetricType_HISTOGRAM {
					missing[m] = append(missing[m], name)
				}
			default:
				if _, ok := families[m]; !ok {
					missing[m] = append(missing[m], name)
				}
			}
		}
	}
	names := make([]string, 0, len(missing))
	for m := range missing {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		t.Errorf("%s, read by %v, is not exported (nor recorded)", m, missing[m])
	}
}
