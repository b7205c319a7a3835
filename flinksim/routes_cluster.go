package flinksim

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// physicalMemoryBytes is the RAM of every simulated machine.
const physicalMemoryBytes = 16 << 30

// ptr returns a pointer to v, for optional wire fields.
func ptr[T any](v T) *T { return &v }

// serveDashboardConfig answers GET /config.
func (m *model) serveDashboardConfig(_ *request) reply {
	f := &flinkapi.DashboardFeatures{WebSubmit: false, WebCancel: ptr(true)}
	if m.ver.webRescale {
		f.WebRescale = ptr(false)
	}
	if m.ver.webHistory {
		f.WebHistory = ptr(false)
	}
	return ok(flinkapi.DashboardConfig{
		RefreshInterval: 3000, TimezoneName: "Coordinated Universal Time", TimezoneOffset: 0,
		FlinkVersion: m.ver.release, FlinkRevision: m.ver.revision, Features: f,
	})
}

// serveOverview answers GET /overview.
func (m *model) serveOverview(_ *request) reply {
	total, used := 0, 0
	usage := m.slotUsage()
	for _, tm := range m.tms {
		total += tm.slots
		used += min(tm.slots, usage[tm])
	}
	o := flinkapi.ClusterOverview{
		TaskManagers: len(m.tms), SlotsTotal: total, SlotsAvailable: total - used,
		FlinkVersion: m.ver.release, FlinkCommit: m.ver.commit,
	}
	for _, j := range m.jobs {
		switch j.kind {
		case jobFinished:
			o.JobsFinished++
		default:
			o.JobsRunning++
		}
	}
	return ok(o)
}

// serveJobManagerConfig answers GET /jobmanager/config: the cluster
// configuration, with durations as 1.x (milliseconds) or 2.x ("10 s")
// write them.
func (m *model) serveJobManagerConfig(_ *request) reply {
	dur := func(ms int64) string {
		if m.ver.durationConfig {
			if ms%1000 == 0 {
				return fmt.Sprintf("%d s", ms/1000)
			}
			return fmt.Sprintf("%d ms", ms)
		}
		return strconv.FormatInt(ms, 10)
	}
	slots := 1
	if len(m.tms) > 0 {
		slots = m.tms[0].slots
	}
	entries := []flinkapi.ConfigEntry{
		{Key: "jobmanager.rpc.address", Value: "flink-jobmanager"},
		{Key: "jobmanager.rpc.port", Value: "6123"},
		{Key: "jobmanager.memory.process.size", Value: "1600m"},
		{Key: "taskmanager.memory.process.size", Value: "4096m"},
		{Key: "taskmanager.numberOfTaskSlots", Value: strconv.Itoa(slots)},
		{Key: "rest.port", Value: "8081"},
		{Key: "web.refresh-interval", Value: dur(3000)},
		{Key: "web.checkpoints.history", Value: strconv.Itoa(historySize)},
		{Key: "metrics.fetcher.update-interval", Value: dur(fetchIntervalMs)},
		{Key: "metrics.system-resource", Value: strconv.FormatBool(m.cfg.SystemResourceMetrics)},
		{Key: "heartbeat.interval", Value: dur(10_000)},
		{Key: "heartbeat.timeout", Value: dur(50_000)},
		{Key: "execution.checkpointing.interval", Value: dur(m.sc.Interval.Milliseconds())},
		{Key: "execution.checkpointing.timeout", Value: dur(m.sc.Timeout.Milliseconds())},
		{Key: "state.backend.type", Value: stateBackendKey(m.sc.StateBackend)},
		{Key: "execution.checkpointing.dir", Value: "s3://flink-checkpoints"},
		{Key: "parallelism.default", Value: strconv.Itoa(m.cfg.Parallelism)},
	}
	return ok(entries)
}

// stateBackendKey is the state.backend.type value of a state backend class.
func stateBackendKey(class string) string {
	switch class {
	case "HashMapStateBackend":
		return "hashmap"
	case "ForStStateBackend":
		return "forst"
	}
	return "rocksdb"
}

// resourceProfile is the share of a TaskManager's resources that n of its
// slots hold (cpuCores default to one per slot).
func resourceProfile(n, slots int) flinkapi.ResourceProfile {
	share := func(mibs int64) int64 { return mibs * int64(n) / int64(max(1, slots)) }
	return flinkapi.ResourceProfile{
		CPUCores:          flinkapi.Float(n),
		TaskHeapMemory:    share(tmTaskHeapMiB),
		TaskOffHeapMemory: 0,
		ManagedMemory:     share(tmManagedMiB),
		NetworkMemory:     share(tmNetworkMiB),
		ExtendedResources: map[string]flinkapi.Float{},
	}
}

