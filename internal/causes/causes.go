// Package causes is the one place that maps each alert to the cause it
// points at, the fix with Flink's real configuration keys, its runbook and
// the dashboard panel that shows its evidence. The rule files, the
// runbooks, the dashboards and the README are checked against it in tests,
// so that an alert, its runbook and its panel never disagree.
package causes

// Cause is one of the seven reasons checkpoints slow down or fail.
type Cause struct {
	// Name is the value of the cause label.
	Name string
	// Title names the cause for people.
	Title string
	// LooksLike is what the evidence shows.
	LooksLike string
	// Why explains how the cause delays checkpoints.
	Why string
	// Fix says what to change, naming real Flink configuration keys with
	// their defaults and versions (REFERENCE.md §6).
	Fix string
	// Keys are the configuration keys Fix names; tests check that each
	// runbook of the cause names them too.
	Keys []string
	// Panel is the id of the cause's panel in the job dashboard.
	Panel int
	// Where says where in Flink's web UI and REST API a person sees the
	// cause's evidence for themselves; the diagnosis quotes it beside the
	// numbers.
	Where string
}

// Alert ties one alerting rule to its cause and its panel.
type Alert struct {
	// Name is the alertname.
	Name string
	// Cause is the Cause.Name, or "" for a symptom alert, which says that
	// something is wrong without saying why.
	Cause string
	// Severity is the severity label: critical, warning or info.
	Severity string
	// Dashboard is the uid of the dashboard the alert links to, Panel the
	// panel id on it.
	Dashboard string
	Panel     int
}

// Dashboard uids, stable across versions so links keep working.
const (
	OverviewDashboard = "flink-checkpoint-overview"
	JobDashboard      = "flink-checkpoint-job"
	RuntimeDashboard  = "flink-runtime"
)

