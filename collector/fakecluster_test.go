package collector

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// fakeCluster is a JobManager of known size for counting series and
// requests. Checkpoint answers are the constructed Flink 2.1 samples; the
// job list, vertices, TaskManagers and metrics are generated from the
// sizes, so the tests know exactly what each collector should see. The
// fields may be changed between scrapes (under mu).
type fakeCluster struct {
	t       testing.TB
	samples string

	mu sync.Mutex
	// Jobs: RUNNING with checkpointing, RUNNING without, and FINISHED.
	checkpointed, uncheckpointed, finished int
	vertices                               int // per job; parallelism is 2, as in the samples
	taskManagers                           []string
	heartbeat                              time.Time // every TaskManager's last heartbeat
	gcs                                    []string  // garbage collector names of every JVM
	allGroup                               bool      // Flink 1.19+ GarbageCollector.All group
	interfaces                             []string  // System.* metrics present when non-nil
	metricsReady                           bool      // false: empty metric store, back-pressure "deprecated"
	// vertexMetrics are the task metrics every vertex has a value of, in
	// ms per second; an aggregated request naming any other id gets [].
	vertexMetrics map[string]float64
	// jmCPU is the JobManager's Status.JVM.CPU.Load; absent when negative.
	jmCPU float64

	requests map[string]int // by endpoint template
	gets     map[string]int // metric requests with ?get=, by path
}

// newFakeCluster returns a healthy cluster of the given size whose metric
// store is filled, with the G1 collectors and no system metrics.
func newFakeCluster(t testing.TB, checkpointed, uncheckpointed, finished, vertices, taskManagers int) *fakeCluster {
	t.Helper()
	c := &fakeCluster{
		t:              t,
		samples:        filepath.Join(samplesDir(t), "constructed", "2.1"),
		checkpointed:   checkpointed,
		uncheckpointed: uncheckpointed,
		finished:       finished,
		vertices:       vertices,
		gcs:            []string{"G1_Young_Generation", "G1_Old_Generation"},
		metricsReady:   true,
		vertexMetrics:  map[string]float64{"backPressuredTimeMsPerSecond": 780, "busyTimeMsPerSecond": 220, "idleTimeMsPerSecond": 0},
		jmCPU:          0.05,
		requests:       map[string]int{},
		gets:           map[string]int{},
	}
	for i := range taskManagers {
		c.taskManagers = append(c.taskManagers, fmt.Sprintf("10.0.0.%d:6122-%06x", 10+i, i))
	}
	return c
}

// serve starts the cluster behind an httptest server.
func (c *fakeCluster) serve() *httptest.Server {
	srv := httptest.NewServer(c)
	c.t.Cleanup(srv.Close)
	return srv
}

func (c *fakeCluster) jobID(i int) string { return fmt.Sprintf("%032x", 0xa000+i) }

func (c *fakeCluster) vertexID(job, v int) string { return fmt.Sprintf("%032x", 0xb0000+job*100+v) }

// placement is the TaskManager of subtask i of vertex v of job j.
func (c *fakeCluster) placement(j, v, i int) string {
	return c.taskManagers[((j*c.vertices+v)*2+i)%len(c.taskManagers)]
}

// distinctTaskManagers is how many TaskManagers run subtasks of job j.
func (c *fakeCluster) distinctTaskManagers(j int) int {
	set := map[string]bool{}
	for v := range c.vertices {
		for i := range 2 {
			set[c.placement(j, v, i)] = true
		}
	}
	return len(set)
}

// counts returns and resets the requests by endpoint template and the
// metric requests with ?get= by path.
func (c *fakeCluster) counts() (byEndpoint, gets map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	byEndpoint, gets = c.requests, c.gets
	c.requests, c.gets = map[string]int{}, map[string]int{}
	return byEndpoint, gets
}

func (c *fakeCluster) sample(name string) json.RawMessage {
	b, err := os.ReadFile(filepath.Join(c.samples, name))
	if err != nil {
		c.t.Fatal(err)
	}
	return b
}

