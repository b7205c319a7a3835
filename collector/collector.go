// Package collector turns a Flink JobManager's REST answers into Prometheus
// metrics at scrape time.
//
// An Exporter is the prometheus.Collector of one Flink cluster. On each
// scrape it first asks the JobManager for the core answers (the cluster
// and job overviews), which decide flink_up; then it runs its area
// collectors (cluster, jobs, checkpoints, ...) concurrently. Each area
// reports its own flink_exporter_scrape_collector_success and duration: a
// failed area hides no other and never fakes values. Answers that several
// areas need are fetched once per scrape; answers that never change
// (completed checkpoint details, checkpoint configuration until a restart)
// are kept across scrapes in a bounded State. Scrapes of one cluster that
// overlap (a Prometheus HA pair) share one round of REST requests.
package collector

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// Namespace prefixes every metric about Flink; exporter-internal metrics
// use Namespace + "_exporter".
const Namespace = "flink"

// Collector is one area of metrics. Update reads what it needs through the
// scrape and sends const metrics; an error marks the area as failed, while
// the metrics it did send stay valid.
type Collector interface {
	Describe(ch chan<- *prometheus.Desc)
	Update(s *Scrape, ch chan<- prometheus.Metric) error
}

// Area names a collector and says whether it runs unless disabled.
type Area struct {
	Name           string
	DefaultEnabled bool
	Help           string
	build          func() Collector
}

// Areas lists the collectors an Exporter can run, in a fixed order.
func Areas() []Area {
	return []Area{
		{Name: "cluster", DefaultEnabled: true, Help: "TaskManager, slot and job counts and the Flink version, from /overview and /jobs/overview.", build: newClusterCollector},
		{Name: "jobs", DefaultEnabled: true, Help: "State of each job, from /jobs/overview.", build: newJobsCollector},
		{Name: "checkpoints", DefaultEnabled: true, Help: "Checkpoint configuration, counts, the latest checkpoints and derived health, from /jobs/:jobid/checkpoints.", build: newCheckpointsCollector},
		{Name: "checkpoint_acks", DefaultEnabled: true, Help: "Per-vertex phases and per-TaskManager acknowledgement latency of the latest completed checkpoint, and the subtasks that have not acknowledged the checkpoint in progress (past half its timeout) and the latest failed one, per vertex and TaskManager, from their subtask details.", build: newCheckpointAcksCollector},
		{Name: "taskmanagers", DefaultEnabled: true, Help: "Each TaskManager's slots, heartbeat age, JVM (CPU, heap, GC, threads), managed memory and host metrics, from /taskmanagers and /taskmanagers/:taskmanagerid/metrics.", build: newTaskManagersCollector},
		{Name: "jobmanager", DefaultEnabled: true, Help: "The JobManager's JVM (CPU, heap, GC, threads), registered TaskManagers, running jobs, slots and host metrics, from /jobmanager/metrics.", build: newJobManagerCollector},
		{Name: "backpressure", DefaultEnabled: true, Help: "Per-vertex back-pressured, busy and idle time of the busiest subtask and the back-pressure level, from /jobs/:jobid/vertices/:vertexid/subtasks/metrics.", build: newBackPressureCollector},
	}
}

// Config configures an Exporter.
type Config struct {
	// Client reads the cluster's REST API.
	Client *flinkapi.Client
	// Logger receives one line per failure.
	Logger log.Logger
	// Collectors names the enabled areas; nil enables the default ones.
	Collectors []string
	// Timeout bounds a whole scrape; 10 s if zero.
	Timeout time.Duration
	// Now is the clock, time.Now if nil; tests inject a fixed one.
	Now func() time.Time
	// MetricsTTL is how long the answers of Flink's metric endpoints
	// (JobManager, TaskManager and vertex metrics) are reused: the
	// JobManager refreshes them at most every metrics.fetcher.update-interval
	// (DefaultMetricsTTL), so scraping more often only loads it. Zero
	// disables the reuse.
	MetricsTTL time.Duration
	// MaxJobs bounds the jobs a scrape reads in detail (checkpoints,
	// vertices, metrics); the others are only counted, in
	// flink_cluster_jobs and flink_exporter_jobs_skipped. DefaultMaxJobs
	// if zero, unbounded if negative.
	MaxJobs int
	// BackgroundRefresh makes a scrape export what the caches hold without
	// waiting for the detail refreshes it starts (per-vertex back-pressure
	// and checkpoint subtask details, vertex placement, per-TaskManager
	// metrics): they complete into the caches in the background for the
	// next scrape, so that a scrape costs the core and checkpoint requests
	// only. When false, a scrape waits for them until its deadline; either
	// way, answers still in flight at the deadline complete into the
	// caches.
	BackgroundRefresh bool
	// RefreshTimeout bounds a round of detail refreshes in total (each
	// request is bounded by the REST client's timeout); Timeout if zero.
	RefreshTimeout time.Duration
}

