package collector

import (
	"sort"
	"strings"
)

// Failure reasons, the values of the reason label of
// flink_job_checkpoint_failures_total. They group Flink's
// CheckpointFailureReason enum by what an operator does about them.
const (
	ReasonExpired      = "expired"
	ReasonDeclined     = "declined"
	ReasonAsyncFailure = "async_failure"
	ReasonIO           = "io"
	ReasonFinalize     = "finalize"
	ReasonSubsumed     = "subsumed"
	ReasonTaskFailure  = "task_failure"
	ReasonCoordinator  = "coordinator"
	ReasonTrigger      = "trigger"
	ReasonOther        = "other"
	// ReasonUnseen counts the failures Flink counts (counts.failed) that
	// the exporter never saw in the history: before it started, gone from
	// the history between two scrapes, or failed while triggering.
	ReasonUnseen = "unseen"
)

// FailureReasons returns every reason label value, ReasonUnseen included
// (which ClassifyFailure never returns), so that each series
// exists from the first scrape and rate() sees the first failure. The slice
// is fresh on every call: callers may keep or change it.
func FailureReasons() []string {
	return []string{
		ReasonExpired, ReasonDeclined, ReasonAsyncFailure, ReasonIO, ReasonFinalize,
		ReasonSubsumed, ReasonTaskFailure, ReasonCoordinator, ReasonTrigger, ReasonOther,
		ReasonUnseen,
	}
}

// failureMessage maps one CheckpointFailureReason message, verbatim from
// Flink (REFERENCE.md §7), to a reason.
type failureMessage struct {
	text   string
	reason string
}

// failureMessages holds every message Flink 1.13 to 2.x uses. The
// CheckpointException message is either exactly one of these or
// "<specific text> Failure reason: <one of these>", so classification
// matches by containment, longest text first.
var failureMessages = sortedLongestFirst([]failureMessage{
	{"Checkpoint expired before completing.", ReasonExpired},
	{"Checkpoint was declined.", ReasonDeclined},
	{"Checkpoint was declined (tasks not ready)", ReasonDeclined},
	{"Checkpoint was declined (task is closing)", ReasonDeclined},
	{"Checkpoint was declined (task's operators partially closed)", ReasonDeclined},
	{"Task received cancellation from one of its inputs", ReasonDeclined},
	{"Checkpoint was declined because one input stream is finished", ReasonDeclined},
	{"Task does not support checkpointing", ReasonDeclined},
	{"The checkpoint alignment phase needed to buffer more than the configured maximum bytes", ReasonDeclined},
	{"Asynchronous task checkpoint failed.", ReasonAsyncFailure},
	{"The checkpoint was aborted due to exception of other subtasks sharing the ChannelState file.", ReasonAsyncFailure},
	{"An Exception occurred while triggering the checkpoint. IO-problem detected.", ReasonIO},
	{"An Exception occurred while triggering the checkpoint.", ReasonTrigger}, // 1.13's EXCEPTION: not necessarily IO
	{"Failure to finalize checkpoint.", ReasonFinalize},
	{"Checkpoint has been subsumed.", ReasonSubsumed},
	{"Checkpoint was canceled because a barrier from newer checkpoint was received.", ReasonSubsumed},
	{"Task has failed.", ReasonTaskFailure},
	{"Task local checkpoint failure.", ReasonTaskFailure},
	{"Unknown task for the checkpoint to notify.", ReasonTaskFailure},
	{"The job has failed.", ReasonTaskFailure},
	{"CheckpointCoordinator shutdown.", ReasonCoordinator},
	{"Checkpoint Coordinator is suspending.", ReasonCoordinator},
	{"FailoverRegion is restarting.", ReasonCoordinator},
	{"Periodic checkpoint scheduler is shut down.", ReasonCoordinator},
	{"Trigger checkpoint failure.", ReasonTrigger},
	{"Not all required tasks are currently running.", ReasonTrigger},
	{"The minimum time between checkpoints is still pending. Checkpoint will be triggered after the minimum time.", ReasonTrigger},
	{"The maximum number of queued checkpoint requests exceeded", ReasonTrigger},
	{"The maximum number of concurrent checkpoints is exceeded", ReasonTrigger},
	{"Blocking output edge exists in running tasks.", ReasonTrigger},
})

func sortedLongestFirst(ms []failureMessage) []failureMessage {
	sort.SliceStable(ms, func(i, j int) bool { return len(ms[i].text) > len(ms[j].text) })
	return ms
}

// ClassifyFailure returns the reason of a checkpoint's failure_message. The
// reason text of the "... Failure reason: <text>" form wins over any text
// that the specific part happens to contain.
func ClassifyFailure(message string) string {
	if i := strings.LastIndex(message, "Failure reason: "); i >= 0 {
		if r := matchFailure(message[i+len("Failure reason: "):]); r != "" {
			return r
		}
	}
	if r := matchFailure(message); r != "" {
		return r
	}
	return ReasonOther
}

func matchFailure(message string) string {
	for _, m := range failureMessages {
		if strings.Contains(message, m.text) {
			return m.reason
		}
	}
	return ""
}
