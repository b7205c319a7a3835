package diagnose

import (
	"time"
)

// Report is the diagnosis of one cluster: its JSON form is stable and
// documented in docs/diagnose.md, for scripts and chat-ops.
type Report struct {
	Jobs    []JobReport `json:"jobs"`
	Cluster ClusterInfo `json:"cluster"`
}

// ClusterInfo says what was read, and when.
type ClusterInfo struct {
	// URL is the JobManager's REST URL, or the cluster's name on the page.
	URL string `json:"url"`
	// Instance is the instance label the series carry.
	Instance string `json:"instance"`
	// Reachable is false when the JobManager never answered the core
	// requests in the window.
	Reachable bool `json:"reachable"`
	// Error says why the cluster could not be read.
	Error string `json:"error,omitempty"`
	// WindowSeconds is the time between the first and last collection,
	// Collections how many were evaluated.
	WindowSeconds float64   `json:"window_seconds"`
	Collections   int       `json:"collections"`
	EvaluatedAt   time.Time `json:"evaluated_at"`
	// Symptoms are the symptom alerts about the cluster as a whole.
	Symptoms []Symptom `json:"symptoms"`
}

// JobReport is the verdict for one job.
type JobReport struct {
	JobID   string `json:"job_id"`
	JobName string `json:"job_name"`
	// Trouble is true when any alert expression of the shipped rules held
	// for the job in the window.
	Trouble bool `json:"trouble"`
	// Cause is the top-ranked cause's label (the rules' cause label), or
	// null when no cause alert held.
	Cause *string `json:"cause"`
	// Verdict is the one-line answer.
	Verdict string `json:"verdict"`
	// Note explains a job that cannot be diagnosed (no checkpointing).
	Note string `json:"note,omitempty"`
	// Symptoms are the symptom alerts (no cause label) that held.
	Symptoms []Symptom `json:"symptoms"`
	// Ranking has every cause: those whose alert held first, by
	// confidence, then the others with the evidence against them.
	Ranking []Ranked `json:"ranking"`
	// Figures are the job's key checkpoint figures.
	Figures Figures `json:"figures"`
	// Checkpoint is the checkpoint the acknowledgement analysis looked at.
	Checkpoint *Checkpoint `json:"checkpoint"`
	// HoldingUp are the TaskManagers and vertices that had not
	// acknowledged it, or acknowledged slowest.
	HoldingUp []Holder `json:"holding_up"`
}

// Symptom is a symptom alert whose expression held.
type Symptom struct {
	Alert    string `json:"alert"`
	Severity string `json:"severity"`
	// Value is the expression's value at the last evaluation it held.
	Value float64 `json:"value"`
	// Share is the part of the window it held, 0-1.
	Share float64 `json:"share"`
	// For is the alert's for: duration: it would page after holding so
	// long.
	For string `json:"for"`
	// Labels are the alert's own distinguishing labels (reason, tm_id).
	Labels map[string]string `json:"labels,omitempty"`
}

// Ranked is one cause in the ranking.
type Ranked struct {
	Cause string `json:"cause"`
	Title string `json:"title"`
	// Confidence is 0-1: 0.7 × the part of the window its alert held +
	// 0.3 × how far past its threshold the evidence is (0 at the
	// threshold, full at ten times it, 0.5 when the threshold is not one
	// number); 0 when the alert never held.
	Confidence float64 `json:"confidence"`
	// Held is true when one of the cause's alert expressions held.
	Held bool `json:"held"`
	// Alerts are the cause's alerts whose expression held.
	Alerts []string `json:"alerts"`
	// Share is the part of the window the best of them held, 0-1.
	Share float64 `json:"share"`
	// Value and Threshold are the alert's value at the last evaluation it
	// held and the rule's threshold for it, with Unit.
	Value     *float64 `json:"value,omitempty"`
	Threshold *float64 `json:"threshold,omitempty"`
	Unit      string   `json:"unit,omitempty"`
	// For says when the alert would page: "would page after for: 5m".
	For string `json:"for,omitempty"`
	// Summary says in words what held or did not.
	Summary string `json:"summary"`
	// Evidence are the series the cause's alert expression reads.
	Evidence []Evidence `json:"evidence"`
	// Where says where to see the evidence in Flink's UI and REST API.
	Where string `json:"where"`
	Fix   Fix    `json:"fix"`
}

// Evidence is one series an alert expression reads, at the last
// evaluation.
type Evidence struct {
	Series string            `json:"series"`
	Labels map[string]string `json:"labels,omitempty"`
	// Value is nil when the series is absent (itself evidence: no
	// overload signal, no back-pressure).
	Value *float64 `json:"value"`
	Unit  string   `json:"unit"`
	// Text is the value formatted for people, with its unit.
	Text string `json:"text"`
}

// Fix is what to change for a cause.
type Fix struct {
	Text    string     `json:"text"`
	Keys    []KeyValue `json:"keys"`
	Runbook string     `json:"runbook"`
}

// KeyValue is one configuration key of a fix.
type KeyValue struct {
	Key string `json:"key"`
	// Current is the value the job runs with, "" when unknown.
	Current string `json:"current"`
	// Source says where Current comes from: the job's checkpoint
	// configuration, the JobManager's configuration, or "not set" (the
	// default applies, or the key is set only on the TaskManagers).
	Source string `json:"source"`
	// Try is the value to try, with its rule of thumb.
	Try string `json:"try"`
}

// Figures are a job's key checkpoint figures at the end of the window.
type Figures struct {
	DurationToTimeoutRatio  *float64 `json:"duration_to_timeout_ratio"`
	LastDurationSeconds     *float64 `json:"last_duration_seconds"`
	SlowestDurationSeconds  *float64 `json:"slowest_duration_seconds"`
	TimeoutSeconds          *float64 `json:"timeout_seconds"`
	IntervalSeconds         *float64 `json:"interval_seconds"`
	LastCompletedAgeSeconds *float64 `json:"last_completed_age_seconds"`
	InProgressAgeSeconds    *float64 `json:"in_progress_age_seconds"`
	CompletedInWindow       float64  `json:"completed_in_window"`
	FailedInWindow          float64  `json:"failed_in_window"`
}

// Checkpoint is the checkpoint the acknowledgement analysis describes.
type Checkpoint struct {
	ID int64 `json:"id"`
	// Kind is in_progress or latest_failed (the checkpoint label).
	Kind           string    `json:"kind"`
	Triggered      time.Time `json:"triggered"`
	PendingSeconds float64   `json:"pending_seconds"`
}

// Holder is a TaskManager or vertex holding a checkpoint up.
type Holder struct {
	// Kind is taskmanager or vertex.
	Kind string `json:"kind"`
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// SubtasksPending counts its subtasks that had not acknowledged.
	SubtasksPending int `json:"subtasks_pending"`
	// AckLatencySeconds is a TaskManager's slowest acknowledgement.
	AckLatencySeconds *float64 `json:"ack_latency_seconds,omitempty"`
}
