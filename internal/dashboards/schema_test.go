package dashboards

import (
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/flink-exporter/flink_exporter/internal/testenv"
)

// schemaCheckDir returns dashboards/schema-check with its npm packages
// installed. Without them the test is skipped on a developer's machine
// and fails in CI, where .ci/run installs them.
func schemaCheckDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "dashboards", "schema-check")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@grafana", "schema", "package.json")); err != nil {
		testenv.Missing(t, "node_modules", "cd dashboards/schema-check && npm ci")
	}
	return dir
}

// TestDashboardsMatchGrafanaSchema type-checks every committed dashboard
// against Grafana's published schema (@grafana/schema, see
// dashboards/schema-check/check.js), and checks that the check has teeth:
// copies with an unknown key, a wrong type or an unknown enum value, at
// the dashboard's, a panel's or a plugin's level, must fail it.
func TestDashboardsMatchGrafanaSchema(t *testing.T) {
	dir := schemaCheckDir(t)
	node := testenv.RequireBinary(t, "node")

	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	var good []string
	for _, name := range slices.Sorted(maps.Keys(files)) {
		good = append(good, filepath.Join(repoRoot(t), "dashboards", name))
	}

	// Each broken copy starts from the job dashboard, which has every
	// panel type, and changes one thing.
	base := files[FileName("flink-checkpoint-job")]
	broken := []struct {
		name    string
		mutate  func(d map[string]any)
		message string // a part of the expected error
	}{
		{"unknown-dashboard-key", func(d map[string]any) { d["bogusKey"] = 1 }, "bogusKey"},
		{"unknown-panel-key", func(d map[string]any) { firstPanel(d, "timeseries")["bogusKey"] = 1 }, "bogusKey"},
		{"unknown-variable-key", func(d map[string]any) {
			d["templating"].(map[string]any)["list"].([]any)[1].(map[string]any)["bogusKey"] = 1
		}, "bogusKey"},
		{"unknown-link-key", func(d map[string]any) { d["links"].([]any)[0].(map[string]any)["bogusKey"] = 1 }, "bogusKey"},
		{"unknown-custom-field-key", func(d map[string]any) { custom(firstPanel(d, "timeseries"))["bogusKey"] = 1 }, "bogusKey"},
		{"unknown-text-option", func(d map[string]any) { firstPanel(d, "text")["options"].(map[string]any)["bogusKey"] = 1 }, "bogusKey"},
		{"unknown-enum-value", func(d map[string]any) {
			custom(firstPanel(d, "timeseries"))["thresholdsStyle"] = map[string]any{"mode": "bogus-mode"}
		}, "bogus-mode"},
		{"wrong-type", func(d map[string]any) { d["schemaVersion"] = "38" }, "not assignable to type 'number'"},
		{"missing-required-key", func(d map[string]any) { delete(firstPanel(d, "table")["options"].(map[string]any), "showHeader") }, "showHeader"},
	}
	tmp := t.TempDir()
	var bad []string
	for _, b := range broken {
		var d map[string]any
		if err := json.Unmarshal(base, &d); err != nil {
			t.Fatal(err)
		}
		b.mutate(d)
		out, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(tmp, b.name+".json")
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		bad = append(bad, path)
	}

	cmd := exec.Command(node, append([]string{"check.js"}, append(good, bad...)...)...)
	cmd.Dir = dir
	output, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run check.js: %v\n%s", err, output)
	}
	results, errorsOf := parseCheck(string(output))
	for _, path := range good {
		if results[path] != "ok" {
			t.Errorf("%s does not match @grafana/schema (%s):\n%s", filepath.Base(path), results[path], errorsOf[path])
		}
	}
	for i, path := range bad {
		if !strings.HasPrefix(results[path], "fail") {
			t.Errorf("broken copy %s passed the schema check (%q): the check would not catch it", broken[i].name, results[path])
			continue
		}
		if !strings.Contains(errorsOf[path], broken[i].message) {
			t.Errorf("broken copy %s failed, but not naming %q:\n%s", broken[i].name, broken[i].message, errorsOf[path])
		}
	}
	if t.Failed() {
		t.Logf("check.js output:\n%s", output)
	}
}

// parseCheck reads check.js's output: the RESULT line of each file and
// the error lines that name it.
func parseCheck(out string) (results, errorsOf map[string]string) {
	results, errorsOf = map[string]string{}, map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			if i := strings.LastIndex(rest, " ok"); i >= 0 && i == len(rest)-3 {
				results[rest[:i]] = "ok"
			} else if i := strings.LastIndex(rest, " fail "); i >= 0 {
				results[rest[:i]] = rest[i+1:]
			}
			continue
		}
		if i := strings.Index(line, ".json"); i >= 0 {
			file := line[:i+len(".json")]
			errorsOf[file] += line + "\n"
		}
	}
	return results, errorsOf
}

// firstPanel returns the first panel of the given type.
func firstPanel(d map[string]any, typ string) map[string]any {
	for _, p := range d["panels"].([]any) {
		if m := p.(map[string]any); m["type"] == typ {
			return m
		}
	}
	panic("no " + typ + " panel")
}

func custom(p map[string]any) map[string]any {
	return p["fieldConfig"].(map[string]any)["defaults"].(map[string]any)["custom"].(map[string]any)
}
