package collector

import "testing"

func TestClassifyFailure(t *testing.T) {
	tests := []struct {
		msg  string
		want string
	}{
		{"Checkpoint expired before completing.", ReasonExpired},
		{"Checkpoint was declined.", ReasonDeclined},
		{"Checkpoint was declined (tasks not ready)", ReasonDeclined},
		{"Checkpoint was declined (task is closing)", ReasonDeclined},
		{"Could not complete snapshot 42 for operator KeyedProcess (1/2)#0. Failure reason: Checkpoint was declined.", ReasonDeclined},
		{"Asynchronous task checkpoint failed.", ReasonAsyncFailure},
		{"The checkpoint was aborted due to exception of other subtasks sharing the ChannelState file.", ReasonAsyncFailure},
		{"An Exception occurred while triggering the checkpoint. IO-problem detected.", ReasonIO},
		{"An Exception occurred while triggering the checkpoint.", ReasonTrigger},
		{"Could not finalize the pending checkpoint 7. Failure reason: Failure to finalize checkpoint.", ReasonFinalize},
		{"Checkpoint has been subsumed.", ReasonSubsumed},
		{"Checkpoint was canceled because a barrier from newer checkpoint was received.", ReasonSubsumed},
		{"Task has failed.", ReasonTaskFailure},
		{"TaskManager received a checkpoint request for unknown task 1a2b. Failure reason: Task local checkpoint failure.", ReasonTaskFailure},
		{"FailoverRegion is restarting.", ReasonCoordinator},
		{"CheckpointCoordinator shutdown.", ReasonCoordinator},
		{"Coordinator state not acknowledged successfully: x Failure reason: Trigger checkpoint failure.", ReasonTrigger},
		{"Some tasks of the job have already finished and checkpointing with finished tasks is not enabled. Failure reason: Not all required tasks are currently running.", ReasonTrigger},
		// The specific part mentions another reason's text: the one after
		// "Failure reason:" decides.
		{"Task has failed. while Checkpoint expired before completing. Failure reason: Checkpoint was declined.", ReasonDeclined},
		{"java.lang.OutOfMemoryError: Java heap space", ReasonOther},
		{"", ReasonOther},
	}
	for _, tt := range tests {
		if got := ClassifyFailure(tt.msg); got != tt.want {
			t.Errorf("ClassifyFailure(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}

func TestFailureMessagesLongestFirst(t *testing.T) {
	for i := 1; i < len(failureMessages); i++ {
		if len(failureMessages[i].text) > len(failureMessages[i-1].text) {
			t.Fatalf("%q comes after the shorter %q", failureMessages[i].text, failureMessages[i-1].text)
		}
	}
	reasons := map[string]bool{}
	for _, r := range FailureReasons() {
		reasons[r] = true
	}
	for _, m := range failureMessages {
		if !reasons[m.reason] {
			t.Errorf("message %q maps to unlisted reason %q", m.text, m.reason)
		}
	}
}
