package rules

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/flink-exporter/flink_exporter/internal/causes"
)

// evidenceMetric is the recording rule the cause alerts fire on; their
// runbooks show the expression recorded for their cause.
const evidenceMetric = "flink_job:checkpoint_cause_evidence"

// promqlQuery is one query of a runbook's ```promql block.
type promqlQuery struct {
	where string // file:line
	text  string
}

// eventOnly are series the exporter exports only once something happened,
// so that the simulator's scrapes do not show them.
var eventOnly = map[string]bool{
	"flink_exporter_rest_invalid_responses_total": true, // once an answer was malformed
}

// readRunbook returns the text of a runbook.
func readRunbook(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runbookBlocks returns the ```promql blocks of a runbook's text, fence
// indentation removed, each with the line it starts on.
func runbookBlocks(t *testing.T, path, text string) []promqlQuery {
	t.Helper()
	var out []promqlQuery
	var cur []string
	indent, start, in := "", 0, false
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimLeft(line, " ")
		switch {
		case !in && strings.HasPrefix(trimmed, "```promql"):
			in, indent, start, cur = true, line[:len(line)-len(trimmed)], i+2, nil
		case in && strings.HasPrefix(trimmed, "```"):
			in = false
			out = append(out, promqlQuery{where: path + ":" + strconv.Itoa(start), text: strings.Join(cur, "\n")})
		case in:
			cur = append(cur, strings.TrimPrefix(line, indent))
		}
	}
	if in {
		t.Errorf("%s: unterminated ```promql block from line %d", path, start)
	}
	return out
}

// splitQueries cuts a block into its queries: the block is one expression
// when it parses as one; otherwise each line at the block's indentation
// starts a query and deeper-indented lines continue it.
func splitQueries(p parser.Parser, block promqlQuery) []promqlQuery {
	if _, err := p.ParseExpr(block.text); err == nil {
		return []promqlQuery{block}
	}
	var out []promqlQuery
	for _, line := range strings.Split(block.text, "\n") {
		if trimmed := strings.TrimSpace(line); trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasPrefix(line, " ") && len(out) > 0 {
			out[len(out)-1].text += "\n" + line
			continue
		}
		out = append(out, promqlQuery{where: block.where, text: line})
	}
	return out
}

// runbookPaths returns docs/runbooks/*.md.
func runbookPaths(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "docs", "runbooks", "*.md"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no runbooks under ../docs/runbooks: %v", err)
	}
	return paths
}

// TestRunbookQueriesParse: every query of every runbook's ```promql blocks
// parses with Prometheus's PromQL parser, and every series it reads is one
// the exporter (or the agent) exports, a recording rule of ours, or
// Prometheus's ALERTS, spelled exactly.
func TestRunbookQueriesParse(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	families := exportedFamilies(t)
	recorded := map[string]bool{"ALERTS": true}
	for _, r := range loadRules(t) {
		if r.Record != "" {
			recorded[r.Record] = true
		}
	}
	n := 0
	for _, path := range runbookPaths(t) {
		for _, block := range runbookBlocks(t, path, readRunbook(t, path)) {
			for _, q := range splitQueries(p, block) {
				n++
				expr, err := p.ParseExpr(q.text)
				if err != nil {
					t.Errorf("%s: %v\n%s", q.where, err, q.text)
					continue
				}
				parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
					vs, ok := node.(*parser.VectorSelector)
					if !ok {
						return nil
					}
					name := vs.Name
					if _, ok := families[name]; ok || recorded[name] || eventOnly[name] {
						return nil
					}
					if base, ok := strings.CutSuffix(name, "_bucket"); ok && families[base] == dto.MetricType_HISTOGRAM {
						return nil
					}
					t.Errorf("%s: %s is neither exported nor recorded", q.where, name)
					return nil
				})
			}
		}
	}
	if n < 50 {
		t.Errorf("found only %d runbook queries: is the ```promql block extraction broken?", n)
	}
}

// TestRunbooksShowTheRule: the Meaning of an alert's runbook shows the
// expression the rules evaluate, the alert's own or for a cause alert the
// evidence recorded for its cause, with the same aggregation labels: as
// its first ```promql block, or inline in backquotes when it is short.
func TestRunbooksShowTheRule(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	alerts := alertsByName(t)
	evidence := map[string]string{}
	for _, r := range loadRules(t) {
		if r.Record == evidenceMetric {
			evidence[r.Labels["cause"]] = r.Expr
		}
	}
	normal := func(where, text string) string {
		expr, err := p.ParseExpr(text)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return ""
		}
		return expr.String()
	}
	var names []string
	for _, a := range causes.Alerts() {
		names = append(names, a.Name)
	}
	sort.Strings(names)
	for _, name := range names {
		r, ok := alerts[name]
		if !ok {
			t.Errorf("alert %s is not in the rules", name)
			continue
		}
		want := r.Expr
		if strings.HasPrefix(strings.TrimSpace(want), evidenceMetric+"{") {
			for cause, e := range evidence {
				if normal(name, want) == normal(name, evidenceMetric+`{cause="`+cause+`"}`) {
					want = e
				}
			}
		}
		path := filepath.Join("..", "docs", "runbooks", name+".md")
		meaning, _, _ := strings.Cut(readRunbook(t, path), "## Impact")
		blocks := runbookBlocks(t, path, meaning)
		if len(blocks) == 0 {
			if !strings.Contains(meaning, "`"+strings.TrimSpace(want)+"`") {
				t.Errorf("%s: its Meaning shows the rule's expression neither in a ```promql block nor as `%s`", path, strings.TrimSpace(want))
			}
			continue
		}
		if got, w := normal(blocks[0].where, blocks[0].text), normal(name, want); got != w {
			t.Errorf("%s shows\n%s\nbut the rules evaluate\n%s", blocks[0].where, got, w)
		}
	}
}
