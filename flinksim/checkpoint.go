package flinksim

import (
	"fmt"
	"strings"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// Failure messages of Flink's CheckpointFailureReason (REFERENCE.md §7).
const (
	msgExpired        = "Checkpoint expired before completing."
	msgAsyncFailed    = "Asynchronous task checkpoint failed."
	msgDeclined       = "Checkpoint was declined."
	msgIOTrigger      = "An Exception occurred while triggering the checkpoint. IO-problem detected."
	msgFailover       = "FailoverRegion is restarting."
	msgTaskFailure    = "Task has failed."
	msgExternalPrefix = "s3://flink-checkpoints/"
)

// checkpoint is one triggered checkpoint. Only aggregates are stored; each
// subtask's part is recomputed from params (see subtaskPart).
type checkpoint struct {
	id      int64
	status  string // flinkapi.CheckpointInProgress, ...Completed, ...Failed
	trigger int64  // ms
	// end is when the checkpoint completes or fails: planned at trigger,
	// earlier if it is aborted.
	end     int64
	failure string // failure_message when the outcome is a failure
	params  checkpointParams

	// Set when the checkpoint ends.
	total     taskAgg
	tasks     []taskAgg // per vertex
	discarded bool      // subsumed by a newer completed checkpoint
	// rendered subtask details per vertex index, filled on first request
	// once the checkpoint has ended (they never change afterwards).
	subtaskJSON map[int][]byte
}

// taskAgg sums the acknowledged subtasks of a vertex or of the whole
// checkpoint.
type taskAgg struct {
	acked                                             int
	latestAck                                         int64 // -1 without ack
	stateSize, checkpointedSize, processed, persisted int64
}

// addPart accounts one acknowledged subtask.
func (a *taskAgg) addPart(p subtaskPart, ack int64) {
	a.acked++
	a.latestAck = max(a.latestAck, ack)
	a.stateSize += p.stateSize
	a.checkpointedSize += p.checkpointedSize
	a.processed += p.processed
	a.persisted += p.persisted
}

// aggregate sums the parts acknowledged by cutoff, in total and per vertex.
func aggregate(cp *checkpoint, parts []subtaskPart, vertices, parallelism int, cutoff int64) (taskAgg, []taskAgg) {
	total := taskAgg{latestAck: -1}
	tasks := make([]taskAgg, vertices)
	for v := range tasks {
		tasks[v].latestAck = -1
	}
	for k, p := range parts {
		ack := cp.trigger + p.ackOffset()
		if ack > cutoff {
			continue
		}
		total.addPart(p, ack)
		tasks[k/parallelism].addPart(p, ack)
	}
	return total, tasks
}

// externalPath is where a completed checkpoint of the job was written.
func externalPath(jobID string, id int64) string {
	return fmt.Sprintf("%s%s/chk-%d", msgExternalPrefix, jobID, id)
}

// declineMessage is the failure_message of a checkpoint declined by subtask
// i of vertex v: the bare reason up to 1.14, the operator-prefixed form of
// the original exception from 1.15 (FLINK-26049).
func declineMessage(ver version, id int64, vertexName string, i, parallelism, attempt int) string {
	if ver.atClass {
		return msgDeclined
	}
	op, _, _ := strings.Cut(vertexName, " -> ")
	return fmt.Sprintf("Could not complete snapshot %d for operator %s (%d/%d)#%d. Failure reason: %s",
		id, op, i+1, parallelism, attempt, msgDeclined)
}

// classNameOf maps a checkpoint status to its discriminator value.
func classNameOf(status string) string {
	switch status {
	case flinkapi.CheckpointCompleted:
		return "completed"
	case flinkapi.CheckpointFailed:
		return "failed"
	}
	return "in_progress"
}
