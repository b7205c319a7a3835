package dashboards

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/flink-exporter/flink_exporter/internal/causes"
)

// TestEveryAlertLandsOnAPanel is the contract with the alert rules: the
// panel each alert links to exists on its dashboard, and a cause's alert
// on the job dashboard opens the cause's evidence panel.
func TestEveryAlertLandsOnAPanel(t *testing.T) {
	for _, a := range causes.Alerts() {
		if !PanelExists(a.Dashboard, a.Panel) {
			t.Errorf("%s links to panel %d of %s, which does not exist (panels: %v)", a.Name, a.Panel, a.Dashboard, Panels(a.Dashboard))
		}
		if a.Cause == "" || a.Dashboard != causes.JobDashboard {
			continue
		}
		c, ok := causes.ByName(a.Cause)
		if !ok {
			t.Errorf("%s: unknown cause %q", a.Name, a.Cause)
			continue
		}
		if a.Panel != c.Panel {
			t.Errorf("%s opens panel %d of the job dashboard, but its cause %s shows its evidence on panel %d", a.Name, a.Panel, c.Name, c.Panel)
		}
	}
}

func TestPanelExistsAndURL(t *testing.T) {
	tests := []struct {
		uid  string
		id   int
		want bool
	}{
		{causes.OverviewDashboard, 1, true},
		{causes.JobDashboard, 20, true},
		{causes.JobDashboard, 21, false}, // a row header cannot be viewed alone
		{causes.RuntimeDashboard, 61, true},
		{causes.RuntimeDashboard, 999, false},
		{"no-such-dashboard", 1, false},
	}
	for _, tt := range tests {
		if got := PanelExists(tt.uid, tt.id); got != tt.want {
			t.Errorf("PanelExists(%q, %d) = %v, want %v", tt.uid, tt.id, got, tt.want)
		}
	}
	if got, want := URL(causes.JobDashboard, 20), "/d/flink-checkpoint-job/flink-checkpoint-job?viewPanel=20"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	for uid, d := range rendered(t) {
		if Slug(uid) != slugify(d.Title) || Slug(uid) != uid {
			t.Errorf("%s: Slug %q, slug of title %q is %q; want both equal to the uid", uid, Slug(uid), d.Title, slugify(d.Title))
		}
	}
	if Slug("no-such-dashboard") != "" {
		t.Error("Slug of an unknown uid is not empty")
	}
	if got := slugify("Flink: checkpoint / job  2"); got != "flink-checkpoint-job-2" {
		t.Errorf("slugify = %q", got)
	}
}

// TestOneRowPerCause checks the job dashboard's rows: one per cause in
// causes.Causes() order, each holding the text built from the cause and
// its evidence panel.
func TestOneRowPerCause(t *testing.T) {
	d := rendered(t)[causes.JobDashboard]
	var rows []jsonPanel
	for _, p := range d.Panels {
		if p.Type == "row" && strings.HasPrefix(p.Title, "Cause: ") {
			rows = append(rows, p)
		}
	}
	cs := causes.Causes()
	if len(rows) != len(cs) {
		t.Fatalf("%d cause rows, want %d", len(rows), len(cs))
	}
	for i, c := range cs {
		if rows[i].Title != "Cause: "+c.Title {
			t.Errorf("row %d is %q, want the cause %q", i, rows[i].Title, c.Title)
		}
		members := rowMembers(d, rows[i].ID)
		var textPanel, evidencePanel *jsonPanel
		for j := range members {
			switch {
			case members[j].Type == "text":
				textPanel = &members[j]
			case members[j].ID == c.Panel:
				evidencePanel = &members[j]
			}
		}
		if textPanel == nil || evidencePanel == nil {
			t.Errorf("row of %s: want a text panel and panel %d, have %v", c.Name, c.Panel, members)
			continue
		}
		content, _ := textPanel.Options["content"].(string)
		if textPanel.Title != c.Title {
			t.Errorf("text of %s: title %q, want %q", c.Name, textPanel.Title, c.Title)
		}
		for _, want := range []string{c.LooksLike, c.Why} {
			if !strings.Contains(content, want) {
				t.Errorf("text of %s lacks %q", c.Name, want)
			}
		}
		for _, k := range c.Keys {
			if !strings.Contains(content, "`"+k+"`") {
				t.Errorf("text of %s does not name key %s in code", c.Name, k)
			}
		}
		if strings.Contains(content, "``") || strings.Count(content, "`")%2 != 0 {
			t.Errorf("text of %s: broken code spans", c.Name)
		}
		for _, a := range alertsOf(c.Name) {
			if !strings.Contains(content, "["+a.Name+"]("+RunbookURL(a.Name)+")") {
				t.Errorf("text of %s lacks the runbook link of %s", c.Name, a.Name)
			}
			if a.Dashboard != causes.JobDashboard && !strings.Contains(content, URL(a.Dashboard, a.Panel)) {
				t.Errorf("text of %s lacks the link to %s's panel", c.Name, a.Name)
			}
		}
	}
	if got := RunbookURL("FlinkCheckpointStorageSlow"); got != "https://github.com/flink-exporter/flink_exporter/blob/main/docs/runbooks/FlinkCheckpointStorageSlow.md" {
		t.Errorf("RunbookURL = %q", got)
	}
}

