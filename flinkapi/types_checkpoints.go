package flinkapi

// Checkpoint statuses as CheckpointStatistics.status names them.
const (
	CheckpointInProgress = "IN_PROGRESS"
	CheckpointCompleted  = "COMPLETED"
	CheckpointFailed     = "FAILED"
)

// Subtask checkpoint statuses of the subtask details.
const (
	SubtaskCheckpointCompleted       = "completed"
	SubtaskCheckpointPendingOrFailed = "pending_or_failed"
)

// IntervalDisabled is the checkpoint interval Flink reports when periodic
// checkpointing is off (Long.MAX_VALUE).
const IntervalDisabled int64 = 9223372036854775807

// CheckpointingStatistics is the answer of GET /jobs/:jobid/checkpoints.
type CheckpointingStatistics struct {
	Counts  CheckpointCounts       `json:"counts"`
	Summary CheckpointSummary      `json:"summary"`
	Latest  LatestCheckpoints      `json:"latest"`
	History []CheckpointStatistics `json:"history"`
}

// CheckpointCounts are Flink's running counts of checkpoints. Failed and
// total include failures that never reached the history.
type CheckpointCounts struct {
	Restored   int64 `json:"restored"`
	Total      int64 `json:"total"`
	InProgress int   `json:"in_progress"`
	Completed  int64 `json:"completed"`
	Failed     int64 `json:"failed"`
}

// StatsSummary is Flink's StatsSummaryDto: min, max and average as integers,
// and percentiles (1.14+) that are "NaN" when there is no data.
type StatsSummary struct {
	Min  int64  `json:"min"`
	Max  int64  `json:"max"`
	Avg  int64  `json:"avg"`
	P50  *Float `json:"p50,omitempty"`
	P90  *Float `json:"p90,omitempty"`
	P95  *Float `json:"p95,omitempty"`
	P99  *Float `json:"p99,omitempty"`
	P999 *Float `json:"p999,omitempty"`
}

// CheckpointSummary summarises the completed checkpoints of a job.
type CheckpointSummary struct {
	CheckpointedSize  *StatsSummary `json:"checkpointed_size,omitempty"` // 1.15+
	StateSize         StatsSummary  `json:"state_size"`
	EndToEndDuration  StatsSummary  `json:"end_to_end_duration"`
	AlignmentBuffered StatsSummary  `json:"alignment_buffered"`
	ProcessedData     StatsSummary  `json:"processed_data"`
	PersistedData     StatsSummary  `json:"persisted_data"`
}

// LatestCheckpoints holds the newest checkpoint of each kind; each may be
// null.
type LatestCheckpoints struct {
	Completed *CheckpointStatistics `json:"completed"`
	Savepoint *CheckpointStatistics `json:"savepoint"`
	Failed    *CheckpointStatistics `json:"failed"`
	Restored  *RestoredCheckpoint   `json:"restored"`
}

// RestoredCheckpoint describes the checkpoint a job last restored from.
type RestoredCheckpoint struct {
	ID               int64   `json:"id"`
	RestoreTimestamp int64   `json:"restore_timestamp"`
	IsSavepoint      bool    `json:"is_savepoint"`
	ExternalPath     *string `json:"external_path"`
}