// Exporter collects the metrics of one Flink cluster at scrape time.
type Exporter struct {
	client     *flinkapi.Client
	logger     log.Logger
	timeout    time.Duration
	now        func() time.Time
	names      []string
	collectors map[string]Collector
	state      *State
	metricsTTL time.Duration
	maxJobs    int

	// background and roundTimeout are Config.BackgroundRefresh and
	// RefreshTimeout; round is the latest refresh round, under roundMu.
	background   bool
	roundTimeout time.Duration
	roundMu      sync.Mutex
	round        *refreshRound
	gate         scrapeGate

	// mu guards inflight, the scrape that concurrent callers share.
	mu       sync.Mutex
	inflight *flight
	// joined, when set (by tests), is called each time a caller joins a
	// scrape already in flight.
	joined func()

	up             *prometheus.Desc
	scrapeDuration *prometheus.Desc
	scrapeSuccess  *prometheus.Desc
}

// NewExporter builds the Exporter of one cluster.
func NewExporter(cfg Config) (*Exporter, error) {
	if cfg.Client == nil {
		return nil, errors.New("collector: no Flink client")
	}
	e := &Exporter{
		client:     cfg.Client,
		logger:     cfg.Logger,
		timeout:    cfg.Timeout,
		now:        cfg.Now,
		metricsTTL: cfg.MetricsTTL,
		maxJobs:    cfg.MaxJobs,
		background: cfg.BackgroundRefresh,
		collectors: map[string]Collector{},
		state:      NewState(),
	}
	if e.logger == nil {
		e.logger = log.NewNopLogger()
	}
	if e.timeout <= 0 {
		e.timeout = 10 * time.Second
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.maxJobs == 0 {
		e.maxJobs = DefaultMaxJobs
	}
	e.roundTimeout = cfg.RefreshTimeout
	if e.roundTimeout <= 0 {
		e.roundTimeout = e.timeout
	}
	enabled := map[string]bool{}
	for _, a := range Areas() {
		enabled[a.Name] = cfg.Collectors == nil && a.DefaultEnabled
	}
	for _, name := range cfg.Collectors {
		if _, ok := enabled[name]; !ok {
			return nil, fmt.Errorf("collector: unknown collector %q", name)
		}
		enabled[name] = true
	}
	for _, a := range Areas() {
		if enabled[a.Name] {
			e.names = append(e.names, a.Name)
			e.collectors[a.Name] = a.build()
		}
	}
	e.up = prometheus.NewDesc(Namespace+"_up", "1 when the Flink JobManager answered the scrape's core requests (/overview and /jobs/overview), else 0.", nil, nil)
	e.scrapeDuration = prometheus.NewDesc(Namespace+"_exporter_scrape_collector_duration_seconds", "Time a collector took in this scrape.", []string{"collector"}, nil)
	e.scrapeSuccess = prometheus.NewDesc(Namespace+"_exporter_scrape_collector_success", "1 when a collector read everything it needed in this scrape, else 0.", []string{"collector"}, nil)
	return e, nil
}

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	ch <- e.up
	ch <- e.scrapeDuration
	ch <- e.scrapeSuccess
	for _, name := range e.names {
		e.collectors[name].Describe(ch)
	}
}

// Collect implements prometheus.Collector: one scrape of the cluster.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), e.timeout)
	defer cancel()
	e.CollectContext(ctx, ch)
}