func (c *fakeCluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	endpoint, body, status := c.route(strings.Split(strings.Trim(r.URL.Path, "/"), "/"), r)
	c.requests[endpoint]++
	if r.URL.Query().Has("get") {
		c.gets[r.URL.Path]++
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	if raw, ok := body.(json.RawMessage); ok {
		w.Write(raw)
		return
	}
	if err := json.NewEncoder(w).Encode(body); err != nil {
		c.t.Error(err)
	}
}

func fakeNotFound(path string) any { return map[string][]string{"errors": {"Not found: " + path}} }

// route answers one request: the endpoint template it counts as, the body
// and the status.
func (c *fakeCluster) route(p []string, r *http.Request) (string, any, int) {
	q := r.URL.Query()
	switch {
	case len(p) == 1 && p[0] == "overview":
		return flinkapi.EndpointOverview, c.overview(), http.StatusOK
	case len(p) == 2 && p[0] == "jobs" && p[1] == "overview":
		return flinkapi.EndpointJobsOverview, c.jobsOverview(), http.StatusOK
	case len(p) == 1 && p[0] == "taskmanagers":
		return flinkapi.EndpointTaskManagers, c.taskManagersInfo(), http.StatusOK
	case len(p) == 3 && p[0] == "taskmanagers" && p[2] == "metrics":
		if !c.hasTaskManager(p[1]) {
			return flinkapi.EndpointTaskManagerMetrics, fakeNotFound(r.URL.Path), http.StatusNotFound
		}
		return flinkapi.EndpointTaskManagerMetrics, c.metrics(c.processMetrics(false), q), http.StatusOK
	case len(p) == 2 && p[0] == "jobmanager" && p[1] == "metrics":
		return flinkapi.EndpointJobManagerMetrics, c.metrics(c.processMetrics(true), q), http.StatusOK
	case len(p) >= 2 && p[0] == "jobs":
		return c.routeJob(p[1], p[2:], r)
	}
	return "unknown", fakeNotFound(r.URL.Path), http.StatusNotFound
}

func (c *fakeCluster) routeJob(id string, p []string, r *http.Request) (string, any, int) {
	j, state := c.job(id)
	if j < 0 {
		return "unknown job", fakeNotFound(r.URL.Path), http.StatusNotFound
	}
	checkpointed := j < c.checkpointed
	switch {
	case len(p) == 0:
		return flinkapi.EndpointJob, c.jobDetails(j, state), http.StatusOK
	case len(p) == 1 && p[0] == "checkpoints":
		if !checkpointed {
			return flinkapi.EndpointCheckpoints, fakeNotFound("Checkpointing has not been enabled."), http.StatusNotFound
		}
		return flinkapi.EndpointCheckpoints, c.sample("jobs_jobid_checkpoints.json"), http.StatusOK
	case len(p) == 2 && p[0] == "checkpoints" && p[1] == "config":
		if !checkpointed {
			return flinkapi.EndpointCheckpointConfig, fakeNotFound("Checkpointing is not enabled for this job."), http.StatusNotFound
		}
		return flinkapi.EndpointCheckpointConfig, c.sample("jobs_jobid_checkpoints_config.json"), http.StatusOK
	case len(p) == 5 && p[0] == "checkpoints" && p[1] == "details" && (p[2] == "103" || p[2] == "104" || p[2] == "105") && p[3] == "subtasks":
		// One answer for the completed (103), failed (104) and in-progress
		// (105) checkpoints of the sample, so that every analysis is made.
		return flinkapi.EndpointCheckpointSubtasks, c.sample("jobs_jobid_checkpoints_details_103_subtasks_vertex.json"), http.StatusOK
	case len(p) == 2 && p[0] == "vertices":
		return flinkapi.EndpointVertex, c.vertexDetails(j, p[1]), http.StatusOK
	case len(p) == 4 && p[0] == "vertices" && p[2] == "subtasks" && p[3] == "metrics":
		return flinkapi.EndpointVertexSubtaskMetrics, c.vertexAggregates(r.URL.Query()), http.StatusOK
	case len(p) == 3 && p[0] == "vertices" && p[2] == "backpressure":
		if !c.metricsReady {
			return flinkapi.EndpointVertexBackPressure, c.sample("jobs_jobid_vertices_vertexid_backpressure_not_ready.json"), http.StatusOK
		}
		return flinkapi.EndpointVertexBackPressure, c.sample("jobs_jobid_vertices_vertexid_backpressure.json"), http.StatusOK
	}
	return "unknown", fakeNotFound(r.URL.Path), http.StatusNotFound
}

// job returns the index and state of a job id, or -1.
func (c *fakeCluster) job(id string) (int, string) {
	n := c.checkpointed + c.uncheckpointed + c.finished
	for i := range n {
		if c.jobID(i) == id {
			if i >= c.checkpointed+c.uncheckpointed {
				return i, flinkapi.JobFinished
			}
			return i, flinkapi.JobRunning
		}
	}
	return -1, ""
}

func (c *fakeCluster) hasTaskManager(id string) bool {
	for _, tm := range c.taskManagers {
		if tm == id {
			return true
		}
	}
	return false
}

func (c *fakeCluster) overview() any {
	return flinkapi.ClusterOverview{TaskManagers: len(c.taskManagers), SlotsTotal: 4 * len(c.taskManagers), SlotsAvailable: len(c.taskManagers), JobsRunning: c.checkpointed + c.uncheckpointed, JobsFinished: c.finished, FlinkVersion: "2.1.0", FlinkCommit: "abcdef0"}
}

func (c *fakeCluster) jobsOverview() any {
	jobs := []flinkapi.JobOverview{} // Flink sends [], never null
	for i := range c.checkpointed + c.uncheckpointed + c.finished {
		_, state := c.job(c.jobID(i))
		jobs = append(jobs, flinkapi.JobOverview{ID: c.jobID(i), Name: fmt.Sprintf("job %d", i), State: state, StartTime: 1_700_000_000_000})
	}
	return flinkapi.JobsOverview{Jobs: jobs}
}

func (c *fakeCluster) jobDetails(j int, state string) any {
	d := flinkapi.JobDetails{ID: c.jobID(j), Name: fmt.Sprintf("job %d", j), State: state, Vertices: []flinkapi.JobVertex{}}
	for v := range c.vertices {
		d.Vertices = append(d.Vertices, flinkapi.JobVertex{ID: c.vertexID(j, v), Name: fmt.Sprintf("Vertex %d", v), Parallelism: 2, Status: state})
	}
	return d
}

func (c *fakeCluster) vertexDetails(j int, vid string) any {
	for v := range c.vertices {
		if c.vertexID(j, v) != vid {
			continue
		}
		d := flinkapi.JobVertexDetails{ID: vid, Name: fmt.Sprintf("Vertex %d", v), Parallelism: 2}
		for i := range 2 {
			d.Subtasks = append(d.Subtasks, flinkapi.SubtaskExecutionAttempt{Subtask: i, Status: flinkapi.JobRunning, TaskManagerID: c.placement(j, v, i)})
		}
		return d
	}
	return fakeNotFound(vid)
}

func (c *fakeCluster) taskManagersInfo() any {
	out := flinkapi.TaskManagersInfo{TaskManagers: []flinkapi.TaskManagerInfo{}}
	for i, id := range c.taskManagers {
		out.TaskManagers = append(out.TaskManagers, flinkapi.TaskManagerInfo{
			ID:                     id,
			Path:                   fmt.Sprintf("pekko.tcp://flink@10.0.0.%d:6122/user/rpc/taskmanager_0", 10+i),
			DataPort:               40000 + i,
			TimeSinceLastHeartbeat: c.heartbeat.UnixMilli(),
			SlotsNumber:            4,
			FreeSlots:              1,
		})
	}
	return out
}

// processMetrics is every metric of one JVM by id, as Flink renders the
// values: strings, with noise ids the exporter must not ask for.
func (c *fakeCluster) processMetrics(jobManager bool) map[string]string {
	if !c.metricsReady {
		return nil
	}
	m := map[string]string{
		"Status.JVM.CPU.Time":                       "12500000000",
		"Status.JVM.Memory.Heap.Used":               "536870912",
		"Status.JVM.Memory.Heap.Committed":          "805306368",
		"Status.JVM.Memory.Heap.Max":                "1073741824",
		"Status.JVM.Memory.NonHeap.Used":            "104857600",
		"Status.JVM.Threads.Count":                  "64",
		"Status.JVM.ClassLoader.ClassesLoaded":      "9000",
		"Status.Shuffle.Netty.UsedMemorySegments":   "12",
		"Status.JVM.Memory.Metaspace.Used":          "70000000",
		"Status.JVM.GarbageCollector.Unknown.Field": "1",
	}
	if jobManager {
		if c.jmCPU >= 0 {
			m["Status.JVM.CPU.Load"] = flinkapi.FormatMetricValue(c.jmCPU, false)
		}
		m["numRegisteredTaskManagers"] = fmt.Sprint(len(c.taskManagers))
		m["numRunningJobs"] = fmt.Sprint(c.checkpointed + c.uncheckpointed)
		m["taskSlotsTotal"] = fmt.Sprint(4 * len(c.taskManagers))
		m["taskSlotsAvailable"] = fmt.Sprint(len(c.taskManagers))
	} else {
		m["Status.JVM.CPU.Load"] = "0.25"
		m["Status.Flink.Memory.Managed.Used"] = "268435456"
		m["Status.Flink.Memory.Managed.Total"] = "536870912"
	}
	for i, gc := range c.gcs {
		m[gcPrefix+gc+".Count"] = fmt.Sprint(10 * (i + 1))
		m[gcPrefix+gc+".Time"] = fmt.Sprint(1500 * (i + 1))
		m[gcPrefix+gc+".TimeMsPerSecond"] = "3"
	}
	if c.allGroup {
		m[gcPrefix+"All.Count"] = "30"
		m[gcPrefix+"All.Time"] = "4500"
		m[gcPrefix+"All.TimeMsPerSecond"] = "6"
	}
	if c.interfaces != nil {
		m["System.CPU.Usage"] = "42.5"
		m["System.CPU.Idle"] = "57.5"
		m["System.CPU.IOWait"] = "1.5"
		m["System.CPU.Steal"] = "0.5"
		m["System.CPU.Load1min"] = "2.25"
		m["System.Memory.Available"] = "4294967296"
		m["System.Memory.Total"] = "17179869184"
		m["System.Swap.Used"] = "0"
		for i, iface := range c.interfaces {
			m[networkPrefix+iface+".ReceiveRate"] = fmt.Sprint(1000 * (i + 1))
			m[networkPrefix+iface+".SendRate"] = fmt.Sprint(2000 * (i + 1))
		}
	}
	return m
}

// metrics answers an unaggregated metrics request: the ids without ?get=,
// else the values of the known requested ids.
func (c *fakeCluster) metrics(all map[string]string, q map[string][]string) any {
	out := []flinkapi.Metric{}
	get, ok := q["get"]
	if !ok {
		for id := range all {
			out = append(out, flinkapi.Metric{ID: id})
		}
		sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
		return out
	}
	for _, id := range strings.Split(get[0], ",") {
		if v, ok := all[id]; ok {
			out = append(out, flinkapi.Metric{ID: id, Value: v})
		}
	}
	return out
}

// vertexAggregates answers an aggregated subtask metrics request as Flink
// does: [] as a whole if any requested id has no value.
func (c *fakeCluster) vertexAggregates(q map[string][]string) any {
	out := []flinkapi.AggregatedMetric{}
	if !c.metricsReady {
		return out
	}
	for _, id := range strings.Split(q["get"][0], ",") {
		v, ok := c.vertexMetrics[id]
		if !ok {
			return []flinkapi.AggregatedMetric{}
		}
		out = append(out, flinkapi.AggregatedMetric{ID: id, Max: flinkapi.NewFloat(v)})
	}
	return out
}

// newClockedExporter builds an Exporter for url on the given clock with
// the metrics TTL; collectors nil enables the default ones.
func newClockedExporter(t testing.TB, url string, clock *flinksim.ManualClock, ttl time.Duration, collectors ...string) *Exporter {
	t.Helper()
	client, err := flinkapi.NewClient(url, flinkapi.Options{MaxConcurrentRequests: 4})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExporter(Config{Client: client, Now: clock.Now, Timeout: 30 * time.Second, MetricsTTL: ttl, Collectors: collectors})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
