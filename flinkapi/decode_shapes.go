package flinkapi

import (
	"bytes"
	"fmt"
)

// The shapes below list, per answer, the keys Flink always sends (in every
// version from 1.13 on, as the schema snapshots under
// testdata/flink-rest/specs record them). Decoding an answer into its shape
// costs one byte per key, so that even a /jobs/overview of 100 000 jobs is
// checked cheaply; the typed decode cannot tell a missing key or a null
// from a zero.

// seen is a required key: true when the answer holds it with a value other
// than null.
type seen bool

// UnmarshalJSON marks the key seen unless its value is null.
func (s *seen) UnmarshalJSON(data []byte) error {
	*s = seen(!bytes.Equal(bytes.TrimSpace(data), []byte("null")))
	return nil
}

// shaped is a shape that names its first missing required key.
type shaped interface {
	missing() string
}

// field pairs a required key's name with whether it was seen.
type field struct {
	name string
	ok   seen
}

// key names a required key of a shape.
func key(name string, ok seen) field { return field{name, ok} }

// firstMissing returns the name of the first key not seen, or "".
func firstMissing(keys ...field) string {
	for _, k := range keys {
		if !k.ok {
			return k.name
		}
	}
	return ""
}

type configShape struct {
	FlinkVersion seen `json:"flink-version"`
}

func (s *configShape) missing() string { return firstMissing(key("flink-version", s.FlinkVersion)) }

type overviewShape struct {
	TaskManagers   seen `json:"taskmanagers"`
	SlotsTotal     seen `json:"slots-total"`
	SlotsAvailable seen `json:"slots-available"`
	JobsRunning    seen `json:"jobs-running"`
	JobsFinished   seen `json:"jobs-finished"`
	JobsCancelled  seen `json:"jobs-cancelled"`
	JobsFailed     seen `json:"jobs-failed"`
	FlinkVersion   seen `json:"flink-version"`
}

func (s *overviewShape) missing() string {
	return firstMissing(key("taskmanagers", s.TaskManagers), key("slots-total", s.SlotsTotal),
		key("slots-available", s.SlotsAvailable), key("jobs-running", s.JobsRunning),
		key("jobs-finished", s.JobsFinished), key("jobs-cancelled", s.JobsCancelled),
		key("jobs-failed", s.JobsFailed), key("flink-version", s.FlinkVersion))
}

type jobsOverviewShape struct {
	Jobs *[]jobOverviewShape `json:"jobs"`
}

// jobOverviewShape requires the keys the exporter reads of a job.
type jobOverviewShape struct {
	ID        seen `json:"jid"`
	Name      seen `json:"name"`
	State     seen `json:"state"`
	StartTime seen `json:"start-time"`
}

func (s *jobsOverviewShape) missing() string {
	if s.Jobs == nil {
		return "jobs"
	}
	for i, j := range *s.Jobs {
		if m := firstMissing(key("jid", j.ID), key("name", j.Name), key("state", j.State),
			key("start-time", j.StartTime)); m != "" {
			return fmt.Sprintf("jobs[%d].%s", i, m)
		}
	}
	return ""
}

type jobDetailsShape struct {
	ID        seen `json:"jid"`
	State     seen `json:"state"`
	StartTime seen `json:"start-time"`
	Vertices  *[]struct {
		ID          seen `json:"id"`
		Parallelism seen `json:"parallelism"`
	} `json:"vertices"`
}

func (s *jobDetailsShape) missing() string {
	if m := firstMissing(key("jid", s.ID), key("state", s.State), key("start-time", s.StartTime)); m != "" {
		return m
	}
	if s.Vertices == nil {
		return "vertices"
	}
	for i, v := range *s.Vertices {
		if m := firstMissing(key("id", v.ID), key("parallelism", v.Parallelism)); m != "" {
			return fmt.Sprintf("vertices[%d].%s", i, m)
		}
	}
	return ""
}

type taskManagersShape struct {
	TaskManagers *[]struct {
		ID            seen `json:"id"`
		SlotsNumber   seen `json:"slotsNumber"`
		FreeSlots     seen `json:"freeSlots"`
		LastHeartbeat seen `json:"timeSinceLastHeartbeat"`
	} `json:"taskmanagers"`
}

func (s *taskManagersShape) missing() string {
	if s.TaskManagers == nil {
		return "taskmanagers"
	}
	for i, tm := range *s.TaskManagers {
		if m := firstMissing(key("id", tm.ID), key("slotsNumber", tm.SlotsNumber), key("freeSlots", tm.FreeSlots),
			key("timeSinceLastHeartbeat", tm.LastHeartbeat)); m != "" {
			return fmt.Sprintf("taskmanagers[%d].%s", i, m)
		}
	}
	return ""
}

// checkpointShape is one checkpoint of a /checkpoints answer.
type checkpointShape struct {
	ID               seen `json:"id"`
	Status           seen `json:"status"`
	TriggerTimestamp seen `json:"trigger_timestamp"`
}

func (s *checkpointShape) missing() string {
	return firstMissing(key("id", s.ID), key("status", s.Status), key("trigger_timestamp", s.TriggerTimestamp))
}

type checkpointsShape struct {
	Counts *struct {
		Restored   seen `json:"restored"`
		Total      seen `json:"total"`
		InProgress seen `json:"in_progress"`
		Completed  seen `json:"completed"`
		Failed     seen `json:"failed"`
	} `json:"counts"`
	Latest *struct {
		Completed *checkpointShape `json:"completed"`
		Savepoint *checkpointShape `json:"savepoint"`
		Failed    *checkpointShape `json:"failed"`
	} `json:"latest"`
	History *[]checkpointShape `json:"history"`
}

func (s *checkpointsShape) missing() string {
	if s.Counts == nil {
		return "counts"
	}
	c := s.Counts
	if m := firstMissing(key("restored", c.Restored), key("total", c.Total), key("in_progress", c.InProgress),
		key("completed", c.Completed), key("failed", c.Failed)); m != "" {
		return "counts." + m
	}
	if s.Latest == nil {
		return "latest"
	}
	for _, l := range []struct {
		name string
		cp   *checkpointShape
	}{{"completed", s.Latest.Completed}, {"savepoint", s.Latest.Savepoint}, {"failed", s.Latest.Failed}} {
		if l.cp == nil {
			continue
		}
		if m := l.cp.missing(); m != "" {
			return "latest." + l.name + "." + m
		}
	}
	if s.History == nil {
		return "history"
	}
	for i, h := range *s.History {
		if m := h.missing(); m != "" {
			return fmt.Sprintf("history[%d].%s", i, m)
		}
	}
	return ""
}

type checkpointConfigShape struct {
	Mode          seen `json:"mode"`
	Interval      seen `json:"interval"`
	Timeout       seen `json:"timeout"`
	MinPause      seen `json:"min_pause"`
	MaxConcurrent seen `json:"max_concurrent"`
}

func (s *checkpointConfigShape) missing() string {
	return firstMissing(key("mode", s.Mode), key("interval", s.Interval), key("timeout", s.Timeout),
		key("min_pause", s.MinPause), key("max_concurrent", s.MaxConcurrent))
}

type vertexShape struct {
	ID       seen `json:"id"`
	Subtasks seen `json:"subtasks"`
}

func (s *vertexShape) missing() string {
	return firstMissing(key("id", s.ID), key("subtasks", s.Subtasks))
}

type backPressureShape struct {
	Status seen `json:"status"`
}

func (s *backPressureShape) missing() string { return firstMissing(key("status", s.Status)) }
