package flinksim

// variantScenarios returns the scenarios that show one of Flink's normal
// behaviours which a naive reading of the REST API takes for trouble
// (healthy-*: must page nothing), and cause scenarios seen from a harder
// place (the cause stays that of the base scenario). Each starts from the
// scenario it varies and changes only what its comment says.
func variantScenarios(h, network, jmOverload scenario) []scenario {
	bigSinks := h
	bigSinks.Name = "healthy-big-sinks"
	bigSinks.Why = "Healthy, with big sinks: every sink subtask flushes 1.5-3 s in " +
		"prepareSnapshotPreBarrier (a FileSink rolling large part files, a transactional sink " +
		"flushing) before its barrier; that time is neither alignment nor sync, so sinks show " +
		"1.5-3 s of unexplained acknowledgement time while every other vertex acks quickly. Pages nothing."
	bigSinks.SinkFlushMs = span{1500, 3000}

	unaligned := h
	unaligned.Name = "healthy-unaligned"
	unaligned.Why = "Healthy, with unaligned checkpoints (unaligned_checkpoints: true): barriers " +
		"overtake 0.5-2 s of in-flight data, which is persisted (persisted_data > 0) in the async " +
		"phase while the alignment still runs, so start delay + alignment + sync + async exceed " +
		"the acknowledgement time and the unexplained part is negative. Needs 2+ vertices. Pages nothing."
	unaligned.Unaligned = true
	unaligned.MinVertices = 2 // a single vertex has no input channels to overtake
	unaligned.AlignmentMs = span{500, 2000}

	incrementalS3 := h
	incrementalS3.Name = "healthy-incremental-s3"
	incrementalS3.Why = "Healthy, with incremental RocksDB checkpoints on object storage: each " +
		"checkpoint uploads a small delta (1 % of 128 MiB per job) as a few files, each request " +
		"paying 50-150 ms of store latency on 4 transfer threads, so the async phase stays well " +
		"under 1 s while the upload \"throughput\" (bytes / async) is only ~1-3 MiB/s. Pages nothing."
	incrementalS3.StateBaseMiB = 128
	incrementalS3.IncrementalRatio = 0.01
	incrementalS3.AsyncBaseMs = span{100, 300}
	incrementalS3.UploadPerFileMs = span{50, 150}
	incrementalS3.SSTFileMiB = 2

	busyJM := h
	busyJM.Name = "healthy-busy-jobmanager"
	busyJM.Why = "Healthy, with a busy JobManager: CPU 0.4-0.6, heap 50-70 %, GC 10-30 ms/s, REST " +
		"answers 50-200 ms late, acknowledgements processed in 5-30 ms. Pages nothing."
	busyJM.JMCPULoad = span{0.4, 0.6}
	busyJM.JMHeapRatio = span{0.5, 0.7}
	busyJM.JMGCMsPerSec = span{10, 30}
	busyJM.RESTDelayMs = span{50, 200}
	busyJM.JMProcessMs = span{5, 30}

	farExporter := h
	farExporter.Name = "healthy-slow-exporter-path"
	farExporter.Why = "Healthy cluster, but the exporter's own network path to the JobManager is " +
		"slow: every REST answer reaches it 1-3 s late (Handler), while an agent on the JobManager's " +
		"host (LocalHandler) sees fast answers and the JobManager and TaskManagers are idle. Pages nothing."
	farExporter.PathDelayMs = span{1000, 3000}

	slowREST := jmOverload
	slowREST.Name = "jobmanager-overload-slow-rest"
	slowREST.Why = "jobmanager-overload as it looks at its worst: every REST answer takes 1-3 s and " +
		"the JobManager works on at most 4 at once (rest.server.numThreads), so an exporter's " +
		"requests queue and detail endpoints may not be fetched within a scrape; CPU, heap and GC " +
		"of the JobManager stay plainly visible. Pages jobmanager-overload."
	slowREST.RESTDelayMs = span{1000, 3000}
	slowREST.RESTThreads = 4

	networkFar := network
	networkFar.Name = "network-latency-exporter-far"
	networkFar.Why = "network-latency with the exporter across the same degraded link: acks spend " +
		"2-5 s in transit and heartbeats are late as in network-latency, and every REST answer " +
		"reaches the exporter 1-3 s late although the JobManager is idle (an agent on its host, " +
		"LocalHandler, sees fast answers). Pages network-latency, not jobmanager-overload."
	networkFar.PathDelayMs = span{1000, 3000}

	return []scenario{bigSinks, unaligned, incrementalS3, busyJM, farExporter, slowREST, networkFar}
}

// ScenarioCause returns the cause a scenario shows: the scenario's own name
// for a cause scenario, the base cause for a variant such as
// network-latency-exporter-far, and "" for healthy and its variants (which
// must page nothing) or an unknown name.
func ScenarioCause(name string) string {
	sc, _ := lookupScenario(name)
	return sc.Cause
}