// rowMembers returns the panels below a row header up to the next row.
func rowMembers(d jsonDashboard, rowID int) []jsonPanel {
	var out []jsonPanel
	in := false
	for _, p := range d.Panels {
		if p.Type == "row" {
			if in {
				break
			}
			in = p.ID == rowID
			out = append(out, p.Panels...)
			continue
		}
		if in {
			out = append(out, p)
		}
	}
	return out
}

func TestCodeKeys(t *testing.T) {
	got := codeKeys("execution.checkpointing.unaligned.enabled in 1.17+, execution.checkpointing.unaligned before.",
		[]string{"execution.checkpointing.unaligned", "execution.checkpointing.unaligned.enabled"})
	want := "`execution.checkpointing.unaligned.enabled` in 1.17+, `execution.checkpointing.unaligned` before."
	if got != want {
		t.Errorf("codeKeys = %q, want %q", got, want)
	}
}

// TestConventions checks what every dashboard shares: the variables, the
// datasource of every panel and query, units, rate intervals, unique
// panel ids, links between the dashboards and a grid without overlaps.
func TestConventions(t *testing.T) {
	rateRange := regexp.MustCompile(`\b(rate|irate|increase)\([^\[]*\[([^\]]*)\]`)
	wantVars := map[string]string{
		"instance": "label_values(flink_up, instance)",
		"job_name": `label_values(flink_job_state{instance=~"$instance"}, job_name)`,
	}
	for uid, d := range rendered(t) {
		t.Run(uid, func(t *testing.T) {
			vars := map[string]Variable{}
			for _, v := range d.Templating.List {
				vars[v.Name] = v
			}
			if ds := vars["datasource"]; ds.Type != "datasource" || ds.Query != "prometheus" {
				t.Errorf("datasource variable: %+v", ds)
			}
			for name, q := range wantVars {
				v := vars[name]
				if v.Query != q || !v.Multi || !v.IncludeAll || v.Type != "query" || v.Datasource == nil || v.Datasource.UID != "${datasource}" {
					t.Errorf("variable %s: %+v", name, v)
				}
			}
			if len(d.Links) == 0 || d.Links[0].Type != "dashboards" || !d.Links[0].IncludeVars || !d.Links[0].KeepTime || !slices.Contains(d.Links[0].Tags, tagExporter) {
				t.Errorf("links: %+v", d.Links)
			}
			if tags, _ := d.Raw["tags"].([]any); !slices.Contains(tags, any(tagExporter)) {
				t.Errorf("tags %v lack %s, which the links list", tags, tagExporter)
			}
			seen := map[int]bool{}
			for _, p := range d.allPanels() {
				where := fmt.Sprintf("panel %d (%s)", p.ID, p.Title)
				if p.ID <= 0 || seen[p.ID] {
					t.Errorf("%s: id missing or repeated", where)
				}
				seen[p.ID] = true
				if p.Title == "" {
					t.Errorf("%s: no title", where)
				}
				if p.Datasource["type"] != "prometheus" || p.Datasource["uid"] != "${datasource}" {
					t.Errorf("%s: datasource %v", where, p.Datasource)
				}
				if p.Type == "row" {
					continue
				}
				if p.FieldConfig == nil || p.FieldConfig.Defaults["unit"] == nil || p.FieldConfig.Defaults["unit"] == "" {
					t.Errorf("%s: no fieldConfig.defaults.unit", where)
				}
				if p.Type != "text" && len(p.Targets) == 0 {
					t.Errorf("%s: no query", where)
				}
				for _, tg := range p.Targets {
					if tg.Datasource == nil || *tg.Datasource != *promDatasource {
						t.Errorf("%s target %s: datasource %v", where, tg.RefID, tg.Datasource)
					}
					if strings.Contains(tg.Expr, "rate(") || strings.Contains(tg.Expr, "increase(") {
						for _, m := range rateRange.FindAllStringSubmatch(tg.Expr, -1) {
							if m[2] != "$__rate_interval" {
								t.Errorf("%s target %s: %s over [%s], want [$__rate_interval]", where, tg.RefID, m[1], m[2])
							}
						}
					}
					if strings.Contains(tg.Expr, "flink_job_") && !strings.Contains(tg.Expr, `job_name=~"$job_name"`) {
						t.Errorf("%s target %s: a job series not filtered by $job_name: %s", where, tg.RefID, tg.Expr)
					}
				}
			}
			checkGrid(t, d)
		})
	}
}

