package flinksim

import "time"

// span is a range [Lo, Hi] from which the model draws a value uniformly.
type span struct{ Lo, Hi float64 }

// at maps u in [0, 1) into the span.
func (s span) at(u float64) float64 { return s.Lo + (s.Hi-s.Lo)*u }

// scenario holds every number that distinguishes one cause of trouble from
// another. All scenarios share the healthy values except the fields their
// cause moves; the table in scenarioTable is the single place to read or tune
// them. Durations of phases are milliseconds per subtask and checkpoint,
// ratios are fractions of time or of capacity, sizes are MiB per job.
type scenario struct {
	Name string
	// Why is the cause the scenario stands for and the signals it moves.
	Why string

	// Checkpoint coordinator (compressed time: Flink's defaults are minutes).
	Interval time.Duration // pause after a checkpoint ends before the next trigger
	Timeout  time.Duration // a checkpoint still pending this long expires

	// Phases of one subtask's acknowledgement, in ms. Ack time = trigger +
	// start delay + alignment + sync + async + transit + JM processing.
	StartDelayMs span // barrier travel time to non-source subtasks (sources: 0-5 ms)
	AlignmentMs  span // barrier alignment of non-source subtasks
	SyncMs       span // synchronous snapshot
	AsyncBaseMs  span // per checkpoint: storage round trips of the async phase, before uploads
	UploadMiBps  span // per subtask upload throughput; async += uploaded bytes / this
	TransitMs    span // network time of the acknowledgement to the JobManager
	JMProcessMs  span // JobManager's processing of each acknowledgement

	// SinkFlushMs is the pre-barrier flush of the last vertex (the sink):
	// Flink calls StreamOperator#prepareSnapshotPreBarrier in
	// SubtaskCheckpointCoordinatorImpl.checkpointState (step 1) before it
	// broadcasts the barrier and before takeSnapshotSync starts the sync
	// clock, after the alignment ended; SinkWriterOperator flushes its
	// writer and prepares its committables there (FileSink rolls its
	// in-progress part files). The time counts in neither alignment nor
	// sync, so it shows as unexplained acknowledgement time on sinks.
	SinkFlushMs span

	// Unaligned checkpoints (execution.checkpointing.unaligned.enabled):
	// the barrier overtakes in-flight data, the subtask starts its snapshot
	// at the first barrier and ChannelStateWriter persists the overtaken
	// buffers (persisted_data) in the async phase, which therefore runs
	// while the remaining barriers still arrive (alignment). Reported
	// start delay + alignment + sync + async exceed the acknowledgement
	// time. SubtaskCheckpointCoordinatorImpl.checkpointState step 3
	// (prepareInflightDataSnapshot); AsyncCheckpointRunnable sets
	// bytesPersistedDuringAlignment with the async duration.
	Unaligned bool

	// Object storage latency per uploaded file: RocksDB's incremental
	// snapshot (RocksIncrementalSnapshotStrategy) uploads the new SST files
	// and the misc files (MANIFEST, CURRENT, OPTIONS) of every checkpoint
	// through RocksDBStateUploader, one request per file on
	// state.backend.rocksdb.checkpoint.transfer.thread.num threads
	// (default 4). Each request pays the store's latency whatever its
	// size, so small deltas upload at a low bytes-per-second rate on
	// healthy storage. Zero span = no per-file cost.
	UploadPerFileMs span
	SSTFileMiB      float64 // size of one uploaded SST file

	// State, per job.
	StateBaseMiB     float64 // full state size at job start
	StateGrowthMiBps float64 // full state growth per second of job uptime
	IncrementalRatio float64 // checkpointed_size / state_size per checkpoint (1 = full snapshots)
	StateBackend     string

	// Failures, as fractions of triggered checkpoints.
	TriggerFailureRate float64 // IO-problem while triggering: counts only, never in history
	AsyncFailureRate   float64 // "Asynchronous task checkpoint failed."
	DeclineRate        float64 // a subtask (on the hot TaskManager if any) declines

	// TaskManagers.
	TMCPULoad     span // Status.JVM.CPU.Load
	TMHeapRatio   span // heap used / max
	TMGCMsPerSec  span // young GC time per second (cumulative Time grows by this)
	HeartbeatAgeS span // now - timeSinceLastHeartbeat, seconds (sawtooth within the span)
	// The hot TaskManager (the first one) when Hot is set; its subtasks are
	// slower by the factors and busy.
	//
	// HotGCPauseMs is a stop-the-world pause that hits a hot subtask with
	// probability HotGCPauseRate after its async phase ended and before its
	// acknowledgement reaches the JobManager: AsyncCheckpointRunnable.run
	// measures asyncDurationMillis before reportCompletedSnapshotStates
	// sends the acknowledgement, and PendingCheckpoint.acknowledgeTask
	// stamps ackTimestamp = System.currentTimeMillis() on the JobManager
	// when it arrives (SubtaskStateStats). The pause therefore shows as
	// unexplained time, on the overloaded TaskManager's subtasks only.
	HotGCPauseMs   span
	HotGCPauseRate float64
	Hot            bool
	HotCPULoad     span
	HotHeapRatio   span
	HotGCMsPerSec  span
	HotSyncFactor  float64
	HotAsyncFactor float64
	HotBusyRatio   span

	// JobManager.
	JMCPULoad    span
	JMHeapRatio  span
	JMGCMsPerSec span
	RESTDelayMs  span // added to every REST answer by the JobManager itself
	// RESTThreads bounds how many answers the JobManager works on at once
	// (0 = unbounded): the REST handlers run on an executor of
	// rest.server.numThreads threads (default 4, RestOptions.SERVER_NUM_THREADS,
	// WebMonitorEndpoint.createExecutorService), so slow answers queue.
	RESTThreads int
	// PathDelayMs is the network between the exporter and the JobManager:
	// added to every answer served by Handler (not by LocalHandler, which
	// stands for a client on the JobManager's host). The JobManager is not
	// busier for it and the TaskManagers' path is unaffected.
	PathDelayMs span

	// Tasks: fractions of each second (busy/backPressured/idle TimeMsPerSecond / 1000).
	BusyRatio          span // every subtask unless below
	BackPressuredRatio span // every subtask unless below
	SinkBusyRatio      span // the last vertex; zero span = like the others
	UpstreamBPRatio    span // vertices upstream of a slow sink; zero span = like the others
	ShuffleUsage       span // fraction of network buffers in use

	// TimeoutQuantile, when > 0, sets each job's checkpoint timeout to
	// this quantile of the job's own planned checkpoint durations, so that
	// about 1-TimeoutQuantile of its checkpoints expire whatever the
	// topology (short-timeout).
	TimeoutQuantile float64

	// Smallest topology on which the scenario's cause can show: back
	// pressure needs a vertex downstream, a straggler needs peers.
	MinVertices, MinTaskManagers int

	// Cause is the cause scenario a variant shows ("" for healthy ones).
	Cause string
}

