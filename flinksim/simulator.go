package flinksim

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Simulator is a simulated Flink cluster behind a JobManager REST API. It is
// safe for concurrent use: every request and every control call advances the
// model to Clock() under one mutex.
type Simulator struct {
	cfg    Config
	routes []route

	mu    sync.Mutex
	model *model

	faults   faultSwitch
	requests requestCounter
	seq      atomic.Int64 // request sequence, keys the per-request REST delay
	// restThreads holds one token per REST handler thread at work; nil
	// when the number of concurrent answers is unbounded.
	restThreads chan struct{}
}

// New builds a simulator whose cluster has already been running for a
// couple of minutes at cfg.Clock(), so that the first request sees
// checkpoint history. It returns an error for an invalid Config.
func New(cfg Config) (*Simulator, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("flinksim config: %w", err)
	}
	ver, err := newVersion(cfg.FlinkVersion)
	if err != nil {
		return nil, fmt.Errorf("flinksim config: %w", err)
	}
	sc, ok := lookupScenario(cfg.Scenario)
	if !ok {
		return nil, fmt.Errorf("flinksim config: unknown scenario %q", cfg.Scenario)
	}
	s := &Simulator{cfg: cfg}
	threads := cfg.RESTThreads
	if threads == 0 {
		threads = sc.RESTThreads
	}
	if threads > 0 {
		s.restThreads = make(chan struct{}, threads)
	}
	s.routes = buildRoutes(ver)
	s.model = newModel(cfg, ver, sc, cfg.Clock().UnixMilli())
	s.requests.counts = map[string]int64{}
	return s, nil
}

// Handler returns the REST API: every endpoint of the configured version,
// also under the /v1 prefix, as a client across the network sees it (the
// exporter): answers wait for the exporter path delay of the scenario and
// of Config.ExporterPathLatency.
func (s *Simulator) Handler() http.Handler { return s }

// LocalHandler returns the REST API as a client on the JobManager's own
// host sees it (the agent's probe): like Handler but without the exporter
// path delay. Both share the model, the faults and the REST threads.
func (s *Simulator) LocalHandler() http.Handler { return localHandler{s} }

// localHandler serves the REST API without the exporter path delay.
type localHandler struct{ s *Simulator }

// ServeHTTP answers one request from the JobManager's host.
func (h localHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.s.serveHTTP(w, r, false)
}

// ServeHTTP answers one REST request from across the exporter's path.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serveHTTP(w, r, true) }

// serveHTTP answers one REST request: the path delay (remote clients only),
// then it counts it by route, waits for a REST thread, applies the
// JobManager's answer delay and any fault, and renders the model at
// Clock().
func (s *Simulator) serveHTTP(w http.ResponseWriter, r *http.Request, remote bool) {
	seq := s.seq.Add(1)
	if remote {
		if d := s.pathDelay(seq); d > 0 {
			if err := s.cfg.Sleep(r.Context(), d); err != nil {
				return
			}
		}
	}
	rt, params := matchRoute(s.routes, stripV1(r.URL.Path))
	if rt == nil {
		s.requests.inc(unmatchedRoute)
		writeReply(w, notFoundRoute(r.URL.Path), Faults{})
		return
	}
	s.requests.inc(rt.template)
	f := s.faults.forRoute(rt.template)
	if f.Hang {
		<-r.Context().Done()
		return
	}
	release, err := s.acquireThread(r.Context())
	if err != nil {
		return
	}
	defer release()
	if err := s.cfg.Sleep(r.Context(), s.answerDelay(f, seq)); err != nil {
		return
	}
	if r.Method != http.MethodGet {
		writeReply(w, methodNotAllowed(r.Method, r.URL.Path), Faults{})
		return
	}
	if f.Status != 0 {
		writeReply(w, faultReply(f.Status), Faults{})
		return
	}
	writeReply(w, s.serve(rt, params, r.URL.Query()), f)
}

// serve renders the route's answer from the model advanced to now.
func (s *Simulator) serve(rt *route, params map[string]string, query url.Values) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Clock().UnixMilli()
	s.model.advance(now)
	return rt.handle(s.model, &request{params: params, query: query, now: now})
}

// answerDelay is how long the JobManager takes to answer request seq: the
// configured latency (a draw from [RESTLatency, RESTLatencyMax] when the
// maximum is set), the scenario's JobManager delay (drawn per request) and
// the fault latency.
func (s *Simulator) answerDelay(f Faults, seq int64) time.Duration {
	d := s.cfg.RESTLatency + f.Latency
	if spread := s.cfg.RESTLatencyMax - s.cfg.RESTLatency; spread > 0 {
		d += time.Duration(s.model.r.unit(dRESTLatency, seq) * float64(spread))
	}
	if sc := s.model.sc.RESTDelayMs; sc.Hi > 0 {
		ms := s.model.r.pick(sc, dRESTDelay, seq)
		d += time.Duration(ms * float64(time.Millisecond))
	}
	return d
}

// pathDelay is the network delay of request seq between the exporter and
// the JobManager: the scenario's and Config.ExporterPathLatency's.
func (s *Simulator) pathDelay(seq int64) time.Duration {
	d := s.cfg.ExporterPathLatency
	if spread := s.cfg.ExporterPathLatencyMax - s.cfg.ExporterPathLatency; spread > 0 {
		d += time.Duration(s.model.r.unit(dPathDelay, seq, 1) * float64(spread))
	}
	if sc := s.model.sc.PathDelayMs; sc.Hi > 0 {
		d += time.Duration(s.model.r.pick(sc, dPathDelay, seq) * float64(time.Millisecond))
	}
	return d
}

// acquireThread waits for a free REST handler thread (immediately when the
// number is unbounded) and returns the function that frees it, or ctx's
// error when the client gives up first.
func (s *Simulator) acquireThread(ctx context.Context) (func(), error) {
	if s.restThreads == nil {
		return func() {}, nil
	}
	select {
	case s.restThreads <- struct{}{}:
		return func() { <-s.restThreads }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// stripV1 removes the optional /v1 prefix of a REST path.
func stripV1(path string) string {
	if path == "/v1" {
		return "/"
	}
	if len(path) > 3 && path[:4] == "/v1/" {
		return path[3:]
	}
	return path
}

// withModel runs f on the model advanced to Clock(), for the control and
// accessor methods.
func (s *Simulator) withModel(f func(m *model, now int64)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Clock().UnixMilli()
	s.model.advance(now)
	f(s.model, now)
}
