package scrapehttp

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/go-logfmt/logfmt"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// failingGatherer fails every gather with err.
func failingGatherer(err error) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return nil, err })
}

// logfmtRecords parses every logfmt line of buf into key-value maps.
func logfmtRecords(t *testing.T, buf *bytes.Buffer) []map[string]string {
	t.Helper()
	var out []map[string]string
	d := logfmt.NewDecoder(bytes.NewReader(buf.Bytes()))
	for d.ScanRecord() {
		rec := map[string]string{}
		for d.ScanKeyval() {
			rec[string(d.Key())] = string(d.Value())
		}
		out = append(out, rec)
	}
	if err := d.Err(); err != nil {
		t.Fatalf("log is not logfmt: %v\n%s", err, buf.String())
	}
	return out
}

// serveOnce runs one request through Handler with the given gatherers and
// returns the log it wrote, as logfmt records.
func serveOnce(t *testing.T, others ...prometheus.Gatherer) []map[string]string {
	t.Helper()
	var buf bytes.Buffer
	h := Handler(nil, time.Second, 0, log.NewLogfmtLogger(&buf), others...)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return logfmtRecords(t, &buf)
}

func TestGatherErrorLogsItsText(t *testing.T) {
	recs := serveOnce(t, failingGatherer(errors.New(`collected metric "flink_cluster_jobs" was collected before with the same name and label values`)))
	if len(recs) != 1 {
		t.Fatalf("got %d log lines, want 1: %v", len(recs), recs)
	}
	got := recs[0]["err"]
	if !strings.Contains(got, `"flink_cluster_jobs" was collected before`) {
		t.Errorf("err = %q, want the gather error's text", got)
	}
	if strings.Contains(got, "unsupported value type") {
		t.Errorf("err = %q: the logger could not encode the error", got)
	}
}

func TestGatherErrorLogLineIsBounded(t *testing.T) {
	long := strings.Repeat("x", 3*MaxLogValue)
	recs := serveOnce(t, failingGatherer(errors.New(long)))
	if len(recs) != 1 {
		t.Fatalf("got %d log lines, want 1", len(recs))
	}
	got := recs[0]["err"]
	if len(got) > MaxLogValue+100 {
		t.Errorf("err has %d bytes, want at most about %d", len(got), MaxLogValue)
	}
	if !strings.Contains(got, "truncated") || !strings.Contains(got, "bytes in all") {
		t.Errorf("err = %q..., want the total size noted", got[len(got)-60:])
	}
}

func TestTruncateKeepsRunes(t *testing.T) {
	for _, tc := range []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"abcdef", 3, "abc... (truncated, 6 bytes in all)"},
		{"aé", 2, "a... (truncated, 3 bytes in all)"},
	} {
		if got := Truncate(tc.in, tc.limit); got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
	}
}
