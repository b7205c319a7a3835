package diagnose

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/flink-exporter/flink_exporter/internal/causes"
	"github.com/flink-exporter/flink_exporter/rules"
)

// Rule is one rule of the shipped rule files, parsed.
type Rule struct {
	// Record is the recorded series' name, "" for an alert.
	Record string
	// Alert is the alertname, "" for a recording rule.
	Alert string
	// Expr is the rule's PromQL expression.
	Expr string
	// Labels are the rule's own labels (cause, severity).
	Labels map[string]string
	// Annotations are the alert's annotations, unexpanded (runbook_url).
	Annotations map[string]string
	// For is the alert's for: duration. The diagnosis does not wait for
	// it (it is paging patience, not evidence) but reports it.
	For time.Duration
	// Cause is the cause of an alert, from internal/causes ("" for a
	// symptom).
	Cause string

	parsed parser.Expr
}

// Ruleset is the shipped rules in evaluation order: every recording rule
// (group by group, in file order, so that a rule reads those before it),
// then every alert.
type Ruleset struct {
	Recording []Rule
	Alerts    []Rule
}

// LoadRules parses the rule files the rules package ships.
func LoadRules() (*Ruleset, error) {
	p := parser.NewParser(parser.Options{})
	causeOf := map[string]string{}
	for _, a := range causes.Alerts() {
		causeOf[a.Name] = a.Cause
	}
	rs := &Ruleset{}
	for _, f := range rules.Files() {
		groups, errs := rulefmt.Parse(f.Content, false, model.UTF8Validation, p, nil)
		if len(errs) > 0 {
			return nil, fmt.Errorf("rule file %s: %w", f.Name, errs[0])
		}
		for _, g := range groups.Groups {
			for _, r := range g.Rules {
				expr, err := p.ParseExpr(r.Expr)
				if err != nil {
					return nil, fmt.Errorf("rule file %s: %s: %w", f.Name, r.Record+r.Alert, err)
				}
				rule := Rule{Record: r.Record, Alert: r.Alert, Expr: r.Expr, Labels: r.Labels, Annotations: r.Annotations, For: time.Duration(r.For), parsed: expr}
				if r.Alert != "" {
					rule.Cause = causeOf[r.Alert]
					if c := r.Labels["cause"]; c != "" {
						rule.Cause = c
					}
					rs.Alerts = append(rs.Alerts, rule)
				} else {
					rs.Recording = append(rs.Recording, rule)
				}
			}
		}
	}
	return rs, nil
}

// selectors returns the series an expression reads, as vector selectors.
func selectors(e parser.Expr) []*parser.VectorSelector {
	var out []*parser.VectorSelector
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return nil
	})
	return out
}

// threshold returns the first comparison of an expression against a
// constant (the evidence's threshold, such as "> 1" seconds), if any.
func threshold(e parser.Expr) (float64, bool) {
	var found *float64
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if found != nil {
			return nil
		}
		be, ok := n.(*parser.BinaryExpr)
		if !ok || !be.Op.IsComparisonOperator() {
			return nil
		}
		if v, ok := constant(be.RHS); ok {
			found = &v
		} else {
			// The first comparison decides: a threshold relative to other
			// series has no constant to measure the margin against.
			v := 0.0
			found = &v
			return fmt.Errorf("stop")
		}
		return nil
	})
	if found == nil || *found == 0 {
		return 0, false
	}
	return *found, true
}

// constant evaluates an expression made of number literals only.
func constant(e parser.Expr) (float64, bool) {
	switch n := e.(type) {
	case *parser.NumberLiteral:
		return n.Val, true
	case *parser.ParenExpr:
		return constant(n.Expr)
	case *parser.BinaryExpr:
		a, ok1 := constant(n.LHS)
		b, ok2 := constant(n.RHS)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch n.Op {
		case parser.ADD:
			return a + b, true
		case parser.SUB:
			return a - b, true
		case parser.MUL:
			return a * b, true
		case parser.DIV:
			return a / b, true
		}
	}
	return 0, false
}
