package flinksim

import (
	"maps"
	"sync"
)

// requestCounter counts served requests by route template.
type requestCounter struct {
	mu     sync.Mutex
	counts map[string]int64
}

// inc counts one request of a route.
func (c *requestCounter) inc(template string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.counts[template]++
}

// RequestCounts returns how many requests each route template received
// (e.g. "/jobs/:jobid/checkpoints", the /v1 prefix stripped; "(unmatched)"
// for paths no route serves), including requests answered with a fault.
// Tests and benchmarks use it to count the exporter's requests per scrape.
func (s *Simulator) RequestCounts() map[string]int64 {
	s.requests.mu.Lock()
	defer s.requests.mu.Unlock()
	return maps.Clone(s.requests.counts)
}

// ResetRequestCounts sets every count back to zero.
func (s *Simulator) ResetRequestCounts() {
	s.requests.mu.Lock()
	defer s.requests.mu.Unlock()
	clear(s.requests.counts)
}
