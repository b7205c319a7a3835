package rules

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/flink-exporter/flink_exporter/internal/causes"
	"github.com/flink-exporter/flink_exporter/internal/dashboards"
	"github.com/flink-exporter/flink_exporter/internal/restschema"
	"github.com/flink-exporter/flink_exporter/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the generated files (the matrix test file, the PrometheusRule)")

// ruleFiles are the shipped rule files, relative to this directory.
var ruleFiles = []string{"flink-checkpoints.rules.yml", "flink-checkpoints.alerts.yml"}

// ruleFile is the subset of a Prometheus rule file the tests read.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Record      string            `yaml:"record"`
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func loadRules(t *testing.T) []rule {
	t.Helper()
	var all []rule
	for _, name := range ruleFiles {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var f ruleFile
		if err := yaml.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, g := range f.Groups {
			all = append(all, g.Rules...)
		}
	}
	return all
}

func alertsByName(t *testing.T) map[string]rule {
	out := map[string]rule{}
	for _, r := range loadRules(t) {
		if r.Alert != "" {
			if _, dup := out[r.Alert]; dup {
				t.Errorf("alert %s defined twice", r.Alert)
			}
			out[r.Alert] = r
		}
	}
	return out
}

func causeNames() []string {
	var names []string
	for _, c := range causes.Causes() {
		names = append(names, c.Name)
	}
	return names
}