// CollectContext scrapes the cluster within ctx, which bounds every
// request. Concurrent calls share one scrape (coalescing): two Prometheus
// servers of an HA pair scraping the same cluster cause one round of REST
// requests, not two. The first caller runs the scrape within its own
// deadline, collecting the metrics into a slice; callers arriving while it
// runs wait for it and replay the same slice. A waiting caller whose ctx
// ends first replays what the scrape collected so far, with success 0 for
// the collectors that have not finished, provided the core requests
// succeeded; while they are still unanswered, or when they failed, it
// reports the cluster down.
func (e *Exporter) CollectContext(ctx context.Context, ch chan<- prometheus.Metric) {
	f, leader := e.join()
	if leader {
		// The leader's metrics go out as they are made, so that the
		// registry checks and sorts them while the scrape still waits for
		// answers, not all at once at its end.
		e.run(ctx, f, ch)
		return
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		e.sendPartial(ctx, f, ch)
		return
	}
	for _, m := range f.snapshot() {
		ch <- m
	}
}

// sendPartial replays, for a waiting caller out of time, what the scrape in
// flight has collected: the up metric it decided and every metric sent so
// far, and success 0 for each collector that has not reported its own.
func (e *Exporter) sendPartial(ctx context.Context, f *flight, ch chan<- prometheus.Metric) {
	ms := f.snapshot()
	up, finished := e.progress(ms)
	if up != 1 {
		level.Error(e.logger).Log("msg", "scrape budget ended while waiting for a concurrent scrape of the same cluster, before its core requests were answered", "url", e.client.BaseURL(), "err", ctx.Err())
		e.sendDown(ch)
		return
	}
	level.Warn(e.logger).Log("msg", "scrape budget ended while waiting for a concurrent scrape of the same cluster; reporting what it collected so far", "url", e.client.BaseURL(), "err", ctx.Err())
	for _, m := range ms {
		ch <- m
	}
	for _, name := range e.names {
		if !finished[name] {
			ch <- prometheus.MustNewConstMetric(e.scrapeSuccess, prometheus.GaugeValue, 0, name)
		}
	}
}

// progress reads, from the metrics a scrape has sent so far, the value of
// flink_up (-1 before it is decided) and the collectors that have reported
// their success.
func (e *Exporter) progress(ms []prometheus.Metric) (up float64, finished map[string]bool) {
	up = -1
	finished = map[string]bool{}
	for _, m := range ms {
		switch m.Desc() {
		case e.up:
			var pb dto.Metric
			if err := m.Write(&pb); err == nil {
				up = pb.GetGauge().GetValue()
			}
		case e.scrapeSuccess:
			var pb dto.Metric
			if err := m.Write(&pb); err == nil {
				for _, lp := range pb.GetLabel() {
					if lp.GetName() == "collector" {
						finished[lp.GetValue()] = true
					}
				}
			}
		}
	}
	return up, finished
}

// flight is one scrape of the cluster, shared by every caller that arrives
// while it runs. metrics grows under mu while the scrape runs, so that a
// caller out of time can replay a consistent prefix; it is complete when
// done is closed.
type flight struct {
	done    chan struct{}
	mu      sync.Mutex
	metrics []prometheus.Metric
}

// add appends one metric the scrape sent.
func (f *flight) add(m prometheus.Metric) {
	f.mu.Lock()
	f.metrics = append(f.metrics, m)
	f.mu.Unlock()
}

// snapshot returns the metrics collected so far.
func (f *flight) snapshot() []prometheus.Metric {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.metrics[:len(f.metrics):len(f.metrics)]
}

// join returns the scrape in flight, or starts a new one whose leader the
// caller is.
func (e *Exporter) join() (f *flight, leader bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.inflight != nil {
		if e.joined != nil {
			e.joined()
		}
		return e.inflight, false
	}
	e.inflight = &flight{done: make(chan struct{})}
	return e.inflight, true
}

