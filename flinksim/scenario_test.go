package flinksim

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// moveFactor is how far a moved signal must be from healthy (and beyond the
// signal's noise floor).
const moveFactor = 2.0

// inRange asserts lo <= got <= hi.
func inRange(t *testing.T, name string, got, lo, hi float64) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %.4g, want within [%.4g, %.4g]", name, got, lo, hi)
	}
}

// sameSignal reports whether two measurements of a signal agree: closer
// than the noise floor or within a factor of two.
func sameSignal(got, want, floor float64) bool {
	if math.Abs(got-want) <= floor {
		return true
	}
	return got <= want*moveFactor && got >= want/moveFactor
}

// TestScenarioSignals proves that each scenario moves the signals of its
// cause away from healthy, in the stated direction, and leaves every other
// signal as in healthy; plus absolute ranges from the scenario table.
func TestScenarioSignals(t *testing.T) {
	healthy := measureScenario(newTestSim(t, Config{Scenario: "healthy", Seed: 7}))
	t.Logf("healthy: %v", healthy.sig)

	tests := []struct {
		scenario string
		up, down []string // signals that must move
		ignore   []string // signals that legitimately follow from the moved ones
		check    func(t *testing.T, m measurement)
	}{
		{
			scenario: "healthy",
			check: func(t *testing.T, m measurement) {
				inRange(t, "e2e_ms", m.sig["e2e_ms"], 300, 1500)
				inRange(t, "failed_fraction", m.sig["failed_fraction"], 0, 0)
				inRange(t, "heartbeat_age_max_s", m.sig["heartbeat_age_max_s"], 0, 10)
				inRange(t, "bp_ratio_max", m.sig["bp_ratio_max"], 0, 0.1)
				inRange(t, "others_cpu_max", m.sig["others_cpu_max"], 0.1, 0.4)
				inRange(t, "tm_heap_max", m.sig["tm_heap_max"], 0.3, 0.5)
			},
		},
		{
			scenario: "network-latency",
			up:       []string{"e2e_ms", "ack_overhead_ms", "sink_overhead_ms", "hot_overhead_ms", "heartbeat_age_max_s"},
			check: func(t *testing.T, m measurement) {
				inRange(t, "ack_overhead_ms", m.sig["ack_overhead_ms"], 2000, 5000)
				inRange(t, "heartbeat_age_max_s", m.sig["heartbeat_age_max_s"], 20, 45)
				inRange(t, "rest_delay_ms", m.sig["rest_delay_ms"], 0, 0)
			},
		},
		{
			scenario: "taskmanager-overload",
			up: []string{"hot_cpu", "tm_heap_max", "tm_gc_rate_max", "hot_sync_ratio", "hot_async_ratio",
				"e2e_ms", "sync_ms", "async_ms", "failed_fraction", "hot_overhead_ms"},
			down: []string{"upload_mibps"},
			// The sink subtasks on the hot TaskManager are busy; its GC
			// pauses after the async phase raise the mean unexplained time.
			ignore: []string{"sink_busy", "ack_overhead_ms", "sink_overhead_ms"},
			check: func(t *testing.T, m measurement) {
				inRange(t, "hot_cpu", m.sig["hot_cpu"], 0.9, 1.0)
				inRange(t, "tm_heap_max", m.sig["tm_heap_max"], 0.9, 0.97)
				inRange(t, "tm_gc_rate_max", m.sig["tm_gc_rate_max"], 250, 350)
				inRange(t, "others_cpu_max", m.sig["others_cpu_max"], 0.1, 0.4)
				inRange(t, "hot_sync_ratio", m.sig["hot_sync_ratio"], 5, 20)
				inRange(t, "hot_async_ratio", m.sig["hot_async_ratio"], 3, 8)
				inRange(t, "hot_overhead_ms", m.sig["hot_overhead_ms"], 800, 2500)
				assertFailureMessages(t, m, "Could not complete snapshot ", "Failure reason: Checkpoint was declined.")
			},
		},
		{
			scenario: "short-timeout",
			up:       []string{"expired_fraction", "failed_fraction"},
			// A larger, flat state takes longer to upload at a normal rate;
			// the timeout follows the job's durations, so the completed
			// ones stay within 2x of healthy (which now includes the
			// sinks' pre-barrier flush).
			ignore: []string{"async_ms", "async_min_ms", "upload_mibps", "e2e_ms"},
			check: func(t *testing.T, m measurement) {
				inRange(t, "expired_fraction", m.sig["expired_fraction"], 0.1, 0.6)
				inRange(t, "e2e_ms", m.sig["e2e_ms"], 1200, 2500)
				inRange(t, "upload_mibps", m.sig["upload_mibps"], 30, 100)
				inRange(t, "state_growth_mibps", m.sig["state_growth_mibps"], -0.1, 0.1)
				assertFailureMessages(t, m, msgExpired, "")
			},
		},
		{
			scenario: "slow-storage",
			up:       []string{"async_ms", "async_min_ms", "e2e_ms", "failed_fraction"},
			down:     []string{"upload_mibps"},
			ignore:   []string{"expired_fraction"}, // the slowest uploads can reach the timeout
			check: func(t *testing.T, m measurement) {
				inRange(t, "async_min_ms", m.sig["async_min_ms"], 1000, math.Inf(1))
				inRange(t, "failed_fraction", m.sig["failed_fraction"], 0.15, 0.35)
				inRange(t, "others_cpu_max", m.sig["others_cpu_max"], 0.1, 0.4)
				assertFailureMessages(t, m, msgAsyncFailed, "")
			},
		},
		{
			scenario: "large-state",
			up:       []string{"state_growth_mibps", "e2e_ms", "async_ms"},
			ignore:   []string{"upload_mibps", "expired_fraction", "failed_fraction"},
			check: func(t *testing.T, m measurement) {
				inRange(t, "state_growth_mibps", m.sig["state_growth_mibps"], 1.5, 2.5)
				inRange(t, "upload_mibps", m.sig["upload_mibps"], 30, 100)
			},
		},
		{
			scenario: "jobmanager-overload",
			up: []string{"jm_cpu", "jm_heap", "jm_gc_rate", "rest_delay_ms", "ack_overhead_ms", "e2e_ms",
				"sink_overhead_ms", "hot_overhead_ms"},
			check: func(t *testing.T, m measurement) {
				inRange(t, "jm_cpu", m.sig["jm_cpu"], 0.9, 1.0)
				inRange(t, "jm_heap", m.sig["jm_heap"], 0.9, 0.97)
				inRange(t, "rest_delay_ms", m.sig["rest_delay_ms"], 300, 1000)
				inRange(t, "heartbeat_age_max_s", m.sig["heartbeat_age_max_s"], 0, 15)
			},
		},
		{
			scenario: "backpressure",
			up:       []string{"bp_ratio_max", "sink_busy", "start_delay_ms", "alignment_ms", "e2e_ms"},
			ignore:   []string{"expired_fraction", "failed_fraction"}, // barriers stuck behind data can time out
			check: func(t *testing.T, m measurement) {
				inRange(t, "bp_ratio_max", m.sig["bp_ratio_max"], 0.7, 0.9)
				inRange(t, "sink_busy", m.sig["sink_busy"], 0.9, 1.0)
			},
		},
		{
			scenario: "healthy-big-sinks",
			up:       []string{"sink_overhead_ms"},
			// The sinks ack last, also those on the first TaskManager.
			ignore: []string{"ack_overhead_ms", "e2e_ms", "hot_overhead_ms"},
			check: func(t *testing.T, m measurement) {
				inRange(t, "sink_overhead_ms", m.sig["sink_overhead_ms"], 1500, 3100)
				inRange(t, "failed_fraction", m.sig["failed_fraction"], 0, 0)
			},
		},
		{
			scenario: "healthy-unaligned",
			up:       []string{"overlap_ms", "persisted_mib", "alignment_ms"},
			down:     []string{"ack_overhead_ms"},
			// The async phase covers the alignment: longer, lower bytes/s,
			// and sinks' flush is smaller than their overlap.
			ignore: []string{"upload_mibps", "sink_overhead_ms", "hot_overhead_ms", "async_ms", "e2e_ms"},
			check: func(t *testing.T, m measurement) {
				inRange(t, "ack_overhead_ms", m.sig["ack_overhead_ms"], math.Inf(-1), 0)
				inRange(t, "failed_fraction", m.sig["failed_fraction"], 0, 0)
			},
		},
		{
			scenario: "healthy-incremental-s3",
			down:     []string{"upload_mibps"},
			ignore:   []string{"async_ms", "async_min_ms", "e2e_ms"}, // small deltas upload quickly
			check: func(t *testing.T, m measurement) {
				inRange(t, "upload_mibps", m.sig["upload_mibps"], 0.5, 3)
				inRange(t, "async_ms", m.sig["async_ms"], 0, 1000)
				inRange(t, "failed_fraction", m.sig["failed_fraction"], 0, 0)
			},
		},
		{
			scenario: "healthy-busy-jobmanager",
			up:       []string{"jm_cpu", "rest_delay_ms"},
			ignore:   []string{"jm_heap", "jm_gc_rate"}, // raised, but less than in jobmanager-overload
			check: func(t *testing.T, m measurement) {
				inRange(t, "jm_cpu", m.sig["jm_cpu"], 0.4, 0.6)
				inRange(t, "jm_heap", m.sig["jm_heap"], 0.5, 0.7)
				inRange(t, "rest_delay_ms", m.sig["rest_delay_ms"], 50, 200)
				inRange(t, "failed_fraction", m.sig["failed_fraction"], 0, 0)
			},
		},
		{
			scenario: "healthy-slow-exporter-path",
			up:       []string{"rest_delay_ms"},
			check: func(t *testing.T, m measurement) {
				// One path sleep of 1-3 s and one JobManager sleep of 0 per request.
				inRange(t, "rest_delay_ms", m.sig["rest_delay_ms"], 500, 1500)
				inRange(t, "failed_fraction", m.sig["failed_fraction"], 0, 0)
			},
		},
		{
			scenario: "jobmanager-overload-slow-rest",
			up: []string{"jm_cpu", "jm_heap", "jm_gc_rate", "rest_delay_ms", "ack_overhead_ms", "e2e_ms",
				"sink_overhead_ms", "hot_overhead_ms"},
			check: func(t *testing.T, m measurement) {
				inRange(t, "jm_cpu", m.sig["jm_cpu"], 0.9, 1.0)
				inRange(t, "rest_delay_ms", m.sig["rest_delay_ms"], 1000, 3000)
			},
		},
		{
			scenario: "network-latency-exporter-far",
			up: []string{"e2e_ms", "ack_overhead_ms", "sink_overhead_ms", "hot_overhead_ms", "heartbeat_age_max_s",
				"rest_delay_ms"},
			check: func(t *testing.T, m measurement) {
				inRange(t, "ack_overhead_ms", m.sig["ack_overhead_ms"], 2000, 5000)
				inRange(t, "rest_delay_ms", m.sig["rest_delay_ms"], 500, 1500)
				inRange(t, "jm_cpu", m.sig["jm_cpu"], 0.05, 0.2)
			},
		},
	}
	if got, want := len(tests), len(Scenarios()); got != want {
		t.Fatalf("test table covers %d scenarios, Scenarios() has %d", got, want)
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			m := healthy
			if tc.scenario != "healthy" {
				m = measureScenario(newTestSim(t, Config{Scenario: tc.scenario, Seed: 7}))
			}
			t.Logf("%s: %v", tc.scenario, m.sig)
			for _, d := range signalDefs() {
				got, base := m.sig[d.name], healthy.sig[d.name]
				switch {
				case slices.Contains(tc.up, d.name):
					rose := got >= base*moveFactor || (d.bounded && got-base >= boundedMove)
					if !rose || got-base < d.floor {
						t.Errorf("%s = %.4g should rise well above healthy %.4g", d.name, got, base)
					}
				case slices.Contains(tc.down, d.name):
					if got > base/moveFactor || base-got < d.floor {
						t.Errorf("%s = %.4g should fall well below healthy %.4g", d.name, got, base)
					}
				case slices.Contains(tc.ignore, d.name):
				default:
					if !sameSignal(got, base, d.floor) {
						t.Errorf("%s = %.4g moved away from healthy %.4g but is not a signal of %s", d.name, got, base, tc.scenario)
					}
				}
			}
			tc.check(t, m)
		})
	}
}

