package flinkapi

import (
	"strings"
)

// TaskManagersInfo is the answer of GET /taskmanagers.
type TaskManagersInfo struct {
	TaskManagers []TaskManagerInfo `json:"taskmanagers"`
}

// TaskManagerInfo is one TaskManager of GET /taskmanagers.
//
// TimeSinceLastHeartbeat is, despite its name, the absolute epoch time in
// milliseconds of the last heartbeat; its age is now minus this value.
type TaskManagerInfo struct {
	ID                     string                  `json:"id"`
	Path                   string                  `json:"path"`
	DataPort               int                     `json:"dataPort"`
	JmxPort                int                     `json:"jmxPort"`
	TimeSinceLastHeartbeat int64                   `json:"timeSinceLastHeartbeat"`
	SlotsNumber            int                     `json:"slotsNumber"`
	FreeSlots              int                     `json:"freeSlots"`
	TotalResource          ResourceProfile         `json:"totalResource"`
	FreeResource           ResourceProfile         `json:"freeResource"`
	Hardware               HardwareDescription     `json:"hardware"`
	MemoryConfiguration    TaskManagerMemoryConfig `json:"memoryConfiguration"`
	Blocked                bool                    `json:"blocked,omitempty"` // 1.16+, omitted unless true
}

// Host returns the TaskManager's host as its RPC path names it
// ("pekko.tcp://flink@10.0.0.5:6122/user/rpc/taskmanager_0" gives
// "10.0.0.5"), or "" when the path has no host. /taskmanagers has no host
// field of its own.
func (t TaskManagerInfo) Host() string {
	p := t.Path
	if i := strings.Index(p, "@"); i >= 0 {
		p = p[i+1:]
	} else if i := strings.Index(p, "://"); i >= 0 {
		p = p[i+3:]
	} else {
		return ""
	}
	if i := strings.Index(p, "/"); i >= 0 {
		p = p[:i]
	}
	if i := strings.LastIndex(p, ":"); i >= 0 && !strings.HasSuffix(p, "]") {
		p = p[:i]
	}
	return strings.Trim(p, "[]")
}

// ResourceProfile is Flink's ResourceProfileInfo; memory sizes are MiB.
type ResourceProfile struct {
	CPUCores          Float            `json:"cpuCores"`
	TaskHeapMemory    int64            `json:"taskHeapMemory"`
	TaskOffHeapMemory int64            `json:"taskOffHeapMemory"`
	ManagedMemory     int64            `json:"managedMemory"`
	NetworkMemory     int64            `json:"networkMemory"`
	ExtendedResources map[string]Float `json:"extendedResources"`
}

// HardwareDescription describes a TaskManager's machine in bytes.
// FreeMemory is, despite its name, the JVM's maximum heap.
type HardwareDescription struct {
	CPUCores       int   `json:"cpuCores"`
	PhysicalMemory int64 `json:"physicalMemory"`
	FreeMemory     int64 `json:"freeMemory"`
	ManagedMemory  int64 `json:"managedMemory"`
}

// TaskManagerMemoryConfig is a TaskManager's memory model in bytes.
type TaskManagerMemoryConfig struct {
	FrameworkHeap      int64 `json:"frameworkHeap"`
	TaskHeap           int64 `json:"taskHeap"`
	FrameworkOffHeap   int64 `json:"frameworkOffHeap"`
	TaskOffHeap        int64 `json:"taskOffHeap"`
	NetworkMemory      int64 `json:"networkMemory"`
	ManagedMemory      int64 `json:"managedMemory"`
	JvmMetaspace       int64 `json:"jvmMetaspace"`
	JvmOverhead        int64 `json:"jvmOverhead"`
	TotalFlinkMemory   int64 `json:"totalFlinkMemory"`
	TotalProcessMemory int64 `json:"totalProcessMemory"`
}
