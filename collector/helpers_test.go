package collector

import (
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
	"github.com/flink-exporter/flink_exporter/internal/restschema"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// samplesDir returns testdata/flink-rest/samples of the module.
func samplesDir(t testing.TB) string {
	t.Helper()
	dir, err := restschema.SamplesDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// newTestExporter builds an Exporter for the JobManager at url, with its
// request accounting and a fixed clock.
func newTestExporter(t testing.TB, url string, now time.Time) (*Exporter, *flinkapi.Instrumentation) {
	t.Helper()
	inst := flinkapi.NewInstrumentation("flink_exporter")
	client, err := flinkapi.NewClient(url, flinkapi.Options{Instrumentation: inst, MaxConcurrentRequests: 4})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExporter(Config{Client: client, Now: func() time.Time { return now }, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return e, inst
}

// recordingMux serves fixed bodies by path and records what was asked.
type recordingMux struct {
	bodies map[string][]byte
	asked  chan string
}

func (m *recordingMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case m.asked <- r.URL.Path:
	default:
	}
	body, ok := m.bodies[r.URL.Path]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"errors":["Not found: ` + r.URL.Path + `"]}`))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Write(body)
}

func serveBodies(t testing.TB, bodies map[string][]byte) (*httptest.Server, *recordingMux) {
	t.Helper()
	m := &recordingMux{bodies: bodies, asked: make(chan string, 1000)}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return srv, m
}

// drain returns the paths asked so far.
func (m *recordingMux) drain() map[string]int {
	out := map[string]int{}
	for {
		select {
		case p := <-m.asked:
			out[p]++
		default:
			return out
		}
	}
}

// newInstantSim returns a simulator of cfg's size (its Clock and Sleep
// set here) on a manual clock at the simulation's start, whose answers
// take no time.
func newInstantSim(t testing.TB, cfg flinksim.Config) (*flinksim.Simulator, *flinksim.ManualClock) {
	t.Helper()
	clock := flinksim.NewManualClock(time.UnixMilli(1_750_000_000_000))
	cfg.Clock = clock.Now
	cfg.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	sim, err := flinksim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return sim, clock
}

// httptestServer serves h until the test ends.
func httptestServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// newExporterAt builds an Exporter of cfg for the JobManager at url, with
// 4 requests in flight and a 30 s scrape budget unless cfg sets one;
// closed when the test ends.
func newExporterAt(t testing.TB, url string, cfg Config) *Exporter {
	t.Helper()
	client, err := flinkapi.NewClient(url, flinkapi.Options{MaxConcurrentRequests: 4})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Client = client
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	e, err := NewExporter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}