// assertFailureMessages asserts that some failure in history starts with
// prefix and ends with suffix.
func assertFailureMessages(t *testing.T, m measurement, prefix, suffix string) {
	t.Helper()
	for _, f := range m.failures {
		if strings.HasPrefix(f.message, prefix) && strings.HasSuffix(f.message, suffix) {
			return
		}
	}
	t.Errorf("no failure message like %q...%q among %d failures: %v", prefix, suffix, len(m.failures), m.failures)
}

// TestLargeStateCreeps checks that in large-state the checkpoint duration
// keeps rising toward the timeout as the state grows, at a normal upload
// throughput, while healthy stays flat.
func TestLargeStateCreeps(t *testing.T) {
	tests := []struct {
		scenario  string
		minGrowth float64 // ratio of late to early mean duration
		maxGrowth float64
	}{
		{"large-state", 1.3, math.Inf(1)},
		{"healthy", 0.7, 1.3},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			ts := newTestSim(t, Config{Scenario: tc.scenario, Seed: 7})
			job := ts.JobIDs()[0]
			meanDuration := func() float64 {
				var sum, n float64
				for _, cp := range checkpointsOf(ts, job).History {
					if cp.Status == "COMPLETED" {
						sum += float64(cp.EndToEndDuration)
						n++
					}
				}
				return sum / n
			}
			early := meanDuration()
			ts.clock.Advance(4 * time.Minute)
			late := meanDuration()
			t.Logf("%s: mean duration %.0f ms at start, %.0f ms four minutes later", tc.scenario, early, late)
			if ratio := late / early; ratio < tc.minGrowth || ratio > tc.maxGrowth {
				t.Errorf("duration grew by %.2f, want within [%.2f, %.2f]", ratio, tc.minGrowth, tc.maxGrowth)
			}
		})
	}
}

