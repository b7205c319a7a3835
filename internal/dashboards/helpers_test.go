package dashboards

import (
	"encoding/json"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/flink-exporter/flink_exporter/internal/causes"
)

// The tests read the dashboards as they are rendered, so that they check
// what is shipped rather than the Go values.

type jsonDashboard struct {
	UID        string         `json:"uid"`
	Title      string         `json:"title"`
	Panels     []jsonPanel    `json:"panels"`
	Links      []Link         `json:"links"`
	Templating Templating     `json:"templating"`
	Raw        map[string]any `json:"-"`
}

type jsonPanel struct {
	ID          int               `json:"id"`
	Type        string            `json:"type"`
	Title       string            `json:"title"`
	Datasource  map[string]string `json:"datasource"`
	FieldConfig *struct {
		Defaults  map[string]any `json:"defaults"`
		Overrides []Override     `json:"overrides"`
	} `json:"fieldConfig"`
	Targets []Target       `json:"targets"`
	Options map[string]any `json:"options"`
	Panels  []jsonPanel    `json:"panels"`
	GridPos GridPos        `json:"gridPos"`
}

// allPanels lists the panels with those nested in rows.
func (d jsonDashboard) allPanels() []jsonPanel {
	var out []jsonPanel
	for _, p := range d.Panels {
		out = append(out, p)
		out = append(out, p.Panels...)
	}
	return out
}

func (d jsonDashboard) panel(t *testing.T, id int) jsonPanel {
	t.Helper()
	for _, p := range d.allPanels() {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("%s: no panel %d", d.UID, id)
	return jsonPanel{}
}

// rendered decodes every rendered dashboard, by uid.
func rendered(t *testing.T) map[string]jsonDashboard {
	t.Helper()
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]jsonDashboard{}
	for name, b := range files {
		var d jsonDashboard
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := json.Unmarshal(b, &d.Raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[d.UID] = d
	}
	for _, uid := range []string{causes.OverviewDashboard, causes.JobDashboard, causes.RuntimeDashboard} {
		if _, ok := out[uid]; !ok {
			t.Fatalf("no dashboard %s", uid)
		}
	}
	return out
}

// repoRoot is the repository's root directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}
