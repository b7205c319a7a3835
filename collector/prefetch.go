package collector

import (
	"sync"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// A scrape waits first for the core requests, then for each job's
// checkpoint counts; everything else is either cached or refreshed in the
// background. Prefetches start the requests on that path before the
// collectors' own work (building thousands of series from caches) takes
// the CPUs: the requests' round trips then overlap that work instead of
// following it. A prefetch reports nothing: what it reads waits in the
// scrape's memos and the State's caches for the collector's Update, which
// reads it, or the same error, without a second request.

// clusterPrefetcher is a collector with requests that need no core answer
// (the cluster-wide /taskmanagers and /jobmanager/metrics): the scrape
// starts them beside the core requests, so that they share the core
// requests' round trip instead of queueing behind the per-job requests.
type clusterPrefetcher interface {
	prefetchCluster(s *Scrape)
}

// jobsPrefetcher is a collector with a request per job that every scrape
// needs (/jobs/:jobid/checkpoints): the scrape starts them once the core
// requests succeeded, before any collector runs.
type jobsPrefetcher interface {
	prefetchJobs(s *Scrape, jobs []flinkapi.JobOverview)
}

// coreRequests is how many requests the core round sends itself
// (/overview and /jobs/overview).
const coreRequests = 2

// prefetches are the prefetches of one scrape in flight.
type prefetches struct{ wg sync.WaitGroup }

// wait returns when every prefetch started has ended.
func (p *prefetches) wait() { p.wg.Wait() }

// start runs fn in its own goroutine.
func (p *prefetches) start(fn func()) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		fn()
	}()
}

// prefetchCluster starts the cluster prefetch of each enabled collector
// that has one, when the client's request slots hold them and the core
// requests at once: with fewer slots they would compete with the core
// requests, which decide flink_up, and are left to their collectors.
func (e *Exporter) prefetchCluster(s *Scrape, p *prefetches) {
	var ps []clusterPrefetcher
	for _, name := range e.names {
		if c, ok := e.collectors[name].(clusterPrefetcher); ok {
			ps = append(ps, c)
		}
	}
	if slots := e.client.MaxConcurrentRequests(); slots > 0 && slots < coreRequests+len(ps) {
		return
	}
	for _, c := range ps {
		p.start(func() { c.prefetchCluster(s) })
	}
}

// prefetchJobs starts the per-job prefetch of each enabled collector that
// has one.
func (e *Exporter) prefetchJobs(s *Scrape, p *prefetches) {
	jobs, err := s.ActiveJobs()
	if err != nil {
		return
	}
	for _, name := range e.names {
		if c, ok := e.collectors[name].(jobsPrefetcher); ok {
			p.start(func() { c.prefetchJobs(s, jobs) })
		}
	}
}
