package flinksim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// testStart is the wall-clock time every test cluster is created at.
func testStart() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }

// sleepRecorder records the answer delays instead of waiting.
type sleepRecorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

// Sleep records d and returns at once (or the context's error).
func (r *sleepRecorder) Sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.delays = append(r.delays, d)
	return ctx.Err()
}

// recorded returns the delays recorded so far.
func (r *sleepRecorder) recorded() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.delays...)
}

// testSim is a simulator on a fake clock with recorded delays.
type testSim struct {
	*Simulator
	t      testing.TB
	clock  *ManualClock
	sleeps *sleepRecorder
}

// newTestSim builds a simulator for cfg on a fake clock at testStart.
func newTestSim(t testing.TB, cfg Config) *testSim {
	t.Helper()
	ts := &testSim{t: t, clock: NewManualClock(testStart()), sleeps: &sleepRecorder{}}
	cfg.Clock = ts.clock.Now
	cfg.Sleep = ts.sleeps.Sleep
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	ts.Simulator = s
	return ts
}

// nowMs is the fake time in epoch ms.
func (ts *testSim) nowMs() int64 { return ts.clock.Now().UnixMilli() }

// get serves one GET request.
func (ts *testSim) get(path string) *httptest.ResponseRecorder {
	ts.t.Helper()
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

// getJSON serves a GET request that must answer 200 and decodes it.
func getJSON[T any](ts *testSim, path string) T {
	ts.t.Helper()
	rec := ts.get(path)
	var out T
	if rec.Code != http.StatusOK {
		ts.t.Fatalf("GET %s: status %d: %s", path, rec.Code, rec.Body.String())
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		ts.t.Fatalf("GET %s: decode: %v\n%s", path, err, rec.Body.String())
	}
	return out
}

// getRaw serves a GET request that must answer 200 and decodes it into a
// generic value, for checks on the presence of keys.
func getRaw(ts *testSim, path string) map[string]any {
	ts.t.Helper()
	return getJSON[map[string]any](ts, path)
}
