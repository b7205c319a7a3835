package diagnose

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinksim"
	"github.com/flink-exporter/flink_exporter/internal/causes"
)

// simulated serves a simulated cluster on a manual clock, so that a
// watch window of a minute takes a fraction of a second.
func simulated(t *testing.T, cfg flinksim.Config) (string, *flinksim.ManualClock) {
	t.Helper()
	clock := flinksim.NewManualClock(time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC))
	cfg.Clock = clock.Now
	cfg.Sleep = func(context.Context, time.Duration) error { return nil }
	sim, err := flinksim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return srv.URL, clock
}

// runClocked runs the command over a minute of the manual clock.
func runClocked(t *testing.T, url string, clock *flinksim.ManualClock, job, output string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), Config{
		URL: url, Job: job, Window: time.Minute, Step: 5 * time.Second, Output: output,
		Now:   clock.Now,
		Sleep: func(_ context.Context, d time.Duration) error { clock.Advance(d); return nil },
	}, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func decode(t *testing.T, out string) Report {
	t.Helper()
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output is not the report's JSON: %v\n%s", err, out)
	}
	return rep
}

// diagnoseScenario watches a simulated scenario for a minute of the
// manual clock and returns the report and, evaluated independently of the
// ranking over the same samples, the cause labels of the cause alerts
// that held per job id, longest held first.
func diagnoseScenario(t *testing.T, name string) (*Report, map[string][]string) {
	t.Helper()
	url, clock := simulated(t, flinksim.Config{Scenario: name})
	rs, err := LoadRules()
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCluster(url, ClusterOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	store := NewStore(DefaultLimits())
	start := clock.Now()
	ctx := context.Background()
	err = Watch(ctx, c, store, WatchOptions{Window: time.Minute, Step: 5 * time.Second, Now: clock.Now,
		Sleep: func(_ context.Context, d time.Duration) error { clock.Advance(d); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Diagnose(ctx, Input{Rules: rs, Store: store, From: start, URL: url, Config: c.Client})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Evaluate(ctx, rs, store, start)
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]map[string]int{}
	for _, a := range ev.Alerts {
		if a.Rule.Cause == "" {
			continue
		}
		for _, h := range a.Held {
			id := h.Labels.Get("job_id")
			if steps[id] == nil {
				steps[id] = map[string]int{}
			}
			steps[id][a.Rule.Cause] = max(steps[id][a.Rule.Cause], h.Steps)
		}
	}
	held := map[string][]string{}
	for id, m := range steps {
		for c := range m {
			held[id] = append(held[id], c)
		}
		slices.SortFunc(held[id], func(a, b string) int { return m[b] - m[a] })
	}
	return rep, held
}

// TestEveryScenario runs the command against every simulator scenario:
// healthy says no trouble, each cause scenario names its cause first with
// the fix naming that cause's keys, and on every scenario the top cause is
// a cause whose alert the shipped rules fire.
func TestEveryScenario(t *testing.T) {
	for _, name := range flinksim.Scenarios() {
		t.Run(name, func(t *testing.T) {
			rep, held := diagnoseScenario(t, name)
			if len(rep.Jobs) != 3 || !rep.Cluster.Reachable {
				t.Fatalf("want 3 jobs of a reachable cluster, got %d (reachable %v)", len(rep.Jobs), rep.Cluster.Reachable)
			}
			want := flinksim.ScenarioCause(name)
			named := 0
			for _, j := range rep.Jobs {
				got := "<null>"
				if j.Cause != nil {
					got = *j.Cause
				}
				// One source of truth: the top cause is one whose alert
				// the rules fire for this job, and none when none fires.
				if rules := held[j.JobID]; len(rules) == 0 && j.Cause != nil || len(rules) > 0 && !slices.Contains(rules, got) {
					t.Errorf("job %s: top cause %s, but the rules fire %v", j.JobName, got, rules)
				}
				switch {
				case name == "healthy":
					if j.Trouble || j.Cause != nil || !strings.HasPrefix(j.Verdict, "no checkpoint trouble") {
						t.Errorf("job %s: want no checkpoint trouble, got %q", j.JobName, j.Verdict)
					}
					if j.Figures.DurationToTimeoutRatio == nil || j.Figures.LastCompletedAgeSeconds == nil {
						t.Errorf("job %s: the key figures are missing: %+v", j.JobName, j.Figures)
					}
				case want != "" && !j.Trouble:
					// A job none of whose subtasks the cause touches (the
					// overloaded TaskManager runs none of them).
				case want != "":
					named++
					if got != want {
						t.Errorf("job %s: top cause %s, want %s (ranking %v)", j.JobName, got, want, summaries(j))
						continue
					}
					cause, _ := causes.ByName(want)
					var keys []string
					for _, k := range j.Ranking[0].Fix.Keys {
						keys = append(keys, k.Key)
						if k.Try == "" || k.Source == "" {
							t.Errorf("job %s: key %s has no value to try or source", j.JobName, k.Key)
						}
					}
					if !slices.Equal(keys, cause.Keys) {
						t.Errorf("job %s: fix keys %v, want %v", j.JobName, keys, cause.Keys)
					}
					if !strings.HasPrefix(j.Ranking[0].Fix.Runbook, "https://") || len(j.Ranking[0].Evidence) == 0 {
						t.Errorf("job %s: no runbook or evidence: %+v", j.JobName, j.Ranking[0])
					}
					if j.Ranking[0].Confidence <= 0 || j.Ranking[len(j.Ranking)-1].Held && j.Ranking[len(j.Ranking)-1].Confidence > j.Ranking[0].Confidence {
						t.Errorf("job %s: ranking out of order: %v", j.JobName, summaries(j))
					}
				}
			}
			if want != "" && named == 0 {
				t.Errorf("no job of scenario %s is in trouble", name)
			}
		})
	}
}

func summaries(j JobReport) []string {
	var out []string
	for _, r := range j.Ranking {
		out = append(out, r.Cause+" "+r.Summary)
	}
	return out
}

// TestExitCodes: 0 when healthy, 1 when a cause is found.
func TestExitCodes(t *testing.T) {
	for name, want := range map[string]int{"healthy": ExitHealthy, "backpressure": ExitTrouble} {
		url, clock := simulated(t, flinksim.Config{Scenario: name, Jobs: 1})
		if code, out, errOut := runClocked(t, url, clock, "", OutputJSON); code != want || errOut != "" {
			t.Errorf("%s: exit code %d, want %d; stderr %q\n%s", name, code, want, errOut, out)
		}
	}
}

// TestCurrentConfigValues: the fix quotes the job's checkpoint timeout
// from /checkpoints/config and a rule-of-thumb value from its durations.
func TestCurrentConfigValues(t *testing.T) {
	url, clock := simulated(t, flinksim.Config{Scenario: "short-timeout"})
	_, out, _ := runClocked(t, url, clock, "", OutputJSON)
	rep := decode(t, out)
	for _, j := range rep.Jobs {
		kv := j.Ranking[0].Fix.Keys[0]
		if kv.Key != "execution.checkpointing.timeout" || kv.Source != fromCheckpointConfig || kv.Current == "" || !strings.Contains(kv.Try, "twice the slowest") {
			t.Errorf("job %s: %+v", j.JobName, kv)
		}
		if j.Figures.TimeoutSeconds == nil || kv.Current != (time.Duration(*j.Figures.TimeoutSeconds*1000)*time.Millisecond).String() {
			t.Errorf("job %s: current %s disagrees with the exporter's timeout %v", j.JobName, kv.Current, j.Figures.TimeoutSeconds)
		}
	}
}

// TestTextOutput: the text report names the cause, the evidence with
// units, where to see it, the fix's keys with current values and the
// runbook.
func TestTextOutput(t *testing.T) {
	url, clock := simulated(t, flinksim.Config{Scenario: "slow-storage", Jobs: 1})
	code, out, _ := runClocked(t, url, clock, "", OutputText)
	if code != ExitTrouble {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{"likely cause: slow-storage", "evidence: flink_job:checkpoint_async_duration_seconds:min_vertex = ", " s\n", "see it: Flink UI", "state.backend.rocksdb.checkpoint.transfer.thread.num: not in /jobmanager/config", "Runbook: https://", "against: "} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runClocked(t, url, clock, "", OutputMarkdown)
	if code != ExitTrouble || !strings.Contains(out, "| `execution.checkpointing.incremental` |") {
		t.Errorf("markdown output (exit %d):\n%s", code, out)
	}
}

// TestBadInput: a clear line on stderr and exit code 2, never a stack
// trace.
func TestBadInput(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	url, clock := simulated(t, flinksim.Config{Scenario: "healthy", Jobs: 1, CheckpointingDisabledJobs: 1})
	for _, tc := range []struct {
		name, url, job string
		code           int
		stderr, stdout string
	}{
		{"unreachable", closed, "", ExitUnreadable, "cannot read the Flink cluster at " + closed + ": ", ""},
		{"not a URL", "localhost:8081", "", ExitUnreadable, "is not an http(s) URL", ""},
		{"unknown job", url, "nosuchjob", ExitUnreadable, `no job "nosuchjob"; the cluster's jobs are: `, ""},
		{"no checkpointing", url, "", ExitHealthy, "", "checkpointing is disabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runClocked(t, tc.url, clock, tc.job, OutputText)
			if code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			if !strings.Contains(errOut, tc.stderr) || !strings.Contains(out, tc.stdout) {
				t.Errorf("stderr %q, stdout %q: want %q and %q", errOut, out, tc.stderr, tc.stdout)
			}
			if strings.Count(errOut, "\n") > 1 || strings.Contains(errOut, "goroutine") {
				t.Errorf("want one line on stderr, got %q", errOut)
			}
		})
	}
}
