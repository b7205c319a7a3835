package flinkapi

import (
	"context"
	"sync"
)

// Priority ranks a request for one of the client's request slots
// (Options.MaxConcurrentRequests). When every slot is taken, a freed slot
// goes to the longest waiting request of the highest priority, so that the
// answers a scrape cannot do without (the overviews, each job's
// checkpoints) never queue behind the per-vertex and per-TaskManager
// detail that a cache can serve meanwhile.
type Priority int

// The priorities, highest first.
const (
	// PriorityCore is the default: requests whose answer the scrape needs
	// now.
	PriorityCore Priority = iota
	// PriorityDetail is for refreshes of cached detail: per-vertex
	// back-pressure and checkpoint subtask details, vertex placement and
	// per-TaskManager metrics.
	PriorityDetail
)

type priorityKey struct{}

// WithPriority returns ctx carrying p: the client's requests within it
// wait for a slot with that priority.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// priorityOf returns the priority ctx carries, PriorityCore if none.
func priorityOf(ctx context.Context) Priority {
	if p, ok := ctx.Value(priorityKey{}).(Priority); ok && p >= PriorityCore && p <= PriorityDetail {
		return p
	}
	return PriorityCore
}

// limiter bounds the requests in flight and hands freed slots out by
// priority, first come first served within a priority.
type limiter struct {
	mu   sync.Mutex
	free int
	// waiting holds, per priority, the waiters in arrival order; a waiter's
	// channel is closed when it is given a slot.
	waiting [PriorityDetail + 1][]chan struct{}
}

func newLimiter(n int) *limiter { return &limiter{free: n} }

// acquire takes a slot, waiting with priority p until one is free or ctx
// ends.
func (l *limiter) acquire(ctx context.Context, p Priority) error {
	l.mu.Lock()
	if l.free > 0 && l.queued() == 0 {
		l.free--
		l.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	l.waiting[p] = append(l.waiting[p], ch)
	l.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		defer l.mu.Unlock()
		select {
		case <-ch:
			// Given a slot while giving up: pass it on.
			l.handOver()
		default:
			l.remove(p, ch)
		}
		return ctx.Err()
	}
}

// release frees a slot: the first waiter of the highest priority gets it.
func (l *limiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.handOver()
}

// handOver gives one slot to the next waiter, or frees it. The caller
// holds l.mu.
func (l *limiter) handOver() {
	for p := range l.waiting {
		if q := l.waiting[p]; len(q) > 0 {
			close(q[0])
			l.waiting[p] = q[1:]
			return
		}
	}
	l.free++
}

// queued returns how many wait. The caller holds l.mu.
func (l *limiter) queued() int {
	n := 0
	for _, q := range l.waiting {
		n += len(q)
	}
	return n
}

// remove drops a waiter that gave up. The caller holds l.mu.
func (l *limiter) remove(p Priority, ch chan struct{}) {
	q := l.waiting[p]
	for i, c := range q {
		if c == ch {
			l.waiting[p] = append(q[:i:i], q[i+1:]...)
			return
		}
	}
}
