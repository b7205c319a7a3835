package jmprobe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// delay is how long the slow JobManager and the slow network of the tests
// take; long enough to stand clear of a loopback connect under -race.
const delay = 300 * time.Millisecond

// fast bounds a loopback connect that nothing slows down.
const fast = 100 * time.Millisecond

// waitLimit bounds every wait for another goroutine; tests fail rather than
// hang when it passes.
const waitLimit = 5 * time.Second

// configJSON is a shortened answer of Flink's GET /config.
const configJSON = `{"refresh-interval":3000,"timezone-name":"Coordinated Universal Time","timezone-offset":0,"flink-version":"1.20.0","flink-revision":"abc","features":{"web-submit":false,"web-cancel":false}}`

// jobManager starts a REST server on 127.0.0.1 whose /config runs answer.
func jobManager(t *testing.T, answer http.HandlerFunc) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/config", answer)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// answerAfter answers /config after d, measured by a timer inside the
// handler; it gives up when the client does.
func answerAfter(d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, configJSON)
	}
}

// hangUntilClientGivesUp never answers; it returns when the client
// disconnects, so the server can close.
func hangUntilClientGivesUp(w http.ResponseWriter, r *http.Request) {
	<-r.Context().Done()
}

// delayDialer models a slow network: it waits d on a timer before dialing,
// and gives up with ctx.
type delayDialer struct {
	d    time.Duration
	next net.Dialer
}

