package flinkapi

import (
	"context"
	"slices"
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

type queueOrderKey struct{}

// WithQueueOrder returns ctx carrying n: while the client's requests of one
// endpoint wait for a slot, those within ctx go before the ones that came
// after them with a higher n, and after any without an order that came
// before them. A caller that sends many requests at once from concurrent
// goroutines gets their answers in its own order, not in the order the
// goroutines happened to run.
func WithQueueOrder(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, queueOrderKey{}, n)
}

// queueOrderOf returns the order ctx carries; ok is false if none.
func queueOrderOf(ctx context.Context) (n int, ok bool) {
	n, ok = ctx.Value(queueOrderKey{}).(int)
	return n, ok
}

// priorityOf returns the priority ctx carries, PriorityCore if none.
func priorityOf(ctx context.Context) Priority {
	if p, ok := ctx.Value(priorityKey{}).(Priority); ok && p >= PriorityCore && p <= PriorityDetail {
		return p
	}
	return PriorityCore
}

// limiter bounds the requests in flight and hands freed slots out by
// priority and, within a priority, in turn between lanes: a lane is an
// endpoint template ("/jobs/:jobid/checkpoints", "/taskmanagers"), first
// come first served within it. So one collector's thousand per-job
// requests never starve another collector's single request of the same
// priority: each lane gets a slot in its turn. Detail requests never take
// the last slot (when there are two or more): a request the scrape needs
// now never waits for a detail answer already in flight.
type limiter struct {
	mu        sync.Mutex
	size      int
	free      int
	detailMax int
	inUse     [PriorityDetail + 1]int
	// waiting holds, per priority, the waiters by lane; a waiter's channel
	// is closed when it is given a slot.
	waiting [PriorityDetail + 1]lanes
}

func newLimiter(n int) *limiter { return &limiter{size: n, free: n, detailMax: max(1, n-1)} }

// acquire takes a slot for a request of lane, waiting with priority p
// (and within its lane, the queue order ctx carries) until one is free or
// ctx ends.
func (l *limiter) acquire(ctx context.Context, p Priority, lane string) error {
	l.mu.Lock()
	if l.next() == -1 && l.eligible(p) {
		l.free--
		l.inUse[p]++
		l.mu.Unlock()
		return nil
	}
	w := waiter{ch: make(chan struct{})}
	w.order, w.ordered = queueOrderOf(ctx)
	l.waiting[p].push(lane, w)
	ch := w.ch
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
			l.waiting[p].remove(lane, ch)
		}
		return ctx.Err()
	}
}

// release frees a slot of priority p and hands it to the next waiter of
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
		if l.waiting[p].n > 0 && l.eligible(Priority(p)) {
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
		close(l.waiting[p].pop())
		l.free--
		l.inUse[p]++
	}
}

// queued returns how many wait. The caller holds l.mu.
func (l *limiter) queued() int {
	n := 0
	for _, q := range l.waiting {
		n += q.n
	}
	return n
}

// waiter is a request waiting for a slot; ch is closed when it is given
// one. order is its queue order (WithQueueOrder) when ordered.
type waiter struct {
	ch      chan struct{}
	order   int
	ordered bool
}

// lanes are the waiters of one priority, by lane, served in turn: pop
// takes the first waiter of the lane whose turn it is, then moves the turn
// on to the next lane with waiters. Within a lane waiters queue in the
// order they came, except that one with a queue order goes before the
// ordered waiters with a higher order that came since the last waiter
// without one.
type lanes struct {
	queues map[string][]waiter
	// ring is the lanes with waiters, in the order they came; turn indexes
	// the lane served next.
	ring []string
	turn int
	n    int
}

func (q *lanes) push(lane string, w waiter) {
	if q.queues == nil {
		q.queues = map[string][]waiter{}
	}
	queue := q.queues[lane]
	if len(queue) == 0 {
		q.ring = append(q.ring, lane)
	}
	at := len(queue)
	for w.ordered && at > 0 && queue[at-1].ordered && queue[at-1].order > w.order {
		at--
	}
	q.queues[lane] = slices.Insert(queue, at, w)
	q.n++
}

// pop returns the next waiter's channel; q must not be empty.
func (q *lanes) pop() chan struct{} {
	q.turn %= len(q.ring)
	lane := q.ring[q.turn]
	w := q.queues[lane]
	ch := w[0].ch
	if len(w) == 1 {
		delete(q.queues, lane)
		q.ring = slices.Delete(q.ring, q.turn, q.turn+1)
	} else {
		q.queues[lane] = w[1:]
		q.turn++
	}
	q.n--
	return ch
}

// remove drops a waiter that gave up.
func (q *lanes) remove(lane string, ch chan struct{}) {
	w := q.queues[lane]
	i := slices.IndexFunc(w, func(x waiter) bool { return x.ch == ch })
	if i < 0 {
		return
	}
	q.n--
	if len(w) > 1 {
		q.queues[lane] = slices.Delete(w, i, i+1)
		return
	}
	delete(q.queues, lane)
	j := slices.Index(q.ring, lane)
	q.ring = slices.Delete(q.ring, j, j+1)
	if j < q.turn {
		q.turn--
	}
}
