package flinkapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// The validity contract of the answers the exporter reads. Go's decoder
// turns a missing key or a null into the zero value, so that a JobManager
// answering {} would pass for a healthy, empty cluster and one answering a
// negative count for a cluster with fewer than no TaskManagers. Every answer
// is therefore checked after decoding: the fields Flink always sends are
// present and not null, ids are well-formed, counts and sizes are
// non-negative, and no number is beyond what a float64 holds exactly (2^53),
// apart from the sentinels Flink documents (-1 for "no value" on timestamps
// and durations, Long.MAX_VALUE for a disabled checkpoint interval). An
// answer that breaks the contract is an error of its endpoint, never zeros.

// MaxSafeInteger is the largest integer a float64 holds exactly (2^53); a
// count or size beyond it cannot be exported faithfully.
const MaxSafeInteger = 1 << 53

// InvalidAnswerError is a 2xx answer that decoded but breaks the validity
// contract. Field is the JSON path of the first offending field
// ("jobs[2].jid").
type InvalidAnswerError struct {
	Endpoint string
	Field    string
	Problem  string
}

// Error names the endpoint, the field and what is wrong with it.
func (e *InvalidAnswerError) Error() string {
	return fmt.Sprintf("GET %s: invalid answer: %s %s", e.Endpoint, e.Field, e.Problem)
}

// IsInvalidAnswer reports whether err is an answer that broke the validity
// contract.
func IsInvalidAnswer(err error) bool {
	var ie *InvalidAnswerError
	return errors.As(err, &ie)
}

// CheckAnswer checks a decoded answer of endpoint against the validity
// contract: body is the raw answer (for the presence of required keys), out
// what it decoded into. It returns an *InvalidAnswerError for the first
// violation, or nil. Types the contract does not cover pass.
func CheckAnswer(endpoint string, body []byte, out any) error {
	c := &checker{endpoint: endpoint}
	switch v := out.(type) {
	case *DashboardConfig:
		c.shape(body, &configShape{})
		c.nonEmpty("flink-version", v.FlinkVersion)
	case *ClusterOverview:
		c.shape(body, &overviewShape{})
		c.checkOverview(v)
	case *JobsOverview:
		c.shape(body, &jobsOverviewShape{})
		for i, j := range v.Jobs {
			c.checkJobOverview(fmt.Sprintf("jobs[%d]", i), j)
		}
	case *JobDetails:
		c.shape(body, &jobDetailsShape{})
		c.checkJobDetails(v)
	case *TaskManagersInfo:
		c.shape(body, &taskManagersShape{})
		for i, tm := range v.TaskManagers {
			c.checkTaskManager(fmt.Sprintf("taskmanagers[%d]", i), tm)
		}
	case *CheckpointingStatistics:
		c.shape(body, &checkpointsShape{})
		c.checkCheckpoints(v)
	case *CheckpointStatistics:
		c.checkCheckpoint("", v)
	case *CheckpointConfig:
		c.shape(body, &checkpointConfigShape{})
		c.checkCheckpointConfig(v)
	case *TaskCheckpointStatisticsWithSubtaskDetails:
		c.checkSubtaskDetails(v)
	case *JobVertexDetails:
		c.shape(body, &vertexShape{})
		c.checkVertexDetails(v)
	case *JobVertexBackPressure:
		c.shape(body, &backPressureShape{})
		c.checkBackPressure(v)
	case *[]Metric:
		for i, m := range *v {
			c.nonEmpty(fmt.Sprintf("[%d].id", i), m.ID)
		}
	case *[]AggregatedMetric:
		for i, m := range *v {
			c.nonEmpty(fmt.Sprintf("[%d].id", i), m.ID)
		}
	case *[]ConfigEntry:
		for i, e := range *v {
			c.nonEmpty(fmt.Sprintf("[%d].key", i), e.Key)
		}
	}
	if c.err != nil {
		return c.err
	}
	return nil
}

// checker keeps the first violation of one answer.
type checker struct {
	endpoint string
	err      *InvalidAnswerError
}

func (c *checker) fail(field, problem string) {
	if c.err == nil {
		c.err = &InvalidAnswerError{Endpoint: c.endpoint, Field: field, Problem: problem}
	}
}

// shape decodes body into a shape (a struct of seen fields) and reports
// its first required field that is missing or null.
func (c *checker) shape(body []byte, s shaped) {
	if c.err != nil {
		return
	}
	if err := json.Unmarshal(body, s); err != nil {
		c.fail("(answer)", "does not decode: "+err.Error())
		return
	}
	if field := s.missing(); field != "" {
		c.fail(field, "is missing or null")
	}
}

// count checks a count or size: 0 <= v < 2^53.
func (c *checker) count(field string, v int64) {
	switch {
	case v < 0:
		c.fail(field, "is negative ("+strconv.FormatInt(v, 10)+")")
	case v >= MaxSafeInteger:
		c.fail(field, "is beyond 2^53 ("+strconv.FormatInt(v, 10)+")")
	}
}

