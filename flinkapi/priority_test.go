package flinkapi

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"
)

// waitQueued waits until n requests wait for a slot of l.
func waitQueued(t *testing.T, l *limiter, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l.mu.Lock()
		q := l.queued()
		l.mu.Unlock()
		if q == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiting, want %d", q, n)
		}
		runtime.Gosched()
	}
}

// slotQueue starts requests that wait for a slot of a limiter whose only
// slot the test holds, and records the order in which they get one.
type slotQueue struct {
	t      *testing.T
	l      *limiter
	got    chan string
	queued int
}

// newSlotQueue returns a limiter of one slot, taken by the test.
func newSlotQueue(t *testing.T) *slotQueue {
	t.Helper()
	l := newLimiter(1)
	if err := l.acquire(context.Background(), PriorityCore, "/overview"); err != nil {
		t.Fatal(err)
	}
	return &slotQueue{t: t, l: l, got: make(chan string, 100)}
}

// wait starts the request name of lane with priority p within ctx and
// returns once it waits for a slot; given one, it reports its name and
// frees the slot.
func (q *slotQueue) wait(ctx context.Context, name string, p Priority, lane string) {
	q.t.Helper()
	go func() {
		if err := q.l.acquire(ctx, p, lane); err != nil {
			q.got <- "error " + name
			return
		}
		q.got <- name
		q.l.release(p)
	}()
	q.queued++
	waitQueued(q.t, q.l, q.queued)
}

// served frees the test's slot and returns the requests' names in the
// order they got it.
func (q *slotQueue) served() []string {
	q.l.release(PriorityCore)
	var got []string
	for range q.queued {
		got = append(got, <-q.got)
	}
	return got
}

func TestLimiterServesCoreBeforeDetail(t *testing.T) {
	q := newSlotQueue(t)
	ctx := context.Background()
	q.wait(ctx, "detail-1", PriorityDetail, "/lane")
	q.wait(ctx, "detail-2", PriorityDetail, "/lane")
	q.wait(ctx, "core", PriorityCore, "/lane")
	got, want := q.served(), []string{"core", "detail-1", "detail-2"}
	if !slices.Equal(got, want) {
		t.Fatalf("slots went to %v, want %v", got, want)
	}
	// The last request frees its slot after it reported its name.
	deadline := time.Now().Add(10 * time.Second)
	for {
		q.l.mu.Lock()
		free := q.l.free
		q.l.mu.Unlock()
		if free == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("free slots after all released = %d, want 1", free)
		}
		runtime.Gosched()
	}
}

func TestLimiterWaiterGivingUpKeepsSlots(t *testing.T) {
	l := newLimiter(1)
	if err := l.acquire(context.Background(), PriorityCore, "/overview"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(WithPriority(context.Background(), PriorityDetail))
	done := make(chan error)
	go func() { done <- l.acquire(ctx, priorityOf(ctx), "/lane") }()
	waitQueued(t, l, 1)
	cancel()
	if err := <-done; err == nil {
		t.Fatal("acquire after cancel succeeded")
	}
	l.release(PriorityCore)
	l.mu.Lock()
	free, queued := l.free, l.queued()
	l.mu.Unlock()
	if free != 1 || queued != 0 {
		t.Errorf("free %d, queued %d after the waiter gave up; want 1, 0", free, queued)
	}
}

func TestPriorityOf(t *testing.T) {
	if p := priorityOf(context.Background()); p != PriorityCore {
		t.Errorf("no priority: %v, want PriorityCore", p)
	}
	if p := priorityOf(WithPriority(context.Background(), PriorityDetail)); p != PriorityDetail {
		t.Errorf("detail: %v, want PriorityDetail", p)
	}
}

func TestLimiterKeepsASlotForCore(t *testing.T) {
	l := newLimiter(2)
	ctx := context.Background()
	if err := l.acquire(ctx, PriorityDetail, "/lane"); err != nil {
		t.Fatal(err)
	}
	got := make(chan Priority, 2)
	go func() {
		if l.acquire(ctx, PriorityDetail, "/lane") == nil {
			got <- PriorityDetail
		}
	}()
	waitQueued(t, l, 1)
	if err := l.acquire(ctx, PriorityCore, "/overview"); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	inUse := l.inUse
	l.mu.Unlock()
	if inUse != [2]int{1, 1} {
		t.Fatalf("in use %v, want one core and one detail request: the second detail request must wait", inUse)
	}
	l.release(PriorityDetail)
	if p := <-got; p != PriorityDetail {
		t.Fatalf("got %v", p)
	}
}

// TestLimiterServesLanesInTurn: a lane of many waiters (one collector's
// per-job requests) does not starve a lane with one waiter of the same
// priority (another collector's single request): lanes are served in turn.
func TestLimiterServesLanesInTurn(t *testing.T) {
	q := newSlotQueue(t)
	ctx := context.Background()
	for i := range 5 {
		q.wait(ctx, fmt.Sprintf("checkpoints-%d", i), PriorityCore, "/jobs/:jobid/checkpoints")
	}
	q.wait(ctx, "taskmanagers", PriorityCore, "/taskmanagers")
	q.wait(ctx, "jobmanager", PriorityCore, "/jobmanager/metrics")
	got := q.served()
	want := []string{"checkpoints-0", "taskmanagers", "jobmanager", "checkpoints-1", "checkpoints-2", "checkpoints-3", "checkpoints-4"}
	if !slices.Equal(got, want) {
		t.Fatalf("slots went to %v, want %v", got, want)
	}
}

// TestLanesRemove: a waiter that gives up leaves its lane, and the turn
// stays with the lane that was next.
func TestLanesRemove(t *testing.T) {
	var q lanes
	a1, a2, b1, c1 := make(chan struct{}), make(chan struct{}), make(chan struct{}), make(chan struct{})
	q.push("a", waiter{ch: a1})
	q.push("a", waiter{ch: a2})
	q.push("b", waiter{ch: b1})
	q.push("c", waiter{ch: c1})
	if q.pop() != a1 {
		t.Fatal("first pop is not a's oldest")
	}
	q.remove("b", b1) // b was next; c takes its turn
	if got := q.pop(); got != c1 {
		t.Fatal("after b gave up, c is not next")
	}
	if got := q.pop(); got != a2 || q.n != 0 || len(q.ring) != 0 {
		t.Fatalf("a's second waiter not last, or lanes left: n=%d ring=%v", q.n, q.ring)
	}
}

// TestLimiterServesQueueOrder: waiters of one lane with a queue order get
// slots by that order whatever order they came in, after the waiter
// without one that came before them and before the one that came after.
func TestLimiterServesQueueOrder(t *testing.T) {
	q := newSlotQueue(t)
	ctx := context.Background()
	const lane = "/jobs/:jobid/checkpoints"
	q.wait(ctx, "unordered-first", PriorityCore, lane)
	for _, n := range []int{3, 0, 4, 1, 2} {
		q.wait(WithQueueOrder(ctx, n), fmt.Sprintf("job-%d", n), PriorityCore, lane)
	}
	q.wait(ctx, "unordered-last", PriorityCore, lane)
	q.wait(WithQueueOrder(ctx, 5), "job-5", PriorityCore, lane)
	got := q.served()
	want := []string{"unordered-first", "job-0", "job-1", "job-2", "job-3", "job-4", "unordered-last", "job-5"}
	if !slices.Equal(got, want) {
		t.Fatalf("slots went to %v, want %v", got, want)
	}
}