// CheckpointStatistics is one checkpoint: a history entry, a latest.* entry
// or the answer of GET /jobs/:jobid/checkpoints/details/:checkpointid (the
// only place where Tasks is filled). Its kind is in ClassName (1.15+) or
// AtClass (1.13/1.14); Status says the same in every version.
type CheckpointStatistics struct {
	ClassName               string                              `json:"className,omitempty"`
	AtClass                 string                              `json:"@class,omitempty"`
	ID                      int64                               `json:"id"`
	Status                  string                              `json:"status"`
	IsSavepoint             bool                                `json:"is_savepoint"`
	SavepointFormat         Opt[string]                         `json:"savepointFormat,omitzero"` // 1.17+, null for checkpoints
	TriggerTimestamp        int64                               `json:"trigger_timestamp"`
	LatestAckTimestamp      int64                               `json:"latest_ack_timestamp"`
	CheckpointedSize        *int64                              `json:"checkpointed_size,omitempty"` // 1.15+
	StateSize               int64                               `json:"state_size"`
	EndToEndDuration        int64                               `json:"end_to_end_duration"`
	AlignmentBuffered       int64                               `json:"alignment_buffered"`
	ProcessedData           int64                               `json:"processed_data"`
	PersistedData           int64                               `json:"persisted_data"`
	NumSubtasks             int                                 `json:"num_subtasks"`
	NumAcknowledgedSubtasks int                                 `json:"num_acknowledged_subtasks"`
	CheckpointType          string                              `json:"checkpoint_type"`
	Tasks                   map[string]TaskCheckpointStatistics `json:"tasks"`
	// Completed checkpoints only.
	ExternalPath Opt[string] `json:"external_path,omitzero"`
	Discarded    *bool       `json:"discarded,omitempty"`
	// Failed checkpoints only.
	FailureTimestamp *int64      `json:"failure_timestamp,omitempty"`
	FailureMessage   Opt[string] `json:"failure_message,omitzero"`
}

// Size returns the bytes this checkpoint persisted: checkpointed_size from
// 1.15, state_size before, when it was the only size.
func (c *CheckpointStatistics) Size() int64 {
	if c.CheckpointedSize != nil {
		return *c.CheckpointedSize
	}
	return c.StateSize
}

// TaskCheckpointStatistics is the per-vertex part of a checkpoint's details.
type TaskCheckpointStatistics struct {
	ID                      int64  `json:"id"`
	Status                  string `json:"status"`
	LatestAckTimestamp      int64  `json:"latest_ack_timestamp"`
	CheckpointedSize        *int64 `json:"checkpointed_size,omitempty"` // 1.15+
	StateSize               int64  `json:"state_size"`
	EndToEndDuration        int64  `json:"end_to_end_duration"`
	AlignmentBuffered       int64  `json:"alignment_buffered"`
	ProcessedData           int64  `json:"processed_data"`
	PersistedData           int64  `json:"persisted_data"`
	NumSubtasks             int    `json:"num_subtasks"`
	NumAcknowledgedSubtasks int    `json:"num_acknowledged_subtasks"`
}

// TaskCheckpointStatisticsWithSubtaskDetails is the answer of
// GET /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid.
type TaskCheckpointStatisticsWithSubtaskDetails struct {
	TaskCheckpointStatistics
	Summary  SubtaskCheckpointSummary      `json:"summary"`
	Subtasks []SubtaskCheckpointStatistics `json:"subtasks"`
}

// SubtaskCheckpointSummary summarises the subtasks of one vertex. Flink keeps
// no histogram here: every percentile is "NaN"; use Min, Max and Avg.
type SubtaskCheckpointSummary struct {
	CheckpointedSize   *StatsSummary             `json:"checkpointed_size,omitempty"` // 1.15+
	StateSize          StatsSummary              `json:"state_size"`
	EndToEndDuration   StatsSummary              `json:"end_to_end_duration"`
	CheckpointDuration CheckpointDurationSummary `json:"checkpoint_duration"`
	Alignment          AlignmentSummary          `json:"alignment"`
	StartDelay         StatsSummary              `json:"start_delay"`
}

// CheckpointDurationSummary summarises the synchronous and asynchronous
// snapshot phases, in milliseconds.
type CheckpointDurationSummary struct {
	Sync  StatsSummary `json:"sync"`
	Async StatsSummary `json:"async"`
}

// AlignmentSummary summarises barrier alignment.
type AlignmentSummary struct {
	Buffered  StatsSummary `json:"buffered"`
	Processed StatsSummary `json:"processed"`
	Persisted StatsSummary `json:"persisted"`
	Duration  StatsSummary `json:"duration"`
}