// optCount checks an optional count or size.
func (c *checker) optCount(field string, v *int64) {
	if v != nil {
		c.count(field, *v)
	}
}

// moment checks a timestamp or duration, where -1 means "no value":
// -1 <= v < 2^53.
func (c *checker) moment(field string, v int64) {
	switch {
	case v < -1:
		c.fail(field, "is below -1 ("+strconv.FormatInt(v, 10)+")")
	case v >= MaxSafeInteger:
		c.fail(field, "is beyond 2^53 ("+strconv.FormatInt(v, 10)+")")
	}
}

// safe checks a number that may be negative: |v| < 2^53.
func (c *checker) safe(field string, v int64) {
	if v >= MaxSafeInteger || v <= -MaxSafeInteger {
		c.fail(field, "is beyond 2^53 in magnitude ("+strconv.FormatInt(v, 10)+")")
	}
}

// ratio checks a fraction of time: NaN (no value) or within [0, 1].
func (c *checker) ratio(field string, v Float) {
	f := float64(v)
	if !math.IsNaN(f) && (f < 0 || f > 1) {
		c.fail(field, "is not a ratio within [0, 1] ("+strconv.FormatFloat(f, 'g', -1, 64)+")")
	}
}

// nonEmpty checks a free-form id or name.
func (c *checker) nonEmpty(field, v string) {
	if v == "" {
		c.fail(field, "is empty")
	}
}

// hexID checks a job or vertex id: 32 lowercase or uppercase hex digits.
func (c *checker) hexID(field, v string) {
	if !IsHexID(v) {
		c.fail(field, fmt.Sprintf("is not a 32-hex-digit id (%q)", truncateID(v)))
	}
}

// IsHexID reports whether id is a Flink JobID or JobVertexID: 32 hex digits.
func IsHexID(id string) bool {
	if len(id) != 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch ch := id[i]; {
		case ch >= '0' && ch <= '9', ch >= 'a' && ch <= 'f', ch >= 'A' && ch <= 'F':
		default:
			return false
		}
	}
	return true
}