// Causes returns the seven causes in a fixed order.
func Causes() []Cause {
	return []Cause{
		{
			Name:      "network-latency",
			Title:     "Network latency or loss between TaskManagers and the JobManager",
			LooksLike: "Acknowledgements arrive seconds after the subtasks finished their snapshot, on every vertex and on most TaskManagers: the unexplained part of the acknowledgement (transit and JobManager time) is large while start delay, alignment, sync and async are short; TaskManager heartbeats arrive late; the JobManager itself is not busy.",
			Why:       "Every subtask acknowledges its snapshot to the JobManager over the RPC network. Lost or delayed packets delay every acknowledgement, so the checkpoint completes late or expires although the work was done in time.",
			Fix:       "Find the loss or latency between the TaskManagers and the JobManager (TCP retransmissions and connect times of the agent, the CNI, overloaded nodes). While it lasts, give checkpoints and heartbeats room: raise execution.checkpointing.timeout (default 10 min) and heartbeat.timeout (default 50 s, keep heartbeat.interval, default 10 s, well below it); for the data plane taskmanager.network.netty.client.connectTimeoutSec (default 120 s).",
			Keys:      []string{"execution.checkpointing.timeout", "heartbeat.timeout", "heartbeat.interval", "taskmanager.network.netty.client.connectTimeoutSec"},
			Panel:     20,
			Where:     "Flink UI → Job → Checkpoints → History → expand a checkpoint → per-subtask End to End Duration against Sync, Async and Alignment Duration (the rest is transit); Flink UI → Task Managers → a TaskManager → Last Heartbeat. REST: /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid.",
		},
		{
			Name:      "taskmanager-overload",
			Title:     "An overloaded TaskManager (CPU, heap, GC): the straggler",
			LooksLike: "One TaskManager acknowledges far later than its peers, and that TaskManager's JVM CPU load, heap use or GC time is high; its subtasks' sync and async phases lag the others.",
			Why:       "A checkpoint completes only when its slowest subtask acknowledges. A TaskManager starved of CPU or stuck in garbage collection snapshots slowly and holds up the whole checkpoint.",
			Fix:       "Relieve that TaskManager: give it more memory (taskmanager.memory.process.size, no default, 1728m in the shipped config) or fewer slots (taskmanager.numberOfTaskSlots, default 1), spread skewed keys, or move it off a noisy or CPU-starved host. If snapshots are CPU-bound with RocksDB, state.backend.rocksdb.checkpoint.transfer.thread.num (default 4) bounds the upload threads competing with processing.",
			Keys:      []string{"taskmanager.memory.process.size", "taskmanager.numberOfTaskSlots", "state.backend.rocksdb.checkpoint.transfer.thread.num"},
			Panel:     30,
			Where:     "Flink UI → Job → Checkpoints → History → expand the checkpoint → per-subtask Acknowledged and End to End Duration (the straggler's subtasks stand out; the Subtasks tab names their TaskManager); Flink UI → Task Managers → that TaskManager → Metrics (CPU, heap, GC). REST: /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid and /taskmanagers/:tmid/metrics.",
		},
		{
			Name:      "short-timeout",
			Title:     "execution.checkpointing.timeout too short for the work",
			LooksLike: "Checkpoint durations are steady and their phases normal, TaskManagers, JobManager and storage are healthy, yet the duration sits near the timeout and some checkpoints expire.",
			Why:       "Nothing is wrong but the budget: the job's checkpoints simply need more time than the timeout grants, so the ones a little slower than usual expire.",
			Fix:       "Raise execution.checkpointing.timeout (default 10 min) well above the slowest normal checkpoint; set execution.checkpointing.tolerable-failed-checkpoints (default 0) so that a single expiry does not fail the job, and execution.checkpointing.min-pause (default 0) so that checkpoints do not run back to back.",
			Keys:      []string{"execution.checkpointing.timeout", "execution.checkpointing.tolerable-failed-checkpoints", "execution.checkpointing.min-pause"},
			Panel:     40,
			Where:     "Flink UI → Job → Checkpoints → Overview (Latest Completed duration) and History (expired ones: FAILED, \"Checkpoint expired before completing\") against Checkpoints → Configuration → Checkpoint Timeout. REST: /jobs/:jobid/checkpoints and /jobs/:jobid/checkpoints/config.",
		},
		{
			Name:      "slow-storage",
			Title:     "Slow or failing checkpoint storage (S3, HDFS)",
			LooksLike: "The asynchronous phase is long on most subtasks of every vertex while the upload throughput is low, and checkpoints fail with IO or asynchronous failures; CPU and state size are normal.",
			Why:       "The asynchronous phase uploads the snapshot to the checkpoint storage. When the storage is slow, throttled or failing, every subtask waits on it.",
			Fix:       "Check the checkpoint storage: its latency, throttling and errors in the TaskManager logs. Upload with more threads (state.backend.rocksdb.checkpoint.transfer.thread.num, default 4), upload less with incremental checkpoints (execution.checkpointing.incremental in 1.20+, state.backend.incremental before, default false), and for changelog uploads raise state.changelog.dstl.dfs.upload.num-threads (1.20+; dstl.dfs.upload.num-threads in 1.16-1.19).",
			Keys:      []string{"state.backend.rocksdb.checkpoint.transfer.thread.num", "execution.checkpointing.incremental", "state.backend.incremental", "state.changelog.dstl.dfs.upload.num-threads"},
			Panel:     50,
			Where:     "Flink UI → Job → Checkpoints → History → expand the checkpoint → per-subtask Async Duration and Checkpointed Data Size (slow on every subtask); Checkpoints → Overview → Latest Failed Checkpoint → failure message. REST: /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid.",
		},
		{
			Name:      "large-state",
			Title:     "Large or fast-growing state",
			LooksLike: "The full state size grows steadily and the asynchronous phase grows with it at a normal upload throughput, so the duration creeps toward the timeout.",
			Why:       "Each checkpoint uploads what changed (or, without incremental checkpoints, everything). State that grows without bound takes longer to upload every time, until checkpoints expire.",
			Fix:       "Bound the state: expire it with state TTL (StateTtlConfig in the DataStream API; table.exec.state.ttl for SQL, default 0 = never), use RocksDB (state.backend.type: rocksdb) with incremental checkpoints (execution.checkpointing.incremental in 1.20+, state.backend.incremental before, default false), and raise execution.checkpointing.timeout (default 10 min) while the state is this large.",
			Keys:      []string{"table.exec.state.ttl", "state.backend.type", "execution.checkpointing.incremental", "state.backend.incremental", "execution.checkpointing.timeout"},
			Panel:     60,
			Where:     "Flink UI → Job → Checkpoints → History → Full Checkpoint Data Size growing from checkpoint to checkpoint, Async Duration growing with it. REST: /jobs/:jobid/checkpoints (history[].state_size, checkpointed_size).",
		},
		{
			Name:      "jobmanager-overload",
			Title:     "An overloaded JobManager (CPU, heap, GC, slow REST answers)",
			LooksLike: "The JobManager's CPU, heap or GC time is high and its REST answers are slow where the agent's probe measures them; acknowledgements take long to be processed although the TaskManagers are healthy.",
			Why:       "The JobManager's checkpoint coordinator processes every acknowledgement and finalises the checkpoint. A JobManager short of CPU or memory does so late, and answers the REST API late too.",
			Fix:       "Give the JobManager memory and CPU (jobmanager.memory.process.size, no default, 1600m in the shipped config), keep fewer checkpoint statistics (web.checkpoints.history, default 10), and reduce REST polling: fewer clients, a longer web.refresh-interval (default 3 s) and, from 1.18, rest.cache.checkpoint-statistics.timeout.",
			Keys:      []string{"jobmanager.memory.process.size", "web.checkpoints.history", "web.refresh-interval", "rest.cache.checkpoint-statistics.timeout"},
			Panel:     70,
			Where:     "Flink UI → Job Manager → Metrics (CPU load, heap, GC time), and the UI itself answering slowly; Checkpoints → History → per-subtask End to End Duration beyond the phases. REST: /jobmanager/metrics?get=Status.JVM.CPU.Load,Status.JVM.Memory.Heap.Used.",
		},
		{
			Name:      "backpressure",
			Title:     "Backpressure holding barriers back",
			LooksLike: "Vertices are back-pressured behind a busy one, and the barriers' start delay and alignment dominate the acknowledgements while sync and async are short.",
			Why:       "Aligned checkpoint barriers travel with the data. Behind a slow operator they queue in full network buffers, so they reach the downstream subtasks late and alignment waits for the slowest input.",
			Fix:       "Scale or speed up the busy operator. Let barriers overtake in-flight data with unaligned checkpoints (execution.checkpointing.unaligned.enabled in 1.17+, execution.checkpointing.unaligned before, default false), optionally only after execution.checkpointing.aligned-checkpoint-timeout (default 0 s); shrink in-flight data with buffer debloating (taskmanager.network.memory.buffer-debloat.enabled, 1.14+, default false; target taskmanager.network.memory.buffer-debloat.target, default 1 s).",
			Keys:      []string{"execution.checkpointing.unaligned.enabled", "execution.checkpointing.unaligned", "execution.checkpointing.aligned-checkpoint-timeout", "taskmanager.network.memory.buffer-debloat.enabled", "taskmanager.network.memory.buffer-debloat.target"},
			Panel:     80,
			Where:     "Flink UI → Job → a vertex → BackPressure tab (HIGH behind a busy vertex); Checkpoints → History → expand the checkpoint → per-subtask Start Delay and Alignment Duration. REST: /jobs/:jobid/vertices/:vertexid/backpressure.",
		},
	}
}

