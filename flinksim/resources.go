package flinksim

import (
	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// fetchIntervalMs is metrics.fetcher.update-interval: gauges change once per
// fetch, like the values a real JobManager serves from its metric store.
const fetchIntervalMs = 10_000

// TaskManager process sizes: a 4 GiB TaskManager with Flink's default
// fractions, in MiB.
const (
	tmFrameworkHeapMiB    = 128
	tmTaskHeapMiB         = 1459
	tmFrameworkOffHeapMiB = 128
	tmNetworkMiB          = 343
	tmManagedMiB          = 1372
	tmMetaspaceMiB        = 256
	tmOverheadMiB         = 410
	tmCPUCores            = 4
	jmHeapBytes           = 1 << 30
	jmCPUCores            = 2
	networkSegmentBytes   = 32 << 10
)

// tmMemory is a TaskManager's memoryConfiguration in bytes.
func tmMemory() flinkapi.TaskManagerMemoryConfig {
	flink := tmFrameworkHeapMiB + tmTaskHeapMiB + tmFrameworkOffHeapMiB + tmNetworkMiB + tmManagedMiB
	return flinkapi.TaskManagerMemoryConfig{
		FrameworkHeap: tmFrameworkHeapMiB * mib, TaskHeap: tmTaskHeapMiB * mib,
		FrameworkOffHeap: tmFrameworkOffHeapMiB * mib, TaskOffHeap: 0,
		NetworkMemory: tmNetworkMiB * mib, ManagedMemory: tmManagedMiB * mib,
		JvmMetaspace: tmMetaspaceMiB * mib, JvmOverhead: tmOverheadMiB * mib,
		TotalFlinkMemory:   int64(flink) * mib,
		TotalProcessMemory: int64(flink+tmMetaspaceMiB+tmOverheadMiB) * mib,
	}
}

// gcSample is one garbage collector's cumulative count and time (ms) and
// its current time per second.
type gcSample struct {
	name        string
	count, time int64
	msPerSec    float64
}

// jvmSample is what a JVM's Status.JVM.* metrics say at one moment.
type jvmSample struct {
	cpuLoad                                   float64
	cpuTimeNs                                 int64
	heapUsed, heapCommitted, heapMax          int64
	nonHeapUsed, nonHeapCommitted, nonHeapMax int64
	metaUsed, metaCommitted, metaMax          int64
	directCount, directUsed, directCapacity   int64
	mappedCount, mappedUsed, mappedCapacity   int64
	gc                                        [2]gcSample
	threads, classesLoaded, classesUnloaded   int64
	fdMax, fdOpen                             int64
	cores                                     int
}

// jvmLoad is the scenario's load of one JVM.
type jvmLoad struct {
	cpu, heap, gcMsPerSec span
}

// tmLoad returns the load spans of a TaskManager: the hot one's or the
// others'.
func (m *model) tmLoad(tm *taskManager) jvmLoad {
	if tm.hot {
		return jvmLoad{m.sc.HotCPULoad, m.sc.HotHeapRatio, m.sc.HotGCMsPerSec}
	}
	return jvmLoad{m.sc.TMCPULoad, m.sc.TMHeapRatio, m.sc.TMGCMsPerSec}
}

// jvm samples a JVM (key k, process start started) with heap max heapMax
// under load l at now. Gauges change per fetch interval; counters grow
// linearly with uptime so that they never decrease.
func (m *model) jvm(k int64, started, now, heapMax int64, cores int, l jvmLoad) jvmSample {
	bucket := now / fetchIntervalMs
	upS := float64(max(0, now-started)) / 1000
	s := jvmSample{cores: cores}
	s.cpuLoad = m.r.pick(l.cpu, dCPU, k, bucket)
	s.cpuTimeNs = int64((l.cpu.Lo + l.cpu.Hi) / 2 * float64(cores) * upS * 1e9)
	s.heapMax, s.heapCommitted = heapMax, heapMax
	s.heapUsed = int64(float64(heapMax) * m.r.pick(l.heap, dHeap, k, bucket))
	s.nonHeapUsed, s.nonHeapCommitted, s.nonHeapMax = 92*mib, 100*mib, -1
	s.metaUsed, s.metaCommitted, s.metaMax = 70*mib, 74*mib, tmMetaspaceMiB*mib
	s.directCount, s.directUsed, s.directCapacity = 40, (tmNetworkMiB+16)*mib, (tmNetworkMiB+16)*mib
	s.threads = 60 + int64(40*m.r.unit(dThreads, k, bucket))
	s.classesLoaded, s.classesUnloaded = 9100, 12
	s.fdMax, s.fdOpen = 1048576, 240+int64(40*m.r.unit(dThreads, k, bucket, 1))

	rate := m.r.pick(l.gcMsPerSec, dGCRate, k)
	young := int64(rate * upS)
	s.gc[0] = gcSample{
		name: "G1_Young_Generation", time: young, count: young / 8,
		msPerSec: rate * (0.8 + 0.4*m.r.unit(dGCGauge, k, bucket)),
	}
	oldPeriod, oldPause := 900.0, int64(120) // seconds between old collections, ms each
	if rate > 100 {
		oldPeriod, oldPause = 60, 400
	}
	oldCount := int64(upS / oldPeriod)
	s.gc[1] = gcSample{name: "G1_Old_Generation", count: oldCount, time: oldCount * oldPause,
		msPerSec: float64(oldPause) / oldPeriod}
	return s
}

// tmSample samples TaskManager tm at now.
func (m *model) tmSample(tm *taskManager, now int64) jvmSample {
	return m.jvm(int64(tm.n), tm.started, now, (tmFrameworkHeapMiB+tmTaskHeapMiB)*mib, tmCPUCores, m.tmLoad(tm))
}

// jmSample samples the JobManager at now.
func (m *model) jmSample(now int64) jvmSample {
	l := jvmLoad{m.sc.JMCPULoad, m.sc.JMHeapRatio, m.sc.JMGCMsPerSec}
	return m.jvm(-1, m.jmStart, now, jmHeapBytes, jmCPUCores, l)
}

// lastHeartbeat is the absolute time (ms) of tm's last heartbeat: its age
// runs as a sawtooth through the scenario's HeartbeatAgeS span, each
// TaskManager with its own phase, never before its registration.
func (m *model) lastHeartbeat(tm *taskManager, now int64) int64 {
	s := m.sc.HeartbeatAgeS
	lo, period := int64(s.Lo*1000), int64((s.Hi-s.Lo)*1000)
	age := lo
	if period > 0 {
		phase := int64(m.r.hash(dHeartbeat, int64(tm.n)) % uint64(period))
		age += (now - tm.heartbeatEpoch + phase) % period
	}
	return max(now-age, tm.heartbeatEpoch)
}

// shuffleSegments returns the total and used network buffers of a
// TaskManager.
func (m *model) shuffleSegments(tm *taskManager, now int64) (total, used int64) {
	total = tmNetworkMiB * mib / networkSegmentBytes
	used = int64(float64(total) * m.r.pick(m.sc.ShuffleUsage, dShuffle, int64(tm.n), now/fetchIntervalMs))
	return total, used
}

// managedUsed is the managed memory RocksDB reserves on a TaskManager: all
// of each occupied slot's share; heap state backends use none.
func (m *model) managedUsed(used, slots int) int64 {
	if m.sc.StateBackend == "HashMapStateBackend" || slots == 0 {
		return 0
	}
	return tmManagedMiB * mib * int64(used) / int64(slots)
}