func (dd *delayDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	timer := time.NewTimer(dd.d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return dd.next.DialContext(ctx, network, addr)
}

// funcDialer adapts a function to Dialer.
type funcDialer func(ctx context.Context, network, addr string) (net.Conn, error)

func (f funcDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return f(ctx, network, addr)
}

// blackholeDialer models a network that drops the SYN: it blocks until the
// phase's deadline.
func blackholeDialer() Dialer {
	return funcDialer(func(ctx context.Context, _, _ string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
}

// closedPort returns a 127.0.0.1 address nothing listens on, so connects are
// refused.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// phaseView is what Collect exported for one phase.
type phaseView struct {
	count       uint64
	sum         float64
	failures    map[string]float64
	lastSuccess float64
}

// view gathers p through a pedantic registry, which also checks the
// descriptors, and returns each phase's exported values.
func view(t *testing.T, p *Prober) map[string]*phaseView {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(p); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	phases := map[string]*phaseView{}
	get := func(phase string) *phaseView {
		if phases[phase] == nil {
			phases[phase] = &phaseView{failures: map[string]float64{}}
		}
		return phases[phase]
	}
	label := func(m *dto.Metric, name string) string {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == name {
				return lp.GetValue()
			}
		}
		return ""
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetName() {
			case "flink_jobmanager_probe_connect_duration_seconds":
				get(phaseConnect).count = m.GetHistogram().GetSampleCount()
				get(phaseConnect).sum = m.GetHistogram().GetSampleSum()
			case "flink_jobmanager_probe_rest_duration_seconds":
				get(phaseREST).count = m.GetHistogram().GetSampleCount()
				get(phaseREST).sum = m.GetHistogram().GetSampleSum()
			case "flink_jobmanager_probe_failures_total":
				get(label(m, "phase")).failures[label(m, "reason")] = m.GetCounter().GetValue()
			case "flink_jobmanager_probe_last_success_timestamp_seconds":
				get(label(m, "phase")).lastSuccess = m.GetGauge().GetValue()
			}
		}
	}
	return phases
}

// noFailures is the failure counters of a phase that never failed.
func noFailures(phase string) map[string]float64 {
	m := map[string]float64{}
	for _, r := range phaseReasons(phase) {
		m[r] = 0
	}
	return m
}

// failed is noFailures with one reason counted once.
func failed(phase, reason string) map[string]float64 {
	m := noFailures(phase)
	m[reason] = 1
	return m
}

func newProber(t *testing.T, cfg Config) *Prober {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func seconds(d time.Duration) float64 { return d.Seconds() }

// TestProbeSeparatesNetworkFromJobManager is the point of the package: a
// slow JobManager shows only in the rest phase, a slow network in both.
func TestProbeSeparatesNetworkFromJobManager(t *testing.T) {
	tests := []struct {
		name string
		// answer is the JobManager's /config handler.
		answer http.HandlerFunc
		// dialer, if set, replaces the real dialer for both phases.
		dialer      Dialer
		connectMin  time.Duration
		connectMax  time.Duration
		restMin     time.Duration
		description string
	}{
		{
			name:        "overloaded JobManager: fast connect, slow answer",
			answer:      answerAfter(delay),
			connectMin:  0,
			connectMax:  fast,
			restMin:     delay,
			description: "the kernel accepts at once, the JVM answers after the delay",
		},
		{
			name:        "slow network: slow connect, and the answer's own connect is slow too",
			answer:      answerAfter(0),
			dialer:      &delayDialer{d: delay},
			connectMin:  delay,
			connectMax:  waitLimit,
			restMin:     delay,
			description: "every connection waits the delay before the handshake",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := jobManager(t, tt.answer)
			p := newProber(t, Config{
				Target:  srv.Listener.Addr().String(),
				RESTURL: srv.URL,
				Timeout: waitLimit,
				Dialer:  tt.dialer,
			})
			p.ProbeOnce(context.Background())

			v := view(t, p)
			for _, phase := range []string{phaseConnect, phaseREST} {
				if v[phase].count != 1 {
					t.Fatalf("%s observations = %d, want 1 (failures %v)", phase, v[phase].count, v[phase].failures)
				}
				if fmt.Sprint(v[phase].failures) != fmt.Sprint(noFailures(phase)) {
					t.Errorf("%s failures = %v, want none", phase, v[phase].failures)
				}
			}
			if c := v[phaseConnect].sum; c < seconds(tt.connectMin) || c >= seconds(tt.connectMax) {
				t.Errorf("connect took %.4fs, want in [%s, %s): %s", c, tt.connectMin, tt.connectMax, tt.description)
			}
			if r := v[phaseREST].sum; r < seconds(tt.restMin) {
				t.Errorf("rest took %.4fs, want >= %s: %s", r, tt.restMin, tt.description)
			}
		})
	}
}

// TestProbeFailures checks that each way a phase fails is counted under its
// reason, that the histogram of a failed phase gets no observation, and that
// every other failure series stays at 0.
func TestProbeFailures(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the target, the REST URL and the dialer (nil for
		// the real one).
		setup        func(t *testing.T) (target, restURL string, dialer Dialer)
		timeout      time.Duration
		wantFailures map[string]map[string]float64
		wantCount    map[string]uint64
	}{
		{
			name: "network drops the handshake: both phases time out",
			setup: func(t *testing.T) (string, string, Dialer) {
				srv := jobManager(t, answerAfter(0))
				return srv.Listener.Addr().String(), srv.URL, blackholeDialer()
			},
			timeout: 50 * time.Millisecond,
			wantFailures: map[string]map[string]float64{
				phaseConnect: failed(phaseConnect, reasonTimeout),
				phaseREST:    failed(phaseREST, reasonTimeout),
			},
			wantCount: map[string]uint64{phaseConnect: 0, phaseREST: 0},
		},
		{
			name: "JobManager never answers: rest times out, connect succeeds",
			setup: func(t *testing.T) (string, string, Dialer) {
				srv := jobManager(t, hangUntilClientGivesUp)
				return srv.Listener.Addr().String(), srv.URL, nil
			},
			timeout: 100 * time.Millisecond,
			wantFailures: map[string]map[string]float64{
				phaseConnect: noFailures(phaseConnect),
				phaseREST:    failed(phaseREST, reasonTimeout),
			},
			wantCount: map[string]uint64{phaseConnect: 1, phaseREST: 0},
		},
		{
			name: "nothing listens: both phases refused",
			setup: func(t *testing.T) (string, string, Dialer) {
				addr := closedPort(t)
				return addr, "http://" + addr, nil
			},
			timeout: waitLimit,
			wantFailures: map[string]map[string]float64{
				phaseConnect: failed(phaseConnect, reasonRefused),
				phaseREST:    failed(phaseREST, reasonRefused),
			},
			wantCount: map[string]uint64{phaseConnect: 0, phaseREST: 0},
		},
		{
			name: "JobManager answers 500: http_status",
			setup: func(t *testing.T) (string, string, Dialer) {
				srv := jobManager(t, func(w http.ResponseWriter, _ *http.Request) {
					http.Error(w, `{"errors":["Internal server error."]}`, http.StatusInternalServerError)
				})
				return srv.Listener.Addr().String(), srv.URL, nil
			},
			timeout: waitLimit,
			wantFailures: map[string]map[string]float64{
				phaseConnect: noFailures(phaseConnect),
				phaseREST:    failed(phaseREST, reasonHTTPStatus),
			},
			wantCount: map[string]uint64{phaseConnect: 1, phaseREST: 0},
		},
		{
			name: "dialer fails otherwise: error",
			setup: func(t *testing.T) (string, string, Dialer) {
				return "jobmanager:6123", "http://jobmanager:8081", funcDialer(func(context.Context, string, string) (net.Conn, error) {
					return nil, errors.New("no route to the moon")
				})
			},
			timeout: waitLimit,
			wantFailures: map[string]map[string]float64{
				phaseConnect: failed(phaseConnect, reasonError),
				phaseREST:    failed(phaseREST, reasonError),
			},
			wantCount: map[string]uint64{phaseConnect: 0, phaseREST: 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, restURL, dialer := tt.setup(t)
			var logs bytes.Buffer
			p := newProber(t, Config{
				Target:  target,
				RESTURL: restURL,
				Timeout: tt.timeout,
				Dialer:  dialer,
				Logger:  log.NewLogfmtLogger(&logs),
			})
			p.ProbeOnce(context.Background())

			v := view(t, p)
			for phase, want := range tt.wantFailures {
				if fmt.Sprint(v[phase].failures) != fmt.Sprint(want) {
					t.Errorf("%s failures = %v, want %v", phase, v[phase].failures, want)
				}
				if v[phase].count != tt.wantCount[phase] {
					t.Errorf("%s observations = %d, want %d", phase, v[phase].count, tt.wantCount[phase])
				}
				failing := strings.Contains(logs.String(), "phase="+phase+" reason=")
				if wantFailing := want[reasonTimeout]+want[reasonRefused]+want[reasonError]+want[reasonHTTPStatus] > 0; failing != wantFailing {
					t.Errorf("%s logged as failing = %v, want %v:\n%s", phase, failing, wantFailing, logs.String())
				}
			}
		})
	}
}

// TestClassify checks the failure table on errors as the standard library
// wraps them.
func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"deadline", fmt.Errorf("connect x: %w", context.DeadlineExceeded), reasonTimeout},
		{"dial timeout in a url.Error", &url.Error{Op: "Get", URL: "http://jm:8081/config", Err: &net.OpError{Op: "dial", Err: errTimeout{}}}, reasonTimeout},
		{"i/o deadline", fmt.Errorf("read: %w", os.ErrDeadlineExceeded), reasonTimeout},
		{"refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, reasonRefused},
		{"status", fmt.Errorf("GET x: %w", statusError{503}), reasonHTTPStatus},
		{"other", errors.New("tls: bad certificate"), reasonError},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("%s: classify(%v) = %q, want %q", tt.name, tt.err, got, tt.want)
		}
	}
}

