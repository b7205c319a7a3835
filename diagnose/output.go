package diagnose

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Output formats of the command.
const (
	OutputText     = "text"
	OutputJSON     = "json"
	OutputMarkdown = "markdown"
)

// Outputs lists the formats --output accepts.
func Outputs() []string { return []string{OutputText, OutputJSON, OutputMarkdown} }

// Write prints the report in the format.
func Write(w io.Writer, rep *Report, format string) error {
	switch format {
	case OutputJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case OutputMarkdown:
		return writeMarkdown(w, rep)
	}
	return writeText(w, rep)
}

// evidenceLine writes one evidence series as series{labels} = value.
func evidenceLine(e Evidence) string {
	s := e.Series
	if len(e.Labels) > 0 {
		var kv []string
		for k, v := range e.Labels {
			kv = append(kv, k+"="+v)
		}
		sort.Strings(kv)
		s += "{" + strings.Join(kv, ",") + "}"
	}
	return s + " = " + e.Text
}

func symptomLine(s Symptom) string {
	var kv []string
	for k, v := range s.Labels {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	l := s.Alert
	if len(kv) > 0 {
		l += " (" + strings.Join(kv, ", ") + ")"
	}
	return fmt.Sprintf("%s: held in %.0f %% of the window, would page after for: %s", l, 100*s.Share, s.For)
}

func holderLine(h Holder) string {
	var b strings.Builder
	if h.Kind == "vertex" {
		fmt.Fprintf(&b, "vertex %s (%s)", h.Name, h.ID)
	} else {
		fmt.Fprintf(&b, "TaskManager %s", h.ID)
	}
	var parts []string
	if h.SubtasksPending > 0 {
		parts = append(parts, fmt.Sprintf("%d subtask%s not acknowledged", h.SubtasksPending, map[bool]string{true: "s"}[h.SubtasksPending > 1]))
	}
	if h.AckLatencySeconds != nil {
		parts = append(parts, "slowest acknowledgement "+seconds(*h.AckLatencySeconds))
	}
	return b.String() + ": " + strings.Join(parts, ", ")
}

func checkpointLine(c *Checkpoint) string {
	kind := map[string]string{"in_progress": "in progress", "latest_failed": "the latest failed"}[c.Kind]
	return fmt.Sprintf("%d (%s), triggered %s, subtasks pending for %s", c.ID, kind, c.Triggered.Format("15:04:05 MST"), seconds(c.PendingSeconds))
}

func keyLine(k KeyValue) string {
	if k.Current == "" {
		return fmt.Sprintf("%s: %s → try %s", k.Key, k.Source, k.Try)
	}
	return fmt.Sprintf("%s = %s (from %s) → try %s", k.Key, k.Current, k.Source, k.Try)
}

func header(rep *Report) string {
	c := rep.Cluster
	return fmt.Sprintf("Flink checkpoint diagnosis of %s: %d collections over %s, evaluated with the shipped alert rules", c.URL, c.Collections, seconds(c.WindowSeconds))
}

func writeText(w io.Writer, rep *Report) error {
	var b strings.Builder
	b.WriteString(header(rep) + "\n")
	if !rep.Cluster.Reachable {
		fmt.Fprintf(&b, "\nThe JobManager did not answer: %s\n", rep.Cluster.Error)
	}
	for _, s := range rep.Cluster.Symptoms {
		b.WriteString("  cluster: " + symptomLine(s) + "\n")
	}
	for _, j := range rep.Jobs {
		fmt.Fprintf(&b, "\nJob %s (%s): %s\n", j.JobName, j.JobID, j.Verdict)
		if !j.Trouble {
			continue
		}
		for _, s := range j.Symptoms {
			b.WriteString("  symptom: " + symptomLine(s) + "\n")
		}
		b.WriteString("  Ranking:\n")
		for i, r := range j.Ranking {
			fmt.Fprintf(&b, "  %d. %-21s confidence %.2f  %s\n", i+1, r.Cause, r.Confidence, r.Summary)
			label := "evidence"
			if !r.Held {
				label = "against"
			}
			for _, e := range r.Evidence {
				fmt.Fprintf(&b, "       %s: %s\n", label, evidenceLine(e))
			}
			if r.Held {
				b.WriteString("       see it: " + r.Where + "\n")
			}
		}
		if j.Checkpoint != nil {
			b.WriteString("  Checkpoint looked at: " + checkpointLine(j.Checkpoint) + "\n")
		}
		for _, h := range j.HoldingUp {
			b.WriteString("  Holding it up: " + holderLine(h) + "\n")
		}
		if j.Cause != nil {
			fx := j.Ranking[0].Fix
			b.WriteString("  Fix: " + fx.Text + "\n")
			for _, k := range fx.Keys {
				b.WriteString("    " + keyLine(k) + "\n")
			}
			b.WriteString("  Runbook: " + fx.Runbook + "\n")
		}
	}
	if len(rep.Jobs) == 0 && rep.Cluster.Reachable {
		b.WriteString("\nThe cluster runs no job.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeMarkdown(w io.Writer, rep *Report) error {
	var b strings.Builder
	b.WriteString("## " + header(rep) + "\n")
	if !rep.Cluster.Reachable {
		fmt.Fprintf(&b, "\n**The JobManager did not answer:** %s\n", rep.Cluster.Error)
	}
	for _, s := range rep.Cluster.Symptoms {
		b.WriteString("- cluster: " + symptomLine(s) + "\n")
	}
	for _, j := range rep.Jobs {
		fmt.Fprintf(&b, "\n### Job %s (`%s`)\n\n**%s**\n", j.JobName, j.JobID, j.Verdict)
		if !j.Trouble {
			continue
		}
		b.WriteString("\n")
		for _, s := range j.Symptoms {
			b.WriteString("- symptom: " + symptomLine(s) + "\n")
		}
		b.WriteString("\n| # | cause | confidence | what held |\n|---|---|---|---|\n")
		for i, r := range j.Ranking {
			fmt.Fprintf(&b, "| %d | %s | %.2f | %s |\n", i+1, r.Cause, r.Confidence, r.Summary)
		}
		if j.Cause != nil {
			top := j.Ranking[0]
			b.WriteString("\nEvidence:\n\n")
			for _, e := range top.Evidence {
				b.WriteString("- `" + evidenceLine(e) + "`\n")
			}
			b.WriteString("\nSee it: " + top.Where + "\n")
		}
		if j.Checkpoint != nil {
			b.WriteString("\nCheckpoint looked at: " + checkpointLine(j.Checkpoint) + "\n")
		}
		for _, h := range j.HoldingUp {
			b.WriteString("- holding it up: " + holderLine(h) + "\n")
		}
		if j.Cause != nil {
			fx := j.Ranking[0].Fix
			b.WriteString("\n**Fix:** " + fx.Text + "\n\n| key | current | source | try |\n|---|---|---|---|\n")
			for _, k := range fx.Keys {
				fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", k.Key, k.Current, k.Source, k.Try)
			}
			b.WriteString("\nRunbook: " + fx.Runbook + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