// taskManagerInfo renders one TaskManager as /taskmanagers lists it.
func (m *model) taskManagerInfo(tm *taskManager, used int, now int64) flinkapi.TaskManagerInfo {
	free := max(0, tm.slots-used)
	return flinkapi.TaskManagerInfo{
		ID: tm.id, Path: rpcPath(m.ver, tm.ip), DataPort: tm.dataPort, JmxPort: -1,
		TimeSinceLastHeartbeat: m.lastHeartbeat(tm, now),
		SlotsNumber:            tm.slots, FreeSlots: free,
		TotalResource: resourceProfile(tm.slots, tm.slots),
		FreeResource:  resourceProfile(free, tm.slots),
		Hardware: flinkapi.HardwareDescription{
			CPUCores: tmCPUCores, PhysicalMemory: physicalMemoryBytes,
			FreeMemory: (tmFrameworkHeapMiB + tmTaskHeapMiB) * mib, ManagedMemory: tmManagedMiB * mib,
		},
		MemoryConfiguration: tmMemory(),
	}
}

// serveTaskManagers answers GET /taskmanagers.
func (m *model) serveTaskManagers(q *request) reply {
	usage := m.slotUsage()
	out := flinkapi.TaskManagersInfo{TaskManagers: make([]flinkapi.TaskManagerInfo, 0, len(m.tms))}
	for _, tm := range m.tms {
		out.TaskManagers = append(out.TaskManagers, m.taskManagerInfo(tm, usage[tm], q.now))
	}
	return ok(out)
}

// serveTaskManagerDetails answers GET /taskmanagers/:taskmanagerid.
func (m *model) serveTaskManagerDetails(q *request) reply {
	id := q.params["taskmanagerid"]
	tm := m.tmByID[id]
	if tm == nil {
		return restHandlerError(http.StatusNotFound, "Could not find TaskExecutor "+id+".",
			"taskmanager.TaskManagerDetailsHandler")
	}
	usage := m.slotUsage()
	d := taskManagerDetails{
		TaskManagerInfo: m.taskManagerInfo(tm, usage[tm], q.now),
		AllocatedSlots:  []allocatedSlot{},
		Metrics:         m.taskManagerMetricsInfo(tm, q.now),
	}
	for _, j := range m.jobs {
		if !j.isRunning() {
			continue
		}
		for _, p := range j.placement {
			if p == tm {
				d.AllocatedSlots = append(d.AllocatedSlots, allocatedSlot{JobID: j.id, Resource: resourceProfile(1, tm.slots)})
			}
		}
	}
	return ok(d)
}

// taskManagerMetricsInfo is the metrics block of a TaskManager's details:
// zeros before the first metric fetch, as Flink's metric store gives.
func (m *model) taskManagerMetricsInfo(tm *taskManager, now int64) taskManagerMetricsInfo {
	var out taskManagerMetricsInfo
	out.GarbageCollectors = []garbageCollectorInfo{}
	if m.ver.memorySegments {
		out.MemorySegmentsAvailable, out.MemorySegmentsTotal = ptr(int64(0)), ptr(int64(0))
	}
	if !m.metricsReady(now) {
		return out
	}
	s := m.tmSample(tm, now)
	total, used := m.shuffleSegments(tm, now)
	out.HeapUsed, out.HeapCommitted, out.HeapMax = s.heapUsed, s.heapCommitted, s.heapMax
	out.NonHeapUsed, out.NonHeapCommitted, out.NonHeapMax = s.nonHeapUsed, s.nonHeapCommitted, s.nonHeapMax
	out.DirectCount, out.DirectUsed, out.DirectMax = s.directCount, s.directUsed, s.directCapacity
	out.MappedCount, out.MappedUsed, out.MappedMax = s.mappedCount, s.mappedUsed, s.mappedCapacity
	if m.ver.memorySegments {
		out.MemorySegmentsAvailable, out.MemorySegmentsTotal = ptr(total-used), ptr(total)
	}
	out.NettyShuffleMemorySegmentsAvailable = total - used
	out.NettyShuffleMemorySegmentsUsed = used
	out.NettyShuffleMemorySegmentsTotal = total
	out.NettyShuffleMemoryAvailable = (total - used) * networkSegmentBytes
	out.NettyShuffleMemoryUsed = used * networkSegmentBytes
	out.NettyShuffleMemoryTotal = total * networkSegmentBytes
	for _, g := range s.gc {
		out.GarbageCollectors = append(out.GarbageCollectors, garbageCollectorInfo{Name: g.name, Count: g.count, Time: g.time})
	}
	return out
}
