package diagnose

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/internal/causes"
)

// ConfigSource reads the configuration the fix quotes; *flinkapi.Client
// is one.
type ConfigSource interface {
	CheckpointConfig(ctx context.Context, jobID string) (*flinkapi.CheckpointConfig, error)
	JobManagerConfig(ctx context.Context) ([]flinkapi.ConfigEntry, error)
}

// Input is what a diagnosis reads.
type Input struct {
	Rules *Ruleset
	Store *Store
	// From is the start of the window; collections before it are only
	// the history the rules' ranges read.
	From time.Time
	// URL names the cluster in the report; Instance is its instance label.
	URL, Instance string
	// Config reads the configuration; nil leaves current values unknown.
	Config ConfigSource
	// Job restricts the report to the job of this name or id; "" reports
	// every job.
	Job string
}

// UnknownJobError is returned when Input.Job names no job of the cluster.
type UnknownJobError struct {
	Job   string
	Known []string
}

func (e *UnknownJobError) Error() string {
	if len(e.Known) == 0 {
		return fmt.Sprintf("no job %q: the cluster runs no job", e.Job)
	}
	return fmt.Sprintf("no job %q; the cluster's jobs are: %s", e.Job, strings.Join(e.Known, ", "))
}

// Diagnose evaluates the shipped rules over the store and ranks the
// causes of each job's checkpoint trouble.
func Diagnose(ctx context.Context, in Input) (*Report, error) {
	ev, err := Evaluate(ctx, in.Rules, in.Store, in.From)
	if err != nil {
		return nil, err
	}
	rep := &Report{Cluster: ClusterInfo{URL: in.URL, Instance: in.Instance, Collections: len(ev.Steps), Symptoms: []Symptom{}}, Jobs: []JobReport{}}
	if len(ev.Steps) == 0 {
		return rep, nil
	}
	last := ev.Steps[len(ev.Steps)-1]
	rep.Cluster.EvaluatedAt = last.UTC()
	rep.Cluster.WindowSeconds = last.Sub(ev.Steps[0]).Seconds()
	d := &diagnosis{in: in, ev: ev, last: last, ctx: ctx}
	if v, _ := d.vector(`max_over_time(flink_up[` + d.window() + `])`); len(v) > 0 && v[0].F == 1 {
		rep.Cluster.Reachable = true
	}
	for _, a := range ev.Alerts {
		if a.Rule.Cause != "" {
			continue
		}
		for _, h := range a.Held {
			if !h.Labels.Has("job_id") {
				rep.Cluster.Symptoms = append(rep.Cluster.Symptoms, d.symptom(a.Rule, h))
			}
		}
	}
	jobs, err := d.jobs()
	if err != nil {
		return nil, err
	}
	if in.Job != "" {
		var picked []job
		var known []string
		for _, j := range jobs {
			known = append(known, fmt.Sprintf("%s (%s)", j.name, j.id))
			if j.id == in.Job || j.name == in.Job {
				picked = append(picked, j)
			}
		}
		if len(picked) == 0 {
			return nil, &UnknownJobError{Job: in.Job, Known: known}
		}
		jobs = picked
	}
	var jmConfig map[string]string
	if in.Config != nil {
		if entries, err := in.Config.JobManagerConfig(ctx); err == nil {
			jmConfig = map[string]string{}
			for _, e := range entries {
				jmConfig[e.Key] = e.Value
			}
		}
	}
	for _, j := range jobs {
		rep.Jobs = append(rep.Jobs, d.job(j, jmConfig))
	}
	return rep, nil
}

// diagnosis holds what the verdict of every job reads.
type diagnosis struct {
	ctx  context.Context
	in   Input
	ev   *Evaluation
	last time.Time
}

type job struct{ id, name string }

// window is the evaluated window as a PromQL range.
func (d *diagnosis) window() string {
	w := d.last.Sub(d.ev.Steps[0]) + time.Second
	return strconv.FormatInt(w.Milliseconds(), 10) + "ms"
}

func (d *diagnosis) vector(expr string) (promql.Vector, error) {
	return d.ev.Query(d.ctx, expr, d.last)
}

func (d *diagnosis) scalar(expr string) *float64 {
	v, err := d.vector(expr)
	if err != nil || len(v) == 0 || math.IsNaN(v[0].F) {
		return nil
	}
	f := v[0].F
	return &f
}

