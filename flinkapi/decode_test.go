package flinkapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/internal/restschema"
)

// The files of testdata/flink-rest/samples/real.
const (
	archiveFile         = "real/streampark_historyserver_archive_flink1.15_d933fa6c.json"
	archiveDecodedFile  = "real/streampark_historyserver_archive_flink1.15_d933fa6c.decoded.json"
	streamParkCkpFile   = "real/streampark_FlinkRestJsonTest_checkpoints.json"
	streamParkJMConfig  = "real/streampark_FlinkRestJsonTest_jobmanager_config.json"
	streamParkJobsOver  = "real/streampark_FlinkRestJsonTest_jobs_overview.json"
	streamParkOverview  = "real/streampark_FlinkRestJsonTest_overview.json"
	archiveJobID        = "d933fa6c785f0db6dccc6cc05dd43bab"
	archiveVertexID     = "cbc357ccb763df2852fee8c4fc7d55f2"
	constructedVersions = "1.14 1.18 1.20 2.1"
)

// samplesDir returns testdata/flink-rest/samples or stops the test.
func samplesDir(t *testing.T) string {
	t.Helper()
	dir, err := restschema.SamplesDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// readSample reads a file below the samples directory.
func readSample(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(samplesDir(t), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// decode unmarshals data into a new T with json.Unmarshal, as the client
// does.
func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
	return v
}

// decodeSample reads and decodes one sample file.
func decodeSample[T any](t *testing.T, rel string) T {
	t.Helper()
	return decode[T](t, readSample(t, rel))
}

// archive returns the answers of the real HistoryServer archive by request
// path, from the decoded convenience copy.
func archive(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	return decodeSample[map[string]json.RawMessage](t, archiveDecodedFile)
}

// archived decodes the archived answer for path.
func archived[T any](t *testing.T, path string) T {
	t.Helper()
	raw, ok := archive(t)[path]
	if !ok {
		t.Fatalf("archive has no %s", path)
	}
	return decode[T](t, raw)
}

// target is a flinkapi type an answer decodes into.
type target struct {
	name string
	new  func() any
}

// newTarget names the type T for a decode table.
func newTarget[T any]() *target {
	var zero T
	return &target{name: fmt.Sprintf("%T", zero), new: func() any { return new(T) }}
}

// constructedTarget returns the flinkapi type of a constructed sample,
// by file name, or nil when there is none.
func constructedTarget(name string) *target {
	switch name {
	case "error_404.json":
		return newTarget[flinkapi.ErrorResponse]()
	case "jobs_jobid_checkpoints.json", "jobs_jobid_checkpoints_empty.json":
		return newTarget[flinkapi.CheckpointingStatistics]()
	case "jobs_jobid_checkpoints_config.json":
		return newTarget[flinkapi.CheckpointConfig]()
	case "jobs_jobid_checkpoints_details_103.json":
		return newTarget[flinkapi.CheckpointStatistics]()
	case "jobs_jobid_checkpoints_details_103_subtasks_vertex.json":
		return newTarget[flinkapi.TaskCheckpointStatisticsWithSubtaskDetails]()
	case "subtask_checkpoint_pending_entry.json":
		return newTarget[flinkapi.SubtaskCheckpointStatistics]()
	case "jobs_jobid_metrics_get.json", "metrics_list.json":
		return newTarget[[]flinkapi.Metric]()
	case "subtasks_metrics_agg_max.json", "taskmanagers_metrics_agg.json":
		return newTarget[[]flinkapi.AggregatedMetric]()
	case "jobs_jobid_vertices_vertexid.json":
		return newTarget[flinkapi.JobVertexDetails]()
	case "jobs_jobid_vertices_vertexid_backpressure.json", "jobs_jobid_vertices_vertexid_backpressure_not_ready.json":
		return newTarget[flinkapi.JobVertexBackPressure]()
	}
	return nil
}

// realTarget returns the flinkapi type of a StreamPark test string, by file
// name, or nil.
func realTarget(rel string) *target {
	switch rel {
	case streamParkCkpFile:
		return newTarget[flinkapi.CheckpointingStatistics]()
	case streamParkJMConfig:
		return newTarget[[]flinkapi.ConfigEntry]()
	case streamParkJobsOver:
		return newTarget[flinkapi.JobsOverview]()
	case streamParkOverview:
		return newTarget[flinkapi.ClusterOverview]()
	}
	return nil
}

// archivePaths maps the request paths of the HistoryServer archive to the
// flinkapi type of their answer. Paths the exporter never reads have no
// type (nil) and are listed so that a new path in the archive fails the
// test instead of going unnoticed.
func archivePaths() []struct {
	re     *regexp.Regexp
	target *target
} {
	job := `^/jobs/[0-9a-f]{32}`
	vertex := job + `/vertices/[0-9a-f]{32}`
	return []struct {
		re     *regexp.Regexp
		target *target
	}{
		{regexp.MustCompile(`^/jobs/overview$`), newTarget[flinkapi.JobsOverview]()},
		{regexp.MustCompile(job + `$`), newTarget[flinkapi.JobDetails]()},
		{regexp.MustCompile(job + `/checkpoints$`), newTarget[flinkapi.CheckpointingStatistics]()},
		{regexp.MustCompile(job + `/checkpoints/config$`), newTarget[flinkapi.CheckpointConfig]()},
		{regexp.MustCompile(vertex + `$`), newTarget[flinkapi.JobVertexDetails]()},
		{regexp.MustCompile(job + `/(config|plan|exceptions|accumulators)$`), nil},
		{regexp.MustCompile(vertex + `/(subtasktimes|taskmanagers)$`), nil},
		{regexp.MustCompile(vertex + `/subtasks/\d+/attempts/\d+(/accumulators)?$`), nil},
	}
}

// archiveTarget returns the type of an archived path; known reports whether
// the path is listed at all.
func archiveTarget(path string) (t *target, known bool) {
	for _, p := range archivePaths() {
		if p.re.MatchString(path) {
			return p.target, true
		}
	}
	return nil, false
}

// decodeInto decodes data into a new value of tg twice: with json.Unmarshal,
// as the client does, and strictly, to report keys the type drops; the
// first must keep the validity contract (CheckAnswer).
func decodeInto(t *testing.T, where string, tg *target, data []byte) {
	t.Helper()
	v := tg.new()
	if err := json.Unmarshal(data, v); err != nil {
		t.Errorf("%s: decode as %s: %v", where, tg.name, err)
		return
	}
	// Real and constructed answers keep the validity contract: the
	// contract refuses no answer Flink sends.
	if err := flinkapi.CheckAnswer(where, data, v); err != nil {
		t.Errorf("%s: a valid answer is refused: %v", where, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(tg.new()); err != nil {
		t.Errorf("%s: %s drops a key of the answer: %v", where, tg.name, err)
	}
}

// TestDecodeEverySample decodes every file of samples/real and
// samples/constructed into its flinkapi type. A file (or archived path)
// without a known type fails, so that new samples cannot be skipped
// silently.
func TestDecodeEverySample(t *testing.T) {
	root := samplesDir(t)
	decoded := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch {
		case rel == archiveFile || rel == archiveDecodedFile:
			decoded += decodeArchive(t, rel, data)
		case strings.HasPrefix(rel, "constructed/"):
			tg := constructedTarget(filepath.Base(rel))
			if tg == nil {
				t.Errorf("%s: no flinkapi type known for this sample", rel)
				return nil
			}
			decodeInto(t, rel, tg, data)
			decoded++
		default:
			tg := realTarget(rel)
			if tg == nil {
				t.Errorf("%s: no flinkapi type known for this sample", rel)
				return nil
			}
			decodeInto(t, rel, tg, data)
			decoded++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// 4 versions x 14 constructed files, 4 StreamPark strings, and 5 typed
	// answers in each of the two archive files.
	if want := 4*14 + 4 + 2*5; decoded != want {
		t.Errorf("decoded %d answers, want %d", decoded, want)
	}
}

// decodeArchive decodes the typed answers of a HistoryServer archive, in its
// original form ({"archive":[{"path":..,"json":"<escaped JSON>"}]}) or the
// decoded copy (an object keyed by path), and returns how many it decoded.
func decodeArchive(t *testing.T, rel string, data []byte) int {
	t.Helper()
	answers := map[string][]byte{}
	if rel == archiveFile {
		var a struct {
			Archive []struct {
				Path string `json:"path"`
				JSON string `json:"json"`
			} `json:"archive"`
		}
		if err := json.Unmarshal(data, &a); err != nil {
			t.Errorf("%s: %v", rel, err)
			return 0
		}
		for _, e := range a.Archive {
			answers[e.Path] = []byte(e.JSON)
		}
	} else {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			t.Errorf("%s: %v", rel, err)
			return 0
		}
		for p, raw := range m {
			answers[p] = raw
		}
	}
	n := 0
	for _, p := range slices.Sorted(maps.Keys(answers)) {
		tg, known := archiveTarget(p)
		if !known {
			t.Errorf("%s: archived path %s has no entry in archivePaths", rel, p)
			continue
		}
		if tg == nil {
			continue
		}
		decodeInto(t, rel+" "+p, tg, answers[p])
		n++
	}
	return n
}

// TestDecodeFacts decodes samples into their types and checks concrete
// values, so that a wrong tag or type cannot pass as "decodes without
// error".
func TestDecodeFacts(t *testing.T) {
	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"2.1 checkpoints", func(t *testing.T) {
			c := decodeSample[flinkapi.CheckpointingStatistics](t, "constructed/2.1/jobs_jobid_checkpoints.json")
			eq(t, "counts.completed", c.Counts.Completed, int64(100))
			eq(t, "counts.failed", c.Counts.Failed, int64(4))
			eq(t, "counts.in_progress", c.Counts.InProgress, 1)
			if c.Latest.Completed == nil || c.Latest.Failed == nil {
				t.Fatalf("latest = %+v, want completed and failed", c.Latest)
			}
			eq(t, "latest.completed.id", c.Latest.Completed.ID, int64(103))
			eq(t, "latest.completed.className", c.Latest.Completed.ClassName, "completed")
			eq(t, "latest.completed.Size()", c.Latest.Completed.Size(), int64(524288))
			path, ok := c.Latest.Completed.ExternalPath.Get()
			eq(t, "latest.completed.external_path", path, "s3://bucket/checkpoints/a4b1f6b4c3d2e1f0a9b8c7d6e5f4a3b2/chk-103")
			eq(t, "latest.completed.external_path set", ok, true)
			eq(t, "latest.completed.savepointFormat present", c.Latest.Completed.SavepointFormat.Present, true)
			eq(t, "latest.completed.savepointFormat null", c.Latest.Completed.SavepointFormat.Value == nil, true)
			eq(t, "latest.savepoint", c.Latest.Savepoint == nil, true)
			msg, _ := c.Latest.Failed.FailureMessage.Get()
			eq(t, "latest.failed.failure_message", msg, "Checkpoint expired before completing.")
			eq(t, "latest.failed.failure_timestamp", deref(c.Latest.Failed.FailureTimestamp), int64(1700001040000))
			if c.Latest.Restored == nil {
				t.Fatal("latest.restored = nil")
			}
			eq(t, "latest.restored.id", c.Latest.Restored.ID, int64(101))
			var ids []int64
			for _, h := range c.History {
				ids = append(ids, h.ID)
			}
			eq(t, "history ids (newest first)", ids, []int64{105, 104, 103, 102})
			eq(t, "history[0].status", c.History[0].Status, flinkapi.CheckpointInProgress)
			eq(t, "history[0].latest_ack_timestamp", c.History[0].LatestAckTimestamp, int64(-1))
			eq(t, "history[1].status", c.History[1].Status, flinkapi.CheckpointFailed)
			eq(t, "history[3].discarded", deref(c.History[3].Discarded), true)
			eq(t, "history[2].checkpoint_type", c.History[2].CheckpointType, "UNALIGNED_CHECKPOINT")
			if c.Summary.CheckpointedSize == nil {
				t.Fatal("summary.checkpointed_size = nil")
			}
			eq(t, "summary.checkpointed_size.p50", c.Summary.CheckpointedSize.P50.Value(), 393216.0)
			eq(t, "summary.end_to_end_duration.max", c.Summary.EndToEndDuration.Max, int64(1234))
		}},
		{"2.1 checkpoints without completed checkpoints", func(t *testing.T) {
			c := decodeSample[flinkapi.CheckpointingStatistics](t, "constructed/2.1/jobs_jobid_checkpoints_empty.json")
			if p50 := c.Summary.StateSize.P50.Value(); !math.IsNaN(p50) {
				t.Errorf("summary.state_size.p50 = %v, want NaN", p50)
			}
			eq(t, "summary.alignment_buffered.p50", c.Summary.AlignmentBuffered.P50.Value(), 0.0)
			eq(t, "latest all null", c.Latest.Completed == nil && c.Latest.Savepoint == nil && c.Latest.Failed == nil && c.Latest.Restored == nil, true)
			eq(t, "history", len(c.History), 0)
		}},
		{"1.14 checkpoints with @class", func(t *testing.T) {
			c := decodeSample[flinkapi.CheckpointingStatistics](t, "constructed/1.14/jobs_jobid_checkpoints.json")
			want := []struct{ class, status string }{
				{"in_progress", flinkapi.CheckpointInProgress},
				{"failed", flinkapi.CheckpointFailed},
				{"completed", flinkapi.CheckpointCompleted},
				{"completed", flinkapi.CheckpointCompleted},
			}
			if len(c.History) != len(want) {
				t.Fatalf("history has %d entries, want %d", len(c.History), len(want))
			}
			for i, w := range want {
				h := c.History[i]
				eq(t, fmt.Sprintf("history[%d].@class", i), h.AtClass, w.class)
				eq(t, fmt.Sprintf("history[%d].className", i), h.ClassName, "")
				eq(t, fmt.Sprintf("history[%d].status", i), h.Status, w.status)
				eq(t, fmt.Sprintf("history[%d].checkpointed_size", i), h.CheckpointedSize == nil, true)
				eq(t, fmt.Sprintf("history[%d].Size()", i), h.Size(), h.StateSize)
			}
			eq(t, "latest.completed.Size()", c.Latest.Completed.Size(), int64(8388608))
			eq(t, "summary.checkpointed_size", c.Summary.CheckpointedSize == nil, true)
			eq(t, "latest.completed.savepointFormat present", c.Latest.Completed.SavepointFormat.Present, false)
		}},
		{"1.14 checkpoint details", func(t *testing.T) {
			c := decodeSample[flinkapi.CheckpointStatistics](t, "constructed/1.14/jobs_jobid_checkpoints_details_103.json")
			eq(t, "@class", c.AtClass, "completed")
			eq(t, "tasks", len(c.Tasks), 2)
			task := c.Tasks["90bea66de1c231edf33913ecd54406c1"]
			eq(t, "task end_to_end_duration", task.EndToEndDuration, int64(1234))
			eq(t, "task checkpointed_size", task.CheckpointedSize == nil, true)
		}},
		{"1.14 subtask details", func(t *testing.T) {
			d := decodeSample[flinkapi.TaskCheckpointStatisticsWithSubtaskDetails](t, "constructed/1.14/jobs_jobid_checkpoints_details_103_subtasks_vertex.json")
			eq(t, "id", d.ID, int64(103))
			eq(t, "summary.checkpointed_size", d.Summary.CheckpointedSize == nil, true)
			if p50 := d.Summary.EndToEndDuration.P50.Value(); !math.IsNaN(p50) {
				t.Errorf("summary.end_to_end_duration.p50 = %v, want NaN", p50)
			}
			eq(t, "subtasks", len(d.Subtasks), 2)
			s := d.Subtasks[0]
			eq(t, "subtasks[0].@class", s.AtClass, "completed")
			eq(t, "subtasks[0].Acknowledged()", s.Acknowledged(), true)
			eq(t, "subtasks[0].checkpointed_size", s.CheckpointedSize == nil, true)
			eq(t, "subtasks[0].state_size", deref(s.StateSize), int64(2097152))
		}},
		{"2.1 subtask details", func(t *testing.T) {
			d := decodeSample[flinkapi.TaskCheckpointStatisticsWithSubtaskDetails](t, "constructed/2.1/jobs_jobid_checkpoints_details_103_subtasks_vertex.json")
			eq(t, "summary.checkpoint_duration.async.max", d.Summary.CheckpointDuration.Async.Max, int64(1100))
			eq(t, "summary.alignment.processed.min", d.Summary.Alignment.Processed.Min, int64(512))
			s := d.Subtasks[0]
			eq(t, "subtasks[0].className", s.ClassName, "completed")
			eq(t, "subtasks[0].Acknowledged()", s.Acknowledged(), true)
			eq(t, "subtasks[0].checkpointed_size", deref(s.CheckpointedSize), int64(131072))
			eq(t, "subtasks[0].unaligned_checkpoint", deref(s.UnalignedCheckpoint), true)
			eq(t, "subtasks[0].checkpoint.async", s.Checkpoint.Async, int64(850))
			eq(t, "subtasks[1].alignment.duration", d.Subtasks[1].Alignment.Duration, int64(2))
			eq(t, "subtasks[1].start_delay", deref(d.Subtasks[1].StartDelay), int64(120))
		}},
		{"pending subtask entries", func(t *testing.T) {
			for _, ver := range strings.Fields(constructedVersions) {
				s := decodeSample[flinkapi.SubtaskCheckpointStatistics](t, "constructed/"+ver+"/subtask_checkpoint_pending_entry.json")
				eq(t, ver+" Acknowledged()", s.Acknowledged(), false)
				eq(t, ver+" status", s.Status, flinkapi.SubtaskCheckpointPendingOrFailed)
				eq(t, ver+" index", s.Index, 1)
				eq(t, ver+" discriminator", s.ClassName+s.AtClass, "pending")
				eq(t, ver+" ack_timestamp", s.AckTimestamp == nil, true)
			}
		}},
		{"2.1 and 1.14 checkpoint config", func(t *testing.T) {
			c := decodeSample[flinkapi.CheckpointConfig](t, "constructed/2.1/jobs_jobid_checkpoints_config.json")
			eq(t, "2.1 mode", c.Mode, "exactly_once")
			eq(t, "2.1 interval", c.Interval, int64(60000))
			eq(t, "2.1 PeriodicCheckpointing()", c.PeriodicCheckpointing(), true)
			storage, _ := c.ChangelogStorage.Get()
			eq(t, "2.1 changelog_storage", storage, "memory")
			eq(t, "2.1 state_backend", deref(c.StateBackend), "EmbeddedRocksDBStateBackend")
			old := decodeSample[flinkapi.CheckpointConfig](t, "constructed/1.14/jobs_jobid_checkpoints_config.json")
			eq(t, "1.14 aligned_checkpoint_timeout", old.AlignedCheckpointTimeout != nil && *old.AlignedCheckpointTimeout == 0, true)
			eq(t, "1.14 checkpoints_after_tasks_finish", old.CheckpointsAfterTasksFinish == nil, true)
			eq(t, "1.14 changelog_storage present", old.ChangelogStorage.Present, false)
		}},
		{"real 1.15 checkpoint config: periodic checkpointing disabled", func(t *testing.T) {
			c := archived[flinkapi.CheckpointConfig](t, "/jobs/"+archiveJobID+"/checkpoints/config")
			if c.Interval != flinkapi.IntervalDisabled {
				t.Errorf("interval = %d, want exactly %d", c.Interval, flinkapi.IntervalDisabled)
			}
			eq(t, "PeriodicCheckpointing()", c.PeriodicCheckpointing(), false)
			eq(t, "mode", c.Mode, "at_least_once")
			eq(t, "checkpoints_after_tasks_finish", deref(c.CheckpointsAfterTasksFinish), true)
			eq(t, "state_changelog_enabled (1.16+)", c.StateChangelogEnabled == nil, true)
			eq(t, "checkpoint_storage", deref(c.CheckpointStorage), "JobManagerCheckpointStorage")
		}},
		{"real 1.15 checkpoints: nothing completed", func(t *testing.T) {
			c := archived[flinkapi.CheckpointingStatistics](t, "/jobs/"+archiveJobID+"/checkpoints")
			eq(t, "counts.total", c.Counts.Total, int64(0))
			if c.Summary.CheckpointedSize == nil || !math.IsNaN(c.Summary.CheckpointedSize.P99.Value()) {
				t.Errorf("summary.checkpointed_size = %+v, want p99 NaN", c.Summary.CheckpointedSize)
			}
			eq(t, "latest.completed", c.Latest.Completed == nil, true)
		}},
		{"real <=1.13 StreamPark checkpoints with @class", func(t *testing.T) {
			c := decodeSample[flinkapi.CheckpointingStatistics](t, streamParkCkpFile)
			eq(t, "counts.completed", c.Counts.Completed, int64(1914))
			if c.Latest.Completed == nil {
				t.Fatal("latest.completed = nil")
			}
			eq(t, "latest.completed.@class", c.Latest.Completed.AtClass, "completed")
			eq(t, "latest.completed.id", c.Latest.Completed.ID, int64(1914))
			eq(t, "latest.completed.status", c.Latest.Completed.Status, flinkapi.CheckpointCompleted)
			eq(t, "latest.completed.Size()", c.Latest.Completed.Size(), int64(31096))
			path, _ := c.Latest.Completed.ExternalPath.Get()
			eq(t, "latest.completed.external_path", path, "oss:///streampark/prod/checkpoints/60dd003f048a5b2f92f0874e6612146c/chk-1914")
			eq(t, "summary.state_size.avg", c.Summary.StateSize.Avg, int64(31038))
			eq(t, "summary.state_size.p50 (1.14+)", c.Summary.StateSize.P50 == nil, true)
			if p := c.Summary.StateSize.P50.Value(); !math.IsNaN(p) {
				t.Errorf("absent p50 Value() = %v, want NaN", p)
			}
		}},
		{"real overview", func(t *testing.T) {
			o := decodeSample[flinkapi.ClusterOverview](t, streamParkOverview)
			eq(t, "flink-version", o.FlinkVersion, "1.12.0")
			eq(t, "taskmanagers", o.TaskManagers, 2)
			eq(t, "slots-total", o.SlotsTotal, 10)
			eq(t, "slots-available", o.SlotsAvailable, 2)
			eq(t, "jobs-running", o.JobsRunning, 2)
			eq(t, "taskmanagers-blocked (1.16+)", o.TaskManagersBlocked, 0)
		}},
		{"real jobs overview", func(t *testing.T) {
			o := decodeSample[flinkapi.JobsOverview](t, streamParkJobsOver)
			if len(o.Jobs) != 1 {
				t.Fatalf("jobs = %d, want 1", len(o.Jobs))
			}
			j := o.Jobs[0]
			eq(t, "jid", j.ID, "4579b7a235f0756483da3c3618081bc2")
			eq(t, "state", j.State, flinkapi.JobRunning)
			eq(t, "end-time", j.EndTime, int64(-1))
			eq(t, "tasks.running", j.Tasks["running"], 1)
			_, hasInit := j.Tasks["initializing"]
			eq(t, "tasks.initializing (1.13+)", hasInit, false)
			a := archived[flinkapi.JobsOverview](t, "/jobs/overview")
			eq(t, "archive state", a.Jobs[0].State, flinkapi.JobFailed)
			eq(t, "archive tasks.failed", a.Jobs[0].Tasks["failed"], 1)
		}},
		{"real jobmanager config", func(t *testing.T) {
			c := decodeSample[[]flinkapi.ConfigEntry](t, streamParkJMConfig)
			eq(t, "entries", len(c), 15)
			values := map[string]string{}
			for _, e := range c {
				values[e.Key] = e.Value
			}
			eq(t, "jobmanager.rpc.port", values["jobmanager.rpc.port"], "6123")
			eq(t, "taskmanager.memory.process.size", values["taskmanager.memory.process.size"], "1024m")
		}},
		{"real 1.15 job details", func(t *testing.T) {
			j := archived[flinkapi.JobDetails](t, "/jobs/"+archiveJobID)
			eq(t, "maxParallelism", j.MaxParallelism, int64(-1))
			eq(t, "state", j.State, flinkapi.JobFailed)
			eq(t, "timestamps.FAILED", j.Timestamps[flinkapi.JobFailed], int64(1669348702523))
			eq(t, "vertices[0].id", j.Vertices[0].ID, archiveVertexID)
			eq(t, "plan is an object", bytes.HasPrefix(bytes.TrimSpace(j.Plan), []byte("{")), true)
		}},
		{"back-pressure", func(t *testing.T) {
			for _, ver := range strings.Fields(constructedVersions) {
				b := decodeSample[flinkapi.JobVertexBackPressure](t, "constructed/"+ver+"/jobs_jobid_vertices_vertexid_backpressure_not_ready.json")
				eq(t, ver+" not ready status", b.Status, flinkapi.BackPressureStatusDeprecated)
				eq(t, ver+" not ready Level()", b.Level(), "")
				eq(t, ver+" not ready subtasks", b.Subtasks == nil && b.EndTimestamp == nil, true)
			}
			b := decodeSample[flinkapi.JobVertexBackPressure](t, "constructed/2.1/jobs_jobid_vertices_vertexid_backpressure.json")
			eq(t, "2.1 backpressureLevel", b.BackpressureLevel, flinkapi.BackPressureHigh)
			eq(t, "2.1 subtasks[1].ratio", float64(b.Subtasks[1].Ratio), 0.78)
			old := decodeSample[flinkapi.JobVertexBackPressure](t, "constructed/1.14/jobs_jobid_vertices_vertexid_backpressure.json")
			eq(t, "1.14 backpressureLevel (1.17+)", old.BackpressureLevel, "")
			eq(t, "1.14 Level()", old.Level(), flinkapi.BackPressureHigh)
			eq(t, "1.14 subtasks[0].idleRatio", float64(old.Subtasks[0].IdleRatio), 0.95)
		}},
		{"aggregated metrics", func(t *testing.T) {
			m := decodeSample[[]flinkapi.AggregatedMetric](t, "constructed/2.1/subtasks_metrics_agg_max.json")
			eq(t, "entries", len(m), 2)
			eq(t, "[0].max", m[0].Max.Value(), 120000000.0)
			eq(t, "[0].min absent", m[0].Min == nil, true)
			eq(t, "[1].id", m[1].ID, "busyTimeMsPerSecond")
			if m[1].Max == nil || !math.IsNaN(m[1].Max.Value()) {
				t.Errorf("[1].max = %v, want NaN", m[1].Max)
			}
			tm := decodeSample[[]flinkapi.AggregatedMetric](t, "constructed/2.1/taskmanagers_metrics_agg.json")
			eq(t, "2.1 skew", tm[0].Skew.Value(), 18.0)
			eq(t, "2.1 sum", tm[0].Sum.Value(), 0.322)
			old := decodeSample[[]flinkapi.AggregatedMetric](t, "constructed/1.14/taskmanagers_metrics_agg.json")
			eq(t, "1.14 skew (1.20+)", old[0].Skew == nil, true)
		}},
		{"unaggregated metrics", func(t *testing.T) {
			m := decodeSample[[]flinkapi.Metric](t, "constructed/2.1/jobs_jobid_metrics_get.json")
			values := flinkapi.MetricValues(m)
			eq(t, "lastCheckpointDuration", values["lastCheckpointDuration"], 1234.0)
			eq(t, "numberOfFailedCheckpoints", values["numberOfFailedCheckpoints"], 4.0)
			_, hasPath := values["lastCheckpointExternalPath"]
			eq(t, "non-numeric value dropped", hasPath, false)
			list := decodeSample[[]flinkapi.Metric](t, "constructed/2.1/metrics_list.json")
			eq(t, "list entries", len(list), 3)
			eq(t, "list values empty", list[0].Value+list[1].Value+list[2].Value, "")
		}},
		{"vertex details Location()", func(t *testing.T) {
			v := decodeSample[flinkapi.JobVertexDetails](t, "constructed/2.1/jobs_jobid_vertices_vertexid.json")
			eq(t, "2.1 Location()", v.Subtasks[0].Location(), "10.0.0.11.cluster.local:42001")
			eq(t, "2.1 host (removed in 2.0)", v.Subtasks[0].Host, "")
			eq(t, "2.1 accumulated-busy-time", v.Subtasks[0].Metrics.AccumulatedBusyTime.Value(), 183000.0)
			eq(t, "2.1 status-duration.RUNNING", v.Subtasks[0].StatusDuration["RUNNING"], int64(595000))
			old := decodeSample[flinkapi.JobVertexDetails](t, "constructed/1.14/jobs_jobid_vertices_vertexid.json")
			eq(t, "1.14 Location()", old.Subtasks[1].Location(), "10.0.0.12")
			real := archived[flinkapi.JobVertexDetails](t, "/jobs/"+archiveJobID+"/vertices/"+archiveVertexID)
			eq(t, "real 1.15 Location()", real.Subtasks[0].Location(), "10.42.16.169")
			eq(t, "real 1.15 endpoint (1.19+)", real.Subtasks[0].Endpoint, "")
			eq(t, "real 1.15 taskmanager-id", real.Subtasks[0].TaskManagerID, "test555-taskmanager-1-1")
			eq(t, "real 1.15 status", real.Subtasks[0].Status, "FAILED")
		}},
		{"error body", func(t *testing.T) {
			e := decodeSample[flinkapi.ErrorResponse](t, "constructed/2.1/error_404.json")
			if len(e.Errors) != 1 || !strings.Contains(e.Errors[0], "Checkpointing has not been enabled.") {
				t.Errorf("errors = %q", e.Errors)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}

// eq reports got != want for a named value.
func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// deref returns *p, or the zero value for nil (which the checks then report
// as a mismatch).
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// TestRoundTrip decodes every constructed sample (the checkpoint files of
// the 1.14 and 2.1 flavours first among them), the StreamPark strings and the
// typed answers of the real archive, and encodes them again: the result must
// be the same JSON document (same keys, null where Flink writes null, absent
// where Flink omits, numbers with the same text). The simulator encodes
// these types, so this proves it emits exactly Flink's keys.
func TestRoundTrip(t *testing.T) {
	root := samplesDir(t)
	files, err := filepath.Glob(filepath.Join(root, "constructed", "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	answers := map[string][]byte{}
	targets := map[string]*target{}
	for _, f := range files {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		rel = filepath.ToSlash(rel)
		answers[rel], targets[rel] = readSample(t, rel), constructedTarget(filepath.Base(f))
	}
	for _, rel := range []string{streamParkCkpFile, streamParkJMConfig, streamParkJobsOver, streamParkOverview} {
		answers[rel], targets[rel] = readSample(t, rel), realTarget(rel)
	}
	for p, raw := range archive(t) {
		if tg, _ := archiveTarget(p); tg != nil {
			answers["archive "+p], targets["archive "+p] = raw, tg
		}
	}
	for _, must := range []string{
		"constructed/2.1/jobs_jobid_checkpoints.json",
		"constructed/2.1/jobs_jobid_checkpoints_details_103_subtasks_vertex.json",
		"constructed/1.14/jobs_jobid_checkpoints.json",
		"constructed/1.14/subtask_checkpoint_pending_entry.json",
	} {
		if _, ok := answers[must]; !ok {
			t.Errorf("round trip misses %s", must)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(answers)) {
		t.Run(name, func(t *testing.T) {
			tg := targets[name]
			if tg == nil {
				t.Fatalf("no type for %s", name)
			}
			v := tg.new()
			if err := json.Unmarshal(answers[name], v); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range jsonDiff("$", decodeAny(t, answers[name]), decodeAny(t, out)) {
				t.Error(d)
			}
		})
	}
}

// decodeAny decodes JSON into maps, slices and json.Numbers.
func decodeAny(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// jsonDiff lists the differences between two decoded JSON documents, by
// path. Numbers compare by their text, so that 1234.0 and 1234 differ as
// they do between a Java double and a long.
func jsonDiff(path string, want, got any) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %T, want object", path, got)}
		}
		var diffs []string
		keys := slices.Sorted(maps.Keys(w))
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: missing after round trip", path, k))
				continue
			}
			diffs = append(diffs, jsonDiff(path+"."+k, w[k], gv)...)
		}
		for _, k := range slices.Sorted(maps.Keys(g)) {
			if _, ok := w[k]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: added by round trip (%v)", path, k, g[k]))
			}
		}
		return diffs
	case []any:
		g, ok := got.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: got %T, want array", path, got)}
		}
		if len(g) != len(w) {
			return []string{fmt.Sprintf("%s: got %d elements, want %d", path, len(g), len(w))}
		}
		var diffs []string
		for i := range w {
			diffs = append(diffs, jsonDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i])...)
		}
		return diffs
	}
	if !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: got %#v, want %#v", path, got, want)}
	}
	return nil
}

// TestJSONDiff makes sure the round-trip comparison can fail.
func TestJSONDiff(t *testing.T) {
	tests := []struct {
		name, want, got string
		diffs           int
	}{
		{"equal", `{"a":[1,"x",null],"b":{"c":1.5}}`, `{"b":{"c":1.5},"a":[1,"x",null]}`, 0},
		{"double vs long", `{"p50":1234.0}`, `{"p50":1234}`, 1},
		{"null vs absent", `{"a":1,"savepointFormat":null}`, `{"a":1}`, 1},
		{"added key", `{"a":1}`, `{"a":1,"className":""}`, 1},
		{"array length", `[1,2]`, `[1]`, 1},
		{"type", `{"a":{}}`, `{"a":[]}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diffs := jsonDiff("$", decodeAny(t, []byte(tt.want)), decodeAny(t, []byte(tt.got)))
			if len(diffs) != tt.diffs {
				t.Errorf("jsonDiff = %q, want %d difference(s)", diffs, tt.diffs)
			}
		})
	}
}
