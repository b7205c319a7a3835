package collector

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// slowScale shrinks the time of TestSlowJobManager: every real wait (the
// simulator's answer delays, the scrape budget, the request timeout, the
// scrape interval) is 1/slowScale of what it stands for, so that a
// JobManager answering in 1-3 s, scraped every 15 s with a 10 s budget,
// takes under 20 s of test. The simulator's and the exporter's clock is a
// manual one that advances the full 15 s per scrape.
const slowScale = 25

// Scrape settings of TestSlowJobManager, at full scale.
const (
	slowInterval       = 15 * time.Second
	slowBudget         = 10 * time.Second
	slowRequestTimeout = 5 * time.Second
	slowScrapes        = 30
)

// slowOutcome is what one scrape of a slow JobManager reported.
type slowOutcome struct {
	up      float64
	success map[string]float64
	// ackAge is the age of the latest completed checkpoint's analysis,
	// -1 when none was exported.
	ackAge float64
}

// scrapeSlowJobManager scrapes the jobmanager-overload scenario, every
// answer delayed 1-3 s (scaled), slowScrapes times, and returns each
// scrape's outcome.
func scrapeSlowJobManager(t *testing.T, background bool) []slowOutcome {
	t.Helper()
	clock := flinksim.NewManualClock(time.UnixMilli(1_750_000_000_000))
	sim, err := flinksim.New(flinksim.Config{
		Scenario: "jobmanager-overload", Clock: clock.Now, Seed: 1,
		RESTLatency: time.Second, RESTLatencyMax: 3 * time.Second,
		Sleep: func(ctx context.Context, d time.Duration) error {
			timer := time.NewTimer(d / slowScale)
			defer timer.Stop()
			select {
			case <-timer.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	client, err := flinkapi.NewClient(srv.URL, flinkapi.Options{
		HTTPClient:            &http.Client{Timeout: slowRequestTimeout / slowScale},
		MaxConcurrentRequests: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExporter(Config{
		Client: client, Now: clock.Now, Timeout: slowBudget / slowScale,
		MetricsTTL: DefaultMetricsTTL, BackgroundRefresh: background,
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []slowOutcome
	for range slowScrapes {
		clock.Advance(slowInterval)
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), slowBudget/slowScale)
		got := gatherSeries(t, boundCollector{e: e, ctx: ctx})
		cancel()
		o := slowOutcome{up: got["flink_up"].one(t, "flink_up"), success: map[string]float64{}, ackAge: -1}
		for l, v := range got["flink_exporter_scrape_collector_success"] {
			o.success[l] = v
		}
		if ages := got["flink_job_checkpoint_ack_analysis_age_seconds"].withLabel("checkpoint=latest_completed"); len(ages) > 0 {
			o.ackAge = maxValue(ages)
		}
		out = append(out, o)
		// The rest of the interval passes, or less if the refresh round
		// ends first: the test waits for a condition, bounded by the
		// interval, never for a fixed time.
		e.roundMu.Lock()
		r := e.round
		e.roundMu.Unlock()
		if r != nil {
			select {
			case <-r.done:
			case <-time.After(time.Until(start.Add(slowInterval / slowScale))):
			}
		}
	}
	return out
}

// successRatio is the fraction of scrapes in which the collector
// succeeded.
func successRatio(outs []slowOutcome, collector string) float64 {
	n := 0
	for _, o := range outs {
		if o.success["collector="+collector] == 1 {
			n++
		}
	}
	return float64(n) / float64(len(outs))
}

// TestSlowJobManager: with every REST answer taking 1-3 s (the
// jobmanager-overload scenario made that slow), scraped every 15 s within
// Prometheus's default 10 s budget, the checkpoints and checkpoint_acks
// collectors succeed on at least 80 % of the scrapes and the analysis of
// the latest completed checkpoint is at most a few scrapes old: the core
// and checkpoint requests go first, the detail refreshes run on a round of
// their own whose answers complete into the cache.
func TestSlowJobManager(t *testing.T) {
	if testing.Short() {
		t.Skip("scrapes a slow JobManager for a few seconds")
	}
	outs := scrapeSlowJobManager(t, true)
	for _, c := range []string{"cluster", "jobs", "checkpoints", "checkpoint_acks", "taskmanagers", "jobmanager"} {
		if r := successRatio(outs, c); r < 0.8 {
			t.Errorf("collector %s succeeded on %.0f %% of %d scrapes, want at least 80 %%", c, 100*r, len(outs))
		}
	}
	// The first analysis of a job reads where its subtasks run first,
	// over a few rounds on a JobManager this slow (more on a loaded
	// machine); in the last ten scrapes, every scrape exports one, at most
	// a few scrapes old.
	const steady = 10
	var ages []float64
	for i, o := range outs {
		if o.up != 1 {
			t.Errorf("scrape %d: flink_up %v", i, o.up)
		}
		if i >= len(outs)-steady {
			ages = append(ages, o.ackAge)
		}
	}
	sort.Float64s(ages)
	if ages[0] < 0 {
		t.Errorf("some of the last %d scrapes exported no analysis of the latest completed checkpoint: ages %v", steady, ages)
	}
	if median := ages[len(ages)/2]; median > 3*slowInterval.Seconds() {
		t.Errorf("median analysis age %.0f s, want at most %.0f s (3 scrapes): ages %v", median, 3*slowInterval.Seconds(), ages)
	}
	if oldest := ages[len(ages)-1]; oldest > 5*slowInterval.Seconds() {
		t.Errorf("oldest analysis %.0f s, want at most %.0f s (5 scrapes): ages %v", oldest, 5*slowInterval.Seconds(), ages)
	}
	t.Logf("success: checkpoints %.0f %%, checkpoint_acks %.0f %%, backpressure %.0f %%; analysis ages %v",
		100*successRatio(outs, "checkpoints"), 100*successRatio(outs, "checkpoint_acks"), 100*successRatio(outs, "backpressure"), ages)
}
