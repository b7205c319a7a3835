package jmprobe

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/go-kit/log/level"
)

// maxBody bounds how much of the /config answer is read; Flink's is under
// a kilobyte, and the probe must not be made to read an endless body.
const maxBody = 1 << 20

// Prober probes one JobManager in two phases and records the outcome for
// Collect. Run drives it; ProbeOnce runs a single probe.
type Prober struct {
	cfg       Config
	configURL string
	buckets   []float64
	d         descs

	mu    sync.Mutex
	state map[string]*phaseState
}

// New validates cfg, fills in its defaults and returns a Prober whose
// failure series already exist with value 0. It starts nothing; call Run.
func New(cfg Config) (*Prober, error) {
	cfg, configURL, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Prober{
		cfg:       cfg,
		configURL: configURL,
		buckets:   durationBuckets(),
		d:         newDescs(cfg.TaskManagerID),
		state:     map[string]*phaseState{},
	}
	for _, phase := range p.phases() {
		p.state[phase] = newPhaseState(phase, len(p.buckets))
	}
	return p, nil
}

// Target is the host:port the connect phase dials: Config.Target, or the
// one derived from Config.RESTURL.
func (p *Prober) Target() string { return p.cfg.Target }

// phases lists the configured phases in probe order.
func (p *Prober) phases() []string {
	if p.configURL == "" {
		return []string{phaseConnect}
	}
	return []string{phaseConnect, phaseREST}
}

// Run probes at once and then at every tick of the interval until ctx ends.
// Probes never overlap: ticks missed during a slow probe are dropped by the
// ticker, so a stalled JobManager slows the probing down instead of piling
// probes up.
func (p *Prober) Run(ctx context.Context) {
	tick, stop := p.cfg.Ticker(p.cfg.Interval)
	defer stop()
	for {
		p.ProbeOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
	}
}

// ProbeOnce runs each configured phase once, each under its own Timeout,
// and records the outcomes. A phase cut short because ctx itself ended (the
// exporter shutting down) is not recorded as a failure.
func (p *Prober) ProbeOnce(ctx context.Context) {
	probes := map[string]func(context.Context) error{
		phaseConnect: p.connect,
		phaseREST:    p.rest,
	}
	for _, phase := range p.phases() {
		if ctx.Err() != nil {
			return
		}
		start := p.cfg.Now()
		err := p.withTimeout(ctx, probes[phase])
		end := p.cfg.Now()
		if ctx.Err() != nil {
			return
		}
		p.record(phase, end.Sub(start), end, err)
	}
}

// withTimeout runs one phase under a context that ends after Timeout.
func (p *Prober) withTimeout(ctx context.Context, phase func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	return phase(ctx)
}

// connect opens and closes one TCP connection to the target.
func (p *Prober) connect(ctx context.Context) error {
	conn, err := p.cfg.Dialer.DialContext(ctx, "tcp", p.cfg.Target)
	if err != nil {
		return fmt.Errorf("connect %s: %w", p.cfg.Target, err)
	}
	return conn.Close()
}

// rest requests /config and reads the whole answer, which must be 2xx.
func (p *Prober) rest(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.configURL, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", p.configURL, err)
	}
	resp, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", p.configURL, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody)); err != nil {
		return fmt.Errorf("GET %s: read answer: %w", p.configURL, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("GET %s: %w", p.configURL, statusError{resp.StatusCode})
	}
	return nil
}

// record adds one phase outcome to the state: a success to the histogram
// and the last-success time, a failure to its reason's counter. It logs
// when a phase starts failing and when it recovers, not at every probe, and
// only after releasing the lock.
func (p *Prober) record(phase string, took time.Duration, at time.Time, err error) {
	if err != nil {
		reason := classify(err)
		if started := p.recordFailure(phase, reason); started {
			level.Warn(p.cfg.Logger).Log("msg", "JobManager probe phase failing", "phase", phase, "reason", reason, "err", err)
		}
		level.Debug(p.cfg.Logger).Log("msg", "JobManager probe phase failed", "phase", phase, "reason", reason, "err", err)
		return
	}
	if recovered := p.recordSuccess(phase, took.Seconds(), at); recovered {
		level.Info(p.cfg.Logger).Log("msg", "JobManager probe phase recovered", "phase", phase, "seconds", took.Seconds())
	}
}

// recordFailure counts a failure and reports whether the phase was
// succeeding until now.
func (p *Prober) recordFailure(phase, reason string) (started bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.state[phase]
	s.failures[reason]++
	started = !s.failing
	s.failing = true
	return started
}

// recordSuccess observes a successful phase and reports whether the phase
// was failing until now.
func (p *Prober) recordSuccess(phase string, seconds float64, at time.Time) (recovered bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.state[phase]
	if i := sort.SearchFloat64s(p.buckets, seconds); i < len(p.buckets) {
		s.buckets[i]++
	}
	s.count++
	s.sum += seconds
	s.lastSuccess = at
	recovered = s.failing
	s.failing = false
	return recovered
}