// healthyScenario is the baseline every other scenario starts from.
func healthyScenario() scenario {
	return scenario{
		Name: "healthy",
		Why: "No trouble: checkpoints take 0.3-1.5 s against a 10 s timeout, resources are idle-ish; " +
			"the sink flushes 0.3-0.7 s before its barrier (prepareSnapshotPreBarrier), unexplained on sinks.",
		Interval:     3 * time.Second,
		Timeout:      10 * time.Second,
		StartDelayMs: span{10, 60},
		AlignmentMs:  span{0, 20},
		SyncMs:       span{5, 30},
		AsyncBaseMs:  span{200, 800},
		// A FileSink rolling its part files on checkpoint: ~0.5 s.
		SinkFlushMs:        span{300, 700},
		UploadMiBps:        span{50, 100},
		TransitMs:          span{1, 20},
		JMProcessMs:        span{1, 10},
		StateBaseMiB:       64,
		StateGrowthMiBps:   0,
		IncrementalRatio:   0.2,
		StateBackend:       "EmbeddedRocksDBStateBackend",
		TMCPULoad:          span{0.1, 0.4},
		TMHeapRatio:        span{0.3, 0.5},
		TMGCMsPerSec:       span{2, 8},
		HeartbeatAgeS:      span{0, 10},
		JMCPULoad:          span{0.05, 0.2},
		JMHeapRatio:        span{0.2, 0.4},
		JMGCMsPerSec:       span{1, 5},
		BusyRatio:          span{0.05, 0.3},
		BackPressuredRatio: span{0, 0.05},
		ShuffleUsage:       span{0.05, 0.25},
	}
}

