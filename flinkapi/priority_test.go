package flinkapi

import (
	"context"
	"runtime"
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
	if err := l.acquire(ctx, PriorityCore); err != nil {
		t.Fatal(err)
	}
	order := make(chan string, 3)
	start := func(name string, p Priority) {
		go func() {
			if err := l.acquire(ctx, p); err != nil {
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
	if err := l.acquire(context.Background(), PriorityCore); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(WithPriority(context.Background(), PriorityDetail))
	done := make(chan error)
	go func() { done <- l.acquire(ctx, priorityOf(ctx)) }()
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
	if err := l.acquire(ctx, PriorityDetail); err != nil {
		t.Fatal(err)
	}
	got := make(chan Priority, 2)
	go func() {
		if l.acquire(ctx, PriorityDetail) == nil {
			got <- PriorityDetail
		}
	}()
	waitQueued(t, l, 1)
	if err := l.acquire(ctx, PriorityCore); err != nil {
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
