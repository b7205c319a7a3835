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
// priority, first come first served within a priority. Detail requests
// never take the last slot (when there are two or more): a request the
// scrape needs now never waits for a detail answer already in flight.
type limiter struct {
	mu        sync.Mutex
	free      int
	detailMax int
	inUse     [PriorityDetail + 1]int
	// waiting holds, per priority, the waiters in arrival order; a waiter's
	// channel is closed when it is given a slot.
	waiting [PriorityDetail + 1][]chan struct{}
}

func newLimiter(n int) *limiter { return &limiter{free: n, detailMax: max(1, n-1)} }

// acquire takes a slot, waiting with priority p until one is free or ctx
// ends.
func (l *limiter) acquire(ctx context.Context, p Priority) error {
	l.mu.Lock()
	if l.next() == -1 && l.eligible(p) {
		l.free--
		l.inUse[p]++
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
			l.free++
			l.inUse[p]--
			l.handOver()
		default:
			l.remove(p, ch)
		}
		return ctx.Err()
	}
}

// release frees a slot of priority p and hands it to the first waiter of
// the highest priority that may take it.
func (l *limiter) release(p Priority) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.free++
	l.inUse[p]--
	l.handOver()
}

// eligible reports whether a request of priority p may take a free slot
// now. The caller holds l.mu.
func (l *limiter) eligible(p Priority) bool {
	return l.free > 0 && (p == PriorityCore || l.inUse[PriorityDetail] < l.detailMax)
}

// next returns the priority of the waiter that gets the next slot, -1
// when none may. The caller holds l.mu.
func (l *limiter) next() Priority {
	for p := range l.waiting {
		if len(l.waiting[p]) > 0 && l.eligible(Priority(p)) {
			return Priority(p)
		}
	}
	return -1
}

// handOver gives free slots to the waiters that may take them. The caller
// holds l.mu.
func (l *limiter) handOver() {
	for {
		p := l.next()
		if p < 0 {
			return
		}
		close(l.waiting[p][0])
		l.waiting[p] = l.waiting[p][1:]
		l.free--
		l.inUse[p]++
	}
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
