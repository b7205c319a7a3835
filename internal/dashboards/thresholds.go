package dashboards

// Alert thresholds, drawn as lines on the panels whose series they
// compare. They are the literals of the alerting and recording rules in
// rules/ (see the README's "Alert thresholds"); change both together.
const (
	// thresholdRatio: checkpoint duration, and in-progress age, over the
	// timeout (FlinkCheckpointDurationNearTimeout,
	// FlinkCheckpointInProgressNearTimeout).
	thresholdRatio = 0.8
	// thresholdShortTimeout: duration over the timeout from which, with
	// no other cause showing, the timeout is too short
	// (FlinkCheckpointTimeoutTooShort).
	thresholdShortTimeout = 0.6
	// thresholdUnexplained: seconds of an acknowledgement outside its
	// phases (network latency, JobManager overload).
	thresholdUnexplained = 1
	// thresholdStraggler: seconds of a TaskManager's slowest
	// acknowledgement; the rule adds "twice the job's fastest TaskManager".
	thresholdStraggler = 1
	// thresholdCPU: JVM CPU load of an overloaded TaskManager or
	// JobManager.
	thresholdCPU = 0.8
	// thresholdGC: share of time in garbage collection of an overloaded
	// JVM.
	thresholdGC = 0.1
	// thresholdRESTLatency: seconds, 90th percentile of the JobManager's
	// REST answers, of an overloaded JobManager.
	thresholdRESTLatency = 0.5
	// thresholdAsync: seconds of mean asynchronous phase of slow storage.
	thresholdAsync = 1
	// thresholdThroughput: bytes per second of upload throughput under
	// which storage is slow, over which growing state is the cause.
	thresholdThroughput = 5 * mib
	// thresholdStartDelay: seconds of barrier start delay held back by
	// back-pressure.
	thresholdStartDelay = 1
	// thresholdBackpressure: back-pressured share of time (Flink's
	// "high").
	thresholdBackpressure = 0.5
	// thresholdConnect: seconds, 90th percentile of the agent's TCP
	// connects to the JobManager (FlinkJobManagerConnectSlow).
	thresholdConnect = 0.1
	// thresholdHostStarved: share of a TaskManager host's CPU lost to
	// steal and iowait (FlinkTaskManagerHostStarved).
	thresholdHostStarved = 0.2
)
