package rules

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// prometheusRuleFile is the Kubernetes form of the rule files, for the
// Prometheus Operator.
var prometheusRuleFile = filepath.Join("..", "deploy", "kubernetes", "prometheusrule.yaml")

// renderPrometheusRule wraps the groups of the rule files, verbatim, in a
// PrometheusRule resource.
func renderPrometheusRule(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# Generated from rules/*.yml by go test ./rules -update; edit those files.\n")
	b.WriteString("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: flink-exporter\n")
	b.WriteString("  labels:\n    app.kubernetes.io/name: flink-exporter\n    app.kubernetes.io/component: rules\n")
	b.WriteString("spec:\n  groups:\n")
	for _, name := range ruleFiles {
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		inGroups := false
		for _, line := range strings.Split(strings.TrimRight(string(text), "\n"), "\n") {
			if line == "groups:" {
				inGroups = true
				continue
			}
			if !inGroups {
				continue
			}
			if line == "" {
				b.WriteString("\n")
				continue
			}
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}

// TestPrometheusRuleIsCurrent keeps deploy/kubernetes/prometheusrule.yaml
// equal to the rule files.
func TestPrometheusRuleIsCurrent(t *testing.T) {
	want := renderPrometheusRule(t)
	if *update {
		if err := os.WriteFile(prometheusRuleFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(prometheusRuleFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date: run go test ./rules -update", prometheusRuleFile)
	}

	// Its groups decode to exactly the rule files' groups.
	var pr struct {
		Spec ruleFile `yaml:"spec"`
	}
	if err := yaml.Unmarshal(got, &pr); err != nil {
		t.Fatal(err)
	}
	var files ruleFile
	for _, name := range ruleFiles {
		b, _ := os.ReadFile(name)
		var f ruleFile
		if err := yaml.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		files.Groups = append(files.Groups, f.Groups...)
	}
	if !reflect.DeepEqual(pr.Spec.Groups, files.Groups) {
		t.Fatal("the PrometheusRule's groups differ from the rule files'")
	}
}
