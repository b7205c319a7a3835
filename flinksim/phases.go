package flinksim

// mib is one MiB in bytes.
const mib = 1 << 20

// processedBytesPerAlignMs is how much in-flight data a subtask processes per
// millisecond of barrier alignment (processed_data), about 10 MiB/s.
const processedBytesPerAlignMs = 10 << 10

// persistedBytesPerAlignMs is how much overtaken in-flight data an unaligned
// subtask persists per millisecond its barriers take to arrive, about
// 20 MiB/s.
const persistedBytesPerAlignMs = 20 << 10

// channelStateWriteMs is how long ChannelStateWriter needs after the last
// barrier to finish writing the persisted buffers.
const channelStateWriteMs = 50

// defaultTransferThreads is state.backend.rocksdb.checkpoint.transfer.thread.num.
const defaultTransferThreads = 4

// miscFilesPerCheckpoint are the files an incremental RocksDB snapshot
// uploads every time besides the new SST files: MANIFEST, CURRENT, OPTIONS.
const miscFilesPerCheckpoint = 3

// checkpointParams are the inputs fixed when a checkpoint is triggered from
// which every subtask's part is recomputed on demand, so that no per-subtask
// record is stored for history checkpoints.
type checkpointParams struct {
	stateBytes  int64          // full state of the job at trigger
	asyncBaseMs float64        // storage round trips drawn for this checkpoint
	placement   []*taskManager // where each subtask index ran
	attempt     int            // execution attempt of the subtasks
}

// subtaskPart is one subtask's acknowledgement of a checkpoint: its phases
// in ms and the bytes it reported. flush (pre-barrier sink flush) and
// gcPause (a stop-the-world pause after the async phase) are spent but
// reported in no phase; unaligned parts overlap alignment with async.
type subtaskPart struct {
	startDelay, alignment, sync, async, transit, jmProcess int64
	flush, gcPause                                         int64
	unaligned                                              bool
	stateSize, checkpointedSize, processed, persisted      int64
}

// ackOffset is the time from trigger to the JobManager registering the ack.
// Aligned: the snapshot starts after the alignment. Unaligned: it starts at
// the first barrier and the async phase (which waits for the channel state
// written until the last barrier) covers the alignment.
func (p subtaskPart) ackOffset() int64 {
	off := p.startDelay + p.flush + p.sync + p.async + p.gcPause + p.transit + p.jmProcess
	if !p.unaligned {
		off += p.alignment
	}
	return off
}

// stateWeight is vertex v's share of a job's state before dividing by
// parallelism: sources and sinks keep little state (offsets, transactions),
// the processing vertices the rest.
func stateWeight(v, vertices int) float64 {
	if vertices == 1 {
		return 1
	}
	small := 0.05
	middle := vertices - 1 // the 2-vertex job's second vertex holds the keyed state
	if vertices >= 3 {
		middle = vertices - 2
	}
	total := float64(middle) + small*float64(vertices-middle)
	switch {
	case v == 0, vertices >= 3 && v == vertices-1:
		return small / total
	}
	return 1 / total
}

// stateBytes is job j's full state at time t: the scenario's base (with a
// per-job jitter of ±10 %) plus growth over the job's uptime.
func (m *model) stateBytes(j *job, t int64) int64 {
	base := m.sc.StateBaseMiB * mib * (0.9 + 0.2*m.r.unit(dStateJitter, int64(j.n)))
	grown := m.sc.StateGrowthMiBps * mib * float64(max(0, t-j.stateSince)) / 1000
	return int64(base + grown)
}

// subtaskPart computes subtask i of vertex v's part of checkpoint id of job
// j. It is a pure function of the seed, the keys and the parameters stored
// with the checkpoint.
func (m *model) subtaskPart(j *job, id int64, par *checkpointParams, v, i int) subtaskPart {
	sc := &m.sc
	jn, vi, ii := int64(j.n), int64(v), int64(i)
	hot := par.placement[i].hot

	// Key-group skew is fixed per subtask; the incremental share varies per checkpoint.
	share := stateWeight(v, len(j.vertices)) / float64(j.parallelism) * (0.9 + 0.2*m.r.unit(dStateSkew, jn, vi, ii))
	var p subtaskPart
	p.stateSize = int64(float64(par.stateBytes) * share)
	p.checkpointedSize = min(p.stateSize, int64(float64(p.stateSize)*sc.IncrementalRatio*(0.8+0.4*m.r.unit(dIncremental, jn, id, vi, ii))))

	if v == 0 {
		p.startDelay = int64(5 * m.r.unit(dStartDelay, jn, id, vi, ii))
	} else {
		p.startDelay = int64(m.r.pick(sc.StartDelayMs, dStartDelay, jn, id, vi, ii))
		p.alignment = int64(m.r.pick(sc.AlignmentMs, dAlignment, jn, id, vi, ii))
	}
	sync := m.r.pick(sc.SyncMs, dSync, jn, id, vi, ii)
	upload := float64(p.checkpointedSize)/(m.r.pick(sc.UploadMiBps, dUpload, jn, id, vi, ii)*mib)*1000 +
		m.perFileUploadMs(p.checkpointedSize, jn, id, vi, ii)
	async := par.asyncBaseMs*(0.9+0.2*m.r.unit(dAsyncJitter, jn, id, vi, ii)) + upload
	if hot {
		sync *= sc.HotSyncFactor
		async *= sc.HotAsyncFactor
		if m.r.unit(dGCPauseHit, jn, id, vi, ii) < sc.HotGCPauseRate {
			p.gcPause = int64(m.r.pick(sc.HotGCPauseMs, dGCPause, jn, id, vi, ii))
		}
	}
	if v == len(j.vertices)-1 {
		p.flush = int64(m.r.pick(sc.SinkFlushMs, dSinkFlush, jn, id, vi, ii))
	}
	p.processed = p.alignment * processedBytesPerAlignMs
	if sc.Unaligned {
		p.unaligned = true
		p.persisted = p.alignment * persistedBytesPerAlignMs
		// The async phase ends only when the channel state, written until
		// the last barrier arrived, is complete.
		async = max(async, float64(p.alignment)+channelStateWriteMs*(0.5+m.r.unit(dUnalignedWrite, jn, id, vi, ii)))
	}
	p.sync, p.async = int64(sync), int64(async)
	p.transit = int64(m.r.pick(sc.TransitMs, dTransit, jn, id, vi, ii))
	p.jmProcess = int64(m.r.pick(sc.JMProcessMs, dJMProcess, jn, id, vi, ii))
	return p
}

// perFileUploadMs is the object store's per-request latency of uploading
// bytes as RocksDB's incremental snapshot does: the new SST files plus the
// misc files, one request each, on defaultTransferThreads threads
// (RocksDBStateUploader). 0 when the scenario has no per-file cost.
func (m *model) perFileUploadMs(bytes int64, keys ...int64) float64 {
	sc := &m.sc
	if sc.UploadPerFileMs.Hi <= 0 {
		return 0
	}
	sst := int64(0)
	if sc.SSTFileMiB > 0 {
		sst = (bytes + int64(sc.SSTFileMiB*mib) - 1) / int64(sc.SSTFileMiB*mib)
	}
	rounds := (sst + miscFilesPerCheckpoint + defaultTransferThreads - 1) / defaultTransferThreads
	return float64(rounds) * m.r.pick(sc.UploadPerFileMs, dUploadFile, keys...)
}
