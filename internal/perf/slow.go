package perf

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	promconfig "github.com/prometheus/common/config"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// slowScenario is the simulator's scenario of the slow JobManager pass,
// and slowLatency and slowLatencyMax the span every REST answer is
// delayed by, on top of the scenario's own 0.3-1 s.
const (
	slowScenario   = "jobmanager-overload"
	slowLatency    = time.Second
	slowLatencyMax = 3 * time.Second
)

// SlowOptions configure the slow JobManager pass.
type SlowOptions struct {
	// Scrapes is how many scrapes each exporter makes, one per 15 s of
	// real time.
	Scrapes int
}

// SlowResult is the slow JobManager pass: the same cluster scraped by an
// exporter that refreshes detail in the background (as the binary does)
// and by one that waits for it within the scrape.
type SlowResult struct {
	Scrapes int
	// Background and Waiting are the two exporters' outcomes.
	Background, Waiting SlowOutcome
}

// SlowOutcome is what one exporter reported over the scrapes.
type SlowOutcome struct {
	// Success counts, per collector, the scrapes it succeeded in;
	// FailedAt lists the scrapes (from 1) it failed in.
	Success  map[string]int
	FailedAt map[string][]int
	// Up counts the scrapes with flink_up 1.
	Up int
	// AckAges is the age of the latest completed checkpoint's analysis
	// (the largest over the jobs) per scrape, -1 when none was exported.
	AckAges []float64
	// Durations are the scrapes' wall times.
	Durations []time.Duration
}