// run scrapes the cluster for flight f, sending each metric to out (the
// leader's channel) as it is made and keeping it for the waiters. The
// scrape keeps the leader's deadline but not its cancellation: a leader
// whose client went away must not fail the callers still waiting (its
// registry reads out until Collect returns, so the sends never block
// for good).
func (e *Exporter) run(ctx context.Context, f *flight, out chan<- prometheus.Metric) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(e.timeout)
	}
	sctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	defer cancel()
	defer func() {
		e.mu.Lock()
		e.inflight = nil
		e.mu.Unlock()
		close(f.done)
	}()

	ch := make(chan prometheus.Metric)
	collected := make(chan struct{})
	go func() {
		for m := range ch {
			f.add(m)
			out <- m
		}
		close(collected)
	}()
	e.scrapeOnce(sctx, ch)
	<-collected
}

// scrapeOnce runs one scrape into ch and closes it, also when the scrape
// panics: the panic is logged and the waiters get what was collected.
func (e *Exporter) scrapeOnce(ctx context.Context, ch chan<- prometheus.Metric) {
	defer close(ch)
	defer func() {
		if r := recover(); r != nil {
			level.Error(e.logger).Log("msg", "scrape panicked", "err", fmt.Sprint(r))
		}
	}()
	e.scrape(ctx, ch)
}

// scrape reads the cluster once: the core answers decide flink_up, then
// every enabled collector runs concurrently.
func (e *Exporter) scrape(ctx context.Context, ch chan<- prometheus.Metric) {
	e.gate.enter()
	defer e.gate.leave()
	// Cancelled when the scrape ends, so that prefetches still in flight
	// after failed core requests end with it.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := newScrape(ctx, e.client, e.state, e.now(), e.logger)
	s.metricsTTL = e.metricsTTL
	s.maxJobs = e.maxJobs
	s.clock = e.now
	s.background, s.gate = e.background, &e.gate
	var pre prefetches
	defer pre.wait()
	e.prefetchCluster(s, &pre)
	if err := s.core(); err != nil {
		level.Error(e.logger).Log("msg", "Flink JobManager did not answer the core requests; all collectors skipped", "url", e.client.BaseURL(), "err", logText(err))
		e.sendDown(ch)
		cancel()
		return
	}
	e.prefetchJobs(s, &pre)
	ch <- prometheus.MustNewConstMetric(e.up, prometheus.GaugeValue, 1)

	s.round, s.late = e.startRound(ctx)
	if s.round != nil {
		defer s.round.seal()
	}

	var wg sync.WaitGroup
	for _, name := range e.names {
		wg.Add(1)
		go func(name string, c Collector) {
			defer wg.Done()
			e.runCollector(s, name, c, ch)
		}(name, e.collectors[name])
	}
	wg.Wait()
	if jobs, err := s.Jobs(); err == nil {
		e.state.Forget(jobIDs(jobs))
	}
}

// sendDown reports the cluster down: flink_up 0 and every collector failed.
func (e *Exporter) sendDown(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(e.up, prometheus.GaugeValue, 0)
	for _, name := range e.names {
		ch <- prometheus.MustNewConstMetric(e.scrapeSuccess, prometheus.GaugeValue, 0, name)
	}
}

func (e *Exporter) runCollector(s *Scrape, name string, c Collector, ch chan<- prometheus.Metric) {
	start := time.Now()
	err := safeUpdate(s, c, ch)
	ch <- prometheus.MustNewConstMetric(e.scrapeDuration, prometheus.GaugeValue, time.Since(start).Seconds(), name)
	success := 1.0
	if err != nil {
		success = 0
		level.Error(e.logger).Log("msg", "collector failed", "collector", name, "err", logText(err))
	}
	ch <- prometheus.MustNewConstMetric(e.scrapeSuccess, prometheus.GaugeValue, success, name)
}

// safeUpdate runs one collector; a panic (a case no test foresaw) fails that
// collector for this scrape instead of the exporter.
func safeUpdate(s *Scrape, c Collector, ch chan<- prometheus.Metric) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("collector panicked: %v", r)
		}
	}()
	return c.Update(s, ch)
}

func jobIDs(jobs []flinkapi.JobOverview) []string {
	ids := make([]string, 0, len(jobs))
	for _, j := range jobs {
		ids = append(ids, j.ID)
	}
	sort.Strings(ids)
	return ids
}
