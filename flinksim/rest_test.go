package flinksim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestRESTLatencyAndExporterPath checks the REST latency span, the
// scenarios' JobManager and path delays, and that LocalHandler skips the
// exporter path: every request through Handler sleeps the path delay
// first (when there is one), then the JobManager's delay.
func TestRESTLatencyAndExporterPath(t *testing.T) {
	tests := []struct {
		name           string
		cfg            Config
		local          bool
		pathLo, pathHi time.Duration // 0, 0: no path sleep
		jmLo, jmHi     time.Duration
	}{
		{name: "span with any scenario", cfg: Config{Scenario: "backpressure", RESTLatency: time.Second, RESTLatencyMax: 3 * time.Second},
			jmLo: time.Second, jmHi: 3 * time.Second},
		{name: "jobmanager-overload-slow-rest", cfg: Config{Scenario: "jobmanager-overload-slow-rest"},
			jmLo: time.Second, jmHi: 3 * time.Second},
		{name: "healthy-busy-jobmanager", cfg: Config{Scenario: "healthy-busy-jobmanager"},
			jmLo: 50 * time.Millisecond, jmHi: 200 * time.Millisecond},
		{name: "healthy-slow-exporter-path", cfg: Config{Scenario: "healthy-slow-exporter-path"},
			pathLo: time.Second, pathHi: 3 * time.Second},
		{name: "healthy-slow-exporter-path from the JobManager's host", cfg: Config{Scenario: "healthy-slow-exporter-path"}, local: true},
		{name: "network-latency-exporter-far", cfg: Config{Scenario: "network-latency-exporter-far"},
			pathLo: time.Second, pathHi: 3 * time.Second},
		{name: "network-latency with an exporter path option", cfg: Config{Scenario: "network-latency",
			ExporterPathLatency: 500 * time.Millisecond, ExporterPathLatencyMax: time.Second},
			pathLo: 500 * time.Millisecond, pathHi: time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestSim(t, tc.cfg)
			h := ts.Handler()
			if tc.local {
				h = ts.LocalHandler()
			}
			const requests = 40
			for range requests {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/overview", nil))
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d", rec.Code)
				}
			}
			got := ts.sleeps.recorded()
			per := 1
			if tc.pathHi > 0 {
				per = 2
			}
			if len(got) != requests*per {
				t.Fatalf("%d sleeps for %d requests, want %d each", len(got), requests, per)
			}
			check := func(kind string, ds []time.Duration, lo, hi time.Duration) {
				minD, maxD := ds[0], ds[0]
				for _, d := range ds {
					minD, maxD = min(minD, d), max(maxD, d)
				}
				if minD < lo || maxD > hi {
					t.Errorf("%s delays within [%v, %v], want within [%v, %v]", kind, minD, maxD, lo, hi)
				}
				if spread := hi - lo; spread > 0 && maxD-minD < spread/2 {
					t.Errorf("%s delays within [%v, %v] do not spread over [%v, %v]", kind, minD, maxD, lo, hi)
				}
			}
			var path, jm []time.Duration
			for i := 0; i < len(got); i += per {
				if per == 2 {
					path = append(path, got[i])
				}
				jm = append(jm, got[i+per-1])
			}
			if per == 2 {
				check("path", path, tc.pathLo, tc.pathHi)
			}
			check("JobManager", jm, tc.jmLo, tc.jmHi)
		})
	}
}

// TestRESTThreadsBoundConcurrency sends more concurrent requests than the
// JobManager has REST threads and checks that no more than that many are
// answered at once, and that a request waiting for a thread gives up with
// its context.
func TestRESTThreadsBoundConcurrency(t *testing.T) {
	const threads, requests = 2, 6
	var (
		mu        sync.Mutex
		active    int
		maxActive int
		entered   = make(chan struct{}, requests)
		release   = make(chan struct{})
	)
	sleep := func(ctx context.Context, _ time.Duration) error {
		mu.Lock()
		active++
		maxActive = max(maxActive, active)
		mu.Unlock()
		entered <- struct{}{}
		defer func() {
			mu.Lock()
			active--
			mu.Unlock()
		}()
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	clock := NewManualClock(testStart())
	s, err := New(Config{RESTThreads: threads, Sleep: sleep, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	codes := make(chan int, requests)
	for range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/overview", nil))
			codes <- rec.Code
		}()
	}
	deadline := time.After(10 * time.Second)
	for range threads {
		select {
		case <-entered:
		case <-deadline:
			t.Fatal("the first requests never reached their answer delay")
		}
	}
	// Every request has been routed (counted) before it waits for a thread.
	for s.RequestCounts()["/overview"] < requests {
		select {
		case <-deadline:
			t.Fatal("not every request arrived")
		default:
			time.Sleep(time.Millisecond)
		}
	}
	// A request that waits for a thread gives up with its context.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/overview", nil).WithContext(ctx))
		close(done)
	}()
	cancel()
	select {
	case <-done:
	case <-deadline:
		t.Fatal("a cancelled request kept waiting for a REST thread")
	}
	close(release)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("status %d", c)
		}
	}
	if maxActive != threads {
		t.Errorf("%d answers in progress at once, want at most (and reaching) %d", maxActive, threads)
	}
}
