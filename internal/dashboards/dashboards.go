// Package dashboards builds flink_exporter's Grafana dashboards: the
// checkpoint overview of every cluster and job, the job drill-down that
// puts each alert's cause beside its evidence and its fix, and the
// runtime of TaskManagers and JobManager. The dashboards are Go values
// rendered to JSON (cmd/gendashboards writes them to dashboards/), so the
// files are stable and the alert rules can check that every alert's link
// lands on a panel (PanelExists, URL).
//
// The causes, their fixes and the alerts' panels come from package
// causes, the one table the rules, runbooks and dashboards share.
package dashboards

import (
	"fmt"
	"slices"
	"strings"

	"github.com/flink-exporter/flink_exporter/internal/causes"
)

// titles are the dashboards' titles by uid. Their slugs (Slug) are the
// uids, so a dashboard's URL reads the same from its uid and its title.
func titleOf(uid string) string {
	switch uid {
	case causes.OverviewDashboard:
		return "Flink checkpoint overview"
	case causes.JobDashboard:
		return "Flink checkpoint job"
	case causes.RuntimeDashboard:
		return "Flink runtime"
	}
	return ""
}

// All returns every dashboard, in the order overview, job, runtime.
func All() []Dashboard {
	return []Dashboard{overviewDashboard(), jobDashboard(), runtimeDashboard()}
}

// ByUID returns the dashboard with the given uid.
func ByUID(uid string) (Dashboard, bool) { return build(uid) }

// build builds one dashboard.
func build(uid string) (Dashboard, bool) {
	switch uid {
	case causes.OverviewDashboard:
		return overviewDashboard(), true
	case causes.JobDashboard:
		return jobDashboard(), true
	case causes.RuntimeDashboard:
		return runtimeDashboard(), true
	}
	return Dashboard{}, false
}

// FileName is the file a dashboard is written to in dashboards/.
func FileName(uid string) string { return uid + ".json" }

// Slug is the URL slug Grafana gives the dashboard's title: lower case,
// runs of other characters than letters and digits turned into one dash.
// It is "" for an unknown uid.
func Slug(uid string) string {
	return slugify(titleOf(uid))
}

func slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// URL is the path that opens one panel of a dashboard on its own,
// /d/<uid>/<slug>?viewPanel=<id>, the form the alerts' dashboard
// annotations use; callers append &var-instance=... and &var-job_name=...
func URL(uid string, panel int) string {
	return fmt.Sprintf("/d/%s/%s?viewPanel=%d", uid, Slug(uid), panel)
}

// Panels returns the ids of the panels of the dashboard uid that a link
// can open (every panel but row headers), in ascending order; nil for an
// unknown uid.
func Panels(uid string) []int {
	d, ok := ByUID(uid)
	if !ok {
		return nil
	}
	var ids []int
	for _, p := range flatten(d.Panels) {
		if p.Type != "row" {
			ids = append(ids, p.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// PanelExists reports whether the dashboard uid has a panel with the given
// id that viewPanel can open.
func PanelExists(uid string, id int) bool {
	return slices.Contains(Panels(uid), id)
}

// flatten lists the panels with those of collapsed rows.
func flatten(panels []Panel) []Panel {
	var out []Panel
	for _, p := range panels {
		out = append(out, p)
		if p.Rows != nil {
			out = append(out, flatten(*p.Rows)...)
		}
	}
	return out
}
