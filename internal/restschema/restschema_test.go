package restschema

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	testJobID    = "a4b1f6b4c3d2e1f0a9b8c7d6e5f4a3b2"
	testVertexID = "90bea66de1c231edf33913ecd54406c1"
)

// loadSpec loads one version's snapshot or stops the test.
func loadSpec(t *testing.T, ver string) *Spec {
	t.Helper()
	dir, err := SpecsDir()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(dir, ver)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// samplesDir returns the samples directory or stops the test.
func samplesDir(t *testing.T) string {
	t.Helper()
	dir, err := SamplesDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// readFile reads a file or stops the test.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestVersions(t *testing.T) {
	dir, err := SpecsDir()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Versions(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1.13", "1.14", "1.15", "1.16", "1.17", "1.18", "1.19", "1.20", "2.0", "2.1", "2.2", "2.3-SNAPSHOT"}
	if !slices.Equal(got, want) {
		t.Fatalf("Versions = %v, want %v", got, want)
	}
	for _, v := range got {
		if _, err := Load(dir, v); err != nil {
			t.Errorf("Load(%s): %v", v, err)
		}
	}
	if _, err := Load(dir, "0.9"); err == nil {
		t.Error("Load(0.9) succeeded for a version without a snapshot")
	}
}

func TestHas(t *testing.T) {
	tests := []struct {
		version, method, template string
		want                      bool
	}{
		{"2.1", "GET", "/jobs/:jobid/checkpoints", true},
		{"1.13", "GET", "/jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid", true},
		{"1.15", "GET", "/jobs/:jobid/status", false}, // 1.16+
		{"1.16", "GET", "/jobs/:jobid/status", true},
		{"1.19", "GET", "/jobs/:jobid/vertices/:vertexid/jm-operator-metrics", false}, // 1.20+
		{"1.20", "GET", "/jobs/:jobid/vertices/:vertexid/jm-operator-metrics", true},
		{"2.1", "POST", "/jobs/:jobid/checkpoints/config", false},
		{"2.1", "GET", "/jobs/abc/checkpoints", false}, // a template, not a path
	}
	for _, tt := range tests {
		s := loadSpec(t, tt.version)
		if got := s.Has(tt.method, tt.template); got != tt.want {
			t.Errorf("%s Has(%s %s) = %v, want %v", tt.version, tt.method, tt.template, got, tt.want)
		}
	}
}

func TestMatch(t *testing.T) {
	s := loadSpec(t, "2.1")
	tests := []struct {
		method, path, want string
	}{
		{"GET", "/jobs/overview", "/jobs/overview"},
		{"GET", "/v1/jobs/overview", "/jobs/overview"},
		{"GET", "/jobs/" + testJobID, "/jobs/:jobid"},
		{"GET", "/v1/jobs/" + testJobID + "/checkpoints/details/12?x=y", "/jobs/:jobid/checkpoints/details/:checkpointid"},
		{"GET", "/jobs/" + testJobID + "/checkpoints/config", "/jobs/:jobid/checkpoints/config"},
		{"GET", "/jobs/" + testJobID + "/checkpoints/17", "/jobs/:jobid/checkpoints/:triggerid"},
		{"GET", "/jobs/" + testJobID + "/vertices/" + testVertexID + "/subtasks/metrics?get=a&agg=max", "/jobs/:jobid/vertices/:vertexid/subtasks/metrics"},
		{"GET", "/jobs/" + testJobID + "/vertices/" + testVertexID + "/subtasks/3/metrics", "/jobs/:jobid/vertices/:vertexid/subtasks/:subtaskindex/metrics"},
		{"GET", "/taskmanagers/metrics", "/taskmanagers/metrics"},
		{"GET", "/taskmanagers/tm-1", "/taskmanagers/:taskmanagerid"},
		{"GET", "/jobs/metrics", "/jobs/metrics"},
		{"GET", "/v1", ""},
		{"GET", "/nope", ""},
		{"GET", "/v2/jobs/overview", ""},
		{"DELETE", "/jobs/overview", ""},
	}
	for _, tt := range tests {
		got := ""
		if c := s.match(tt.method, tt.path); c != nil {
			got = c.template
		}
		if got != tt.want {
			t.Errorf("match(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

// sampleRequest says which request a constructed sample answers.
type sampleRequest struct {
	path   string
	status int
}

// constructedRequests maps every file of samples/constructed/<version>/ to
// the request it answers. A file missing here fails the test, so that new
// samples are not skipped silently.
func constructedRequests() map[string]sampleRequest {
	job := "/jobs/" + testJobID
	vertex := job + "/vertices/" + testVertexID
	return map[string]sampleRequest{
		"error_404.json":                                           {job + "/checkpoints", 404},
		"jobs_jobid_checkpoints.json":                              {job + "/checkpoints", 200},
		"jobs_jobid_checkpoints_empty.json":                        {"/v1" + job + "/checkpoints", 200},
		"jobs_jobid_checkpoints_config.json":                       {job + "/checkpoints/config", 200},
		"jobs_jobid_checkpoints_details_103.json":                  {job + "/checkpoints/details/103", 200},
		"jobs_jobid_checkpoints_details_103_subtasks_vertex.json":  {job + "/checkpoints/details/103/subtasks/" + testVertexID, 200},
		"jobs_jobid_metrics_get.json":                              {job + "/metrics?get=lastCheckpointDuration,numberOfFailedCheckpoints,lastCheckpointExternalPath", 200},
		"metrics_list.json":                                        {job + "/metrics", 200},
		"jobs_jobid_vertices_vertexid.json":                        {vertex, 200},
		"jobs_jobid_vertices_vertexid_backpressure.json":           {vertex + "/backpressure", 200},
		"jobs_jobid_vertices_vertexid_backpressure_not_ready.json": {vertex + "/backpressure", 200},
		"subtasks_metrics_agg_max.json":                            {vertex + "/subtasks/metrics?get=checkpointStartDelayNanos,busyTimeMsPerSecond&agg=max", 200},
		"taskmanagers_metrics_agg.json":                            {"/taskmanagers/metrics?get=Status.JVM.CPU.Load", 200},
		// A fragment, one subtasks[] entry; TestConstructedPendingSubtask
		// validates it inside a subtask details answer.
		"subtask_checkpoint_pending_entry.json": {},
	}
}

func TestConstructedSamples(t *testing.T) {
	root := filepath.Join(samplesDir(t), "constructed")
	versions, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	requests := constructedRequests()
	validated := 0
	for _, vd := range versions {
		s := loadSpec(t, vd.Name())
		files, err := filepath.Glob(filepath.Join(root, vd.Name(), "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			name := filepath.Base(f)
			req, ok := requests[name]
			if !ok {
				t.Errorf("%s/%s: no request known for this sample; add it to constructedRequests", vd.Name(), name)
				continue
			}
			if req.path == "" {
				continue
			}
			t.Run(vd.Name()+"/"+name, func(t *testing.T) {
				if err := s.Validate("GET", req.path, req.status, readFile(t, f)); err != nil {
					t.Error(err)
				}
			})
			validated++
		}
	}
	// 4 versions x 13 whole answers (the 14th file is the pending fragment).
	if want := 4 * 13; validated != want {
		t.Errorf("validated %d constructed samples, want %d", validated, want)
	}
}

// withPendingSubtask returns a subtask details answer whose second subtask
// is replaced by the pending entry fragment.
func withPendingSubtask(t *testing.T, details, pending []byte) []byte {
	t.Helper()
	var body map[string]json.RawMessage
	if err := json.Unmarshal(details, &body); err != nil {
		t.Fatal(err)
	}
	var subtasks []json.RawMessage
	if err := json.Unmarshal(body["subtasks"], &subtasks); err != nil {
		t.Fatal(err)
	}
	if len(subtasks) < 2 {
		t.Fatalf("want at least 2 subtasks, got %d", len(subtasks))
	}
	subtasks[1] = pending
	raw, err := json.Marshal(subtasks)
	if err != nil {
		t.Fatal(err)
	}
	body["subtasks"] = raw
	out, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestConstructedPendingSubtask(t *testing.T) {
	root := filepath.Join(samplesDir(t), "constructed")
	path := "/jobs/" + testJobID + "/checkpoints/details/103/subtasks/" + testVertexID
	for _, ver := range []string{"1.14", "1.18", "1.20", "2.1"} {
		t.Run(ver, func(t *testing.T) {
			s := loadSpec(t, ver)
			details := readFile(t, filepath.Join(root, ver, "jobs_jobid_checkpoints_details_103_subtasks_vertex.json"))
			pending := readFile(t, filepath.Join(root, ver, "subtask_checkpoint_pending_entry.json"))
			body := withPendingSubtask(t, details, pending)
			if err := s.Validate("GET", path, 200, body); err != nil {
				t.Error(err)
			}
			// The fragment is really checked: a completed-only key on
			// the pending entry must fail.
			bad := withPendingSubtask(t, details, []byte(strings.Replace(string(pending), `"index"`, `"ack_timestamp":1,"index"`, 1)))
			if err := s.Validate("GET", path, 200, bad); err == nil || !strings.Contains(err.Error(), "$.subtasks[1].ack_timestamp: key only sent by") {
				t.Errorf("pending entry with ack_timestamp: got %v", err)
			}
		})
	}
}

func TestRealArchive(t *testing.T) {
	s := loadSpec(t, "1.15")
	path := filepath.Join(samplesDir(t), "real", "streampark_historyserver_archive_flink1.15_d933fa6c.decoded.json")
	var archive map[string]json.RawMessage
	if err := json.Unmarshal(readFile(t, path), &archive); err != nil {
		t.Fatal(err)
	}
	validated, skipped := 0, 0
	for _, p := range slices.Sorted(maps.Keys(archive)) {
		if s.match("GET", p) == nil {
			// A HistoryServer archive may hold paths the JobManager's
			// REST API of this version does not serve; there is no
			// schema to check them against. (Today every path of this
			// archive is known, so nothing is skipped.)
			t.Logf("skipping %s: no endpoint in Flink 1.15", p)
			skipped++
			continue
		}
		if err := s.Validate("GET", p, 200, archive[p]); err != nil {
			t.Error(err)
		}
		validated++
	}
	t.Logf("validated %d archived answers, skipped %d", validated, skipped)
	if validated <= 5 {
		t.Errorf("validated %d archived answers, want more than 5", validated)
	}
}

func TestRealStreamParkSamples(t *testing.T) {
	// The StreamPark test strings predate 1.14 ("@class", summaries with
	// min/max/avg only), so they are checked against the oldest snapshot.
	s := loadSpec(t, "1.13")
	dir := filepath.Join(samplesDir(t), "real")
	tests := []struct {
		file, path string
	}{
		{"streampark_FlinkRestJsonTest_checkpoints.json", "/jobs/" + testJobID + "/checkpoints"},
		{"streampark_FlinkRestJsonTest_jobmanager_config.json", "/jobmanager/config"},
		{"streampark_FlinkRestJsonTest_jobs_overview.json", "/jobs/overview"},
		{"streampark_FlinkRestJsonTest_overview.json", "/overview"},
	}
	for _, tt := range tests {
		if err := s.Validate("GET", tt.path, 200, readFile(t, filepath.Join(dir, tt.file))); err != nil {
			t.Errorf("%s: %v", tt.file, err)
		}
	}
}

// replaceOnce replaces the first old in s, failing the test when s has no
// old, so that a negative case can never pass by not changing anything.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("sample has no %q", old)
	}
	return strings.Replace(s, old, new, 1)
}

func TestValidateRejects(t *testing.T) {
	root := filepath.Join(samplesDir(t), "constructed")
	sample := func(ver, name string) string { return string(readFile(t, filepath.Join(root, ver, name))) }
	job := "/jobs/" + testJobID
	subtasks := job + "/checkpoints/details/103/subtasks/" + testVertexID
	tests := []struct {
		name    string
		version string
		path    string
		status  int
		body    string
		want    string // a violation the error must contain
	}{
		{
			name: "unknown key", version: "2.1", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints.json"), `"counts":{`, `"counts":{"bogus":1,`),
			want: "$.counts.bogus: unknown key",
		},
		{
			name: "string for integer", version: "2.1", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints.json"), `"restored":1,`, `"restored":"1",`),
			want: `$.counts.restored: want integer, got string "1"`,
		},
		{
			name: "NaN for integer", version: "2.1", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints_empty.json"), `"state_size":{"min":0`, `"state_size":{"min":"NaN"`),
			want: `$.summary.state_size.min: want integer, got string "NaN"`,
		},
		{
			name: "fraction for integer", version: "2.1", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints.json"), `"total":105`, `"total":105.0`),
			want: "$.counts.total: want integer, got number 105.0",
		},
		{
			name: "integer beyond int64", version: "2.1", path: job + "/checkpoints/config", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints_config.json"), `"interval":60000`, `"interval":9223372036854775808`),
			want: "$.interval: integer 9223372036854775808 does not fit in int64",
		},
		{
			name: "null for integer", version: "2.1", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints.json"), `"total":105`, `"total":null`),
			want: "$.counts.total: want integer, got null",
		},
		{
			name: "number as non-finite word", version: "2.1", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints_empty.json"), `"p50":"NaN"`, `"p50":"nan"`),
			want: `$.summary.checkpointed_size.p50: want number, got string "nan"`,
		},
		{
			name: "className in 1.14", version: "1.14", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("1.14", "jobs_jobid_checkpoints.json"), `{"@class":"in_progress"`, `{"className":"in_progress"`),
			want: `$.history[0].className: unknown key (Flink 1.14 writes the type discriminator as "@class")`,
		},
		{
			name: "className in 1.14 leaves the discriminator missing", version: "1.14", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("1.14", "jobs_jobid_checkpoints.json"), `{"@class":"in_progress"`, `{"className":"in_progress"`),
			want: `$.history[0]: missing type discriminator "@class"`,
		},
		{
			name: "@class in 1.15+", version: "2.1", path: job + "/checkpoints/details/103", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints_details_103.json"), `{"className":"completed"`, `{"@class":"completed"`),
			want: `$.@class: unknown key (Flink 2.1 writes the type discriminator as "className")`,
		},
		{
			name: "unknown discriminator value", version: "2.1", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints.json"), `"latest":{"completed":{"className":"completed"`, `"latest":{"completed":{"className":"failed"`),
			want: `$.latest.completed.className: want one of completed, got string "failed"`,
		},
		{
			name: "completed-only key on a failed checkpoint", version: "2.1", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints.json"), `"failure_message":"Checkpoint expired before completing."},{"className":"completed"`, `"failure_message":"Checkpoint expired before completing.","discarded":true},{"className":"completed"`),
			want: "$.history[1].discarded: key only sent by className completed, not failed",
		},
		{
			name: "missing errors in a 404", version: "2.1", path: job + "/checkpoints", status: 404,
			body: `{"message":"Checkpointing has not been enabled."}`,
			want: `$: missing required key "errors"`,
		},
		{
			name: "empty errors in a 404", version: "2.1", path: job + "/checkpoints", status: 404,
			body: `{"errors":[]}`,
			want: "$.errors: want at least one message, got none",
		},
		{
			name: "extra key next to errors", version: "1.14", path: job + "/checkpoints", status: 500,
			body: `{"errors":["Internal server error."],"cause":"x"}`,
			want: "$.cause: unknown key",
		},
		{
			name: "number as metric value", version: "2.1", path: job + "/metrics?get=lastCheckpointDuration", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_metrics_get.json"), `"value":"1234"`, `"value":1234`),
			want: "$[0].value: want string (metric values are always JSON strings), got number 1234",
		},
		{
			name: "metric list mixing forms", version: "2.1", path: "/jobmanager/metrics?get=a", status: 200,
			body: `[{"id":"a","value":"1"},{"id":"b"}]`,
			want: "$: entries mix forms",
		},
		{
			name: "skew before 1.20", version: "1.18", path: "/taskmanagers/metrics", status: 200,
			body: `[{"id":"Status.JVM.CPU.Load","max":0.31,"skew":18.0}]`,
			want: "$[0].skew: unknown key",
		},
		{
			name: "string aggregate", version: "2.1", path: "/jobs/metrics?get=x&agg=max", status: 200,
			body: `[{"id":"x","max":"12"}]`,
			want: `$[0].max: want number, got string "12"`,
		},
		{
			name: "checkpointed_size in a 1.14 subtask", version: "1.14", path: subtasks, status: 200,
			body: replaceOnce(t, sample("1.14", "jobs_jobid_checkpoints_details_103_subtasks_vertex.json"), `"end_to_end_duration":980,`, `"end_to_end_duration":980,"checkpointed_size":131072,`),
			want: "$.subtasks[0].checkpointed_size: unknown key",
		},
		{
			name: "upper-case checkpointing mode", version: "2.1", path: job + "/checkpoints/config", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints_config.json"), `"exactly_once"`, `"EXACTLY_ONCE"`),
			want: `$.mode: want one of exactly_once|at_least_once, got "EXACTLY_ONCE"`,
		},
		{
			name: "enum value", version: "2.1", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints.json"), `"status":"IN_PROGRESS"`, `"status":"RUNNING"`),
			want: `$.history[0].status: want one of IN_PROGRESS|COMPLETED|FAILED, got "RUNNING"`,
		},
		{
			name: "plan not an object up to 1.17", version: "1.15", path: job, status: 200,
			body: `{"jid":"` + testJobID + `","plan":5}`,
			want: "$.plan: want object, got number 5",
		},
		{
			name: "typed plan from 2.1", version: "2.1", path: job, status: 200,
			body: `{"jid":"` + testJobID + `","plan":{"jid":"` + testJobID + `","bogus":1}}`,
			want: "$.plan.bogus: unknown key",
		},
		{
			name: "watermark value as number", version: "2.1", path: job + "/vertices/" + testVertexID + "/watermarks", status: 200,
			body: `[{"id":"0.currentInputWatermark","value":1700000000000}]`,
			want: "$[0].value: want string",
		},
		{
			name: "aggregate answer mixing forms", version: "2.1", path: "/taskmanagers/metrics", status: 200,
			body: `[{"id":"Status.JVM.CPU.Load","max":0.5},{"id":"Status.JVM.Threads.Count"}]`,
			want: "$: entries mix forms: $[0] has aggregations, $[1] has none",
		},
		{
			name: "unknown endpoint", version: "2.1", path: "/jobs/" + testJobID + "/nope", status: 200,
			body: `{}`,
			want: "no such endpoint in Flink 2.1",
		},
		{
			name: "trailing data", version: "2.1", path: "/jobs/" + testJobID + "/metrics", status: 200,
			body: `[] []`,
			want: "data after the JSON value",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := loadSpec(t, tt.version).Validate("GET", tt.path, tt.status, []byte(tt.body))
			if err == nil {
				t.Fatal("Validate accepted the body")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not contain %q:\n%v", tt.want, err)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	root := filepath.Join(samplesDir(t), "constructed")
	sample := func(ver, name string) string { return string(readFile(t, filepath.Join(root, ver, name))) }
	job := "/jobs/" + testJobID
	vertex := job + "/vertices/" + testVertexID
	tests := []struct {
		name    string
		version string
		path    string
		status  int
		body    string
	}{
		{
			name: "disabled interval is Long.MAX_VALUE", version: "2.1", path: job + "/checkpoints/config", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints_config.json"), `"interval":60000`, `"interval":9223372036854775807`),
		},
		{
			name: "non-finite doubles as strings", version: "2.1", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints_empty.json"), `"p50":"NaN"`, `"p50":"-Infinity"`),
		},
		{
			name: "null external_path of a completed checkpoint", version: "2.1", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("2.1", "jobs_jobid_checkpoints.json"), `"external_path":"s3://bucket/checkpoints/a4b1f6b4c3d2e1f0a9b8c7d6e5f4a3b2/chk-103","discarded":false},"savepoint"`, `"external_path":null,"discarded":false},"savepoint"`),
		},
		{
			name: "null failure_message in history", version: "1.14", path: job + "/checkpoints", status: 200,
			body: replaceOnce(t, sample("1.14", "jobs_jobid_checkpoints.json"), `"failure_message":"Checkpoint expired before completing."},{"@class":"completed"`, `"failure_message":null},{"@class":"completed"`),
		},
		{
			name: "lowercase at_least_once", version: "1.15", path: "/v1" + job + "/checkpoints/config", status: 200,
			body: `{"mode":"at_least_once","interval":9223372036854775807}`,
		},
		{
			name: "all five aggregations from 1.20", version: "1.20", path: "/jobs/metrics?get=x", status: 200,
			body: `[{"id":"x","min":1,"max":2.0,"avg":"NaN","sum":3,"skew":"Infinity"}]`,
		},
		{
			name: "empty metrics store", version: "1.13", path: "/taskmanagers/tm-1/metrics?get=x", status: 200,
			body: `[]`,
		},
		{
			name: "jm-operator-metrics is an unaggregated list", version: "1.20", path: vertex + "/jm-operator-metrics?get=a", status: 200,
			body: `[{"id":"a","value":"1"}]`,
		},
		{
			name: "watermarks are an unaggregated list", version: "1.13", path: vertex + "/watermarks", status: 200,
			body: `[{"id":"0.currentInputWatermark","value":"-9223372036854775808"}]`,
		},
		{
			name: "internal server error", version: "2.1", path: job + "/checkpoints", status: 500,
			body: `{"errors":["Internal server error.","<Exception on server side:\nboom>"]}`,
		},
		{
			name: "leader not ready", version: "2.1", path: "/overview", status: 503,
			body: `{"errors":["Service temporarily unavailable due to an ongoing leader election. Please refresh."]}`,
		},
		{
			name: "any-typed job config", version: "2.1", path: job + "/config", status: 200,
			body: `{"jid":"x","execution-config":{"whatever":[1,2]}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := loadSpec(t, tt.version).Validate("GET", tt.path, tt.status, []byte(tt.body)); err != nil {
				t.Error(err)
			}
		})
	}
}
