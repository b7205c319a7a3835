package diagnose

import (
	"compress/gzip"
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/flink-exporter/flink_exporter/config"
	"github.com/flink-exporter/flink_exporter/flinksim"
	"github.com/flink-exporter/flink_exporter/internal/scrapehttp"
	"github.com/flink-exporter/flink_exporter/internal/testenv"
	"github.com/flink-exporter/flink_exporter/prober"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write the browser test's screenshot to docs/diagnose.png")

// pageServer serves /diagnose and a teed /metrics of a simulated
// scenario on a manual clock.
func pageServer(t *testing.T, scenario string, jobs int) (*httptest.Server, *flinksim.ManualClock) {
	t.Helper()
	url, clock := simulated(t, flinksim.Config{Scenario: scenario, Jobs: jobs})
	c, err := NewCluster(url, ClusterOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	page, err := NewPage(url, c.Exporter, prober.NewPool(prober.Settings{Timeout: time.Second}, false, log.NewNopLogger()), log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	page.now = clock.Now
	mux := http.NewServeMux()
	mux.Handle("/diagnose", page)
	mux.Handle("/metrics", page.Tee("", scrapehttp.Handler(c.Exporter, 10*time.Second, 0, log.NewNopLogger())))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, clock
}

// scrape fetches /metrics as Prometheus does, gzipped.
func scrape(t *testing.T, srv *httptest.Server) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req) // no transparent gunzip
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("/metrics: %s, encoding %q", resp.Status, resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); !strings.Contains(string(b), "flink_up 1") {
		t.Fatalf("/metrics lacks flink_up 1")
	}
}

func getPage(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestPageReadsTheScrapes: the page evaluates what Prometheus's scrapes of
// /metrics collected (gzipped), over their times, and names the cause.
func TestPageReadsTheScrapes(t *testing.T) {
	srv, clock := pageServer(t, "backpressure", 1)
	for range 8 {
		scrape(t, srv)
		clock.Advance(15 * time.Second)
	}
	clock.Advance(-15 * time.Second) // the page reads right after the last scrape
	status, body := getPage(t, srv.URL+"/diagnose")
	if status != http.StatusOK {
		t.Fatalf("status %d\n%s", status, body)
	}
	for _, want := range []string{"8 collections over 105 s", "likely cause: backpressure", "execution.checkpointing.unaligned.enabled", "<b>false</b>", "See it: Flink UI"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("the page runs JavaScript")
	}
}

// TestPageRefusesUnlistedTargets: /diagnose?target= takes only what /probe
// takes.
func TestPageRefusesUnlistedTargets(t *testing.T) {
	srv, _ := pageServer(t, "healthy", 1)
	status, body := getPage(t, srv.URL+"/diagnose?target=http://169.254.169.254/")
	if status != http.StatusBadRequest || !strings.Contains(body, "Cannot diagnose") {
		t.Errorf("status %d\n%s", status, body)
	}
}

// TestPageInChromium renders /diagnose in headless Chromium at a phone's
// size: the verdict is in the rendered DOM and the screenshot is taken.
func TestPageInChromium(t *testing.T) {
	chromium := testenv.RequireBinary(t, "chromium")
	srv, clock := pageServer(t, "slow-storage", 1)
	for range 8 {
		scrape(t, srv)
		clock.Advance(15 * time.Second)
	}
	clock.Advance(-15 * time.Second)
	dir := t.TempDir()
	shot := filepath.Join(dir, "diagnose.png")
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + filepath.Join(dir, "profile"), "--window-size=412,915"}
	run := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium %v: %v", args, err)
		}
		return string(out)
	}
	dom := run("--dump-dom", srv.URL+"/diagnose")
	for _, want := range []string{"likely cause: slow-storage", "state.backend.rocksdb.checkpoint.transfer.thread.num", "Holding it up"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
	run("--screenshot="+shot, srv.URL+"/diagnose")
	fi, err := os.Stat(shot)
	if err != nil || fi.Size() < 10_000 {
		t.Fatalf("no screenshot: %v", err)
	}
	if *updateScreenshot {
		b, _ := os.ReadFile(shot)
		if err := os.WriteFile(filepath.Join("..", "docs", "diagnose.png"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPageQuotesAConfiguredClustersValues: /diagnose?target=<name> of a
// --config.file cluster reads the fix keys' current values through the
// cluster's own REST client, as the --flink.url page does, instead of
// showing them as unknown.
func TestPageQuotesAConfiguredClustersValues(t *testing.T) {
	url, clock := simulated(t, flinksim.Config{Scenario: "short-timeout", Jobs: 1})
	cfg, err := config.Load([]byte("clusters:\n  prod:\n    url: "+url+"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	pool := prober.NewPool(prober.Settings{Timeout: time.Second, ScrapeTimeout: 10 * time.Second, MaxConcurrentRequests: 4}, false, log.NewNopLogger())
	if err := pool.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	page, err := NewPage("", nil, pool, log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	page.now = clock.Now
	mux := http.NewServeMux()
	mux.Handle("/diagnose", page)
	mux.Handle("/probe", page.Tee("target", prober.Handler(pool, 10*time.Second, 0, log.NewNopLogger())))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	for range 8 {
		if status, body := getPage(t, srv.URL+"/probe?target=prod"); status != http.StatusOK || !strings.Contains(body, "flink_up 1") {
			t.Fatalf("/probe?target=prod: status %d\n%s", status, body)
		}
		clock.Advance(15 * time.Second)
	}
	clock.Advance(-15 * time.Second)

	c, err := pool.Lookup("prod")
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := c.Client().JobsOverview(context.Background())
	if err != nil || len(jobs.Jobs) != 1 {
		t.Fatalf("jobs overview: %v %+v", err, jobs)
	}
	cp, err := c.Client().CheckpointConfig(context.Background(), jobs.Jobs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	want := "<code>execution.checkpointing.timeout</code></td><td><b>" + (time.Duration(cp.Timeout) * time.Millisecond).String() + "</b>"

	status, body := getPage(t, srv.URL+"/diagnose?target=prod")
	if status != http.StatusOK {
		t.Fatalf("status %d\n%s", status, body)
	}
	for _, s := range []string{"likely cause: short-timeout", want} {
		if !strings.Contains(body, s) {
			t.Errorf("the page lacks %q\n%s", s, body)
		}
	}
	if strings.Contains(body, "unknown: /jobmanager/config could not be read") {
		t.Error("the page shows the configuration as unknown")
	}
}