// TestScenarioCause checks the cause every scenario stands for: its own
// name for the seven causes, the base cause for the far-away variants, and
// none for healthy and its variants.
func TestScenarioCause(t *testing.T) {
	want := map[string]string{
		"healthy": "", "network-latency": "network-latency", "taskmanager-overload": "taskmanager-overload",
		"short-timeout": "short-timeout", "slow-storage": "slow-storage", "large-state": "large-state",
		"jobmanager-overload": "jobmanager-overload", "backpressure": "backpressure",
		"healthy-big-sinks": "", "healthy-unaligned": "", "healthy-incremental-s3": "",
		"healthy-busy-jobmanager": "", "healthy-slow-exporter-path": "",
		"jobmanager-overload-slow-rest": "jobmanager-overload", "network-latency-exporter-far": "network-latency",
		"no-such-scenario": "",
	}
	for _, s := range Scenarios() {
		if _, ok := want[s]; !ok {
			t.Errorf("scenario %s missing from the table", s)
		}
	}
	for name, cause := range want {
		if got := ScenarioCause(name); got != cause {
			t.Errorf("ScenarioCause(%q) = %q, want %q", name, got, cause)
		}
		if strings.HasPrefix(name, "healthy") && ScenarioDescription(name) != "" && !strings.Contains(ScenarioDescription(name), "o trouble") &&
			!strings.Contains(ScenarioDescription(name), "Pages nothing") {
			t.Errorf("%s: description does not say it pages nothing", name)
		}
	}
}