// Alerts returns every alert the rules ship, symptoms first.
func Alerts() []Alert {
	return []Alert{
		{Name: "FlinkExporterCannotReachFlink", Severity: "critical", Dashboard: OverviewDashboard, Panel: 1},
		{Name: "FlinkCheckpointsNotCompleting", Severity: "critical", Dashboard: JobDashboard, Panel: 5},
		{Name: "FlinkCheckpointDurationNearTimeout", Severity: "warning", Dashboard: JobDashboard, Panel: 2},
		{Name: "FlinkCheckpointInProgressNearTimeout", Severity: "warning", Dashboard: JobDashboard, Panel: 3},
		{Name: "FlinkCheckpointsFailing", Severity: "warning", Dashboard: JobDashboard, Panel: 4},
		{Name: "FlinkCheckpointNetworkLatency", Cause: "network-latency", Severity: "warning", Dashboard: JobDashboard, Panel: 20},
		{Name: "FlinkJobManagerConnectSlow", Cause: "network-latency", Severity: "info", Dashboard: RuntimeDashboard, Panel: 60},
		{Name: "FlinkCheckpointTaskManagerStraggler", Cause: "taskmanager-overload", Severity: "warning", Dashboard: JobDashboard, Panel: 30},
		{Name: "FlinkTaskManagerHostStarved", Cause: "taskmanager-overload", Severity: "info", Dashboard: RuntimeDashboard, Panel: 61},
		{Name: "FlinkCheckpointTimeoutTooShort", Cause: "short-timeout", Severity: "warning", Dashboard: JobDashboard, Panel: 40},
		{Name: "FlinkCheckpointStorageSlow", Cause: "slow-storage", Severity: "warning", Dashboard: JobDashboard, Panel: 50},
		{Name: "FlinkCheckpointStateGrowing", Cause: "large-state", Severity: "warning", Dashboard: JobDashboard, Panel: 60},
		{Name: "FlinkJobManagerOverloaded", Cause: "jobmanager-overload", Severity: "warning", Dashboard: JobDashboard, Panel: 70},
		{Name: "FlinkCheckpointBarriersBackpressured", Cause: "backpressure", Severity: "warning", Dashboard: JobDashboard, Panel: 80},
	}
}

// ByName returns the cause called name.
func ByName(name string) (Cause, bool) {
	for _, c := range Causes() {
		if c.Name == name {
			return c, true
		}
	}
	return Cause{}, false
}