// jobs returns the jobs seen in the window, by name.
func (d *diagnosis) jobs() ([]job, error) {
	v, err := d.vector(`max by (job_id, job_name) (last_over_time(flink_job_state[` + d.window() + `]))`)
	if err != nil {
		return nil, fmt.Errorf("list the jobs: %w", err)
	}
	var out []job
	for _, s := range v {
		out = append(out, job{s.Metric.Get("job_id"), s.Metric.Get("job_name")})
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].name != out[b].name {
			return out[a].name < out[b].name
		}
		return out[a].id < out[b].id
	})
	return out, nil
}

// forJob reports whether an alert's labels concern the job: they carry
// its id, or no job id at all (cluster-wide and per-TaskManager alerts
// concern every job).
func forJob(l labels.Labels, id string) bool {
	return !l.Has("job_id") || l.Get("job_id") == id
}

func (d *diagnosis) share(h Held) float64 {
	return float64(h.Steps) / float64(len(d.ev.Steps))
}

func (d *diagnosis) symptom(r Rule, h Held) Symptom {
	s := Symptom{Alert: r.Alert, Severity: r.Labels["severity"], Value: h.Value, Share: round2(d.share(h)), For: forText(r.For)}
	for _, name := range []string{"reason", "tm_id"} {
		if v := h.Labels.Get(name); v != "" {
			if s.Labels == nil {
				s.Labels = map[string]string{}
			}
			s.Labels[name] = v
		}
	}
	return s
}

