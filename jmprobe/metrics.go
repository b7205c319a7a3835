package jmprobe

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const (
	namespace = "flink"
	subsystem = "jobmanager_probe"
)

// durationBuckets are the upper bounds of the duration histograms, from a
// loopback connect (1 ms) to a JobManager stalled by a long garbage
// collection (30 s).
func durationBuckets() []float64 {
	return []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}
}

// descs holds the Prober's descriptors, built once in New.
type descs struct {
	connectDuration *prometheus.Desc
	restDuration    *prometheus.Desc
	failures        *prometheus.Desc
	lastSuccess     *prometheus.Desc
	targetInfo      *prometheus.Desc
}

// newDescs builds the descriptors. With a TaskManager id every series
// carries it as tm_id, so that it joins flink_taskmanager_* series.
func newDescs(taskManagerID string) descs {
	var constLabels prometheus.Labels
	if taskManagerID != "" {
		constLabels = prometheus.Labels{"tm_id": taskManagerID}
	}
	name := func(n string) string { return prometheus.BuildFQName(namespace, subsystem, n) }
	return descs{
		connectDuration: prometheus.NewDesc(name("connect_duration_seconds"),
			"Time to open a TCP connection to the JobManager target, successful connects only. The kernel answers even when the JVM is busy, so slow connects point to the network.",
			nil, constLabels),
		restDuration: prometheus.NewDesc(name("rest_duration_seconds"),
			"Time from sending GET /config to the JobManager's REST API to reading the whole answer, over a fresh connection, successful answers only. Slow answers with fast connects point to an overloaded JobManager.",
			nil, constLabels),
		failures: prometheus.NewDesc(name("failures_total"),
			"Failed probe phases by phase (connect, rest) and reason (timeout, refused, error, http_status).",
			[]string{"phase", "reason"}, constLabels),
		lastSuccess: prometheus.NewDesc(name("last_success_timestamp_seconds"),
			"Unix time of the phase's latest success, 0 before the first one.",
			[]string{"phase"}, constLabels),
		targetInfo: prometheus.NewDesc(name("target_info"),
			"The host:port the connect phase dials; value 1.",
			[]string{"target"}, constLabels),
	}
}

// phaseState is what the probe has recorded for one phase. Buckets hold
// non-cumulative counts per upper bound; the overflow above the last bound
// is count minus their sum.
type phaseState struct {
	buckets     []uint64
	count       uint64
	sum         float64
	failures    map[string]uint64
	lastSuccess time.Time
	failing     bool
}

func newPhaseState(phase string, nBuckets int) *phaseState {
	s := &phaseState{buckets: make([]uint64, nBuckets), failures: map[string]uint64{}}
	for _, r := range phaseReasons(phase) {
		s.failures[r] = 0
	}
	return s
}

// clone returns a copy that shares nothing with s, for Collect to read
// outside the lock.
func (s *phaseState) clone() phaseState {
	c := *s
	c.buckets = append([]uint64(nil), s.buckets...)
	c.failures = make(map[string]uint64, len(s.failures))
	for k, v := range s.failures {
		c.failures[k] = v
	}
	return c
}

// Describe sends every descriptor the Prober can emit.
func (p *Prober) Describe(ch chan<- *prometheus.Desc) {
	ch <- p.d.connectDuration
	ch <- p.d.restDuration
	ch <- p.d.failures
	ch <- p.d.lastSuccess
	ch <- p.d.targetInfo
}

// Collect sends the recorded state. It copies the state under the mutex and
// sends after releasing it, so neither a running probe nor a slow reader of
// ch delays the other.
func (p *Prober) Collect(ch chan<- prometheus.Metric) {
	snap := p.snapshot()
	ch <- prometheus.MustNewConstMetric(p.d.targetInfo, prometheus.GaugeValue, 1, p.cfg.Target)
	for _, phase := range p.phases() {
		s := snap[phase]
		desc := p.d.connectDuration
		if phase == phaseREST {
			desc = p.d.restDuration
		}
		cumulative := make(map[float64]uint64, len(p.buckets))
		var n uint64
		for i, le := range p.buckets {
			n += s.buckets[i]
			cumulative[le] = n
		}
		ch <- prometheus.MustNewConstHistogram(desc, s.count, s.sum, cumulative)
		for _, r := range phaseReasons(phase) {
			ch <- prometheus.MustNewConstMetric(p.d.failures, prometheus.CounterValue, float64(s.failures[r]), phase, r)
		}
		var last float64
		if !s.lastSuccess.IsZero() {
			last = float64(s.lastSuccess.Unix()) + float64(s.lastSuccess.Nanosecond())/1e9
		}
		ch <- prometheus.MustNewConstMetric(p.d.lastSuccess, prometheus.GaugeValue, last, phase)
	}
}

// snapshot copies the state of every phase under the mutex.
func (p *Prober) snapshot() map[string]phaseState {
	p.mu.Lock()
	defer p.mu.Unlock()
	snap := make(map[string]phaseState, len(p.state))
	for phase, s := range p.state {
		snap[phase] = s.clone()
	}
	return snap
}
