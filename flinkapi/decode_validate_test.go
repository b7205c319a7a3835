package flinkapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

const (
	validJob      = "a4b1f6b4c3d2e1f0a9b8c7d6e5f4a3b2"
	validOverview = `{"taskmanagers":2,"slots-total":4,"slots-available":1,"jobs-running":1,"jobs-finished":0,"jobs-cancelled":0,"jobs-failed":0,"flink-version":"1.20.0","flink-commit":"abc"}`
)

func jobsOverview(jobs ...string) string {
	return `{"jobs":[` + strings.Join(jobs, ",") + `]}`
}

func job(id, state string, start int64) string {
	return `{"jid":"` + id + `","name":"orders","start-time":` + strconv.FormatInt(start, 10) + `,"end-time":-1,"duration":1000,"state":"` + state + `","last-modification":` + strconv.FormatInt(start, 10) + `,"tasks":{"running":2}}`
}

// TestCheckAnswer runs the validity contract over answers that break it,
// each naming the field it must blame, and over valid ones.
func TestCheckAnswer(t *testing.T) {
	checkpoints := func(counts string) string {
		return `{"counts":` + counts + `,"summary":{},"latest":{"completed":null,"savepoint":null,"failed":null,"restored":null},"history":[]}`
	}
	for _, tc := range []struct {
		name      string
		out       any
		body      string
		wantField string // "" for a valid answer
	}{
		{"overview valid", &flinkapi.ClusterOverview{}, validOverview, ""},
		{"overview empty object", &flinkapi.ClusterOverview{}, `{}`, "taskmanagers"},
		{"overview nulls", &flinkapi.ClusterOverview{}, `{"taskmanagers":null,"slots-total":null,"slots-available":null,"jobs-running":null,"jobs-finished":null,"jobs-cancelled":null,"jobs-failed":null,"flink-version":null}`, "taskmanagers"},
		{"overview negative", &flinkapi.ClusterOverview{}, strings.Replace(validOverview, `"taskmanagers":2`, `"taskmanagers":-4`, 1), "taskmanagers"},
		{"overview no version", &flinkapi.ClusterOverview{}, strings.Replace(validOverview, `"flink-version":"1.20.0"`, `"flink-version":""`, 1), "flink-version"},
		{"jobs valid", &flinkapi.JobsOverview{}, jobsOverview(job(validJob, "RUNNING", 1_750_000_000_000)), ""},
		{"jobs none", &flinkapi.JobsOverview{}, `{"jobs":[]}`, ""},
		{"jobs empty object", &flinkapi.JobsOverview{}, `{}`, "jobs"},
		{"jobs null list", &flinkapi.JobsOverview{}, `{"jobs":null}`, "jobs"},
		{"job nulls", &flinkapi.JobsOverview{}, `{"jobs":[{"jid":null,"name":null,"start-time":null,"end-time":null,"duration":null,"state":null,"last-modification":null,"tasks":null}]}`, "jobs[0].jid"},
		{"job id malformed", &flinkapi.JobsOverview{}, jobsOverview(job("x", "RUNNING", 1)), "jobs[0].jid"},
		{"job id with slash", &flinkapi.JobsOverview{}, jobsOverview(job(validJob, "RUNNING", 1), job("../../../taskmanagers/aaaaaaaaaaaaaaaa", "RUNNING", 1)), "jobs[1].jid"},
		{"job start int64 max", &flinkapi.JobsOverview{}, jobsOverview(job(validJob, "RUNNING", 9223372036854775807)), "jobs[0].start-time"},
		{"job start below -1", &flinkapi.JobsOverview{}, jobsOverview(job(validJob, "RUNNING", -39)), "jobs[0].start-time"},
		{"checkpoints valid", &flinkapi.CheckpointingStatistics{}, checkpoints(`{"restored":0,"total":3,"in_progress":0,"completed":2,"failed":1}`), ""},
		{"checkpoints negative", &flinkapi.CheckpointingStatistics{}, checkpoints(`{"restored":0,"total":3,"in_progress":0,"completed":-39,"failed":1}`), "counts.completed"},
		{"checkpoints int64 max", &flinkapi.CheckpointingStatistics{}, checkpoints(`{"restored":0,"total":9223372036854775807,"in_progress":0,"completed":2,"failed":1}`), "counts.total"},
		{"checkpoints empty object", &flinkapi.CheckpointingStatistics{}, `{}`, "counts"},
		{"checkpoints counts missing", &flinkapi.CheckpointingStatistics{}, checkpoints(`{}`), "counts.restored"},
		{"config disabled interval", &flinkapi.CheckpointConfig{}, `{"mode":"exactly_once","interval":9223372036854775807,"timeout":600000,"min_pause":0,"max_concurrent":1}`, ""},
		{"config negative timeout", &flinkapi.CheckpointConfig{}, `{"mode":"exactly_once","interval":1000,"timeout":-5,"min_pause":0,"max_concurrent":1}`, "timeout"},
		{"config empty", &flinkapi.CheckpointConfig{}, `{}`, "mode"},
		{"taskmanagers empty object", &flinkapi.TaskManagersInfo{}, `{}`, "taskmanagers"},
		{"taskmanager without id", &flinkapi.TaskManagersInfo{}, `{"taskmanagers":[{"id":"","slotsNumber":1,"freeSlots":0,"timeSinceLastHeartbeat":1}]}`, "taskmanagers[0].id"},
		{"taskmanager negative slots", &flinkapi.TaskManagersInfo{}, `{"taskmanagers":[{"id":"tm-1","slotsNumber":-1,"freeSlots":0,"timeSinceLastHeartbeat":1}]}`, "taskmanagers[0].slotsNumber"},
		{"metrics without id", &[]flinkapi.Metric{}, `[{"id":"","value":"1"}]`, "[0].id"},
		{"metrics none", &[]flinkapi.Metric{}, `[]`, ""},
		{"back pressure ratio over 1", &flinkapi.JobVertexBackPressure{}, `{"status":"ok","subtasks":[{"subtask":0,"backpressure-level":"ok","ratio":7,"idleRatio":0,"busyRatio":0}]}`, "subtasks[0].ratio"},
		{"back pressure NaN", &flinkapi.JobVertexBackPressure{}, `{"status":"ok","subtasks":[{"subtask":0,"backpressure-level":"ok","ratio":"NaN","idleRatio":0,"busyRatio":0}]}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(tc.body)
			if err := json.Unmarshal(body, tc.out); err != nil {
				t.Fatalf("decode: %v", err)
			}
			err := flinkapi.CheckAnswer("/test", body, tc.out)
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("valid answer refused: %v", err)
				}
				return
			}
			if !flinkapi.IsInvalidAnswer(err) {
				t.Fatalf("err = %v, want an invalid answer blaming %s", err, tc.wantField)
			}
			if !strings.Contains(err.Error(), " "+tc.wantField+" ") {
				t.Errorf("err = %q, want it to name the field %s", err, tc.wantField)
			}
		})
	}
}

// TestClientRefusesInvalidAnswer checks the contract on the client's path:
// the answer is an error and is counted as invalid for its endpoint.
func TestClientRefusesInvalidAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	inst := flinkapi.NewInstrumentation("flink_exporter")
	c, err := flinkapi.NewClient(srv.URL, flinkapi.Options{Instrumentation: inst})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Overview(context.Background()); !flinkapi.IsInvalidAnswer(err) {
		t.Fatalf("Overview of {}: err = %v, want an invalid answer", err)
	}
	if _, err := c.JobsOverview(context.Background()); !flinkapi.IsInvalidAnswer(err) {
		t.Fatalf("JobsOverview of {}: err = %v, want an invalid answer", err)
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(inst)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "flink_exporter_rest_invalid_responses_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	for _, ep := range []string{flinkapi.EndpointOverview, flinkapi.EndpointJobsOverview} {
		if got[ep] != 1 {
			t.Errorf("invalid answers of %s = %v, want 1 (all: %v)", ep, got[ep], got)
		}
	}
}