// scenarioTable returns every scenario, healthy first. Each entry changes
// only the fields of its cause; the comment of each entry says which
// signals an exporter (and the alert rules on it) should see move.
func scenarioTable() []scenario {
	h := healthyScenario()

	network := h
	network.Name = "network-latency"
	network.Why = "Slow network between TaskManagers and the JobManager: every acknowledgement " +
		"spends 2-5 s in transit (ack latency minus phases is high while sync/async stay short) " +
		"and heartbeats arrive 20-45 s late; the JobManager itself answers REST quickly."
	network.TransitMs = span{2000, 5000}
	network.Cause = network.Name
	network.HeartbeatAgeS = span{20, 45}

	tmOverload := h
	tmOverload.Name = "taskmanager-overload"
	tmOverload.Why = "The first TaskManager is overloaded: CPU 0.9-1.0, heap 90-97 %, GC ~300 ms/s; " +
		"its subtasks snapshot 10x (sync) and 5x (async) slower and ack seconds after their peers, " +
		"60 % of their acks are held 1-3 s by a GC pause after the async phase (unexplained time on " +
		"that TaskManager only), and 10 % of checkpoints are declined by one of them. Other " +
		"TaskManagers stay healthy. Needs 2+ TaskManagers."
	tmOverload.Cause = tmOverload.Name
	tmOverload.MinTaskManagers = 2
	tmOverload.HotGCPauseMs = span{1000, 3000}
	tmOverload.HotGCPauseRate = 0.6
	tmOverload.Hot = true
	tmOverload.HotCPULoad = span{0.9, 1.0}
	tmOverload.HotHeapRatio = span{0.90, 0.97}
	tmOverload.HotGCMsPerSec = span{250, 350}
	tmOverload.HotSyncFactor = 10
	tmOverload.HotAsyncFactor = 5
	tmOverload.HotBusyRatio = span{0.85, 0.95}
	tmOverload.DeclineRate = 0.1

	shortTimeout := h
	shortTimeout.Name = "short-timeout"
	shortTimeout.Why = "Checkpoint timeout too short for the job: a large but flat state (200 MiB " +
		"per job, snapshotted in full at a normal 50-100 MiB/s) makes steady, healthy checkpoints " +
		"(1.5-2 s with the default topology), but each job's timeout sits at the 70th percentile of " +
		"its own checkpoint durations (2.1 s with the default topology), so 10-50 % of checkpoints " +
		"expire with \"Checkpoint expired before completing.\" at any topology; resources and " +
		"storage are healthy."
	shortTimeout.Cause = shortTimeout.Name
	shortTimeout.Timeout = 2100 * time.Millisecond
	shortTimeout.TimeoutQuantile = 0.7
	shortTimeout.StateBaseMiB = 200
	shortTimeout.IncrementalRatio = 1
	shortTimeout.StateBackend = "HashMapStateBackend"

	slowStorage := h
	slowStorage.Name = "slow-storage"
	slowStorage.Why = "Slow checkpoint storage: uploads run at 1-3 MiB/s per subtask and each " +
		"storage round trip is slow, so the async phase takes seconds on every subtask; " +
		"~15 % of checkpoints fail with \"Asynchronous task checkpoint failed.\" and ~10 % of " +
		"triggers fail with the IO-problem text (counted, never in history). State and CPU stay flat."
	slowStorage.Cause = slowStorage.Name
	slowStorage.UploadMiBps = span{1, 3}
	slowStorage.AsyncBaseMs = span{1500, 3000}
	slowStorage.AsyncFailureRate = 0.15
	slowStorage.TriggerFailureRate = 0.1

	largeState := h
	largeState.Name = "large-state"
	largeState.Why = "State grows without bound: 512 MiB at job start plus 2 MiB/s per job, " +
		"snapshotted in full (checkpointed_size = state_size) at a normal 50-100 MiB/s, so the " +
		"async phase and the end-to-end duration creep toward the 10 s timeout over minutes " +
		"(with the default topology: ratio ~0.5 two minutes after start, expiries from ~7 minutes)."
	largeState.Cause = largeState.Name
	largeState.StateBaseMiB = 512
	largeState.StateGrowthMiBps = 2
	largeState.IncrementalRatio = 1
	largeState.StateBackend = "HashMapStateBackend"

	jmOverload := h
	jmOverload.Name = "jobmanager-overload"
	jmOverload.Why = "The JobManager is overloaded: CPU 0.9-1.0, heap 90-97 %, GC 200-400 ms/s; " +
		"every REST answer is 0.3-1 s late and processing each acknowledgement takes 1-3 s; " +
		"TaskManagers are healthy, heartbeat ages at most mildly raised (0-15 s)."
	jmOverload.Cause = jmOverload.Name
	jmOverload.JMCPULoad = span{0.9, 1.0}
	jmOverload.JMHeapRatio = span{0.90, 0.97}
	jmOverload.JMGCMsPerSec = span{200, 400}
	jmOverload.RESTDelayMs = span{300, 1000}
	jmOverload.JMProcessMs = span{1000, 3000}
	jmOverload.HeartbeatAgeS = span{0, 15}

	backpressure := h
	backpressure.Name = "backpressure"
	backpressure.Why = "The sink is slow (busy ~0.95) and back-pressures every vertex upstream of " +
		"it (ratio 0.7-0.9): barriers queue behind in-flight data, so start delays of 2-6 s and " +
		"alignments of 0.5-2 s dominate the acknowledgements (unaligned checkpoints disabled)."
	backpressure.Why += " Needs 2+ vertices: back pressure is between tasks."
	backpressure.Cause = backpressure.Name
	backpressure.MinVertices = 2
	backpressure.StartDelayMs = span{2000, 6000}
	backpressure.AlignmentMs = span{500, 2000}
	backpressure.SinkBusyRatio = span{0.93, 0.97}
	backpressure.UpstreamBPRatio = span{0.7, 0.9}
	backpressure.ShuffleUsage = span{0.7, 0.95}

	causes := []scenario{h, network, tmOverload, shortTimeout, slowStorage, largeState, jmOverload, backpressure}
	return append(causes, variantScenarios(h, network, jmOverload)...)
}

// Scenarios returns the names Config.Scenario accepts.
func Scenarios() []string {
	table := scenarioTable()
	out := make([]string, len(table))
	for i, s := range table {
		out[i] = s.Name
	}
	return out
}

// ScenarioDescription explains a scenario: the cause it stands for and the
// signals it moves, for --help texts and demo banners. It returns "" for an
// unknown name.
func ScenarioDescription(name string) string {
	for _, s := range scenarioTable() {
		if s.Name == name {
			return s.Why
		}
	}
	return ""
}

// lookupScenario returns the named scenario.
func lookupScenario(name string) (scenario, bool) {
	for _, s := range scenarioTable() {
		if s.Name == name {
			return s, true
		}
	}
	return scenario{}, false
}
