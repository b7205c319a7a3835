package collector

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// TestNoCollectorStarvesAnother: a cluster of many jobs whose /checkpoints
// answers are slow fills the request slots with one collector's requests
// for longer than the scrape may take. The other collectors' requests of
// the same priority (/taskmanagers, /jobmanager/metrics) still get their
// turn, so they succeed while the checkpoints collector runs out of time.
func TestNoCollectorStarvesAnother(t *testing.T) {
	const jobs, answer = 300, 30 * time.Millisecond
	cluster := newFakeCluster(t, jobs, 0, 0, 2, 2)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/checkpoints") {
			select {
			case <-time.After(answer):
			case <-r.Context().Done():
				return
			}
		}
		cluster.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(slow)
	t.Cleanup(srv.Close)
	client, err := flinkapi.NewClient(srv.URL, flinkapi.Options{MaxConcurrentRequests: 4})
	if err != nil {
		t.Fatal(err)
	}
	// 300 answers of 30 ms over 4 slots take 2.25 s: twice the scrape.
	e, err := NewExporter(Config{Client: client, Timeout: time.Second, BackgroundRefresh: true, MaxJobs: jobs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	got := gatherSeries(t, e)
	success := got["flink_exporter_scrape_collector_success"]
	if up := got["flink_up"][""]; up != 1 {
		t.Fatalf("flink_up = %v, want 1", up)
	}
	if v := success["collector=checkpoints"]; v != 0 {
		t.Fatalf("checkpoints collector succeeded (%v): the test no longer fills the slots for longer than the scrape", v)
	}
	for _, c := range []string{"taskmanagers", "jobmanager", "cluster", "jobs"} {
		if v := success["collector="+c]; v != 1 {
			t.Errorf("collector %s: success %v, want 1: it starved behind the checkpoints collector's requests", c, v)
		}
	}
	if n := len(got["flink_taskmanager_slots"]); n != 2 {
		t.Errorf("%d TaskManagers exported, want 2", n)
	}
}
