package perf

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestMain lets the test binary serve as the worker of the child-process
// pass, which starts the running program again.
func TestMain(m *testing.M) {
	if IsWorker() {
		os.Exit(WorkerMain(os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestQuick runs the smoke run of perfbench --quick (the child-process
// pass too, unless -short) and checks the REST requests of every kind of
// scrape against the cluster's shape, and that the document renders them.
// Durations and CPU time vary with the machine and are not checked.
func TestQuick(t *testing.T) {
	opts := QuickOptions()
	opts.SkipChild = testing.Short()
	rep, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 {
		t.Fatalf("%d results, want 1", len(rep.Results))
	}
	r := rep.Results[0]
	z := r.Size
	J, V, T := z.Jobs, z.Vertices, z.TaskManagers
	// Cold: /overview, /jobs/overview, /taskmanagers; the JobManager's and
	// each TaskManager's metric ids and values; per job its checkpoints,
	// checkpoint configuration and vertices; per vertex its back-pressure,
	// where its subtasks run and the subtask details of the latest
	// checkpoint.
	cold := 3 + 2 + 2*T + 3*J + 3*J*V
	// Warm: the three, the metric values, per job its checkpoints, per
	// vertex its back-pressure and the details of the new checkpoint.
	warm := 3 + 1 + T + J + 2*J*V
	// Unchanged: the three and the checkpoints of each job.
	unchanged := 3 + J
	for _, tt := range []struct {
		kind  string
		p     Phase
		n     int
		wantN int
	}{{"cold", r.Cold, cold, z.Cold}, {"warm", r.Warm, warm, z.Warm}, {"warm, filled", r.Filled, warm, z.Warm}, {"unchanged", r.Unchanged, unchanged, z.Unchanged}} {
		if len(tt.p.Requests) != tt.wantN {
			t.Errorf("%s: %d scrapes, want %d", tt.kind, len(tt.p.Requests), tt.wantN)
		}
		for i, n := range tt.p.Requests {
			if n != tt.n {
				t.Errorf("%s scrape %d: %d requests, want %d: %v", tt.kind, i, n, tt.n, tt.p.Endpoints)
			}
		}
		if tt.p.Failed != 0 {
			t.Errorf("%s: %d failed scrapes", tt.kind, tt.p.Failed)
		}
	}
	if got := r.Warm.Endpoints["/jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid"]; got != int64(z.Warm*J*V) {
		t.Errorf("warm: %d subtask details requests, want %d (each vertex of each new checkpoint)", got, z.Warm*J*V)
	}

	// Each filled scrape's answer was compressed as promhttp compresses it
	// for Prometheus, and the floor table says what that adds.
	if len(r.Filled.Compress) != len(r.Filled.Durations) {
		t.Errorf("warm, filled: %d compression times for %d scrapes", len(r.Filled.Compress), len(r.Filled.Durations))
	}
	for i, d := range r.Filled.Compress {
		if d <= 0 {
			t.Errorf("warm, filled scrape %d: compression took %v", i, d)
		}
	}
	// The filled scrapes have every series the unchanged ones have.
	for i, n := range r.Filled.Series {
		if full := largest(r.Unchanged.Series); n != full {
			t.Errorf("warm, filled scrape %d: %d series, want every series (%d)", i, n, full)
		}
	}

	md := string(rep.Markdown())
	if strings.Contains(md, "%!") {
		t.Errorf("document has a formatting error:\n%s", md)
	}
	for _, want := range []string{
		"Smoke run",
		"## Machine",
		fmt.Sprintf("| a | 2 | cold | %d | %d / %d |  |", z.Cold, cold, cold),
		fmt.Sprintf("| a | 2 | warm | %d | %d / %d | %d |", z.Warm, warm, warm, z.RequestTarget()),
		fmt.Sprintf("| a | 2 | warm, filled | %d | %d / %d | %d |", z.Warm, warm, warm, z.RequestTarget()),
		fmt.Sprintf("| a | 2 | unchanged | %d | %d / %d |  |", z.Unchanged, unchanged, unchanged),
		"| `/jobs/:jobid/vertices/:vertexid/subtasks/metrics` | 3 |",
		"| gzip compression | served compressed |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("document lacks %q:\n%s", want, md)
		}
	}

	if opts.SkipChild {
		return
	}
	if r.CPU == nil {
		t.Fatal("no child-process result")
	}
	// The warm scrapes go on until every series is filled in, so that
	// the memory peaks include them all.
	if warm := max(z.CPUWarm, r.CompleteAfter+1); len(r.CPU.ColdCPU) != z.CPUCold || len(r.CPU.WarmCPU) != warm {
		t.Errorf("child pass: %d cold and %d warm scrapes, want %d and %d", len(r.CPU.ColdCPU), len(r.CPU.WarmCPU), z.CPUCold, warm)
	}
	if r.CPU.Series != largest(r.Unchanged.Series) {
		t.Errorf("child pass: the last warm scrape returned %d series, want every series (%d)", r.CPU.Series, largest(r.Unchanged.Series))
	}
	for i, n := range r.CPU.ColdRequests {
		if n != cold {
			t.Errorf("child pass, cold scrape %d: %d requests, want %d", i, n, cold)
		}
	}
	// The quick run does not wait for new checkpoints between warm
	// scrapes: the subtask details are asked only if one completed.
	for i, n := range r.CPU.WarmRequests {
		if n < warm-J*V || n > warm {
			t.Errorf("child pass, warm scrape %d: %d requests, want %d to %d", i, n, warm-J*V, warm)
		}
	}
	if r.CPU.Failed != 0 {
		t.Errorf("child pass: %d failed scrapes", r.CPU.Failed)
	}
	if r.CPU.MaxRSS <= 0 || r.CPU.PeakHeap == 0 {
		t.Errorf("child pass measured no memory: %+v", r.CPU)
	}
	if !strings.Contains(md, "## Memory") {
		t.Error("document lacks the memory table")
	}
}
