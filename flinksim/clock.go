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

// FastClock returns a clock that reads start now and runs speed times as
// fast as real time. A harness that cannot wait 15 s between two scrapes
// runs the simulated cluster (cmd/flinksim --clock-speed) and the exporter
// on clocks of the same speed, so that both agree on how much time passed
// and the JobManager's clock stays a fixed offset from the exporter's, as
// between real machines.
func FastClock(start time.Time, speed float64) func() time.Time {
	origin := time.Now()
	return func() time.Time {
		return start.Add(time.Duration(float64(time.Since(origin)) * speed))
	}
}