// SubtaskCheckpointStatistics is one subtask's part of a checkpoint. Pending
// subtasks carry only ClassName/AtClass, Index and Status; the pointers are
// set for completed ones.
type SubtaskCheckpointStatistics struct {
	ClassName           string                     `json:"className,omitempty"`
	AtClass             string                     `json:"@class,omitempty"`
	Index               int                        `json:"index"`
	Status              string                     `json:"status"`
	AckTimestamp        *int64                     `json:"ack_timestamp,omitempty"`
	EndToEndDuration    *int64                     `json:"end_to_end_duration,omitempty"`
	CheckpointedSize    *int64                     `json:"checkpointed_size,omitempty"` // 1.15+
	StateSize           *int64                     `json:"state_size,omitempty"`
	Checkpoint          *SubtaskCheckpointDuration `json:"checkpoint,omitempty"`
	Alignment           *SubtaskAlignment          `json:"alignment,omitempty"`
	StartDelay          *int64                     `json:"start_delay,omitempty"`
	UnalignedCheckpoint *bool                      `json:"unaligned_checkpoint,omitempty"`
	Aborted             *bool                      `json:"aborted,omitempty"`
}

// Acknowledged reports whether the subtask reported its part.
func (s SubtaskCheckpointStatistics) Acknowledged() bool {
	return s.Status == SubtaskCheckpointCompleted && s.AckTimestamp != nil
}

// SubtaskCheckpointDuration holds one subtask's snapshot phases in ms.
type SubtaskCheckpointDuration struct {
	Sync  int64 `json:"sync"`
	Async int64 `json:"async"`
}

// SubtaskAlignment holds one subtask's alignment: bytes and duration in ms.
type SubtaskAlignment struct {
	Buffered  int64 `json:"buffered"`
	Processed int64 `json:"processed"`
	Persisted int64 `json:"persisted"`
	Duration  int64 `json:"duration"`
}

// CheckpointConfig is the answer of GET /jobs/:jobid/checkpoints/config.
// Mode is lowercase on the wire ("exactly_once") whatever the spec says.
type CheckpointConfig struct {
	Mode                       string                `json:"mode"`
	Interval                   int64                 `json:"interval"`
	Timeout                    int64                 `json:"timeout"`
	MinPause                   int64                 `json:"min_pause"`
	MaxConcurrent              int64                 `json:"max_concurrent"`
	Externalization            CheckpointExternalize `json:"externalization"`
	StateBackend               *string               `json:"state_backend"`
	CheckpointStorage          *string               `json:"checkpoint_storage"`
	UnalignedCheckpoints       bool                  `json:"unaligned_checkpoints"`
	TolerableFailedCheckpoints int                   `json:"tolerable_failed_checkpoints"`
	// AlignedCheckpointTimeout is 1.14+; some 1.13 builds call it
	// alignment_timeout (AlignmentTimeout).
	AlignedCheckpointTimeout    *int64      `json:"aligned_checkpoint_timeout,omitempty"`
	AlignmentTimeout            *int64      `json:"alignment_timeout,omitempty"`
	CheckpointsAfterTasksFinish *bool       `json:"checkpoints_after_tasks_finish,omitempty"` // 1.15+
	StateChangelogEnabled       *bool       `json:"state_changelog_enabled,omitempty"`        // 1.16+
	ChangelogMaterialization    *int64      `json:"changelog_periodic_materialization_interval,omitempty"`
	ChangelogStorage            Opt[string] `json:"changelog_storage,omitzero"`
}

// PeriodicCheckpointing reports whether the job checkpoints on an interval.
func (c *CheckpointConfig) PeriodicCheckpointing() bool {
	return c.Interval > 0 && c.Interval != IntervalDisabled
}

// CheckpointExternalize says whether checkpoints are retained externally.
type CheckpointExternalize struct {
	Enabled              bool `json:"enabled"`
	DeleteOnCancellation bool `json:"delete_on_cancellation"`
}
