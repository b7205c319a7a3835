package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
	"github.com/flink-exporter/flink_exporter/host"
	"github.com/flink-exporter/flink_exporter/internal/scrapehttp"
	"github.com/flink-exporter/flink_exporter/jmprobe"
)

// Scrape settings of the exporters the harness starts, the flink_exporter
// binary's defaults.
const (
	scrapeFallback = 10 * time.Second
	scrapeOffset   = 500 * time.Millisecond
)

// StartSimulator serves a simulated Flink JobManager on a loopback port
// until the test ends and returns it with its base URL.
func StartSimulator(t testing.TB, cfg flinksim.Config) (*flinksim.Simulator, string) {
	t.Helper()
	sim, err := flinksim.New(cfg)
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

// StartExporterWithSim starts a simulated Flink cluster configured by cfg
// and an exporter scraping it, wired as the flink_exporter binary wires
// them: the REST client instrumented with flinkapi.Instrumentation, every
// default collector, and each scrape bounded by Prometheus's scrape
// timeout header less half a second. It returns the exporter's host:port
// (its metrics are at /metrics) and the simulator, whose faults a test may
// switch. Both servers stop when the test ends.
func StartExporterWithSim(t testing.TB, cfg flinksim.Config) (addr string, sim *flinksim.Simulator) {
	t.Helper()
	sim, simURL := StartSimulator(t, cfg)
	return StartExporter(t, simURL), sim
}

// StartExporter starts an exporter of the Flink JobManager at flinkURL on
// a loopback port until the test ends and returns its host:port.
func StartExporter(t testing.TB, flinkURL string) string {
	t.Helper()
	inst := flinkapi.NewInstrumentation(collector.Namespace + "_exporter")
	client, err := flinkapi.NewClient(flinkURL, flinkapi.Options{
		HTTPClient:            &http.Client{Timeout: 5 * time.Second},
		MaxConcurrentRequests: 4,
		Instrumentation:       inst,
		UserAgent:             "flink_exporter/e2e",
	})
	if err != nil {
		t.Fatalf("Flink client: %v", err)
	}
	exp, err := collector.NewExporter(collector.Config{
		Client:     client,
		Logger:     log.NewNopLogger(),
		Timeout:    scrapeFallback,
		MetricsTTL: collector.DefaultMetricsTTL,
	})
	if err != nil {
		t.Fatalf("exporter: %v", err)
	}
	own := prometheus.NewRegistry()
	own.MustRegister(inst)
	return serve(t, scrapehttp.Handler(exp, scrapeFallback, scrapeOffset, log.NewNopLogger(), own))
}

// AgentConfig configures the agent exporter that runs beside a
// TaskManager (the binary's --collector.host and --probe.* flags).
type AgentConfig struct {
	// TaskManagerID is the tm_id label of the host series.
	TaskManagerID string
	// Hostname is the hostname of flink_host_info, "e2e-host" if empty.
	Hostname string
	// ProcPath is the proc filesystem read, "/proc" if empty.
	ProcPath string
	// JobManagerURL is the JobManager REST URL the probe times (connect
	// and GET /config); no probe if empty.
	JobManagerURL string
	// ProbeInterval is the time between probes, 200 ms if zero, so that a
	// test sees several within seconds.
	ProbeInterval time.Duration
}

// StartAgent starts an agent exporter (host collector and, with a
// JobManagerURL, the JobManager probe running on its own schedule) on a
// loopback port until the test ends and returns its host:port.
func StartAgent(t testing.TB, cfg AgentConfig) string {
	t.Helper()
	if cfg.Hostname == "" {
		cfg.Hostname = "e2e-host"
	}
	if cfg.ProbeInterval <= 0 {
		cfg.ProbeInterval = 200 * time.Millisecond
	}
	reg := prometheus.NewRegistry()
	hc, err := host.NewCollector(host.Config{ProcPath: cfg.ProcPath, TaskManagerID: cfg.TaskManagerID, Hostname: cfg.Hostname})
	if err != nil {
		t.Fatalf("host collector: %v", err)
	}
	reg.MustRegister(hc)
	if cfg.JobManagerURL != "" {
		u, err := url.Parse(cfg.JobManagerURL)
		if err != nil {
			t.Fatalf("JobManager URL: %v", err)
		}
		p, err := jmprobe.New(jmprobe.Config{Target: u.Host, RESTURL: cfg.JobManagerURL, Interval: cfg.ProbeInterval, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatalf("JobManager probe: %v", err)
		}
		reg.MustRegister(p)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Run(ctx)
		}()
		t.Cleanup(func() {
			cancel()
			wg.Wait()
		})
	}
	return serve(t, promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
}

// serve runs h at /metrics on a loopback port and returns host:port.
func serve(t testing.TB, h http.Handler) string {
	mux := http.NewServeMux()
	mux.Handle("/metrics", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}