// measureSlow scrapes the jobmanager-overload scenario with every answer
// delayed 1-3 s, every 15 s of real time within the 9.5 s budget, twice
// at once: in the background mode of the binary and waiting for detail.
func measureSlow(ctx context.Context, opts SlowOptions) (*SlowResult, error) {
	res := &SlowResult{Scrapes: opts.Scrapes}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, out := range []*SlowOutcome{&res.Background, &res.Waiting} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = scrapeSlow(ctx, opts.Scrapes, i == 0, out)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// scrapeSlow runs one exporter against a simulator of its own.
func scrapeSlow(ctx context.Context, scrapes int, background bool, out *SlowOutcome) error {
	clock := flinksim.NewManualClock(time.Now())
	sim, err := flinksim.New(flinksim.Config{
		Scenario: slowScenario, Clock: clock.Now, Seed: 1,
		RESTLatency: slowLatency, RESTLatencyMax: slowLatencyMax,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	hc, err := promconfig.NewClientFromConfig(promconfig.DefaultHTTPClientConfig, "perfbench")
	if err != nil {
		return fmt.Errorf("HTTP client: %w", err)
	}
	hc.Timeout = requestTimeout
	client, err := flinkapi.NewClient("http://"+ln.Addr().String(), flinkapi.Options{HTTPClient: hc, MaxConcurrentRequests: maxConcurrentRequests})
	if err != nil {
		return err
	}
	e, err := collector.NewExporter(collector.Config{
		Client: client, Now: clock.Now, Timeout: scrapeTimeout,
		MetricsTTL: collector.DefaultMetricsTTL, BackgroundRefresh: background,
	})
	if err != nil {
		return err
	}
	defer e.Close()
	reg := prometheus.NewRegistry()
	if err := reg.Register(e); err != nil {
		return err
	}
	out.Success, out.FailedAt = map[string]int{}, map[string][]int{}
	for n := range scrapes {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		clock.Advance(interval)
		mfs, err := reg.Gather()
		if err != nil {
			return fmt.Errorf("gather: %w", err)
		}
		out.Durations = append(out.Durations, time.Since(start))
		age := -1.0
		for _, mf := range mfs {
			for _, m := range mf.GetMetric() {
				v := m.GetGauge().GetValue()
				switch mf.GetName() {
				case collector.Namespace + "_up":
					if v == 1 {
						out.Up++
					}
				case collector.Namespace + "_exporter_scrape_collector_success":
					if c := label(m.GetLabel(), "collector"); v == 1 {
						out.Success[c]++
					} else {
						out.FailedAt[c] = append(out.FailedAt[c], n+1)
					}
				case collector.Namespace + "_job_checkpoint_ack_analysis_age_seconds":
					if label(m.GetLabel(), "checkpoint") == "latest_completed" {
						age = max(age, v)
					}
				}
			}
		}
		out.AckAges = append(out.AckAges, age)
		select {
		case <-time.After(time.Until(start.Add(interval))):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// label returns the value of the named label.
func label[L interface {
	GetName() string
	GetValue() string
}](labels []L, name string) string {
	for _, l := range labels {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// ageSummary describes the analysis ages from scrape from on: how many had
// none, the median and the largest.
func ageSummary(ages []float64, from int) (none int, median, largest float64) {
	var have []float64
	for _, a := range ages[min(from, len(ages)):] {
		if a < 0 {
			none++
			continue
		}
		have = append(have, a)
	}
	if len(have) == 0 {
		return none, -1, -1
	}
	sort.Float64s(have)
	return none, have[len(have)/2], have[len(have)-1]
}

// firstAnalysis is the scrape from which the slow pass expects an
// analysis: a job's first one reads where its subtasks run first.
const firstAnalysis = 7

func (r *Report) writeSlow(w writer) {
	s := r.Slow
	if s == nil {
		return
	}
	w("## Slow JobManager, 1–3 s per answer\n\n")
	w("The simulator's `%s` scenario (3 jobs; its own REST delay 0.3–1 s) with %v–%v more added to every REST answer, scraped every 15 s of real time within %v (Prometheus's default 10 s less the offset), `--flink.timeout=%v`, 4 requests in flight, %d scrapes. Two exporters scrape two such simulators at once: one as the `flink_exporter` binary runs it, refreshing detail (per-vertex back-pressure and checkpoint subtask details, placement, per-TaskManager metrics) in the background between scrapes; one waiting for that detail within the scrape (`BackgroundRefresh` off, the way every scrape worked before). Both rank the core and checkpoint requests before detail and keep immutable answers that arrive after the deadline.\n\n",
		slowScenario, slowLatency, slowLatencyMax, scrapeTimeout, requestTimeout, s.Scrapes)
	w("| collector | success, background detail | failed scrapes | success, waiting for detail | failed scrapes |\n| --- | ---: | --- | ---: | --- |\n")
	pct := func(n int) string {
		return fmt.Sprintf("%.0f %% (%d of %d)", 100*float64(n)/float64(s.Scrapes), n, s.Scrapes)
	}
	list := func(ns []int) string {
		if len(ns) == 0 {
			return "none"
		}
		return strings.Trim(fmt.Sprint(ns), "[]")
	}
	w("| `flink_up` | %s | | %s | |\n", pct(s.Background.Up), pct(s.Waiting.Up))
	for _, a := range collector.Areas() {
		w("| %s | %s | %s | %s | %s |\n", a.Name, pct(s.Background.Success[a.Name]), list(s.Background.FailedAt[a.Name]), pct(s.Waiting.Success[a.Name]), list(s.Waiting.FailedAt[a.Name]))
	}
	w("\n")
	w("Age of the latest completed checkpoint's acknowledgement analysis (`flink_job_checkpoint_ack_analysis_age_seconds{checkpoint=\"latest_completed\"}`, the largest over the jobs) from scrape %d on (a job's first analysis reads where its subtasks run first):\n\n", firstAnalysis+1)
	w("| exporter | scrapes without an analysis | median age | largest age | scrape duration median |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, o := range []struct {
		name string
		out  SlowOutcome
	}{{"background detail", s.Background}, {"waiting for detail", s.Waiting}} {
		none, med, top := ageSummary(o.out.AckAges, firstAnalysis)
		ages := "—"
		if med >= 0 {
			ages = fmt.Sprintf("%.0f s | %.0f s", med, top)
		} else {
			ages = "— | —"
		}
		w("| %s | %d of %d | %s | %.1f s |\n", o.name, none, max(0, s.Scrapes-firstAnalysis), ages, percentile(o.out.Durations, 50).Seconds())
	}
	w("\n`go test ./collector -run TestSlowJobManager` checks the same at 1/25 of the time (answers of 40–120 ms, a 400 ms budget, 600 ms between scrapes, 30 scrapes): checkpoints and checkpoint_acks succeed on at least 80 %% of the scrapes and the analysis is at most a few scrapes old.\n\n")
}
