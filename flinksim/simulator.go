package flinksim

import (
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
	s.routes = buildRoutes(ver)
	s.model = newModel(cfg, ver, sc, cfg.Clock().UnixMilli())
	s.requests.counts = map[string]int64{}
	return s, nil
}

// Handler returns the REST API: every endpoint of the configured version,
// also under the /v1 prefix.
func (s *Simulator) Handler() http.Handler { return s }

// ServeHTTP answers one REST request: it counts it by route, applies the
// answer delay and any fault, then renders the model at Clock().
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	if err := s.cfg.Sleep(r.Context(), s.answerDelay(f)); err != nil {
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

// answerDelay is how long the answer to a request waits: the configured
// latency, the scenario's JobManager delay (drawn per request) and the
// fault latency.
func (s *Simulator) answerDelay(f Faults) time.Duration {
	d := s.cfg.RESTLatency + f.Latency
	if sc := s.model.sc.RESTDelayMs; sc.Hi > 0 {
		ms := s.model.r.pick(sc, dRESTDelay, s.seq.Add(1))
		d += time.Duration(ms * float64(time.Millisecond))
	}
	return d
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
