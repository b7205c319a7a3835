package fakejm_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/internal/fakejm"
	"github.com/flink-exporter/flink_exporter/internal/scrapehttp"
)

// BenchmarkHundredThousandJobs scrapes a JobManager listing 100 000 jobs
// (a 19 MB /jobs/overview) through the scrape handler with the default
// --flink.max-jobs, as the binary does, and reports the process's peak
// resident memory (VmHWM) and the heap in use after a collection once the
// scrapes are over: what the exporter keeps, against what it needed while
// decoding.
func BenchmarkHundredThousandJobs(b *testing.B) {
	srv := httptest.NewServer(fakejm.New(fakejm.ManyJobs, fakejm.Config{}))
	defer srv.Close()
	client, err := flinkapi.NewClient(srv.URL, flinkapi.Options{MaxConcurrentRequests: 4})
	if err != nil {
		b.Fatal(err)
	}
	e, err := collector.NewExporter(collector.Config{Client: client, Logger: log.NewNopLogger(), Timeout: 9500 * time.Millisecond, MaxJobs: collector.DefaultMaxJobs})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	h := scrapehttp.Handler(e, 10*time.Second, 500*time.Millisecond, log.NewNopLogger(), prometheus.NewRegistry())
	var bytes int
	b.ResetTimer()
	for range b.N {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "flink_up 1") {
			b.Fatalf("scrape: %d, flink_up 1 missing", rec.Code)
		}
		bytes = rec.Body.Len()
	}
	b.StopTimer()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(bytes)/(1<<20), "exposition-MiB")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-after-MiB")
	if hwm, ok := procStatus("VmHWM"); ok {
		b.ReportMetric(hwm/1024, "peak-rss-MiB")
	}
}

// procStatus reads a kB field of /proc/self/status.
func procStatus(field string) (float64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return n, err == nil
		}
	}
	return 0, false
}
