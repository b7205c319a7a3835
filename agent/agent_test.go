package agent

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// syncBuffer collects log lines written from the probe's goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// register parses args as the agent's flags and registers the agent on a
// fresh registry until the test ends, logging at info level to logs.
func register(t *testing.T, logs *syncBuffer, args ...string) *prometheus.Registry {
	t.Helper()
	app := kingpin.New("test", "")
	f := AddFlags(app)
	if _, err := app.Parse(args); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	reg := prometheus.NewRegistry()
	if err := f.Register(ctx, reg, level.NewFilter(log.NewLogfmtLogger(logs), level.AllowInfo())); err != nil {
		t.Fatal(err)
	}
	return reg
}

// waitFor polls cond until it holds or ten seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for " + what)
		}
	}
}

// TestProbeLogsTargetAndStateChanges: the probe logs its target when it
// starts, then one warning when the JobManager starts failing and one note
// when it recovers, not a line per probe.
func TestProbeLogsTargetAndStateChanges(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	var probes atomic.Int64
	jm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probes.Add(1)
		if failing.Load() {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("[]"))
	}))
	t.Cleanup(jm.Close)
	logs := &syncBuffer{}
	register(t, logs, "--probe.jobmanager-rest-url="+jm.URL, "--probe.interval=5ms", "--probe.timeout=5s")

	target := strings.TrimPrefix(jm.URL, "http://")
	if first, _, _ := strings.Cut(logs.String(), "\n"); !strings.Contains(first, `msg="JobManager probe started"`) || !strings.Contains(first, "target="+target) || !strings.Contains(first, "rest_url="+jm.URL) {
		t.Errorf("the first line does not name the probe's target %s:\n%s", target, logs)
	}
	waitFor(t, "five failing probes", func() bool { return probes.Load() >= 5 })
	failing.Store(false)
	n := probes.Load()
	waitFor(t, "five probes after the recovery", func() bool { return probes.Load() >= n+5 })

	out := logs.String()
	if got := strings.Count(out, "JobManager probe phase failing"); got != 1 {
		t.Errorf("%d failing lines over five failing probes, want 1:\n%s", got, out)
	}
	if got := strings.Count(out, "JobManager probe phase recovered"); got != 1 {
		t.Errorf("%d recovered lines, want 1:\n%s", got, out)
	}
	if lines := strings.Count(out, "\n"); lines != 3 {
		t.Errorf("%d lines, want 3 (started, failing, recovered):\n%s", lines, out)
	}
}

// TestNothingEnabled: without agent flags nothing is registered or logged.
func TestNothingEnabled(t *testing.T) {
	logs := &syncBuffer{}
	reg := register(t, logs)
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 0 {
		t.Errorf("%d series registered (%v), want none", n, err)
	}
	if logs.String() != "" {
		t.Errorf("logged without agent flags:\n%s", logs)
	}
}
