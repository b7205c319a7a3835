package dashboards

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/flink-exporter/flink_exporter/internal/causes"
)

// runbookBase is where the runbooks are published, one Markdown file per
// alert.
const runbookBase = "https://github.com/flink-exporter/flink_exporter/blob/main/docs/runbooks/"

// RunbookURL is the URL of the runbook of the alert called name.
func RunbookURL(name string) string { return runbookBase + name + ".md" }

// alertsOf returns the alerts that point at the cause, in causes.Alerts
// order.
func alertsOf(cause string) []causes.Alert {
	var out []causes.Alert
	for _, a := range causes.Alerts() {
		if a.Cause == cause {
			out = append(out, a)
		}
	}
	return out
}

// causeMarkdown is the text beside a cause's evidence: what it looks like,
// why it delays checkpoints, how to fix it with the configuration keys set
// in code, and each alert of the cause with its runbook and, when it is
// not the panel beside the text, the panel it links to.
func causeMarkdown(c causes.Cause) string {
	var b strings.Builder
	b.WriteString("**What it looks like.** " + c.LooksLike + "\n\n")
	b.WriteString("**Why checkpoints suffer.** " + c.Why + "\n\n")
	b.WriteString("**Fix.** " + codeKeys(c.Fix, c.Keys) + "\n\n")
	b.WriteString("**Alerts and runbooks**\n\n")
	for _, a := range alertsOf(c.Name) {
		b.WriteString("- [" + a.Name + "](" + RunbookURL(a.Name) + ") (" + a.Severity + ")")
		switch {
		case a.Dashboard == causes.JobDashboard && a.Panel == c.Panel:
			b.WriteString(": evidence beside this text")
		case a.Dashboard == causes.JobDashboard:
			b.WriteString(": evidence in [panel " + strconv.Itoa(a.Panel) + "](" + panelLink(a) + ")")
		default:
			b.WriteString(": evidence in [" + panelTitle(a.Dashboard, a.Panel) + "](" + panelLink(a) + ")")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// codeKeys sets each configuration key in code type. Longer keys go first,
// so a key that begins another (execution.checkpointing.unaligned and
// its .enabled) is never cut in two.
func codeKeys(s string, keys []string) string {
	sorted := slices.Clone(keys)
	slices.SortStableFunc(sorted, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	var pairs []string
	for _, k := range sorted {
		pairs = append(pairs, k, "`"+k+"`")
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// panelLink opens the alert's panel with the data source, cluster and job
// selected here.
func panelLink(a causes.Alert) string {
	return URL(a.Dashboard, a.Panel) + "&${datasource:queryparam}&${instance:queryparam}&${job_name:queryparam}"
}

// panelTitle is the title of a panel of another dashboard than the job
// one (which is being built), for link text.
func panelTitle(uid string, id int) string {
	if uid == causes.JobDashboard {
		return uid
	}
	d, ok := build(uid)
	if !ok {
		return uid
	}
	for _, p := range flatten(d.Panels) {
		if p.ID == id {
			return p.Title
		}
	}
	return uid
}