// checkGrid checks that panels fit the 24-column grid without overlaps.
func checkGrid(t *testing.T, d jsonDashboard) {
	t.Helper()
	type cell struct{ x, y int }
	taken := map[cell]int{}
	for _, p := range d.Panels {
		g := p.GridPos
		if g.W <= 0 || g.H <= 0 || g.X < 0 || g.X+g.W > gridWidth {
			t.Errorf("panel %d: grid position %+v off the grid", p.ID, g)
		}
		for x := g.X; x < g.X+g.W; x++ {
			for y := g.Y; y < g.Y+g.H; y++ {
				if other, ok := taken[cell{x, y}]; ok {
					t.Errorf("panels %d and %d overlap at %d,%d", other, p.ID, x, y)
					return
				}
				taken[cell{x, y}] = p.ID
			}
		}
	}
}

// TestPanelContents pins the panels the issue names: their titles and the
// series they must show.
func TestPanelContents(t *testing.T) {
	tests := []struct {
		uid   string
		id    int
		title string
		exprs []string
	}{
		{causes.OverviewDashboard, 1, "Exporter up", []string{"flink_up{"}},
		{causes.OverviewDashboard, 2, "Alerts firing now", []string{`ALERTS{alertstate="firing", alertname=~"Flink.*"`}},
		{causes.OverviewDashboard, 3, "", []string{"flink_job_checkpoint_duration_to_timeout_ratio", "flink_job_checkpoint_in_progress_to_timeout_ratio", "time() - max by (instance, job_name) (flink_job_last_checkpoint_completed_timestamp_seconds", "rate(flink_job_checkpoint_failures_total{"}},
		{causes.OverviewDashboard, 6, "", []string{"time() - flink_job_last_checkpoint_completed_timestamp_seconds{"}},
		{causes.OverviewDashboard, 7, "", []string{"rate(flink_job_checkpoint_failures_total{" + byJob + "}[$__rate_interval])"}},
		{causes.JobDashboard, 2, "", []string{"flink_job_checkpoint_duration_to_timeout_ratio"}},
		{causes.JobDashboard, 3, "", []string{"flink_job_checkpoint_in_progress_to_timeout_ratio"}},
		{causes.JobDashboard, 4, "", []string{"flink_job_checkpoint_failures_total", "reason"}},
		{causes.JobDashboard, 5, "", []string{"time() - flink_job_last_checkpoint_completed_timestamp_seconds", "flink_job_checkpoint_interval_seconds"}},
		{causes.JobDashboard, 6, "", []string{"start_delay_max", "alignment_duration_max", "sync_duration_max", "async_duration_max", "unexplained_ack_latency_max"}},
		{causes.JobDashboard, 7, "", []string{"flink_job_vertex_checkpoint_ack_latency_max_seconds", "flink_job_vertex_checkpoint_ack_latency_avg_seconds"}},
		{causes.JobDashboard, 8, "", []string{"flink_taskmanager_checkpoint_ack_latency_max_seconds", "tm_id"}},
		{causes.JobDashboard, 9, "", []string{"flink_job_last_checkpoint_full_size_bytes", "flink_job_last_checkpoint_size_bytes"}},
		{causes.JobDashboard, 10, "", []string{"flink_job_checkpoint_state_growth_bytes_per_second"}},
		{causes.JobDashboard, 11, "", []string{"flink_job_last_checkpoint_upload_throughput_bytes_per_second"}},
		{causes.JobDashboard, 20, "", []string{"flink_job_vertex_checkpoint_unexplained_ack_latency_max_seconds", "flink_taskmanager_heartbeat_age_seconds"}},
		{causes.JobDashboard, 30, "", []string{"flink_taskmanager_checkpoint_ack_latency_max_seconds", "flink_taskmanager_jvm_cpu_load_ratio"}},
		{causes.JobDashboard, 40, "", []string{"flink_job_last_checkpoint_duration_seconds", "flink_job_checkpoint_timeout_seconds"}},
		{causes.JobDashboard, 50, "", []string{"flink_job_vertex_checkpoint_async_duration_avg_seconds", "flink_job_last_checkpoint_upload_throughput_bytes_per_second"}},
		{causes.JobDashboard, 60, "", []string{"flink_job_last_checkpoint_full_size_bytes", "flink_job_checkpoint_state_growth_bytes_per_second"}},
		{causes.JobDashboard, 70, "", []string{"flink_jobmanager_jvm_cpu_load_ratio", "histogram_quantile(0.9, sum by (instance, le) (rate(flink_exporter_rest_request_duration_seconds_bucket{" + byInstance + "}[$__rate_interval])))"}},
		{causes.JobDashboard, 80, "", []string{"flink_job_vertex_checkpoint_start_delay_max_seconds", "flink_job_vertex_checkpoint_alignment_duration_max_seconds", "flink_job_vertex_backpressured_ratio_max"}},
		{causes.RuntimeDashboard, 60, "JobManager round trip (probe)", []string{"flink_jobmanager_probe_connect_duration_seconds_bucket", "flink_jobmanager_probe_rest_duration_seconds_bucket", "histogram_quantile(0.9"}},
		{causes.RuntimeDashboard, 61, "TaskManager host", []string{`flink_host_cpu_seconds_total{mode=~"steal|iowait"`, "flink_host_pressure_waiting_seconds_total"}},
	}
	ds := rendered(t)
	for _, tt := range tests {
		p := ds[tt.uid].panel(t, tt.id)
		if tt.title != "" && p.Title != tt.title {
			t.Errorf("%s panel %d: title %q, want %q", tt.uid, tt.id, p.Title, tt.title)
		}
		var all []string
		for _, tg := range p.Targets {
			all = append(all, tg.Expr)
		}
		joined := strings.Join(all, "\n")
		for _, want := range tt.exprs {
			if !strings.Contains(joined, want) {
				t.Errorf("%s panel %d (%s): no query contains %q; queries:\n%s", tt.uid, tt.id, p.Title, want, joined)
			}
		}
	}
}

