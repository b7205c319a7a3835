package flinksim

import (
	"strconv"
)

// addJVMMetrics adds the Status.JVM.* metrics every JobManager and
// TaskManager has (REFERENCE.md §5): per-collector GC metrics, and from 1.19
// TimeMsPerSecond and the All aggregate.
func (m *model) addJVMMetrics(s *metricSet, j jvmSample) {
	s.float("Status.JVM.CPU.Load", j.cpuLoad)
	s.int("Status.JVM.CPU.Time", j.cpuTimeNs)
	s.int("Status.JVM.Memory.Heap.Used", j.heapUsed)
	s.int("Status.JVM.Memory.Heap.Committed", j.heapCommitted)
	s.int("Status.JVM.Memory.Heap.Max", j.heapMax)
	s.int("Status.JVM.Memory.NonHeap.Used", j.nonHeapUsed)
	s.int("Status.JVM.Memory.NonHeap.Committed", j.nonHeapCommitted)
	s.int("Status.JVM.Memory.NonHeap.Max", j.nonHeapMax)
	s.int("Status.JVM.Memory.Metaspace.Used", j.metaUsed)
	s.int("Status.JVM.Memory.Metaspace.Committed", j.metaCommitted)
	s.int("Status.JVM.Memory.Metaspace.Max", j.metaMax)
	s.int("Status.JVM.Memory.Direct.Count", j.directCount)
	s.int("Status.JVM.Memory.Direct.MemoryUsed", j.directUsed)
	s.int("Status.JVM.Memory.Direct.TotalCapacity", j.directCapacity)
	s.int("Status.JVM.Memory.Mapped.Count", j.mappedCount)
	s.int("Status.JVM.Memory.Mapped.MemoryUsed", j.mappedUsed)
	s.int("Status.JVM.Memory.Mapped.TotalCapacity", j.mappedCapacity)
	var allCount, allTime int64
	var allRate float64
	for _, g := range j.gc {
		prefix := "Status.JVM.GarbageCollector." + g.name
		s.int(prefix+".Count", g.count)
		s.int(prefix+".Time", g.time)
		if m.ver.gcAll {
			s.float(prefix+".TimeMsPerSecond", g.msPerSec)
		}
		allCount += g.count
		allTime += g.time
		allRate += g.msPerSec
	}
	if m.ver.gcAll {
		s.int("Status.JVM.GarbageCollector.All.Count", allCount)
		s.int("Status.JVM.GarbageCollector.All.Time", allTime)
		s.float("Status.JVM.GarbageCollector.All.TimeMsPerSecond", allRate)
	}
	s.int("Status.JVM.Threads.Count", j.threads)
	s.int("Status.JVM.ClassLoader.ClassesLoaded", j.classesLoaded)
	s.int("Status.JVM.ClassLoader.ClassesUnloaded", j.classesUnloaded)
	s.int("Status.JVM.FileDescriptor.Max", j.fdMax)
	s.int("Status.JVM.FileDescriptor.Open", j.fdOpen)
}

// addSystemMetrics adds the System.* metrics of metrics.system-resource,
// derived from the process's CPU load.
func (m *model) addSystemMetrics(s *metricSet, key int64, j jvmSample, now int64) {
	bucket := now / fetchIntervalMs
	usage := min(100, j.cpuLoad*100+5*m.r.unit(dSystem, key, bucket))
	s.float("System.CPU.Usage", usage)
	s.float("System.CPU.Idle", 100-usage)
	s.float("System.CPU.User", usage*0.8)
	s.float("System.CPU.Sys", usage*0.15)
	s.float("System.CPU.IOWait", usage*0.03)
	s.float("System.CPU.Irq", 0)
	s.float("System.CPU.SoftIrq", usage*0.02)
	s.float("System.CPU.Nice", 0)
	s.float("System.CPU.Steal", 0)
	s.float("System.CPU.Load1min", j.cpuLoad*float64(j.cores))
	s.float("System.CPU.Load5min", j.cpuLoad*float64(j.cores)*0.95)
	s.float("System.CPU.Load15min", j.cpuLoad*float64(j.cores)*0.9)
	for c := range j.cores {
		s.float("System.CPU.UsageCPU"+strconv.Itoa(c), usage)
	}
	s.int("System.Memory.Available", physicalMemoryBytes/2)
	s.int("System.Memory.Total", physicalMemoryBytes)
	s.int("System.Swap.Used", 0)
	s.int("System.Swap.Total", 0)
	s.float("System.Network.eth0.ReceiveRate", 2e6+1e6*m.r.unit(dSystem, key, bucket, 1))
	s.float("System.Network.eth0.SendRate", 2e6+1e6*m.r.unit(dSystem, key, bucket, 2))
}

// taskManagerMetrics is TaskManager tm's metric store at now.
func (m *model) taskManagerMetrics(tm *taskManager, used int, now int64) metricSet {
	var s metricSet
	j := m.tmSample(tm, now)
	m.addJVMMetrics(&s, j)
	s.int("Status.Flink.Memory.Managed.Used", m.managedUsed(used, tm.slots))
	s.int("Status.Flink.Memory.Managed.Total", tmManagedMiB*mib)
	total, inUse := m.shuffleSegments(tm, now)
	s.int("Status.Shuffle.Netty.AvailableMemorySegments", total-inUse)
	s.int("Status.Shuffle.Netty.UsedMemorySegments", inUse)
	s.int("Status.Shuffle.Netty.TotalMemorySegments", total)
	s.int("Status.Shuffle.Netty.AvailableMemory", (total-inUse)*networkSegmentBytes)
	s.int("Status.Shuffle.Netty.UsedMemory", inUse*networkSegmentBytes)
	s.int("Status.Shuffle.Netty.TotalMemory", total*networkSegmentBytes)
	s.float("Status.Shuffle.Netty.RequestedMemoryUsage", float64(inUse)/float64(total))
	if m.ver.networkMetrics {
		s.int("Status.Network.AvailableMemorySegments", total-inUse)
		s.int("Status.Network.TotalMemorySegments", total)
	}
	if m.cfg.SystemResourceMetrics {
		m.addSystemMetrics(&s, int64(tm.n), j, now)
	}
	return s
}

// jobManagerMetrics is the JobManager's metric store at now.
func (m *model) jobManagerMetrics(now int64) metricSet {
	var s metricSet
	j := m.jmSample(now)
	m.addJVMMetrics(&s, j)
	total, used := 0, 0
	usage := m.slotUsage()
	for _, tm := range m.tms {
		total += tm.slots
		used += min(tm.slots, usage[tm])
	}
	s.int("numRegisteredTaskManagers", int64(len(m.tms)))
	s.int("numRunningJobs", int64(m.runningJobs()))
	s.int("taskSlotsAvailable", int64(total-used))
	s.int("taskSlotsTotal", int64(total))
	if m.cfg.SystemResourceMetrics {
		m.addSystemMetrics(&s, -1, j, now)
	}
	return s
}
