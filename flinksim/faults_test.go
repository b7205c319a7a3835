package flinksim

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// TestFaults checks each fault kind on a matching route and that routes
// outside Faults.Routes are untouched.
func TestFaults(t *testing.T) {
	const route = "/jobs/:jobid/checkpoints"
	tests := []struct {
		name  string
		fault Faults
		check func(t *testing.T, rec *httptest.ResponseRecorder, clean []byte, delays []time.Duration)
	}{
		{
			name:  "latency",
			fault: Faults{Latency: 1500 * time.Millisecond},
			check: func(t *testing.T, rec *httptest.ResponseRecorder, clean []byte, delays []time.Duration) {
				if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), clean) {
					t.Errorf("latency changed the answer: %d", rec.Code)
				}
				if len(delays) != 1 || delays[0] != 1500*time.Millisecond {
					t.Errorf("delays = %v, want [1.5s]", delays)
				}
			},
		},
		{
			name:  "status 500",
			fault: Faults{Status: http.StatusInternalServerError},
			check: func(t *testing.T, rec *httptest.ResponseRecorder, _ []byte, _ []time.Duration) {
				var body flinkapi.ErrorResponse
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 500 {
					t.Fatalf("status %d, body %s: %v", rec.Code, rec.Body, err)
				}
				if len(body.Errors) != 2 || body.Errors[0] != "Internal server error." ||
					!strings.HasPrefix(body.Errors[1], "<Exception on server side:\n") {
					t.Errorf("errors = %q", body.Errors)
				}
			},
		},
		{
			name:  "status 503",
			fault: Faults{Status: http.StatusServiceUnavailable},
			check: func(t *testing.T, rec *httptest.ResponseRecorder, _ []byte, _ []time.Duration) {
				var body flinkapi.ErrorResponse
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != 503 || len(body.Errors) == 0 {
					t.Errorf("status %d, body %s: %v", rec.Code, rec.Body, err)
				}
			},
		},
		{
			name:  "malformed",
			fault: Faults{Malformed: true},
			check: func(t *testing.T, rec *httptest.ResponseRecorder, _ []byte, _ []time.Duration) {
				if rec.Code != http.StatusOK || json.Valid(rec.Body.Bytes()) {
					t.Errorf("status %d, valid JSON %v: %s", rec.Code, json.Valid(rec.Body.Bytes()), rec.Body)
				}
			},
		},
		{
			name:  "truncated",
			fault: Faults{Truncated: true},
			check: func(t *testing.T, rec *httptest.ResponseRecorder, clean []byte, _ []time.Duration) {
				got := rec.Body.Bytes()
				if rec.Code != http.StatusOK || json.Valid(got) || len(got) != len(clean)/2 || !bytes.HasPrefix(clean, got) {
					t.Errorf("status %d, %d of %d bytes, not the first half of the answer", rec.Code, len(got), len(clean))
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestSim(t, Config{})
			path := "/jobs/" + ts.JobIDs()[0] + "/checkpoints"
			clean := ts.get(path).Body.Bytes()
			overview := ts.get("/overview").Body.Bytes()
			before := len(ts.sleeps.recorded())

			f := tc.fault
			f.Routes = []string{route}
			ts.SetFaults(f)
			rec := ts.get(path)
			tc.check(t, rec, clean, ts.sleeps.recorded()[before:before+1])
			if rec.Header().Get("Content-Type") != contentType {
				t.Errorf("Content-Type = %q", rec.Header().Get("Content-Type"))
			}
			if other := ts.get("/overview"); other.Code != http.StatusOK || !bytes.Equal(other.Body.Bytes(), overview) {
				t.Errorf("fault on %s leaked to /overview: %d %s", route, other.Code, other.Body)
			}
			ts.SetFaults(Faults{})
			if rec := ts.get(path); rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), clean) {
				t.Errorf("answer after clearing faults differs: %d", rec.Code)
			}
		})
	}
}

// TestFaultHang checks that a hanging request returns only when its
// context ends, and writes nothing.
func TestFaultHang(t *testing.T) {
	ts := newTestSim(t, Config{})
	ts.SetFaults(Faults{Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		ts.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/overview", nil).WithContext(ctx))
	}()
	select {
	case <-done:
		t.Fatal("hanging request answered before its context ended")
	default:
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("hanging request did not return after its context was cancelled")
	}
	if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Errorf("hanging request wrote %q", rec.Body.String())
	}
	if got := ts.RequestCounts()["/overview"]; got != 1 {
		t.Errorf("hanging request counted %d times, want 1", got)
	}
}

// TestFaultsConcurrent switches faults while requests are served; run with
// -race it proves SetFaults is safe for concurrent use.
func TestFaultsConcurrent(t *testing.T) {
	ts := newTestSim(t, Config{})
	path := "/jobs/" + ts.JobIDs()[0] + "/checkpoints"
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				if w == 0 && i%5 == 0 {
					ts.SetFaults(Faults{Status: 500, Routes: []string{"/jobs/:jobid/checkpoints"}})
				} else if w == 0 {
					ts.SetFaults(Faults{})
				}
				rec := httptest.NewRecorder()
				ts.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != 200 && rec.Code != 500 {
					t.Errorf("status %d", rec.Code)
				}
				ts.clock.Advance(10 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	if got := ts.RequestCounts()["/jobs/:jobid/checkpoints"]; got != 200 {
		t.Errorf("counted %d requests, want 200", got)
	}
}

// TestAnswerDelays checks that Config.RESTLatency and the scenario's
// JobManager delay reach the injected sleeper per request.
func TestAnswerDelays(t *testing.T) {
	tests := []struct {
		scenario string
		latency  time.Duration
		lo, hi   time.Duration
	}{
		{"healthy", 0, 0, 0},
		{"healthy", 250 * time.Millisecond, 250 * time.Millisecond, 250 * time.Millisecond},
		{"jobmanager-overload", 0, 300 * time.Millisecond, time.Second},
		{"network-latency", 0, 0, 0}, // the JobManager itself answers quickly
	}
	for _, tc := range tests {
		t.Run(tc.scenario+"/"+tc.latency.String(), func(t *testing.T) {
			ts := newTestSim(t, Config{Scenario: tc.scenario, RESTLatency: tc.latency})
			for range 20 {
				ts.get("/overview")
			}
			for _, d := range ts.sleeps.recorded() {
				if d < tc.lo || d > tc.hi {
					t.Errorf("delay %v outside [%v, %v]", d, tc.lo, tc.hi)
				}
			}
		})
	}
}