// TestThresholdLines checks that each alert threshold of rules/ is drawn
// as a line on the panel it concerns, on the fields of the query it
// applies to.
func TestThresholdLines(t *testing.T) {
	tests := []struct {
		uid   string
		id    int
		refID string // "" for the panel's defaults
		value float64
	}{
		{causes.OverviewDashboard, 4, "", 0.8},
		{causes.OverviewDashboard, 5, "", 0.8},
		{causes.JobDashboard, 2, "", 0.8},
		{causes.JobDashboard, 3, "", 0.8},
		{causes.JobDashboard, 11, "", 5 * mib},
		{causes.JobDashboard, 20, "", 1},
		{causes.JobDashboard, 30, "", 1},
		{causes.JobDashboard, 30, "B", 0.8},
		{causes.JobDashboard, 50, "", 1},
		{causes.JobDashboard, 50, "B", 5 * 1024 * 1024},
		{causes.JobDashboard, 70, "", 0.8},
		{causes.JobDashboard, 70, "B", 0.5},
		{causes.JobDashboard, 80, "", 1},
		{causes.JobDashboard, 80, "C", 0.5},
		{causes.RuntimeDashboard, 2, "", 0.8},
		{causes.RuntimeDashboard, 4, "", 0.1},
		{causes.RuntimeDashboard, 10, "", 0.8},
		{causes.RuntimeDashboard, 12, "", 0.1},
		{causes.RuntimeDashboard, 13, "", 0.5},
		{causes.RuntimeDashboard, 20, "", 0.5},
		{causes.RuntimeDashboard, 60, "", 0.1},
		{causes.RuntimeDashboard, 61, "", 0.2},
	}
	ds := rendered(t)
	for _, tt := range tests {
		p := ds[tt.uid].panel(t, tt.id)
		thresholds, style := p.FieldConfig.Defaults["thresholds"], p.FieldConfig.Defaults["custom"].(map[string]any)["thresholdsStyle"]
		if tt.refID != "" {
			thresholds, style = nil, nil
			for _, o := range p.FieldConfig.Overrides {
				if o.Matcher.ID != "byFrameRefID" || o.Matcher.Options != tt.refID {
					continue
				}
				for _, prop := range o.Properties {
					switch prop.ID {
					case "thresholds":
						thresholds = prop.Value
					case "custom.thresholdsStyle":
						style = prop.Value
					}
				}
			}
		}
		where := fmt.Sprintf("%s panel %d (%s) query %q", tt.uid, tt.id, p.Title, tt.refID)
		if m, _ := style.(map[string]any); m["mode"] != "line" {
			t.Errorf("%s: thresholds style %v, want line", where, style)
		}
		steps, _ := thresholds.(map[string]any)["steps"].([]any)
		found := false
		for _, s := range steps {
			if v, ok := s.(map[string]any)["value"].(float64); ok && v == tt.value {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no threshold at %v in %v", where, tt.value, thresholds)
		}
	}
}
