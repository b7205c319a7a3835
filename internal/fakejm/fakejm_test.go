package fakejm_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/internal/fakejm"
	"github.com/flink-exporter/flink_exporter/internal/scrapehttp"
)

const (
	// budget is the scrape budget of every mode: the exporter's timeout
	// and the handler's fallback.
	budget = 2 * time.Second
	// slack is what a scrape may take beyond its budget (sending the
	// answer, a loaded CI machine); the scrape must end by then.
	slack = 3 * time.Second
	// manyJobsBudget is the budget of the 100 000-job mode: the default
	// scrape budget (--scrape.timeout 10s less the 500ms offset), which the
	// default --flink.max-jobs is sized to fit.
	manyJobsBudget = 9500 * time.Millisecond
	// heapBound is a generous bound of the heap in use after a scrape and
	// a GC: no mode may leave the exporter holding its answers.
	heapBound = 256 << 20
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// expectation is what the exporter must say of a mode.
type expectation struct {
	// up is the flink_up the scrape must report.
	up float64
	// failed lists the collectors that must report success 0; with up 0,
	// every collector must.
	failed []string
	// logs is a text the log must hold (the field or cause named).
	logs string
}

func expectations() map[fakejm.Mode]expectation {
	return map[fakejm.Mode]expectation{
		fakejm.OK:            {up: 1},
		fakejm.Hang:          {up: 0, logs: "context deadline exceeded"},
		fakejm.ServerError:   {up: 0, logs: "HTTP 500"},
		fakejm.Truncated:     {up: 0, logs: "unexpected EOF"},
		fakejm.HTML:          {up: 0, logs: "decode answer"},
		fakejm.HugeBody:      {up: 0, logs: "size limit"},
		fakejm.WrongTypes:    {up: 0, logs: "decode answer"},
		fakejm.Nulls:         {up: 0, logs: "is missing or null"},
		fakejm.EmptyObjects:  {up: 0, logs: "is missing or null"},
		fakejm.Negatives:     {up: 0, logs: "is negative"},
		fakejm.Redirect:      {up: 0, logs: "redirects"},
		fakejm.Slowloris:     {up: 0, logs: "context deadline exceeded"},
		fakejm.ManyJobs:      {up: 1, logs: "more jobs than --flink.max-jobs"},
		fakejm.DuplicateJobs: {up: 1, logs: "more than once"},
		fakejm.Alternating:   {up: 1},
	}
}

// TestEveryMode runs each mode of the fake JobManager against the exporter
// through the real scrape handler and checks that the exporter says
// nothing false (flink_up and each collector's success as expected, no
// made-up value), that the scrape ends within its budget, that its memory
// is released and that its goroutines end.
func TestEveryMode(t *testing.T) {
	want := expectations()
	for _, mode := range fakejm.Modes() {
		exp, ok := want[mode]
		if !ok {
			t.Errorf("mode %s has no expectation", mode)
			continue
		}
		t.Run(string(mode), func(t *testing.T) {
			if mode == fakejm.ManyJobs && raceEnabled {
				t.Skip("100 000 jobs: too slow under the race detector to fit the default budget; run without -race")
			}
			runMode(t, mode, exp)
		})
	}
}

func runMode(t *testing.T, mode fakejm.Mode, want expectation) {
	baseline := runtime.NumGoroutine()
	cfg := fakejm.Config{}
	// The size limit is what huge-body tests, not how fast 32 MiB pass
	// through the race detector on a loaded machine: a 1 MiB limit against
	// a 4 MiB body trips it well within the budget.
	var maxBytes int64
	if mode == fakejm.HugeBody {
		cfg.HugeBytes, maxBytes = 4<<20, 1<<20
	}
	jm := fakejm.New(mode, cfg)
	srv := httptest.NewServer(jm)

	transport := &http.Transport{}
	inst := flinkapi.NewInstrumentation("flink_exporter")
	client, err := flinkapi.NewClient(srv.URL, flinkapi.Options{
		HTTPClient:            &http.Client{Transport: transport},
		Instrumentation:       inst,
		MaxConcurrentRequests: 4,
		MaxResponseBytes:      maxBytes,
	})
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	b := budget
	if mode == fakejm.ManyJobs {
		b = manyJobsBudget
	}
	e, err := collector.NewExporter(collector.Config{Client: client, Logger: log.NewLogfmtLogger(&logs), Timeout: b})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(inst)
	handler := scrapehttp.Handler(e, b, 0, log.NewLogfmtLogger(&logs), reg)

	families := scrapeWithin(t, handler, b+slack)
	if mode == fakejm.ManyJobs {
		checkSkipped(t, families, len(fakejm.Clusters(mode, cfg)[0].Jobs))
	}
	checkNoFalseValue(t, mode, families, want, fakejm.Clusters(mode, cfg))
	if want.logs != "" && !strings.Contains(logs.String(), want.logs) {
		t.Errorf("log does not say %q:\n%s", want.logs, truncate(logs.String()))
	}
	if strings.Contains(logs.String(), "error gathering metrics") {
		t.Errorf("the gather failed:\n%s", truncate(logs.String()))
	}

	srv.CloseClientConnections()
	srv.Close()
	transport.CloseIdleConnections()
	e, handler, families = nil, nil, nil
	waitHeapBelow(t, heapBound)
	waitGoroutines(t, baseline)
}

// scrapeWithin serves one scrape and fails the test if it does not end
// within limit: a deadline, not a timing assertion.
func scrapeWithin(t *testing.T, h http.Handler, limit time.Duration) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("scrape still running after %v", limit)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("exposition does not parse: %v", err)
	}
	return families
}

