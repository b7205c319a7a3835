package flinkapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flink-exporter/flink_exporter/internal/restschema"
)

// The fuzz tests feed every decoder of the REST client arbitrary bytes,
// seeded with every Flink answer of testdata/flink-rest/samples (each entry of
// the HistoryServer archive on its own). The property: decoding never
// panics, and what decodes re-encodes to JSON that decodes again to the
// same value (compared by its encoding, so that NaN equals NaN). CI runs
// each fuzzer for a few seconds; testdata/fuzz keeps the inputs worth
// replaying on every `go test`.

// fuzzSeeds returns every sample answer: the files of samples/, and each
// archived answer of the HistoryServer archives separately. It stops the
// test when the samples are missing, so that fuzzing never silently starts
// from nothing.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	root, err := restschema.SamplesDir()
	if err != nil {
		f.Fatal(err)
	}
	var seeds [][]byte
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		seeds = append(append(seeds, data), archiveEntries(data)...)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	if len(seeds) < 70 {
		f.Fatalf("only %d sample answers under %s", len(seeds), root)
	}
	return seeds
}

// archiveEntries returns the answers of a HistoryServer archive, in its
// original form ({"archive":[{"path":..,"json":"<escaped JSON>"}]}) or the
// decoded copy (an object keyed by request path); nil for other files.
func archiveEntries(data []byte) [][]byte {
	var original struct {
		Archive []struct {
			Path string `json:"path"`
			JSON string `json:"json"`
		} `json:"archive"`
	}
	if json.Unmarshal(data, &original) == nil && len(original.Archive) > 0 {
		out := make([][]byte, 0, len(original.Archive))
		for _, e := range original.Archive {
			out = append(out, []byte(e.JSON))
		}
		return out
	}
	var decoded map[string]json.RawMessage
	if json.Unmarshal(data, &decoded) != nil {
		return nil
	}
	var out [][]byte
	for path, raw := range decoded {
		if strings.HasPrefix(path, "/jobs") {
			out = append(out, raw)
		}
	}
	return out
}

// fuzzDecode runs the decode property for type T, seeded with every sample
// and the given extra inputs.
func fuzzDecode[T any](f *testing.F, extra ...string) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode[T](t, data)
	})
}

// checkDecode decodes data into a T as the client does; when that
// succeeds, the value must survive an encode-decode round trip and its
// accessors must not panic.
func checkDecode[T any](t *testing.T, data []byte) {
	t.Helper()
	var v T
	if json.Unmarshal(data, &v) != nil {
		return
	}
	exercise(&v)
	first, err := json.Marshal(&v)
	if err != nil {
		t.Fatalf("encode decoded %T: %v", v, err)
	}
	var w T
	if err := json.Unmarshal(first, &w); err != nil {
		t.Fatalf("decode re-encoded %T: %v\n%s", v, err, first)
	}
	second, err := json.Marshal(&w)
	if err != nil {
		t.Fatalf("encode %T again: %v", w, err)
	}
	if !bytes.Equal(first, second) {
		t.Fatalf("%T changed in a round trip:\n%s\n%s", v, first, second)
	}
}

// exercise calls the accessors the collectors use on a decoded answer, so
// that a value no sample shows cannot make them panic either.
func exercise(v any) {
	switch v := v.(type) {
	case *CheckpointingStatistics:
		for i := range v.History {
			v.History[i].Size()
		}
		for _, c := range []*CheckpointStatistics{v.Latest.Completed, v.Latest.Savepoint, v.Latest.Failed} {
			if c != nil {
				c.Size()
			}
		}
	case *CheckpointStatistics:
		v.Size()
	case *CheckpointConfig:
		v.PeriodicCheckpointing()
	case *TaskCheckpointStatisticsWithSubtaskDetails:
		for _, s := range v.Subtasks {
			s.Acknowledged()
		}
	case *JobVertexDetails:
		for _, s := range v.Subtasks {
			s.Location()
		}
	case *JobVertexBackPressure:
		v.Level()
	case *TaskManagersInfo:
		for _, tm := range v.TaskManagers {
			tm.Host()
		}
	case *[]Metric:
		for _, m := range *v {
			_, _ = m.Float()
		}
		MetricValues(*v)
	}
}

func FuzzDecodeDashboardConfig(f *testing.F) { fuzzDecode[DashboardConfig](f) }
func FuzzDecodeClusterOverview(f *testing.F) { fuzzDecode[ClusterOverview](f) }
func FuzzDecodeJobsOverview(f *testing.F)    { fuzzDecode[JobsOverview](f) }
func FuzzDecodeJobDetails(f *testing.F)      { fuzzDecode[JobDetails](f) }
func FuzzDecodeCheckpointingStatistics(f *testing.F) {
	fuzzDecode[CheckpointingStatistics](f)
}
func FuzzDecodeCheckpointConfig(f *testing.F)     { fuzzDecode[CheckpointConfig](f) }
func FuzzDecodeCheckpointStatistics(f *testing.F) { fuzzDecode[CheckpointStatistics](f) }
func FuzzDecodeCheckpointSubtasks(f *testing.F) {
	fuzzDecode[TaskCheckpointStatisticsWithSubtaskDetails](f)
}
func FuzzDecodeJobVertexDetails(f *testing.F)      { fuzzDecode[JobVertexDetails](f) }
func FuzzDecodeJobVertexBackPressure(f *testing.F) { fuzzDecode[JobVertexBackPressure](f) }
func FuzzDecodeTaskManagersInfo(f *testing.F)      { fuzzDecode[TaskManagersInfo](f) }
func FuzzDecodeConfigEntries(f *testing.F)         { fuzzDecode[[]ConfigEntry](f) }
func FuzzDecodeMetrics(f *testing.F) {
	fuzzDecode[[]Metric](f, `[{"id":"Status.JVM.CPU.Load","value":"NaN"}]`, `[{"id":"x","value":"1e400"}]`)
}
func FuzzDecodeAggregatedMetrics(f *testing.F) {
	fuzzDecode[[]AggregatedMetric](f, `[{"id":"busyTimeMsPerSecond","max":"Infinity","min":null}]`)
}
func FuzzDecodeErrorResponse(f *testing.F) { fuzzDecode[ErrorResponse](f) }

