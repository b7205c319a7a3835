package flinkapi

import "encoding/json"

// Job states as Flink's JobStatus enum names them.
const (
	JobInitializing = "INITIALIZING"
	JobCreated      = "CREATED"
	JobRunning      = "RUNNING"
	JobFailing      = "FAILING"
	JobFailed       = "FAILED"
	JobCancelling   = "CANCELLING"
	JobCanceled     = "CANCELED"
	JobFinished     = "FINISHED"
	JobRestarting   = "RESTARTING"
	JobSuspended    = "SUSPENDED"
	JobReconciling  = "RECONCILING"
)

// JobStates lists every JobStatus, in Flink's order. It returns a fresh
// slice on each call, so that no caller can change the list another sees.
func JobStates() []string {
	return []string{
		JobInitializing, JobCreated, JobRunning, JobFailing, JobFailed, JobCancelling,
		JobCanceled, JobFinished, JobRestarting, JobSuspended, JobReconciling,
	}
}

// IsGloballyTerminal reports whether a job in this state will never run
// again, so that its checkpoints need no more scraping.
func IsGloballyTerminal(state string) bool {
	switch state {
	case JobFailed, JobCanceled, JobFinished:
		return true
	}
	return false
}

// JobsOverview is the answer of GET /jobs/overview.
type JobsOverview struct {
	Jobs []JobOverview `json:"jobs"`
}

// JobOverview is one job in GET /jobs/overview.
type JobOverview struct {
	ID               string         `json:"jid"`
	Name             string         `json:"name"`
	StartTime        int64          `json:"start-time"`
	EndTime          int64          `json:"end-time"`
	Duration         int64          `json:"duration"`
	State            string         `json:"state"`
	LastModification int64          `json:"last-modification"`
	Tasks            map[string]int `json:"tasks"`
	PendingOperators *int           `json:"pending-operators,omitempty"` // 2.0+
}

// JobDetails is the answer of GET /jobs/:jobid.
type JobDetails struct {
	ID               string           `json:"jid"`
	Name             string           `json:"name"`
	IsStoppable      bool             `json:"isStoppable"`
	State            string           `json:"state"`
	JobType          string           `json:"job-type,omitempty"` // 1.20+
	StartTime        int64            `json:"start-time"`
	EndTime          int64            `json:"end-time"`
	Duration         int64            `json:"duration"`
	MaxParallelism   int64            `json:"maxParallelism"`
	Now              int64            `json:"now"`
	Timestamps       map[string]int64 `json:"timestamps"`
	Vertices         []JobVertex      `json:"vertices"`
	StatusCounts     map[string]int   `json:"status-counts"`
	Plan             json.RawMessage  `json:"plan,omitempty"`
	PendingOperators *int             `json:"pending-operators,omitempty"` // 2.0+
	StreamGraph      json.RawMessage  `json:"stream-graph,omitempty"`      // 2.0+
}

// JobVertex is one vertex of GET /jobs/:jobid.
type JobVertex struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	MaxParallelism     int             `json:"maxParallelism"`
	Parallelism        int             `json:"parallelism"`
	Status             string          `json:"status"`
	StartTime          int64           `json:"start-time"`
	EndTime            int64           `json:"end-time"`
	Duration           int64           `json:"duration"`
	Tasks              map[string]int  `json:"tasks"`
	Metrics            IOMetrics       `json:"metrics"`
	SlotSharingGroupID json.RawMessage `json:"slotSharingGroupId,omitempty"` // 1.20+
}

// IOMetrics are the per-vertex and per-subtask IO counters Flink attaches to
// job and vertex details. The accumulated-* times (1.16+) are cumulative
// milliseconds.
type IOMetrics struct {
	ReadBytes                    int64  `json:"read-bytes"`
	ReadBytesComplete            bool   `json:"read-bytes-complete"`
	WriteBytes                   int64  `json:"write-bytes"`
	WriteBytesComplete           bool   `json:"write-bytes-complete"`
	ReadRecords                  int64  `json:"read-records"`
	ReadRecordsComplete          bool   `json:"read-records-complete"`
	WriteRecords                 int64  `json:"write-records"`
	WriteRecordsComplete         bool   `json:"write-records-complete"`
	AccumulatedBackpressuredTime *int64 `json:"accumulated-backpressured-time,omitempty"`
	AccumulatedIdleTime          *int64 `json:"accumulated-idle-time,omitempty"`
	AccumulatedBusyTime          *Float `json:"accumulated-busy-time,omitempty"`
}

