package flinksim

import (
	"math"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// recordBytes is the average serialized record size.
const recordBytes = 200

// taskLoad is how a subtask spends each second, in ms (Flink's
// busy/backPressured/idleTimeMsPerSecond).
type taskLoad struct {
	busy, backPressured, idle float64
}

// ratios returns the load as fractions of a second.
func (l taskLoad) ratios() (busy, bp, idle float64) {
	return l.busy / 1000, l.backPressured / 1000, l.idle / 1000
}

// taskLoad draws subtask i of vertex v's load for the fetch interval of now:
// a slow sink is busy and back-pressures every vertex upstream of it,
// subtasks on the hot TaskManager are busy, all others idle along.
func (m *model) taskLoad(j *job, v, i int, now int64) taskLoad {
	sc := &m.sc
	k := []int64{int64(j.n), int64(v), int64(i), now / fetchIntervalMs}
	busy := m.r.pick(sc.BusyRatio, dBusy, k...)
	bp := m.r.pick(sc.BackPressuredRatio, dBackPressure, k...)
	last := len(j.vertices) - 1
	switch {
	case sc.SinkBusyRatio.Hi > 0 && v == last && last > 0:
		busy, bp = m.r.pick(sc.SinkBusyRatio, dBusy, k...), 0
	case sc.UpstreamBPRatio.Hi > 0 && v < last:
		bp = m.r.pick(sc.UpstreamBPRatio, dBackPressure, k...)
		busy = (1 - bp) * 0.8
	case i < len(j.placement) && j.placement[i].hot:
		busy = m.r.pick(sc.HotBusyRatio, dBusy, k...)
	}
	// Flink's back-pressured and idle times are whole ms, busy is the rest.
	bpMs := math.Round(bp * 1000)
	idleMs := math.Max(0, math.Round((1-busy-bp)*1000))
	return taskLoad{busy: 1000 - bpMs - idleMs, backPressured: bpMs, idle: idleMs}
}

// recordRate is subtask i of vertex v's records per second.
func (m *model) recordRate(j *job, v, i int) float64 {
	return 1000 + 4000*m.r.unit(dRecords, int64(j.n), int64(v), int64(i))
}

// subtaskIOMetrics are a subtask's IO counters since its attempt started.
func (m *model) subtaskIOMetrics(j *job, v, i int, now int64) flinkapi.IOMetrics {
	upMs := j.taskDuration(now)
	records := int64(m.recordRate(j, v, i) * float64(upMs) / 1000)
	io := flinkapi.IOMetrics{
		ReadRecords: records, ReadBytes: records * recordBytes,
		WriteRecords: records, WriteBytes: records * recordBytes,
		ReadBytesComplete: true, WriteBytesComplete: true,
		ReadRecordsComplete: true, WriteRecordsComplete: true,
	}
	if v == 0 {
		io.ReadRecords, io.ReadBytes = 0, 0
	}
	if v == len(j.vertices)-1 {
		io.WriteRecords, io.WriteBytes = 0, 0
	}
	if m.ver.accumulatedTimes {
		l := m.taskLoad(j, v, i, now)
		up := float64(upMs) / 1000
		io.AccumulatedBusyTime = ptr(flinkapi.Float(int64(l.busy * up)))
		io.AccumulatedBackpressuredTime = ptr(int64(l.backPressured * up))
		io.AccumulatedIdleTime = ptr(int64(l.idle * up))
	}
	return io
}

// sumIOMetrics adds b into a.
func sumIOMetrics(a *flinkapi.IOMetrics, b flinkapi.IOMetrics) {
	a.ReadBytes += b.ReadBytes
	a.WriteBytes += b.WriteBytes
	a.ReadRecords += b.ReadRecords
	a.WriteRecords += b.WriteRecords
	a.ReadBytesComplete, a.WriteBytesComplete = b.ReadBytesComplete, b.WriteBytesComplete
	a.ReadRecordsComplete, a.WriteRecordsComplete = b.ReadRecordsComplete, b.WriteRecordsComplete
	if b.AccumulatedBusyTime != nil {
		if a.AccumulatedBusyTime == nil {
			a.AccumulatedBusyTime, a.AccumulatedBackpressuredTime, a.AccumulatedIdleTime = ptr(flinkapi.Float(0)), ptr(int64(0)), ptr(int64(0))
		}
		*a.AccumulatedBusyTime += *b.AccumulatedBusyTime
		*a.AccumulatedBackpressuredTime += *b.AccumulatedBackpressuredTime
		*a.AccumulatedIdleTime += *b.AccumulatedIdleTime
	}
}

// vertexIOMetrics sums the IO counters of a vertex's subtasks; before the
// first metric fetch they are zero and incomplete, as Flink reports them.
func (m *model) vertexIOMetrics(j *job, v int, now int64) flinkapi.IOMetrics {
	var io flinkapi.IOMetrics
	if m.ver.accumulatedTimes {
		io.AccumulatedBusyTime, io.AccumulatedBackpressuredTime, io.AccumulatedIdleTime = ptr(flinkapi.Float(0)), ptr(int64(0)), ptr(int64(0))
	}
	if !m.metricsReady(now) {
		return io
	}
	for i := range j.parallelism {
		sumIOMetrics(&io, m.subtaskIOMetrics(j, v, i, now))
	}
	return io
}

// lastPartFor returns subtask i of vertex v's part of the newest checkpoint
// whose barrier reached it by now, for the checkpointStartDelayNanos and
// checkpointAlignmentTime gauges.
func (m *model) lastPartFor(j *job, v, i int, now int64) (subtaskPart, bool) {
	c := j.coord
	if c == nil {
		return subtaskPart{}, false
	}
	for _, cp := range c.history {
		var p subtaskPart
		if cp == c.pending {
			p = c.parts[v*j.parallelism+i]
		} else {
			p = m.subtaskPart(j, cp.id, &cp.params, v, i)
		}
		if cp.trigger+p.startDelay+p.alignment <= now {
			return p, true
		}
	}
	return subtaskPart{}, false
}