// FuzzDecodeFloat covers Jackson's doubles: numbers, numeric strings and
// the non-finite names.
func FuzzDecodeFloat(f *testing.F) {
	fuzzDecode[Float](f, `0`, `-0.0`, `1.5E-7`, `1e21`, `"NaN"`, `"Infinity"`, `"-Infinity"`, `"12.5"`, `null`, `"0x1p-2"`, `1e400`)
}

// optProbe holds Opt fields of the kinds the wire types use.
type optProbe struct {
	Int    Opt[int64]          `json:"int,omitzero"`
	String Opt[string]         `json:"string,omitzero"`
	Float  Opt[Float]          `json:"float,omitzero"`
	Nested Opt[[]Opt[int64]]   `json:"nested,omitzero"`
	Object Opt[map[string]int] `json:"object,omitzero"`
}

// FuzzDecodeOpt covers Opt: absent, null and present values.
func FuzzDecodeOpt(f *testing.F) {
	for _, s := range []string{`{}`, `{"int":null}`, `{"int":7,"string":"x","float":"NaN"}`, `{"nested":[1,null]}`, `{"object":{"a":1}}`, `{"string":null,"float":null}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode[optProbe](t, data)
		checkDecode[Opt[int64]](t, data)
		checkDecode[Opt[string]](t, data)
	})
}

// answerTargets are the types decodeAnswer is fuzzed with, one per typed
// endpoint.
var answerTargets = []struct {
	endpoint string
	new      func() any
}{
	{EndpointConfig, func() any { return new(DashboardConfig) }},
	{EndpointOverview, func() any { return new(ClusterOverview) }},
	{EndpointJobsOverview, func() any { return new(JobsOverview) }},
	{EndpointJob, func() any { return new(JobDetails) }},
	{EndpointCheckpoints, func() any { return new(CheckpointingStatistics) }},
	{EndpointCheckpointConfig, func() any { return new(CheckpointConfig) }},
	{EndpointCheckpointDetails, func() any { return new(CheckpointStatistics) }},
	{EndpointCheckpointSubtasks, func() any { return new(TaskCheckpointStatisticsWithSubtaskDetails) }},
	{EndpointVertex, func() any { return new(JobVertexDetails) }},
	{EndpointVertexBackPressure, func() any { return new(JobVertexBackPressure) }},
	{EndpointTaskManagers, func() any { return new(TaskManagersInfo) }},
	{EndpointJobManagerConfig, func() any { return new([]ConfigEntry) }},
	{EndpointJobManagerMetrics, func() any { return new([]Metric) }},
	{EndpointVertexSubtaskMetrics, func() any { return new([]AggregatedMetric) }},
}

// FuzzDecodeAnswer covers the client's whole path from a received answer
// to a value or an error: the size limit, the status, Flink's error bodies
// and the decoding, for every typed endpoint. Errors must stay one line
// (a stack trace in Flink's error body never reaches the log), a non-2xx
// answer is an *APIError and never counted invalid, and an answer over the
// limit is never decoded.
func FuzzDecodeAnswer(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		status := http.StatusOK
		if bytes.HasPrefix(s, []byte(`{"errors"`)) {
			status = http.StatusNotFound
		}
		f.Add(uint8(i), uint16(status), s)
	}
	f.Add(uint8(0), uint16(500), []byte(`{"errors":["Internal server error.","<Exception on server side:\njava.lang.NullPointerException\n\tat x>"]}`))
	f.Add(uint8(4), uint16(200), []byte(`{"counts":{"restored":`))
	f.Fuzz(func(t *testing.T, kind uint8, status uint16, body []byte) {
		const limit = 1 << 14
		target := answerTargets[int(kind)%len(answerTargets)]
		data, err := readLimited(bytes.NewReader(body), limit)
		if len(body) > limit {
			if !errors.Is(err, ErrResponseTooLarge) {
				t.Fatalf("%d bytes over a %d limit: err = %v", len(body), limit, err)
			}
			return
		}
		if err != nil || !bytes.Equal(data, body) {
			t.Fatalf("readLimited of %d bytes: %v", len(body), err)
		}
		out := target.new()
		invalid, err := decodeAnswer(target.endpoint, int(status), data, out)
		if err != nil && strings.ContainsAny(err.Error(), "\r\n") {
			t.Fatalf("error spans lines: %q", err)
		}
		ok2xx := status >= 200 && status <= 299
		switch {
		case !ok2xx:
			var apiErr *APIError
			if !errors.As(err, &apiErr) || invalid || apiErr.StatusCode != int(status) {
				t.Fatalf("status %d: err = %v, invalid = %v", status, err, invalid)
			}
			if len(err.Error()) > 2*200+len(target.endpoint)+64 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
		case err != nil:
			if !invalid {
				t.Fatalf("undecodable 2xx answer not counted invalid: %v", err)
			}
		default:
			if invalid {
				t.Fatal("decoded answer counted invalid")
			}
			exercise(out)
			if _, err := json.Marshal(out); err != nil {
				t.Fatalf("encode decoded %T: %v", out, err)
			}
		}
	})
}