// JobVertexDetails is the answer of GET /jobs/:jobid/vertices/:vertexid. It
// is where subtasks are mapped to the TaskManagers that run them.
type JobVertexDetails struct {
	ID             string                    `json:"id"`
	Name           string                    `json:"name"`
	Parallelism    int                       `json:"parallelism"`
	MaxParallelism int                       `json:"maxParallelism"`
	Now            int64                     `json:"now"`
	Subtasks       []SubtaskExecutionAttempt `json:"subtasks"`
	Aggregated     json.RawMessage           `json:"aggregated,omitempty"` // 1.16+
}

// SubtaskExecutionAttempt is one subtask of a vertex's details.
type SubtaskExecutionAttempt struct {
	Subtask        int              `json:"subtask"`
	Status         string           `json:"status"`
	Attempt        int              `json:"attempt"`
	Host           string           `json:"host,omitempty"`     // 1.13-1.20: hostname only
	Endpoint       string           `json:"endpoint,omitempty"` // 1.19+: "<fqdn>:<dataPort>"
	StartTime      int64            `json:"start-time"`
	EndTime        int64            `json:"end-time"`
	Duration       int64            `json:"duration"`
	Metrics        IOMetrics        `json:"metrics"`
	TaskManagerID  string           `json:"taskmanager-id"`
	StatusDuration map[string]int64 `json:"status-duration,omitempty"` // 1.16+
	StartTimeOld   int64            `json:"start_time"`                // legacy duplicate of start-time
}

// Location returns where the subtask runs: the endpoint of 1.19+, else the
// host of older versions.
func (s SubtaskExecutionAttempt) Location() string {
	if s.Endpoint != "" {
		return s.Endpoint
	}
	return s.Host
}

// Back-pressure levels as GET /jobs/:jobid/vertices/:vertexid/backpressure
// names them.
const (
	BackPressureOK   = "ok"
	BackPressureLow  = "low"
	BackPressureHigh = "high"
)

// Back-pressure statuses: "deprecated" means no metrics were fetched yet.
const (
	BackPressureStatusOK         = "ok"
	BackPressureStatusDeprecated = "deprecated"
)

// BackPressureLevelOf maps a back-pressured ratio to Flink's level, with
// Flink's thresholds (<= 0.10 ok, <= 0.5 low, above high).
func BackPressureLevelOf(ratio float64) string {
	switch {
	case ratio <= 0.10:
		return BackPressureOK
	case ratio <= 0.5:
		return BackPressureLow
	}
	return BackPressureHigh
}

// JobVertexBackPressure is the answer of
// GET /jobs/:jobid/vertices/:vertexid/backpressure. Before metrics exist the
// body is only {"status":"deprecated"}.
type JobVertexBackPressure struct {
	Status               string                `json:"status"`
	BackpressureLevelOld string                `json:"backpressure-level,omitempty"`
	BackpressureLevel    string                `json:"backpressureLevel,omitempty"` // 1.17+
	EndTimestamp         *int64                `json:"end-timestamp,omitempty"`
	Subtasks             []SubtaskBackPressure `json:"subtasks,omitempty"`
}

// Level returns the vertex's level from whichever key the version sent.
func (b JobVertexBackPressure) Level() string {
	if b.BackpressureLevel != "" {
		return b.BackpressureLevel
	}
	return b.BackpressureLevelOld
}

// SubtaskBackPressure is one subtask of a back-pressure answer. Ratios are
// fractions of time (backPressuredTimeMsPerSecond / 1000 and so on).
type SubtaskBackPressure struct {
	Subtask              int    `json:"subtask"`
	AttemptNumber        *int   `json:"attempt-number,omitempty"` // 1.16+
	BackpressureLevelOld string `json:"backpressure-level"`
	BackpressureLevel    string `json:"backpressureLevel,omitempty"` // 1.17+
	Ratio                Float  `json:"ratio"`
	IdleRatio            Float  `json:"idleRatio"`
	BusyRatio            Float  `json:"busyRatio"`
}