// errTimeout is a net.Error that reports a timeout.
type errTimeout struct{}

func (errTimeout) Error() string   { return "i/o timeout" }
func (errTimeout) Timeout() bool   { return true }
func (errTimeout) Temporary() bool { return true }

// TestRun checks that Run probes at once, probes again on each tick, and
// returns when its context is cancelled.
func TestRun(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var real net.Dialer
	dials := make(chan struct{})
	dialer := funcDialer(func(ctx context.Context, network, addr string) (net.Conn, error) {
		select {
		case dials <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return real.DialContext(ctx, network, addr)
	})
	tick := make(chan time.Time)
	stopped := make(chan struct{})
	p := newProber(t, Config{
		Target:   l.Addr().String(), // connect phase only
		Interval: time.Hour,         // never reached: the test drives the ticks
		Timeout:  waitLimit,
		Dialer:   dialer,
		Ticker: func(d time.Duration) (<-chan time.Time, func()) {
			if d != time.Hour {
				t.Errorf("ticker interval = %s, want 1h", d)
			}
			return tick, func() { close(stopped) }
		},
	})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx)
	}()
	waitFor := func(what string, ch <-chan struct{}) {
		t.Helper()
		select {
		case <-ch:
		case <-time.After(waitLimit):
			t.Fatalf("no %s within %s", what, waitLimit)
		}
	}

	sendTick := func() {
		t.Helper()
		select {
		case tick <- time.Now():
		case <-time.After(waitLimit):
			t.Fatalf("Run took no tick within %s", waitLimit)
		}
	}

	waitFor("probe before the first tick", dials)
	for i := 0; i < 2; i++ {
		sendTick()
		waitFor("probe after a tick", dials)
	}
	// Run takes a tick only between probes, so this one is taken once the
	// third probe is recorded; the fourth then blocks in the dialer until
	// the cancel cuts it short, which records nothing.
	sendTick()
	cancel()
	waitFor("return of Run after cancel", done)
	waitFor("ticker stop", stopped)

	if v := view(t, p); v[phaseConnect].count != 3 || v[phaseConnect].failures[reasonError] != 0 {
		t.Errorf("connect observations = %d, failures %v; want 3 and none", v[phaseConnect].count, v[phaseConnect].failures)
	}
}

