package flinksim

import (
	"slices"
	"sync"
	"time"
)

// Faults are failures of the REST layer to inject, for the exporter's
// reliability tests. They apply to the routes in Routes (all when empty)
// until the next SetFaults.
type Faults struct {
	// Latency is added to every matching answer.
	Latency time.Duration
	// Status, when not 0, answers every matching request with this status
	// and a Flink error body ({"errors":["Internal server error.",
	// "<Exception on server side:\n...>"]} for 500).
	Status int
	// Hang never answers until the request's context is cancelled.
	Hang bool
	// Malformed answers 200 with invalid JSON.
	Malformed bool
	// Truncated answers 200 with the correct JSON cut in half.
	Truncated bool
	// Routes are the route templates (as in RequestCounts, e.g.
	// "/jobs/:jobid/checkpoints") the faults apply to; empty means all.
	Routes []string
}

// SetFaults replaces the injected faults; Faults{} switches them off. It is
// safe to call while requests are served.
func (s *Simulator) SetFaults(f Faults) {
	f.Routes = slices.Clone(f.Routes)
	s.faults.set(f)
}

// faultSwitch holds the current faults.
type faultSwitch struct {
	mu sync.RWMutex
	f  Faults
}

// set replaces the faults.
func (fs *faultSwitch) set(f Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f = f
}

// forRoute returns the faults that apply to a route template, or Faults{}.
func (fs *faultSwitch) forRoute(template string) Faults {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	if len(fs.f.Routes) > 0 && !slices.Contains(fs.f.Routes, template) {
		return Faults{}
	}
	return fs.f
}

// malformedBody is what a Malformed fault answers: JSON that no decoder
// accepts.
const malformedBody = `{"errors":["partial write"],` + "\x00" + `<html>`

// corrupt applies the body faults to an encoded answer.
func (f Faults) corrupt(body []byte) []byte {
	switch {
	case f.Malformed:
		return []byte(malformedBody)
	case f.Truncated:
		return body[:len(body)/2]
	}
	return body
}
