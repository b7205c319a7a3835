package collector

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// TestAckAnalysisPerVertex: when the subtask details of one vertex fail
// (here with 500) and the others answer, the job's analysis describes the
// vertices that answered, and marks the one that did not as missing,
// instead of the job getting no analysis at all.
func TestAckAnalysisPerVertex(t *testing.T) {
	sim, clock := newInstantSim(t, flinksim.Config{Jobs: 1, Vertices: 3, Parallelism: 2, TaskManagers: 2, Seed: 1})
	clock.Advance(30 * time.Second)
	plain := httptest.NewServer(sim.Handler())
	t.Cleanup(plain.Close)
	ctx := context.Background()
	reader, err := flinkapi.NewClient(plain.URL, flinkapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := reader.JobsOverview(ctx)
	if err != nil || len(jobs.Jobs) != 1 {
		t.Fatalf("jobs: %v, %v", jobs, err)
	}
	job, err := reader.Job(ctx, jobs.Jobs[0].ID)
	if err != nil || len(job.Vertices) != 3 {
		t.Fatalf("job: %v, %v", job, err)
	}
	failing := job.Vertices[1].ID

	h := sim.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/checkpoints/details/") && strings.HasSuffix(r.URL.Path, "/subtasks/"+failing) {
			http.Error(w, `{"errors":["Internal server error."]}`, http.StatusInternalServerError)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e := newExporterAt(t, srv.URL, Config{Now: clock.Now, Collectors: []string{"checkpoint_acks"}})
	got := gatherSeries(t, e)
	if v := got["flink_exporter_scrape_collector_success"].one(t, "checkpoint_acks success"); v != 0 {
		t.Errorf("checkpoint_acks success %v with a vertex failing, want 0", v)
	}
	if n := len(got["flink_job_checkpoint_ack_analysis_checkpoint_id"].withLabel("checkpoint=latest_completed")); n != 1 {
		t.Fatalf("%d analyses of the latest completed checkpoint, want 1 (of the vertices that answered)", n)
	}
	acked := got["flink_job_vertex_checkpoint_subtasks_acknowledged"]
	for i, v := range job.Vertices {
		n := len(acked.withLabel("vertex_id=" + v.ID))
		switch {
		case i == 1 && n != 0:
			t.Errorf("the failing vertex %s has %d series, want none", v.ID, n)
		case i != 1 && n != 1:
			t.Errorf("vertex %s that answered has %d series, want 1", v.ID, n)
		}
	}
	missing := got["flink_job_vertex_checkpoint_ack_analysis_missing"]
	if len(missing) != 1 || missing.withLabel("vertex_id="+failing, "checkpoint=latest_completed").one(t, "missing marker") != 1 {
		t.Errorf("missing markers %v, want 1 for vertex %s only", missing, failing)
	}
}