// TestCollectDoesNotWaitForProbe checks that a scrape during a hanging probe
// answers at once with the state recorded so far.
func TestCollectDoesNotWaitForProbe(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	p := newProber(t, Config{
		Target:  "jobmanager:6123",
		Timeout: time.Hour,
		Dialer: funcDialer(func(ctx context.Context, _, _ string) (net.Conn, error) {
			close(entered)
			<-release
			return nil, errors.New("released")
		}),
	})
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		p.ProbeOnce(context.Background())
	}()
	select {
	case <-entered:
	case <-time.After(waitLimit):
		t.Fatal("probe did not start")
	}

	// A scrape of the connect-only Prober: the histogram, three failure
	// counters, the last-success time and the target.
	scraped := make(chan int)
	go func() { scraped <- testutil.CollectAndCount(p) }()
	select {
	case n := <-scraped:
		if n != 6 {
			t.Errorf("scrape during probe sent %d series, want 6", n)
		}
	case <-time.After(waitLimit):
		t.Fatal("scrape waited for the probe")
	}
	close(release)
	select {
	case <-probed:
	case <-time.After(waitLimit):
		t.Fatal("probe did not finish after release")
	}
}

// TestCancelledProbeRecordsNothing checks that shutting down does not count
// as a JobManager failure.
func TestCancelledProbeRecordsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := newProber(t, Config{
		Target:  "jobmanager:6123",
		RESTURL: "http://jobmanager:8081",
		Timeout: time.Hour,
		Dialer: funcDialer(func(dctx context.Context, _, _ string) (net.Conn, error) {
			cancel()
			<-dctx.Done()
			return nil, dctx.Err()
		}),
	})
	p.ProbeOnce(ctx)
	v := view(t, p)
	for _, phase := range []string{phaseConnect, phaseREST} {
		if fmt.Sprint(v[phase].failures) != fmt.Sprint(noFailures(phase)) || v[phase].count != 0 {
			t.Errorf("%s: failures %v, observations %d; want nothing recorded", phase, v[phase].failures, v[phase].count)
		}
	}
}

// TestInitialExposition checks the series a scrape sees before the first
// probe: every failure combination at 0, so rate() works from the start,
// last success 0, and the target.
func TestInitialExposition(t *testing.T) {
	p := newProber(t, Config{Target: "jobmanager:6123", RESTURL: "http://jobmanager:8081/"})
	want := `
# HELP flink_jobmanager_probe_failures_total Failed probe phases by phase (connect, rest) and reason (timeout, refused, error, http_status).
# TYPE flink_jobmanager_probe_failures_total counter
flink_jobmanager_probe_failures_total{phase="connect",reason="error"} 0
flink_jobmanager_probe_failures_total{phase="connect",reason="refused"} 0
flink_jobmanager_probe_failures_total{phase="connect",reason="timeout"} 0
flink_jobmanager_probe_failures_total{phase="rest",reason="error"} 0
flink_jobmanager_probe_failures_total{phase="rest",reason="http_status"} 0
flink_jobmanager_probe_failures_total{phase="rest",reason="refused"} 0
flink_jobmanager_probe_failures_total{phase="rest",reason="timeout"} 0
# HELP flink_jobmanager_probe_last_success_timestamp_seconds Unix time of the phase's latest success, 0 before the first one.
# TYPE flink_jobmanager_probe_last_success_timestamp_seconds gauge
flink_jobmanager_probe_last_success_timestamp_seconds{phase="connect"} 0
flink_jobmanager_probe_last_success_timestamp_seconds{phase="rest"} 0
# HELP flink_jobmanager_probe_target_info The host:port the connect phase dials; value 1.
# TYPE flink_jobmanager_probe_target_info gauge
flink_jobmanager_probe_target_info{target="jobmanager:6123"} 1
`
	err := testutil.CollectAndCompare(p, strings.NewReader(want),
		"flink_jobmanager_probe_failures_total",
		"flink_jobmanager_probe_last_success_timestamp_seconds",
		"flink_jobmanager_probe_target_info")
	if err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(p, "flink_jobmanager_probe_connect_duration_seconds", "flink_jobmanager_probe_rest_duration_seconds"); n != 2 {
		t.Errorf("duration histograms = %d, want 2", n)
	}
}

