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

func TestLimiterServesCoreBeforeDetail(t *testing.T) {
	l := newLimiter(1)
	ctx := context.Background()
	if err := l.acquire(ctx, PriorityCore, "/overview"); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 3)
	start := func(name string, p Priority) {
		go func() {
			if err := l.acquire(ctx, p, "/lane"); err != nil {
				order <- "error " + name
				return
			}
			order <- name
			l.release(p)
		}()
	}
	start("detail-1", PriorityDetail)
	waitQueued(t, l, 1)
	start("detail-2", PriorityDetail)
	waitQueued(t, l, 2)
	start("core", PriorityCore)
	waitQueued(t, l, 3)
	l.release(PriorityCore)
	var got []string
	for range 3 {
		got = append(got, <-order)
	}
	want := []string{"core", "detail-1", "detail-2"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("slots went to %v, want %v", got, want)
		}
	}
	l.mu.Lock()
	free := l.free
	l.mu.Unlock()
	if free != 1 {
		t.Errorf("free slots after all released = %d, want 1", free)
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
	l := newLimiter(1)
	ctx := context.Background()
	if err := l.acquire(ctx, PriorityCore, "/overview"); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 8)
	start := func(name, lane string, queued int) {
		go func() {
			if err := l.acquire(ctx, PriorityCore, lane); err != nil {
				order <- "error " + name
				return
			}
			order <- name
			l.release(PriorityCore)
		}()
		waitQueued(t, l, queued)
	}
	for i := range 5 {
		start(fmt.Sprintf("checkpoints-%d", i), "/jobs/:jobid/checkpoints", i+1)
	}
	start("taskmanagers", "/taskmanagers", 6)
	start("jobmanager", "/jobmanager/metrics", 7)
	l.release(PriorityCore)
	var got []string
	for range 7 {
		got = append(got, <-order)
	}
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
	l := newLimiter(1)
	ctx := context.Background()
	if err := l.acquire(ctx, PriorityCore, "/overview"); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 8)
	queued := 0
	start := func(name string, ctx context.Context) {
		go func() {
			if err := l.acquire(ctx, PriorityCore, "/jobs/:jobid/checkpoints"); err != nil {
				order <- "error " + name
				return
			}
			order <- name
			l.release(PriorityCore)
		}()
		queued++
		waitQueued(t, l, queued)
	}
	start("unordered-first", ctx)
	for _, n := range []int{3, 0, 4, 1, 2} {
		start(fmt.Sprintf("job-%d", n), WithQueueOrder(ctx, n))
	}
	start("unordered-last", ctx)
	start("job-5", WithQueueOrder(ctx, 5))
	l.release(PriorityCore)
	var got []string
	for range queued {
		got = append(got, <-order)
	}
	want := []string{"unordered-first", "job-0", "job-1", "job-2", "job-3", "job-4", "unordered-last", "job-5"}
	if !slices.Equal(got, want) {
		t.Fatalf("slots went to %v, want %v", got, want)
	}
}
