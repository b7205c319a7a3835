package prober

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// prefixedSim serves one simulated JobManager of jobs jobs under any
// first path segment, so that every /probe?target=<url>/<n> is another
// URL target (with its own state) of the same server.
func prefixedSim(t testing.TB, jobs int) *httptest.Server {
	t.Helper()
	sim, err := flinksim.New(flinksim.Config{Jobs: jobs, Vertices: 3, TaskManagers: 4})
	if err != nil {
		t.Fatal(err)
	}
	inner := sim.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if i := strings.Index(r.URL.Path[1:], "/"); i >= 0 {
			r.URL.Path = r.URL.Path[i+1:]
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// heapAfterGC is the live heap.
func heapAfterGC() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// probeOnce scrapes target through h and returns the status.
func probeOnce(h http.Handler, target string) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/probe?target="+url.QueryEscape(target), nil))
	return rec.Code
}

// TestPoolBoundsHeldBytes: 100 URL targets whose answers add up to about
// 40 MiB keep the heap within the byte bound (lowered to 4 MiB here), not
// only the count bound, which would keep them all.
func TestPoolBoundsHeldBytes(t *testing.T) {
	srv := prefixedSim(t, 20)
	pool := NewPool(testSettings(), true, log.NewNopLogger())
	pool.maxBytes = 4 << 20
	h := Handler(pool, 10*time.Second, 0, log.NewNopLogger())
	before := heapAfterGC()
	for i := range 100 {
		if code := probeOnce(h, fmt.Sprintf("%s/t%d", srv.URL, i)); code != http.StatusOK {
			t.Fatalf("target %d: %d", i, code)
		}
	}
	grown := heapAfterGC() - before
	pool.mu.Lock()
	kept, held := pool.recent.Len(), pool.heldBytes
	pool.mu.Unlock()
	t.Logf("heap grew %d KiB for %d targets kept, %d KiB held by estimate", grown>>10, kept, held>>10)
	if held > pool.maxBytes || kept >= 100 {
		t.Errorf("%d targets kept holding %d bytes by estimate; bound %d bytes", kept, held, pool.maxBytes)
	}
	// Generous: the bound, the per-target base of the test's own
	// httptest connections and the runtime's slack.
	if limit := int64(16 << 20); grown > limit {
		t.Errorf("heap grew %d MiB over 100 targets; the pool's bound is %d MiB (limit here %d MiB)", grown>>20, pool.maxBytes>>20, limit>>20)
	}
	runtime.KeepAlive(pool)
}

// BenchmarkProbeArbitraryTargets scrapes a new URL target of a 20-job
// cluster per iteration and reports the heap that stays after GC per
// target scraped, which the byte bound caps.
func BenchmarkProbeArbitraryTargets(b *testing.B) {
	srv := prefixedSim(b, 20)
	pool := NewPool(testSettings(), true, log.NewNopLogger())
	h := Handler(pool, 10*time.Second, 0, log.NewNopLogger())
	before := heapAfterGC()
	b.ResetTimer()
	for i := range b.N {
		probeOnce(h, fmt.Sprintf("%s/t%d", srv.URL, i))
	}
	b.StopTimer()
	b.ReportMetric(float64(heapAfterGC()-before)/float64(b.N), "heap-bytes/target")
	pool.mu.Lock()
	b.ReportMetric(float64(pool.recent.Len()), "targets-kept")
	pool.mu.Unlock()
}

// TestHandlerRefusesLongTarget: a target URL over 2 KiB is answered 400
// with the reason, and nothing is requested.
func TestHandlerRefusesLongTarget(t *testing.T) {
	var count requestCounter
	a := flinkStandIn(t, count.wrap)
	srv := probeServer(t, true, nil)
	long := a.URL + "/" + strings.Repeat("x", 3<<10)
	status, body := probe(t, srv, long)
	if status != http.StatusBadRequest || !strings.Contains(body, "at most 2048") {
		t.Errorf("3 KiB target: %d %.200q, want 400 saying at most 2048 bytes", status, body)
	}
	if strings.Contains(body, "xxxxxxxxxx") {
		t.Error("the refusal repeats the long target")
	}
	if count.n.Load() != 0 {
		t.Errorf("%d requests sent for a refused target", count.n.Load())
	}
	if status, _ := probe(t, srv, a.URL+"/"+strings.Repeat("x", 1<<10)); status != http.StatusOK {
		t.Errorf("1 KiB target: %d, want 200", status)
	}
}

// syncBuffer is a log output read while written.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestFailingTargetLogsOncePerInterval: a URL target that fails every
// probe, and a refused one asked for again and again, log one line each
// per interval, whatever the number of probes and collectors; past the
// interval they log again, saying how many lines were held back.
func TestFailingTargetLogsOncePerInterval(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"errors":["boom"]}`))
	}))
	t.Cleanup(failing.Close)
	var out syncBuffer
	logger := level.NewFilter(log.NewLogfmtLogger(&out), level.AllowDebug())
	now := time.Unix(1_750_000_000, 0)
	var mu sync.Mutex
	pool := NewPool(testSettings(), true, logger)
	pool.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := Handler(pool, 10*time.Second, 0, logger)
	target := failing.URL + "/failing-target"
	refused := "http://user:pw@" + strings.TrimPrefix(failing.URL, "http://") + "/refused-target"
	lines := func(marker string) int {
		n := 0
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.Contains(l, marker) && (strings.Contains(l, "level=error") || strings.Contains(l, "level=warn") || strings.Contains(l, "probe target refused")) {
				n++
			}
		}
		return n
	}
	for range 5 {
		probeOnce(h, target)
		if code := probeOnce(h, refused); code != http.StatusBadRequest {
			t.Fatalf("refused target: %d", code)
		}
	}
	if n := lines("failing-target"); n != 1 {
		t.Errorf("a failing target logged %d lines over 5 probes, want 1:\n%s", n, out.String())
	}
	if n := lines("refused-target"); n != 1 {
		t.Errorf("a refused target logged %d lines over 5 probes, want 1:\n%s", n, out.String())
	}
	mu.Lock()
	now = now.Add(targetLogInterval)
	mu.Unlock()
	probeOnce(h, target)
	if n := lines("failing-target"); n != 2 || !strings.Contains(out.String(), "suppressed_lines=") {
		t.Errorf("after the interval: %d lines, want 2, the second with suppressed_lines:\n%s", n, out.String())
	}
}

// connCounter counts a server's open connections.
type connCounter struct{ open atomic.Int64 }

func (c *connCounter) track(_ net.Conn, s http.ConnState) {
	switch s {
	case http.StateNew:
		c.open.Add(1)
	case http.StateClosed, http.StateHijacked:
		c.open.Add(-1)
	}
}

// TestDroppedTargetClosesConnections: a URL target the pool drops (here
// beyond a bound of one target) closes its idle connections at once,
// rather than keeping them for the transport's idle timeout.
func TestDroppedTargetClosesConnections(t *testing.T) {
	servers := make([]*httptest.Server, 2)
	conns := make([]*connCounter, 2)
	for i := range servers {
		sim, err := flinksim.New(flinksim.Config{Jobs: 1, Vertices: 2, TaskManagers: 2})
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = &connCounter{}
		servers[i] = httptest.NewUnstartedServer(sim.Handler())
		servers[i].Config.ConnState = conns[i].track
		servers[i].Start()
		t.Cleanup(servers[i].Close)
	}
	pool := NewPool(testSettings(), true, log.NewNopLogger())
	pool.maxTargets = 1
	h := Handler(pool, 10*time.Second, 0, log.NewNopLogger())
	if code := probeOnce(h, servers[0].URL); code != http.StatusOK {
		t.Fatal(code)
	}
	if conns[0].open.Load() == 0 {
		t.Fatal("the first target keeps no connection: nothing to test")
	}
	if code := probeOnce(h, servers[1].URL); code != http.StatusOK {
		t.Fatal(code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for conns[0].open.Load() != 0 && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	if n := conns[0].open.Load(); n != 0 {
		t.Errorf("the dropped target keeps %d connections open", n)
	}
	if conns[1].open.Load() == 0 {
		t.Error("the kept target lost its connections")
	}
}