// TestPromtool checks the rule files and runs the promtool unit tests under
// rules/tests, the discrimination matrix among them.
func TestPromtool(t *testing.T) {
	promtool := testenv.RequireBinary(t, "promtool")
	out, err := exec.Command(promtool, append([]string{"check", "rules"}, ruleFiles...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	tests, err := filepath.Glob("tests/*.yml")
	if err != nil || len(tests) == 0 {
		t.Fatalf("no promtool tests under rules/tests: %v", err)
	}
	out, err = exec.Command(promtool, append([]string{"test", "rules"}, tests...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

// TestAlertsAgreeWithCauses: every alert of internal/causes is in the rule
// files with its cause and severity labels, the cause's title and fix, its
// runbook and its dashboard panel, and no other alert is.
func TestAlertsAgreeWithCauses(t *testing.T) {
	rules := alertsByName(t)
	known := map[string]bool{}
	for _, a := range causes.Alerts() {
		known[a.Name] = true
		r, ok := rules[a.Name]
		if !ok {
			t.Errorf("alert %s of internal/causes is not in the rule files", a.Name)
			continue
		}
		if got := r.Labels["severity"]; got != a.Severity {
			t.Errorf("%s: severity %q, want %q", a.Name, got, a.Severity)
		}
		if got := r.Labels["cause"]; got != a.Cause {
			t.Errorf("%s: cause label %q, want %q", a.Name, got, a.Cause)
		}
		for _, key := range []string{"summary", "description", "cause", "fix", "runbook_url", "dashboard", "diagnose_url"} {
			if strings.TrimSpace(r.Annotations[key]) == "" {
				t.Errorf("%s: no %s annotation", a.Name, key)
			}
		}
		if a.Cause != "" {
			c, ok := causes.ByName(a.Cause)
			if !ok {
				t.Errorf("%s: unknown cause %q", a.Name, a.Cause)
				continue
			}
			if r.Annotations["fix"] != c.Fix {
				t.Errorf("%s: fix annotation differs from internal/causes:\n got %q\nwant %q", a.Name, r.Annotations["fix"], c.Fix)
			}
			if !strings.HasPrefix(r.Annotations["cause"], c.Title+".") {
				t.Errorf("%s: cause annotation does not start with the cause's title %q", a.Name, c.Title)
			}
		}
		wantRunbook := "https://github.com/flink-exporter/flink_exporter/blob/main/docs/runbooks/" + a.Name + ".md"
		if r.Annotations["runbook_url"] != wantRunbook {
			t.Errorf("%s: runbook_url %q, want %q", a.Name, r.Annotations["runbook_url"], wantRunbook)
		}
		wantDashboard := dashboards.URL(a.Dashboard, a.Panel)
		if d := r.Annotations["dashboard"]; d != wantDashboard && !strings.HasPrefix(d, wantDashboard+"&") {
			t.Errorf("%s: dashboard %q, want %q", a.Name, d, wantDashboard)
		}
		if !dashboards.PanelExists(a.Dashboard, a.Panel) {
			t.Errorf("%s: its dashboard link points at panel %d of %s, which does not exist", a.Name, a.Panel, a.Dashboard)
		}
		if r.For == "" {
			t.Errorf("%s: no for: duration", a.Name)
		}
	}
	for name := range rules {
		if !known[name] {
			t.Errorf("alert %s is not in internal/causes", name)
		}
	}
	// Every cause has at least one alert.
	for _, c := range causes.Causes() {
		found := false
		for _, a := range causes.Alerts() {
			found = found || a.Cause == c.Name
		}
		if !found {
			t.Errorf("cause %s has no alert", c.Name)
		}
	}
}

// flinkKeyRE finds Flink configuration keys in prose.
var flinkKeyRE = regexp.MustCompile(`\b(?:execution|state|taskmanager|jobmanager|heartbeat|web|rest|table|dstl|metrics|pekko|akka)\.[a-zA-Z0-9.\-]*[a-zA-Z0-9]`)

// referenceText is Flink's REST and configuration reference,
// testdata/flink-rest/REFERENCE.md.
func referenceText(t *testing.T) string {
	t.Helper()
	path, err := restschema.ReferenceFile()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// nonexistentKeys appear in advice on the web but in no Flink version.
var nonexistentKeys = []string{"taskmanager.network.netty.connection-timeout", "state.backend.fs.upload-threads"}

// keysVerifiedElsewhere are keys REFERENCE.md names only in part.
var keysVerifiedElsewhere = map[string]string{
	// §6 lists it as "+ `.target` (1 s)" of the buffer-debloat keys.
	"taskmanager.network.memory.buffer-debloat.target": "REFERENCE.md §6, buffer-debloat row",
}

// checkKeys fails for every configuration key in text that Flink's
// reference does not know, and for the known non-existent ones.
func checkKeys(t *testing.T, where, text, reference string) {
	t.Helper()
	for _, bad := range nonexistentKeys {
		if strings.Contains(text, bad) {
			t.Errorf("%s names %s, which no Flink version has", where, bad)
		}
	}
	for _, key := range flinkKeyRE.FindAllString(text, -1) {
		if _, ok := keysVerifiedElsewhere[key]; ok {
			continue
		}
		if !strings.Contains(reference, key) {
			t.Errorf("%s names %s, which is not in Flink's reference (REFERENCE.md §6)", where, key)
		}
	}
}

// TestFixesNameRealKeys: the fix texts name only configuration keys that
// exist, each cause names the keys it lists.
func TestFixesNameRealKeys(t *testing.T) {
	ref := referenceText(t)
	for name, r := range alertsByName(t) {
		checkKeys(t, "alert "+name, r.Annotations["fix"]+" "+r.Annotations["description"]+" "+r.Annotations["cause"], ref)
	}
	for _, c := range causes.Causes() {
		checkKeys(t, "cause "+c.Name, c.Fix, ref)
		for _, k := range c.Keys {
			if !strings.Contains(c.Fix, k) {
				t.Errorf("cause %s lists key %s that its fix does not name", c.Name, k)
			}
			if _, ok := keysVerifiedElsewhere[k]; !ok && !strings.Contains(ref, k) {
				t.Errorf("cause %s lists key %s that Flink's reference does not know", c.Name, k)
			}
		}
	}
}

// TestRunbooks: every alert has a runbook with the four sections, naming
// its cause's configuration keys, and every key a runbook names exists.
func TestRunbooks(t *testing.T) {
	ref := referenceText(t)
	for _, a := range causes.Alerts() {
		path := filepath.Join("..", "docs", "runbooks", a.Name+".md")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("alert %s has no runbook: %v", a.Name, err)
			continue
		}
		text := string(b)
		for _, section := range []string{"## Meaning", "## Impact", "## Diagnosis", "## Mitigation"} {
			if !strings.Contains(text, section) {
				t.Errorf("%s lacks %q", path, section)
			}
		}
		if !strings.HasPrefix(text, "# "+a.Name+"\n") {
			t.Errorf("%s does not start with # %s", path, a.Name)
		}
		if a.Cause != "" {
			c, _ := causes.ByName(a.Cause)
			for _, k := range c.Keys {
				if !strings.Contains(text, k) {
					t.Errorf("%s does not name %s, a key of its cause's fix", path, k)
				}
			}
			if !strings.Contains(text, "`"+a.Cause+"`") {
				t.Errorf("%s does not name its cause `%s`", path, a.Cause)
			}
		}
		checkKeys(t, path, text, ref)
	}
}

// TestReadmeAlertTable: the README's alert table lists every alert with its
// cause and severity.
func TestReadmeAlertTable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "| [`Flink") || strings.HasPrefix(line, "| `Flink") {
			name := line[strings.Index(line, "`")+1:]
			name = name[:strings.Index(name, "`")]
			rows[name] = line
		}
	}
	ref := referenceText(t)
	for _, a := range causes.Alerts() {
		row, ok := rows[a.Name]
		if !ok {
			t.Errorf("README's alert table lacks %s", a.Name)
			continue
		}
		cause := a.Cause
		if cause == "" {
			cause = "symptom"
		}
		if !strings.Contains(row, "| "+cause+" |") && !strings.Contains(row, "| `"+cause+"` |") {
			t.Errorf("README row of %s does not give cause %s: %s", a.Name, cause, row)
		}
		if !strings.Contains(row, "| "+a.Severity+" |") {
			t.Errorf("README row of %s does not give severity %s: %s", a.Name, a.Severity, row)
		}
		if a.Cause != "" {
			c, _ := causes.ByName(a.Cause)
			for _, k := range c.Keys[:1] {
				if !strings.Contains(row, k) {
					t.Errorf("README row of %s does not name %s", a.Name, k)
				}
			}
		}
		checkKeys(t, "README row of "+a.Name, row, ref)
	}
	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(rows) != len(causes.Alerts()) {
		t.Errorf("README's alert table has %d rows (%v), internal/causes %d alerts", len(rows), names, len(causes.Alerts()))
	}
}
