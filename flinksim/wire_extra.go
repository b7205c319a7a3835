package flinksim

import (
	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// The types below describe endpoints package flinkapi has no type for yet
// (the exporter does not read them, the simulator must still answer them).
// They embed flinkapi types wherever one exists; move them to flinkapi when
// the client needs them.

// jobIDsWithStatus is the answer of GET /jobs.
type jobIDsWithStatus struct {
	Jobs []jobIDWithStatus `json:"jobs"`
}

// jobIDWithStatus is one job of GET /jobs.
type jobIDWithStatus struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// jobStatusInfo is the answer of GET /jobs/:jobid/status (1.16+).
type jobStatusInfo struct {
	Status string `json:"status"`
}

// taskManagerDetails is the answer of GET /taskmanagers/:taskmanagerid.
type taskManagerDetails struct {
	flinkapi.TaskManagerInfo
	AllocatedSlots []allocatedSlot        `json:"allocatedSlots"`
	Metrics        taskManagerMetricsInfo `json:"metrics"`
}

// allocatedSlot is one slot a job holds on a TaskManager.
type allocatedSlot struct {
	JobID    string                   `json:"jobId"`
	Resource flinkapi.ResourceProfile `json:"resource"`
}

// taskManagerMetricsInfo is the metrics block of a TaskManager's details,
// read from the metric store (bytes, counts, ms).
type taskManagerMetricsInfo struct {
	HeapUsed                            int64                  `json:"heapUsed"`
	HeapCommitted                       int64                  `json:"heapCommitted"`
	HeapMax                             int64                  `json:"heapMax"`
	NonHeapUsed                         int64                  `json:"nonHeapUsed"`
	NonHeapCommitted                    int64                  `json:"nonHeapCommitted"`
	NonHeapMax                          int64                  `json:"nonHeapMax"`
	DirectCount                         int64                  `json:"directCount"`
	DirectUsed                          int64                  `json:"directUsed"`
	DirectMax                           int64                  `json:"directMax"`
	MappedCount                         int64                  `json:"mappedCount"`
	MappedUsed                          int64                  `json:"mappedUsed"`
	MappedMax                           int64                  `json:"mappedMax"`
	MemorySegmentsAvailable             *int64                 `json:"memorySegmentsAvailable,omitempty"` // ≤1.20
	MemorySegmentsTotal                 *int64                 `json:"memorySegmentsTotal,omitempty"`     // ≤1.20
	NettyShuffleMemorySegmentsAvailable int64                  `json:"nettyShuffleMemorySegmentsAvailable"`
	NettyShuffleMemorySegmentsUsed      int64                  `json:"nettyShuffleMemorySegmentsUsed"`
	NettyShuffleMemorySegmentsTotal     int64                  `json:"nettyShuffleMemorySegmentsTotal"`
	NettyShuffleMemoryAvailable         int64                  `json:"nettyShuffleMemoryAvailable"`
	NettyShuffleMemoryUsed              int64                  `json:"nettyShuffleMemoryUsed"`
	NettyShuffleMemoryTotal             int64                  `json:"nettyShuffleMemoryTotal"`
	GarbageCollectors                   []garbageCollectorInfo `json:"garbageCollectors"`
}

// garbageCollectorInfo is one collector of a TaskManager's details.
type garbageCollectorInfo struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
	Time  int64  `json:"time"`
}

// vertexTaskManagers is the answer of
// GET /jobs/:jobid/vertices/:vertexid/taskmanagers.
type vertexTaskManagers struct {
	ID           string                  `json:"id"`
	Name         string                  `json:"name"`
	Now          int64                   `json:"now"`
	TaskManagers []vertexTaskManagerInfo `json:"taskmanagers"`
}

// vertexTaskManagerInfo is one TaskManager running subtasks of a vertex.
type vertexTaskManagerInfo struct {
	Host          string              `json:"host,omitempty"`     // ≤1.20: "ip:dataPort"
	Endpoint      string              `json:"endpoint,omitempty"` // 1.19+
	Status        string              `json:"status"`
	StartTime     int64               `json:"start-time"`
	EndTime       int64               `json:"end-time"`
	Duration      int64               `json:"duration"`
	Metrics       flinkapi.IOMetrics  `json:"metrics"`
	StatusCounts  map[string]int      `json:"status-counts"`
	TaskManagerID string              `json:"taskmanager-id"`
	Aggregated    *aggregatedTaskInfo `json:"aggregated,omitempty"` // 1.16+
}

// aggregatedTaskInfo is the "aggregated" block of vertex details (1.16+):
// statistics of the IO metrics and status durations over subtasks.
type aggregatedTaskInfo struct {
	Metrics        map[string]aggregatedStats `json:"metrics"`
	StatusDuration map[string]aggregatedStats `json:"status-duration"`
}

// aggregatedStats are the eight statistics of one aggregated value.
type aggregatedStats struct {
	Min    int64 `json:"min"`
	Max    int64 `json:"max"`
	Avg    int64 `json:"avg"`
	Sum    int64 `json:"sum"`
	Median int64 `json:"median"`
	P25    int64 `json:"p25"`
	P75    int64 `json:"p75"`
	P95    int64 `json:"p95"`
}

// jobExceptions is the answer of GET /jobs/:jobid/exceptions: the legacy
// fields up to 1.20, the exception history in every version.
type jobExceptions struct {
	RootException flinkapi.Opt[string]   `json:"root-exception,omitzero"`  // ≤1.20
	Timestamp     flinkapi.Opt[int64]    `json:"timestamp,omitzero"`       // ≤1.20
	AllExceptions *[]legacyExceptionInfo `json:"all-exceptions,omitempty"` // ≤1.20
	Truncated     *bool                  `json:"truncated,omitempty"`      // ≤1.20
	History       exceptionHistory       `json:"exceptionHistory"`
}

// legacyExceptionInfo is one entry of the pre-2.0 all-exceptions list.
type legacyExceptionInfo struct {
	Exception     string `json:"exception"`
	Task          string `json:"task"`
	Location      string `json:"location"`
	Timestamp     int64  `json:"timestamp"`
	TaskManagerID string `json:"taskManagerId,omitempty"` // 1.17+
	Endpoint      string `json:"endpoint,omitempty"`      // 1.19+
}

// exceptionHistory is the exceptionHistory block.
type exceptionHistory struct {
	Entries   []exceptionEntry `json:"entries"`
	Truncated bool             `json:"truncated"`
}

// exceptionEntry is one root cause in the exception history. Task name,
// location, endpoint and TaskManager id are NON_NULL in Flink: absent for
// failures without a task.
type exceptionEntry struct {
	ExceptionName        string             `json:"exceptionName"`
	Stacktrace           string             `json:"stacktrace"`
	Timestamp            int64              `json:"timestamp"`
	TaskName             string             `json:"taskName,omitempty"`
	Location             string             `json:"location,omitempty"`      // ≤1.20
	Endpoint             string             `json:"endpoint,omitempty"`      // 1.19+
	TaskManagerID        string             `json:"taskManagerId,omitempty"` // 1.17+
	FailureLabels        *map[string]string `json:"failureLabels,omitempty"` // 1.18+, {} when none
	ConcurrentExceptions *[]exceptionEntry  `json:"concurrentExceptions,omitempty"`
}