// TestHistogramAndTimestamp drives the clock so that each phase takes a
// known time, and checks the bucket it lands in and the last-success time.
func TestHistogramAndTimestamp(t *testing.T) {
	srv := jobManager(t, answerAfter(0))
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	// Each phase reads the clock twice: start and end.
	readings := []time.Time{
		base, base.Add(3 * time.Millisecond), // connect: 3 ms
		base.Add(50 * time.Millisecond), base.Add(1250 * time.Millisecond), // rest: 1.2 s
	}
	p := newProber(t, Config{
		Target:  srv.Listener.Addr().String(),
		RESTURL: srv.URL,
		Timeout: waitLimit,
		Now: func() time.Time {
			r := readings[0]
			readings = readings[1:]
			return r
		},
	})
	p.ProbeOnce(context.Background())

	want := `
# HELP flink_jobmanager_probe_connect_duration_seconds Time to open a TCP connection to the JobManager target, successful connects only. The kernel answers even when the JVM is busy, so slow connects point to the network.
# TYPE flink_jobmanager_probe_connect_duration_seconds histogram
flink_jobmanager_probe_connect_duration_seconds_bucket{le="0.001"} 0
flink_jobmanager_probe_connect_duration_seconds_bucket{le="0.0025"} 0
flink_jobmanager_probe_connect_duration_seconds_bucket{le="0.005"} 1
flink_jobmanager_probe_connect_duration_seconds_bucket{le="0.01"} 1
flink_jobmanager_probe_connect_duration_seconds_bucket{le="0.025"} 1
flink_jobmanager_probe_connect_duration_seconds_bucket{le="0.05"} 1
flink_jobmanager_probe_connect_duration_seconds_bucket{le="0.1"} 1
flink_jobmanager_probe_connect_duration_seconds_bucket{le="0.25"} 1
flink_jobmanager_probe_connect_duration_seconds_bucket{le="0.5"} 1
flink_jobmanager_probe_connect_duration_seconds_bucket{le="1"} 1
flink_jobmanager_probe_connect_duration_seconds_bucket{le="2.5"} 1
flink_jobmanager_probe_connect_duration_seconds_bucket{le="5"} 1
flink_jobmanager_probe_connect_duration_seconds_bucket{le="10"} 1
flink_jobmanager_probe_connect_duration_seconds_bucket{le="30"} 1
flink_jobmanager_probe_connect_duration_seconds_bucket{le="+Inf"} 1
flink_jobmanager_probe_connect_duration_seconds_sum 0.003
flink_jobmanager_probe_connect_duration_seconds_count 1
# HELP flink_jobmanager_probe_rest_duration_seconds Time from sending GET /config to the JobManager's REST API to reading the whole answer, over a fresh connection, successful answers only. Slow answers with fast connects point to an overloaded JobManager.
# TYPE flink_jobmanager_probe_rest_duration_seconds histogram
flink_jobmanager_probe_rest_duration_seconds_bucket{le="0.001"} 0
flink_jobmanager_probe_rest_duration_seconds_bucket{le="0.0025"} 0
flink_jobmanager_probe_rest_duration_seconds_bucket{le="0.005"} 0
flink_jobmanager_probe_rest_duration_seconds_bucket{le="0.01"} 0
flink_jobmanager_probe_rest_duration_seconds_bucket{le="0.025"} 0
flink_jobmanager_probe_rest_duration_seconds_bucket{le="0.05"} 0
flink_jobmanager_probe_rest_duration_seconds_bucket{le="0.1"} 0
flink_jobmanager_probe_rest_duration_seconds_bucket{le="0.25"} 0
flink_jobmanager_probe_rest_duration_seconds_bucket{le="0.5"} 0
flink_jobmanager_probe_rest_duration_seconds_bucket{le="1"} 0
flink_jobmanager_probe_rest_duration_seconds_bucket{le="2.5"} 1
flink_jobmanager_probe_rest_duration_seconds_bucket{le="5"} 1
flink_jobmanager_probe_rest_duration_seconds_bucket{le="10"} 1
flink_jobmanager_probe_rest_duration_seconds_bucket{le="30"} 1
flink_jobmanager_probe_rest_duration_seconds_bucket{le="+Inf"} 1
flink_jobmanager_probe_rest_duration_seconds_sum 1.2
flink_jobmanager_probe_rest_duration_seconds_count 1
# HELP flink_jobmanager_probe_last_success_timestamp_seconds Unix time of the phase's latest success, 0 before the first one.
# TYPE flink_jobmanager_probe_last_success_timestamp_seconds gauge
flink_jobmanager_probe_last_success_timestamp_seconds{phase="connect"} 1.740830400003e+09
flink_jobmanager_probe_last_success_timestamp_seconds{phase="rest"} 1.74083040125e+09
`
	err := testutil.CollectAndCompare(p, strings.NewReader(want),
		"flink_jobmanager_probe_connect_duration_seconds",
		"flink_jobmanager_probe_rest_duration_seconds",
		"flink_jobmanager_probe_last_success_timestamp_seconds")
	if err != nil {
		t.Error(err)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		wantTarget string
		wantURL    string
		wantErr    string
	}{
		{name: "nothing configured", cfg: Config{}, wantErr: "neither a target nor a REST URL"},
		{name: "target only: rest off", cfg: Config{Target: "jobmanager:6123"}, wantTarget: "jobmanager:6123"},
		{name: "both", cfg: Config{Target: "jobmanager:6123", RESTURL: "http://jobmanager:8081"}, wantTarget: "jobmanager:6123", wantURL: "http://jobmanager:8081/config"},
		{name: "target from REST URL", cfg: Config{RESTURL: "http://jobmanager:8081/"}, wantTarget: "jobmanager:8081", wantURL: "http://jobmanager:8081/config"},
		{name: "default https port", cfg: Config{RESTURL: "https://flink.example.com/jm"}, wantTarget: "flink.example.com:443", wantURL: "https://flink.example.com/jm/config"},
		{name: "IPv6 target", cfg: Config{RESTURL: "http://[::1]:8081"}, wantTarget: "[::1]:8081", wantURL: "http://[::1]:8081/config"},
		{name: "target without port", cfg: Config{Target: "jobmanager"}, wantErr: "missing port"},
		{name: "target without host", cfg: Config{Target: ":6123"}, wantErr: "want host:port"},
		{name: "REST URL without scheme", cfg: Config{RESTURL: "jobmanager:8081"}, wantErr: "want http:// or https://"},
		{name: "negative interval", cfg: Config{Target: "jobmanager:6123", Interval: -time.Second}, wantErr: "negative interval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.cfg.Target != tt.wantTarget || p.configURL != tt.wantURL {
				t.Errorf("target %q, url %q; want %q, %q", p.cfg.Target, p.configURL, tt.wantTarget, tt.wantURL)
			}
			if p.cfg.Interval != DefaultInterval || p.cfg.Timeout != DefaultTimeout {
				t.Errorf("interval %s, timeout %s; want the defaults", p.cfg.Interval, p.cfg.Timeout)
			}
			if n := testutil.CollectAndCount(p, "flink_jobmanager_probe_rest_duration_seconds"); (n == 1) != (tt.wantURL != "") {
				t.Errorf("rest histogram present = %v, want %v", n == 1, tt.wantURL != "")
			}
		})
	}
}

// TestRESTURLWithCredentialsRefused: the probe logs its URL with every
// failure, so a URL with credentials is refused, and the refusal does not
// repeat the password.
func TestRESTURLWithCredentialsRefused(t *testing.T) {
	_, err := New(Config{RESTURL: "http://admin:hunter2@jobmanager:8081"})
	if err == nil {
		t.Fatal("a REST URL with credentials was accepted")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("the error repeats the password: %v", err)
	}
}
