package flinksim

import (
	"sync"
	"time"
)

// ManualClock is a clock moved by hand. Tests and benchmarks pass its Now
// as Config.Clock (and to the exporter) to step the simulated cluster's
// time instead of waiting for it, so that both sides agree on "now".
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock standing at start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start}
}

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