// checkNoFalseValue checks flink_up, the collectors' success, and that
// every cluster series is one a healthy cluster of the mode would send.
func checkNoFalseValue(t *testing.T, mode fakejm.Mode, families map[string]*dto.MetricFamily, want expectation, clusters []fakejm.Cluster) {
	t.Helper()
	up := families["flink_up"]
	if up == nil || len(up.GetMetric()) != 1 {
		t.Fatalf("flink_up missing or repeated: %v", up)
	}
	if got := up.GetMetric()[0].GetGauge().GetValue(); got != want.up {
		t.Errorf("flink_up = %v, want %v", got, want.up)
	}
	failed := map[string]bool{}
	for _, c := range want.failed {
		failed[c] = true
	}
	for _, m := range families["flink_exporter_scrape_collector_success"].GetMetric() {
		name := label(m, "collector")
		wantSuccess := 1.0
		if want.up == 0 || failed[name] {
			wantSuccess = 0
		}
		// Alternating answers make a job unknown to the other cluster:
		// a collector may fail, but never claim a value it did not read.
		if mode == fakejm.Alternating && name != "cluster" && name != "jobs" {
			continue
		}
		if got := m.GetGauge().GetValue(); got != wantSuccess {
			t.Errorf("collector %s success = %v, want %v", name, got, wantSuccess)
		}
	}
	if want.up == 0 {
		for name := range families {
			if strings.HasPrefix(name, "flink_cluster_") || strings.HasPrefix(name, "flink_job_") || strings.HasPrefix(name, "flink_taskmanager_") {
				t.Errorf("%s served while the JobManager gave no valid answer", name)
			}
		}
		return
	}
	truthTMs := map[float64]bool{}
	jobs := map[string]bool{}
	maxJobs := 0
	for _, c := range clusters {
		truthTMs[float64(c.TaskManagers)] = true
		for _, id := range c.Jobs {
			jobs[id] = true
		}
		maxJobs = max(maxJobs, len(c.Jobs))
	}
	for _, m := range families["flink_cluster_taskmanagers"].GetMetric() {
		if v := m.GetGauge().GetValue(); !truthTMs[v] {
			t.Errorf("flink_cluster_taskmanagers = %v, not what the JobManager said", v)
		}
	}
	var counted float64
	for _, m := range families["flink_cluster_jobs"].GetMetric() {
		counted += m.GetGauge().GetValue()
	}
	if counted > float64(maxJobs) {
		t.Errorf("flink_cluster_jobs adds up to %v, more than the %d jobs there are", counted, maxJobs)
	}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			if id := label(m, "job_id"); id != "" && !jobs[id] || strings.HasPrefix(name, "flink_job_") && id == "" && hasLabel(m, "job_id") {
				t.Errorf("%s has job_id=%q, a job the JobManager does not list", name, id)
			}
		}
	}
}

func label(m *dto.Metric, name string) string {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}

func hasLabel(m *dto.Metric, name string) bool {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return true
		}
	}
	return false
}

// waitHeapBelow collects garbage until the heap in use is below limit, or
// fails after a deadline.
func waitHeapBelow(t *testing.T, limit uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var ms runtime.MemStats
	for {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse < limit {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("heap in use %d MiB after the scrape, want below %d MiB", ms.HeapInuse>>20, limit>>20)
			return
		}
		runtime.Gosched()
	}
}

// waitGoroutines waits until the goroutines are back to baseline (a few
// of the runtime's and the test framework's may come and go), or fails
// after a deadline listing them.
func waitGoroutines(t *testing.T, baseline int) {
	t.Helper()
	const tolerance = 2
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > baseline+tolerance {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Errorf("%d goroutines still running, baseline %d:\n%s", runtime.NumGoroutine(), baseline, truncate(string(buf[:n])))
			return
		}
		waitABit()
	}
}

// waitABit yields for a moment while polling a condition with a deadline.
func waitABit() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	<-ctx.Done()
}

func truncate(s string) string {
	if len(s) > 8000 {
		return s[:8000] + "..."
	}
	return s
}

// checkSkipped checks that every job is counted in flink_cluster_jobs and
// that the jobs beyond the default --flink.max-jobs are reported skipped.
func checkSkipped(t *testing.T, families map[string]*dto.MetricFamily, jobs int) {
	t.Helper()
	sum := func(name string) float64 {
		var s float64
		for _, m := range families[name].GetMetric() {
			s += m.GetGauge().GetValue()
		}
		return s
	}
	if got := sum("flink_cluster_jobs"); got != float64(jobs) {
		t.Errorf("flink_cluster_jobs adds up to %v, want all %d jobs", got, jobs)
	}
	if got, want := sum("flink_exporter_jobs_skipped"), float64(jobs-collector.DefaultMaxJobs); got != want {
		t.Errorf("flink_exporter_jobs_skipped adds up to %v, want %v", got, want)
	}
	if n := len(families["flink_job_state"].GetMetric()); n > collector.DefaultMaxJobs*len(flinkapi.JobStates()) {
		t.Errorf("%d flink_job_state series, more than --flink.max-jobs allows", n)
	}
}