// truncateID keeps an id quoted in an error short, whatever was sent.
func truncateID(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

func (c *checker) checkOverview(o *ClusterOverview) {
	c.count("taskmanagers", int64(o.TaskManagers))
	c.count("slots-total", int64(o.SlotsTotal))
	c.count("slots-available", int64(o.SlotsAvailable))
	c.count("taskmanagers-blocked", int64(o.TaskManagersBlocked))
	c.count("slots-free-and-blocked", int64(o.SlotsFreeAndBlocked))
	c.count("jobs-running", int64(o.JobsRunning))
	c.count("jobs-finished", int64(o.JobsFinished))
	c.count("jobs-cancelled", int64(o.JobsCancelled))
	c.count("jobs-failed", int64(o.JobsFailed))
	c.nonEmpty("flink-version", o.FlinkVersion)
}

func (c *checker) checkJobOverview(at string, j JobOverview) {
	c.hexID(at+".jid", j.ID)
	c.nonEmpty(at+".state", j.State)
	c.moment(at+".start-time", j.StartTime)
	c.moment(at+".end-time", j.EndTime)
	c.moment(at+".duration", j.Duration)
	c.moment(at+".last-modification", j.LastModification)
	for k, n := range j.Tasks {
		c.count(at+".tasks."+k, int64(n))
	}
}

func (c *checker) checkJobDetails(d *JobDetails) {
	c.hexID("jid", d.ID)
	c.nonEmpty("state", d.State)
	c.moment("start-time", d.StartTime)
	c.moment("now", d.Now)
	for i, v := range d.Vertices {
		at := fmt.Sprintf("vertices[%d]", i)
		c.hexID(at+".id", v.ID)
		c.count(at+".parallelism", int64(v.Parallelism))
	}
}

func (c *checker) checkTaskManager(at string, tm TaskManagerInfo) {
	c.nonEmpty(at+".id", tm.ID)
	c.count(at+".slotsNumber", int64(tm.SlotsNumber))
	c.count(at+".freeSlots", int64(tm.FreeSlots))
	// -1 or 0 means unknown; any negative value is taken as unknown too.
	c.safe(at+".timeSinceLastHeartbeat", tm.TimeSinceLastHeartbeat)
	c.count(at+".hardware.cpuCores", int64(tm.Hardware.CPUCores))
	c.count(at+".hardware.physicalMemory", tm.Hardware.PhysicalMemory)
	c.count(at+".hardware.freeMemory", tm.Hardware.FreeMemory)
	c.count(at+".hardware.managedMemory", tm.Hardware.ManagedMemory)
}

func (c *checker) checkCheckpoints(s *CheckpointingStatistics) {
	c.count("counts.restored", s.Counts.Restored)
	c.count("counts.total", s.Counts.Total)
	c.count("counts.in_progress", int64(s.Counts.InProgress))
	c.count("counts.completed", s.Counts.Completed)
	c.count("counts.failed", s.Counts.Failed)
	for _, l := range []struct {
		at string
		cp *CheckpointStatistics
	}{{"latest.completed", s.Latest.Completed}, {"latest.savepoint", s.Latest.Savepoint}, {"latest.failed", s.Latest.Failed}} {
		if l.cp != nil {
			c.checkCheckpoint(l.at+".", l.cp)
		}
	}
	if r := s.Latest.Restored; r != nil {
		c.count("latest.restored.id", r.ID)
		c.moment("latest.restored.restore_timestamp", r.RestoreTimestamp)
	}
	for i := range s.History {
		c.checkCheckpoint(fmt.Sprintf("history[%d].", i), &s.History[i])
	}
}

// checkCheckpoint checks one checkpoint; at is its path with a trailing dot
// ("history[0].") or "" for a details answer.
func (c *checker) checkCheckpoint(at string, cp *CheckpointStatistics) {
	c.count(at+"id", cp.ID)
	c.nonEmpty(at+"status", cp.Status)
	c.moment(at+"trigger_timestamp", cp.TriggerTimestamp)
	c.moment(at+"latest_ack_timestamp", cp.LatestAckTimestamp)
	c.moment(at+"end_to_end_duration", cp.EndToEndDuration)
	c.optCount(at+"checkpointed_size", cp.CheckpointedSize)
	c.count(at+"state_size", cp.StateSize)
	c.count(at+"num_subtasks", int64(cp.NumSubtasks))
	c.count(at+"num_acknowledged_subtasks", int64(cp.NumAcknowledgedSubtasks))
	if cp.FailureTimestamp != nil {
		c.moment(at+"failure_timestamp", *cp.FailureTimestamp)
	}
	for id, t := range cp.Tasks {
		tat := at + "tasks." + id + "."
		c.hexID(at+"tasks (key)", id)
		c.moment(tat+"latest_ack_timestamp", t.LatestAckTimestamp)
		c.moment(tat+"end_to_end_duration", t.EndToEndDuration)
		c.optCount(tat+"checkpointed_size", t.CheckpointedSize)
		c.count(tat+"state_size", t.StateSize)
		c.count(tat+"num_subtasks", int64(t.NumSubtasks))
		c.count(tat+"num_acknowledged_subtasks", int64(t.NumAcknowledgedSubtasks))
	}
}

func (c *checker) checkCheckpointConfig(cfg *CheckpointConfig) {
	c.nonEmpty("mode", cfg.Mode)
	if cfg.Interval != IntervalDisabled {
		c.count("interval", cfg.Interval)
	}
	c.count("timeout", cfg.Timeout)
	c.count("min_pause", cfg.MinPause)
	c.count("max_concurrent", cfg.MaxConcurrent)
	c.count("tolerable_failed_checkpoints", int64(cfg.TolerableFailedCheckpoints))
}

func (c *checker) checkSubtaskDetails(d *TaskCheckpointStatisticsWithSubtaskDetails) {
	c.count("num_subtasks", int64(d.NumSubtasks))
	c.count("num_acknowledged_subtasks", int64(d.NumAcknowledgedSubtasks))
	for i, s := range d.Subtasks {
		at := fmt.Sprintf("subtasks[%d].", i)
		c.count(at+"index", int64(s.Index))
		c.nonEmpty(at+"status", s.Status)
		if s.AckTimestamp != nil {
			c.moment(at+"ack_timestamp", *s.AckTimestamp)
		}
		if s.EndToEndDuration != nil {
			c.moment(at+"end_to_end_duration", *s.EndToEndDuration)
		}
		c.optCount(at+"checkpointed_size", s.CheckpointedSize)
		c.optCount(at+"state_size", s.StateSize)
		if s.Checkpoint != nil {
			c.moment(at+"checkpoint.sync", s.Checkpoint.Sync)
			c.moment(at+"checkpoint.async", s.Checkpoint.Async)
		}
		if s.Alignment != nil {
			c.moment(at+"alignment.duration", s.Alignment.Duration)
		}
		if s.StartDelay != nil {
			c.moment(at+"start_delay", *s.StartDelay)
		}
	}
}

func (c *checker) checkVertexDetails(v *JobVertexDetails) {
	c.hexID("id", v.ID)
	c.count("parallelism", int64(v.Parallelism))
	for i, s := range v.Subtasks {
		c.count(fmt.Sprintf("subtasks[%d].subtask", i), int64(s.Subtask))
	}
}

func (c *checker) checkBackPressure(b *JobVertexBackPressure) {
	for i, s := range b.Subtasks {
		at := fmt.Sprintf("subtasks[%d].", i)
		c.count(at+"subtask", int64(s.Subtask))
		c.ratio(at+"ratio", s.Ratio)
		c.ratio(at+"idleRatio", s.IdleRatio)
		c.ratio(at+"busyRatio", s.BusyRatio)
	}
}
