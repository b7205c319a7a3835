package rules

import (
	"debug/buildinfo"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/flink-exporter/flink_exporter/internal/testenv"
)

// prometheusModule is the module of Prometheus 3 whose rule parser and
// PromQL parser these tests use, and whose promtool .ci/run installs: its
// v0.3xx.y versions are Prometheus 3.xx.y.
const prometheusModule = "github.com/prometheus/prometheus"

// prometheus3Version returns the version of prometheusModule go.mod
// requires, e.g. v0.316.0: what these tests are built with and what .ci/run
// installs promtool from.
func prometheus3Version(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(prometheusModule) + `\s+(v\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("go.mod does not require %s", prometheusModule)
	}
	return string(m[1])
}

// releaseOf turns a module version of prometheusModule into the release it
// is: v0.316.0 is 3.16.0.
func releaseOf(t *testing.T, version string) string {
	t.Helper()
	m := regexp.MustCompile(`^v0\.(\d)(\d\d)\.(\d+)$`).FindStringSubmatch(version)
	if m == nil {
		t.Fatalf("%s %s is not a Prometheus 3 module version (v0.3xx.y)", prometheusModule, version)
	}
	minor, _ := strconv.Atoi(m[2])
	return m[1] + "." + strconv.Itoa(minor) + "." + m[3]
}

// TestRulesParsePrometheus3 loads the rule files with Prometheus 3's rule
// loader (model/rulefmt, strict about unknown fields, which parses every
// expression with Prometheus 3's PromQL parser and checks label and
// annotation names) and checks that they need none of Prometheus 3's
// changes: every metric and label name is valid under the legacy character
// set as well as UTF-8, so Prometheus 2 reads the same names unquoted.
func TestRulesParsePrometheus3(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := 0
	for _, name := range ruleFiles {
		groups, errs := rulefmt.ParseFile(name, false, model.UTF8Validation, p, logger)
		for _, err := range errs {
			t.Errorf("Prometheus 3 rejects %v", err)
		}
		if groups == nil {
			continue
		}
		for _, g := range groups.Groups {
			for _, r := range g.Rules {
				what := r.Record + r.Alert
				expr, err := p.ParseExpr(r.Expr)
				if err != nil {
					t.Errorf("%s: %s: %v", name, what, err)
					continue
				}
				n++
				checkPrometheus3Expr(t, name+": "+what, expr)
				if r.Record != "" && !model.LegacyValidation.IsValidMetricName(r.Record) {
					t.Errorf("%s: recording rule %s is no legacy metric name", name, r.Record)
				}
				for l := range r.Labels {
					if !model.LegacyValidation.IsValidLabelName(l) {
						t.Errorf("%s: %s: label %s is no legacy label name", name, what, l)
					}
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no rules parsed")
	}
}

// TestDashboardQueriesParsePrometheus3 parses every query of the
// dashboards with Prometheus 3's PromQL parser, Grafana's variables
// replaced by values of their kind, and applies the same checks as to the
// rules.
func TestDashboardQueriesParsePrometheus3(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	// $__rate_interval and the other durations, then the template
	// variables, which stand in label values (inside quotes already).
	durations := regexp.MustCompile(`\$\{?__(rate_interval|interval|range)\}?`)
	p := parser.NewParser(parser.Options{})
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, q := range exprsIn(v) {
			expr, err := p.ParseExpr(durations.ReplaceAllString(q, "5m"))
			if err != nil {
				t.Errorf("%s: %q: %v", filepath.Base(f), q, err)
				continue
			}
			n++
			checkPrometheus3Expr(t, filepath.Base(f)+": "+q, expr)
		}
	}
	if n == 0 {
		t.Fatal("no dashboard queries parsed")
	}
}

// exprsIn returns the values of every "expr" key in a decoded JSON
// document: the PromQL of the panels' targets.
func exprsIn(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			if s, ok := c.(string); ok && k == "expr" {
				out = append(out, s)
				continue
			}
			out = append(out, exprsIn(c)...)
		}
	case []any:
		for _, c := range v {
			out = append(out, exprsIn(c)...)
		}
	}
	return out
}

// checkPrometheus3Expr fails on what reads differently in Prometheus 2 and
// 3: a metric or label name outside the legacy character set (Prometheus 3
// takes UTF-8 names, quoted; Prometheus 2 does not), a matcher on le or
// quantile with a value Prometheus 3 no longer produces (it writes those
// labels of classic histograms and summaries as floats at scrape time, so
// le="1" matches what Prometheus 2 stored and Prometheus 3 stores as
// le="1.0"), and the functions Prometheus 3 renamed.
func checkPrometheus3Expr(t *testing.T, where string, expr parser.Expr) {
	t.Helper()
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			for _, m := range n.LabelMatchers {
				if m.Name == labels.MetricName {
					if m.Type == labels.MatchEqual && !model.LegacyValidation.IsValidMetricName(m.Value) {
						t.Errorf("%s: metric %q is no legacy metric name", where, m.Value)
					}
					continue
				}
				if !model.LegacyValidation.IsValidLabelName(m.Name) {
					t.Errorf("%s: label %q is no legacy label name", where, m.Name)
				}
				if (m.Name == model.BucketLabel || m.Name == model.QuantileLabel) && !floatFormatted(m) {
					t.Errorf("%s: matcher %s: Prometheus 3 writes %s values as floats (\"1.0\", not \"1\"); match both or use histogram_quantile", where, m, m.Name)
				}
			}
		case *parser.AggregateExpr:
			for _, l := range n.Grouping {
				if !model.LegacyValidation.IsValidLabelName(l) {
					t.Errorf("%s: grouping label %q is no legacy label name", where, l)
				}
			}
		case *parser.Call:
			if n.Func.Name == "holt_winters" {
				t.Errorf("%s: holt_winters is double_exponential_smoothing in Prometheus 3", where)
			}
		}
		return nil
	})
}

// floatFormatted reports whether an le or quantile matcher matches only
// values as Prometheus 3 writes them: an equality with a value holding a
// dot, an exponent or an infinity; a regular expression is the author's
// business.
func floatFormatted(m *labels.Matcher) bool {
	if m.Type != labels.MatchEqual && m.Type != labels.MatchNotEqual {
		return true
	}
	return strings.ContainsAny(m.Value, ".eE") || strings.HasSuffix(m.Value, "Inf") || m.Value == "NaN"
}

// promtool3 returns the promtool of go.mod's Prometheus 3, which .ci/run
// installs under .build/prometheus3/<version>/ of the repository, or ends
// the test through testenv.Missing.
func promtool3(t *testing.T) string {
	t.Helper()
	version := prometheus3Version(t)
	dir := filepath.Join("..", ".build", "prometheus3", version)
	bin := filepath.Join(dir, "promtool")
	if fi, err := os.Stat(bin); err == nil && !fi.IsDir() {
		abs, err := filepath.Abs(bin)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	testenv.Missing(t, "promtool "+version,
		"GOBIN=$PWD/.build/prometheus3/"+version+" go install -tags remove_all_sd,enable_kubernetes_sd "+prometheusModule+"/cmd/promtool@"+version)
	return ""
}

// TestPromtool3 checks the rule files and runs the promtool unit tests of
// rules/tests (the discrimination matrix among them) with Prometheus 3's
// promtool, whose rule evaluation is Prometheus 3's: its PromQL engine,
// left-open range selectors, float-formatted le. TestPromtool runs the same
// with Debian's Prometheus 2.
func TestPromtool3(t *testing.T) {
	promtool := promtool3(t)
	// go install leaves promtool --version empty; the binary's build
	// information names the module and version it was built from.
	info, err := buildinfo.ReadFile(promtool)
	if err != nil {
		t.Fatalf("%s: %v", promtool, err)
	}
	want := prometheus3Version(t)
	if info.Main.Path != prometheusModule || info.Main.Version != want {
		t.Fatalf("%s is built from %s %s, want %s %s (go.mod's)", promtool, info.Main.Path, info.Main.Version, prometheusModule, want)
	}
	t.Logf("promtool of Prometheus %s", releaseOf(t, want))
	out, err := exec.Command(promtool, append([]string{"check", "rules"}, ruleFiles...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool 3 check rules: %v\n%s", err, out)
	}
	tests, err := filepath.Glob("tests/*.yml")
	if err != nil || len(tests) == 0 {
		t.Fatalf("no promtool tests under rules/tests: %v", err)
	}
	out, err = exec.Command(promtool, append([]string{"test", "rules"}, tests...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool 3 test rules: %v\n%s", err, out)
	}
}

// TestFloatFormatted: an le or quantile matcher passes only when it
// matches the values Prometheus 3 writes.
func TestFloatFormatted(t *testing.T) {
	for _, tc := range []struct {
		m    *labels.Matcher
		want bool
	}{
		{labels.MustNewMatcher(labels.MatchEqual, "le", "1"), false},
		{labels.MustNewMatcher(labels.MatchNotEqual, "quantile", "0"), false},
		{labels.MustNewMatcher(labels.MatchEqual, "le", "1.0"), true},
		{labels.MustNewMatcher(labels.MatchEqual, "le", "0.25"), true},
		{labels.MustNewMatcher(labels.MatchEqual, "le", "+Inf"), true},
		{labels.MustNewMatcher(labels.MatchEqual, "le", "1e+06"), true},
		{labels.MustNewMatcher(labels.MatchRegexp, "le", "1|1.0"), true},
	} {
		if got := floatFormatted(tc.m); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.m, got, tc.want)
		}
	}
}