func forText(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func (d *diagnosis) job(j job, jmConfig map[string]string) JobReport {
	jr := JobReport{JobID: j.id, JobName: j.name, Symptoms: []Symptom{}, Ranking: []Ranked{}, HoldingUp: []Holder{}}
	sel := fmt.Sprintf(`{job_id=%q}`, j.id)
	jr.Figures = d.figures(sel)
	var cpConfig *flinkapi.CheckpointConfig
	if d.in.Config != nil {
		c, err := d.in.Config.CheckpointConfig(d.ctx, j.id)
		switch {
		case err == nil && !c.PeriodicCheckpointing():
			jr.Note = "checkpointing is disabled for this job (execution.checkpointing.interval is not set): there is no checkpoint to diagnose"
		case err == nil:
			cpConfig = c
		case flinkapi.IsNotFound(err):
			jr.Note = "the JobManager has no checkpoint configuration for this job: checkpointing is disabled or the job is not running"
		}
	}
	if jr.Note == "" && jr.Figures.IntervalSeconds == nil && cpConfig == nil {
		jr.Note = "the exporter saw no checkpoint configuration for this job: checkpointing is probably disabled"
	}
	for _, a := range d.ev.Alerts {
		if a.Rule.Cause != "" {
			continue
		}
		for _, h := range a.Held {
			if h.Labels.Has("job_id") && h.Labels.Get("job_id") == j.id {
				jr.Symptoms = append(jr.Symptoms, d.symptom(a.Rule, h))
				jr.Trouble = true
			}
		}
	}
	for _, c := range causes.Causes() {
		r := d.rank(c, j, jr.Figures, cpConfig, jmConfig)
		if r.Held {
			jr.Trouble = true
		}
		jr.Ranking = append(jr.Ranking, r)
	}
	sort.SliceStable(jr.Ranking, func(a, b int) bool {
		if jr.Ranking[a].Held != jr.Ranking[b].Held {
			return jr.Ranking[a].Held
		}
		return jr.Ranking[a].Confidence > jr.Ranking[b].Confidence
	})
	if top := jr.Ranking[0]; top.Held {
		name := top.Cause
		jr.Cause = &name
	}
	jr.Checkpoint, jr.HoldingUp = d.checkpoint(sel)
	jr.Verdict = verdict(jr)
	return jr
}

func verdict(jr JobReport) string {
	f := jr.Figures
	switch {
	case jr.Note != "" && !jr.Trouble:
		return "no checkpoint to diagnose: " + jr.Note
	case jr.Cause != nil:
		top := jr.Ranking[0]
		return fmt.Sprintf("likely cause: %s (%s), confidence %.2f", top.Cause, top.Title, top.Confidence)
	case jr.Trouble:
		var names []string
		for _, s := range jr.Symptoms {
			names = append(names, s.Alert)
		}
		return "checkpoint trouble (" + strings.Join(dedupe(names), ", ") + ") but no cause's evidence holds: read the symptoms and the ranking"
	}
	parts := []string{}
	if f.DurationToTimeoutRatio != nil && f.TimeoutSeconds != nil {
		parts = append(parts, fmt.Sprintf("checkpoints take %s of their %s timeout", percent(*f.DurationToTimeoutRatio), seconds(*f.TimeoutSeconds)))
	}
	if f.LastCompletedAgeSeconds != nil {
		parts = append(parts, "the last completed "+seconds(*f.LastCompletedAgeSeconds)+" ago")
	}
	parts = append(parts, fmt.Sprintf("%g completed and %g failed in the window", f.CompletedInWindow, f.FailedInWindow))
	return "no checkpoint trouble: " + strings.Join(parts, ", ")
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// figures reads the key checkpoint figures of the job at the end of the
// window.
func (d *diagnosis) figures(sel string) Figures {
	w := d.window()
	counted := func(name string) float64 {
		v := d.scalar(fmt.Sprintf(`sum(max_over_time(%s%s[%s]) - min_over_time(%s%s[%s]))`, name, sel, w, name, sel, w))
		if v == nil {
			return 0
		}
		return *v
	}
	return Figures{
		DurationToTimeoutRatio:  d.scalar(`flink_job_checkpoint_duration_to_timeout_ratio` + sel),
		LastDurationSeconds:     d.scalar(`flink_job_last_checkpoint_duration_seconds` + sel),
		SlowestDurationSeconds:  d.scalar(`max_over_time(flink_job_last_checkpoint_duration_seconds` + sel + `[` + w + `])`),
		TimeoutSeconds:          d.scalar(`flink_job_checkpoint_timeout_seconds` + sel),
		IntervalSeconds:         d.scalar(`flink_job_checkpoint_interval_seconds` + sel),
		LastCompletedAgeSeconds: d.scalar(`time() - flink_job_last_checkpoint_completed_timestamp_seconds` + sel),
		InProgressAgeSeconds:    d.scalar(`flink_job_checkpoint_in_progress_age_seconds` + sel + ` > 0`),
		CompletedInWindow:       counted("flink_job_checkpoints_completed_total"),
		FailedInWindow:          counted("flink_job_checkpoints_failed_total"),
	}
}

// rank scores one cause for a job from its alerts' outcomes.
func (d *diagnosis) rank(c causes.Cause, j job, fig Figures, cp *flinkapi.CheckpointConfig, jm map[string]string) Ranked {
	r := Ranked{Cause: c.Name, Title: c.Title, Where: c.Where, Alerts: []string{}, Evidence: []Evidence{}}
	var best *Held
	var bestRule Rule
	var rulesOf []Rule
	for _, a := range d.ev.Alerts {
		if a.Rule.Cause != c.Name {
			continue
		}
		rulesOf = append(rulesOf, a.Rule)
		for i, h := range a.Held {
			if !forJob(h.Labels, j.id) {
				continue
			}
			if !contains(r.Alerts, a.Rule.Alert) {
				r.Alerts = append(r.Alerts, a.Rule.Alert)
			}
			if best == nil || h.Steps > best.Steps || (h.Steps == best.Steps && h.Value > best.Value) {
				best, bestRule = &a.Held[i], a.Rule
			}
		}
	}
	if len(rulesOf) == 0 {
		r.Summary = "no alert of the shipped rules points at this cause"
		return r
	}
	if best == nil {
		bestRule = rulesOf[0]
	}
	expr := d.evidenceExpr(bestRule)
	r.Unit = unitOf(bestRule, expr)
	r.Fix = d.fix(c, bestRule, fig, cp, jm)
	r.Evidence = d.evidence(expr, j.id)
	thr, hasThr := threshold(expr)
	if hasThr {
		r.Threshold = &thr
	}
	if best == nil {
		r.Summary = fmt.Sprintf("%s never held in the %s window", bestRule.Alert, seconds(d.last.Sub(d.ev.Steps[0]).Seconds()))
		return r
	}
	r.Held = true
	r.Share = round2(d.share(*best))
	v := best.Value
	r.Value = &v
	r.For = "would page after for: " + forText(bestRule.For)
	margin := 0.5
	if hasThr && thr > 0 {
		margin = math.Max(0, math.Min(1, math.Log10(v/thr)))
	}
	r.Confidence = round2(0.7*d.share(*best) + 0.3*margin)
	r.Summary = fmt.Sprintf("%s held in %.0f %% of the window (value %s", bestRule.Alert, 100*r.Share, format(v, r.Unit))
	if hasThr {
		r.Summary += ", threshold " + format(thr, r.Unit)
	}
	r.Summary += "); " + r.For
	return r
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// evidenceExpr is the expression that decides a cause alert: the
// recording rule of flink_job:checkpoint_cause_evidence with its cause
// when the alert merely selects it, else the alert's own.
func (d *diagnosis) evidenceExpr(r Rule) parser.Expr {
	if vs, ok := r.parsed.(*parser.VectorSelector); ok && vs.Name == "flink_job:checkpoint_cause_evidence" {
		for _, rec := range d.in.Rules.Recording {
			if rec.Record == vs.Name && rec.Labels["cause"] == r.Cause {
				return rec.parsed
			}
		}
	}
	return r.parsed
}

// evidence evaluates, at the end of the window, each series an expression
// reads (the job's own, or cluster-wide ones), the largest three of each.
func (d *diagnosis) evidence(expr parser.Expr, jobID string) []Evidence {
	out := []Evidence{}
	seen := map[string]bool{}
	for _, vs := range selectors(expr) {
		if vs.Name == "" || vs.Name == "flink_job:checkpoint_cause_evidence" || seen[vs.Name] {
			continue
		}
		seen[vs.Name] = true
		unit := unitOfName(vs.Name)
		v, _ := d.vector(vs.Name)
		var mine promql.Vector
		for _, s := range v {
			if forJob(s.Metric, jobID) {
				mine = append(mine, s)
			}
		}
		sort.Slice(mine, func(a, b int) bool { return mine[a].F > mine[b].F })
		if len(mine) == 0 {
			out = append(out, Evidence{Series: vs.Name, Unit: unit, Text: "absent"})
			continue
		}
		for i, s := range mine {
			if i == 3 {
				break
			}
			f := s.F
			lm := map[string]string{}
			s.Metric.Range(func(l labels.Label) {
				if l.Name != labels.MetricName && l.Name != "instance" && l.Name != "job" && l.Name != "job_id" && l.Name != "job_name" {
					lm[l.Name] = l.Value
				}
			})
			if len(lm) == 0 {
				lm = nil
			}
			out = append(out, Evidence{Series: vs.Name, Labels: lm, Value: &f, Unit: unit, Text: format(f, unit)})
		}
	}
	return out
}

// checkpoint returns the checkpoint the acknowledgement analysis looked
// at (in progress before the latest failed) and who holds it up.
func (d *diagnosis) checkpoint(sel string) (*Checkpoint, []Holder) {
	holders := []Holder{}
	ids, _ := d.vector(`flink_job_checkpoint_ack_analysis_checkpoint_id` + sel)
	var cp *Checkpoint
	for _, kind := range []string{"in_progress", "latest_failed"} {
		for _, s := range ids {
			if s.Metric.Get("checkpoint") == kind && cp == nil {
				cp = &Checkpoint{ID: int64(s.F), Kind: kind}
			}
		}
	}
	if cp != nil {
		ksel := strings.TrimSuffix(sel, "}") + fmt.Sprintf(`,checkpoint=%q}`, cp.Kind)
		if t := d.scalar(`flink_job_checkpoint_ack_analysis_trigger_timestamp_seconds` + ksel); t != nil {
			cp.Triggered = time.UnixMilli(int64(*t * 1000)).UTC()
		}
		if p := d.scalar(`flink_job_checkpoint_ack_analysis_pending_seconds` + ksel); p != nil {
			cp.PendingSeconds = *p
		}
		tms, _ := d.vector(`flink_taskmanager_checkpoint_subtasks_pending` + ksel + ` > 0`)
		for _, s := range tms {
			holders = append(holders, Holder{Kind: "taskmanager", ID: s.Metric.Get("tm_id"), SubtasksPending: int(s.F)})
		}
		vs, _ := d.vector(`flink_job_vertex_checkpoint_subtasks_pending` + ksel + ` > 0`)
		for _, s := range vs {
			holders = append(holders, Holder{Kind: "vertex", ID: s.Metric.Get("vertex_id"), Name: s.Metric.Get("vertex_name"), SubtasksPending: int(s.F)})
		}
	}
	// The TaskManagers that acknowledged slowest, when one is at least
	// twice as slow as the fastest: the straggler of completed checkpoints.
	acks, _ := d.vector(`flink_taskmanager_checkpoint_ack_latency_max_seconds` + sel)
	if len(acks) > 1 {
		sort.Slice(acks, func(a, b int) bool { return acks[a].F > acks[b].F })
		fastest := acks[len(acks)-1].F
		for i, s := range acks {
			if i == 3 || s.F < 2*fastest || s.F <= 1 {
				break
			}
			f := s.F
			found := false
			for k := range holders {
				if holders[k].Kind == "taskmanager" && holders[k].ID == s.Metric.Get("tm_id") {
					holders[k].AckLatencySeconds, found = &f, true
				}
			}
			if !found {
				holders = append(holders, Holder{Kind: "taskmanager", ID: s.Metric.Get("tm_id"), AckLatencySeconds: &f})
			}
		}
	}
	sort.SliceStable(holders, func(a, b int) bool { return holders[a].SubtasksPending > holders[b].SubtasksPending })
	return cp, holders
}
