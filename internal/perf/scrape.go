package perf

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	promconfig "github.com/prometheus/common/config"
	"github.com/prometheus/common/expfmt"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// target is one exporter of the cluster under test, wired as the
// flink_exporter binary wires it: Prometheus's HTTP client, at most
// maxConcurrentRequests in flight, the default collectors and metrics TTL.
type target struct {
	url      string
	now      func() time.Time
	requests atomic.Int64 // REST requests sent, counted by the transport
	client   *flinkapi.Client
	// exp is the latest exporter built: a scrape waits for the detail
	// refreshes it started in the background (not timed), as the idle
	// time of a scrape interval lets them end.
	exp *collector.Exporter
}

// newTarget builds the REST client of the JobManager at url; now is the
// exporters' clock.
func newTarget(url string, now func() time.Time) (*target, error) {
	hc, err := promconfig.NewClientFromConfig(promconfig.DefaultHTTPClientConfig, "perfbench")
	if err != nil {
		return nil, fmt.Errorf("HTTP client: %w", err)
	}
	hc.Timeout = requestTimeout
	t := &target{url: url, now: now}
	hc.Transport = countingTransport{next: hc.Transport, n: &t.requests}
	t.client, err = flinkapi.NewClient(url, flinkapi.Options{HTTPClient: hc, MaxConcurrentRequests: maxConcurrentRequests})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// exporter returns an Exporter with empty state: its first scrape is cold.
func (t *target) exporter() (*prometheus.Registry, error) {
	e, err := collector.NewExporter(collector.Config{
		Client:     t.client,
		Now:        t.now,
		Timeout:    scrapeTimeout,
		MetricsTTL: collector.DefaultMetricsTTL,
		// As the flink_exporter binary (prober.NewCluster) sets it.
		BackgroundRefresh: true,
	})
	if err != nil {
		return nil, err
	}
	t.exp = e
	reg := prometheus.NewRegistry()
	if err := reg.Register(e); err != nil {
		return nil, err
	}
	return reg, nil
}

// scrapeResult is one scrape as Prometheus would see it.
type scrapeResult struct {
	requests int
	took     time.Duration
	series   int
	failed   bool
	// families is the gathered answer, for what is measured on it after
	// the scrape.
	families []*dto.MetricFamily
	// compress is what gzip adds to serving the answer (compressTime);
	// measured in-process only.
	compress time.Duration
}

// scrape gathers reg once and encodes the answer in the text format, as
// the /metrics handler does, counting the REST requests it caused.
func (t *target) scrape(reg *prometheus.Registry) (scrapeResult, error) {
	before := t.requests.Load()
	start := time.Now()
	mfs, err := reg.Gather()
	if err != nil {
		return scrapeResult{}, fmt.Errorf("gather: %w", err)
	}
	enc := expfmt.NewEncoder(io.Discard, expfmt.NewFormat(expfmt.TypeTextPlain))
	r := scrapeResult{}
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return scrapeResult{}, fmt.Errorf("encode: %w", err)
		}
		r.series += len(mf.GetMetric())
		switch mf.GetName() {
		case collector.Namespace + "_up", collector.Namespace + "_exporter_scrape_collector_success":
			for _, m := range mf.GetMetric() {
				if m.GetGauge().GetValue() != 1 {
					r.failed = true
				}
			}
		}
	}
	r.took = time.Since(start)
	r.families = mfs
	if t.exp != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 4*scrapeTimeout)
		err := t.exp.WaitRefreshed(ctx)
		cancel()
		if err != nil {
			return scrapeResult{}, fmt.Errorf("background refreshes did not end: %w", err)
		}
	}
	r.requests = int(t.requests.Load() - before)
	return r, nil
}

// countingTransport counts the requests it sends.
type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(req)
}

// compressTime is how long compressing the text of mfs takes as promhttp
// compresses an answer for Prometheus, which asks for gzip unless a scrape
// configuration sets enable_compression: false: compress/gzip at its
// default level (promhttp's gzip pool holds gzip.NewWriter writers). promhttp
// compresses the text as it encodes it; here the text is encoded first and
// only its compression is timed. It is measured apart from the scrape's
// timed part, on the same families, so that the durations stay comparable
// with those measured before; and only in-process, since the text and the
// compressor's buffers would raise the child-process pass's memory peaks.
func compressTime(mfs []*dto.MetricFamily) (time.Duration, error) {
	var text bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&text, mf); err != nil {
			return 0, fmt.Errorf("encode: %w", err)
		}
	}
	start := time.Now()
	gz := gzip.NewWriter(io.Discard)
	if _, err := gz.Write(text.Bytes()); err != nil {
		return 0, fmt.Errorf("compress: %w", err)
	}
	if err := gz.Close(); err != nil {
		return 0, fmt.Errorf("compress: %w", err)
	}
	return time.Since(start), nil
}
