package prober

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	promconfig "github.com/prometheus/common/config"

	"github.com/flink-exporter/flink_exporter/config"
)

// TestPoolKeepsClustersAcrossReloads: Apply keeps the client and state of
// every unchanged cluster, rebuilds a changed one, forgets a removed one,
// and changes nothing when one cluster cannot be built.
func TestPoolKeepsClustersAcrossReloads(t *testing.T) {
	pool := NewPool(testSettings(), false, log.NewNopLogger())
	cfg := func(clusters map[string]config.Cluster) *config.Config { return &config.Config{Clusters: clusters} }
	a := config.Cluster{URL: "http://a:8081"}
	b := config.Cluster{URL: "http://b:8081"}
	if err := pool.Apply(cfg(map[string]config.Cluster{"a": a, "b": b})); err != nil {
		t.Fatal(err)
	}
	ca, _ := pool.lookup("a")
	cb, _ := pool.lookup("b")

	b.MaxConcurrentRequests = 1
	if err := pool.Apply(cfg(map[string]config.Cluster{"a": a, "b": b})); err != nil {
		t.Fatal(err)
	}
	if c, _ := pool.lookup("a"); c != ca {
		t.Error("the unchanged cluster a was rebuilt: its state is lost")
	}
	if c, _ := pool.lookup("b"); c == cb {
		t.Error("the changed cluster b was kept")
	}

	broken := config.Cluster{URL: "http://c:8081"}
	broken.HTTPClientConfig.TLSConfig.CAFile = "/nonexistent/ca.pem"
	if err := pool.Apply(cfg(map[string]config.Cluster{"a": a, "c": broken})); err == nil {
		t.Fatal("a cluster with a missing CA file was accepted")
	}
	if _, err := pool.lookup("b"); err != nil {
		t.Errorf("a refused configuration dropped cluster b: %v", err)
	}
	if _, err := pool.lookup("c"); err == nil {
		t.Error("a refused configuration added cluster c")
	}

	if err := pool.Apply(cfg(map[string]config.Cluster{"a": a})); err != nil {
		t.Fatal(err)
	}
	var refused *targetError
	if _, err := pool.lookup("b"); !errors.As(err, &refused) {
		t.Errorf("removed cluster b: %v", err)
	}
}

// keptURLs lists the URL targets the pool keeps.
func keptURLs(p *Pool) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var keys []string
	for key := range p.arbitrary {
		keys = append(keys, key)
	}
	return keys
}

// TestPoolBoundsArbitraryTargets: URL targets are kept for reuse, at most
// maxArbitraryTargets of them (least recently used out), and forgotten
// when not scraped for arbitraryTargetIdle.
func TestPoolBoundsArbitraryTargets(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	pool := NewPool(testSettings(), true, log.NewNopLogger())
	pool.now = func() time.Time { return now }
	target := func(i int) string { return fmt.Sprintf("http://jobmanager-%d:8081", i) }

	first, err := pool.lookup(target(0))
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := pool.lookup(target(0) + "/"); again != first {
		t.Error("the same URL got a new cluster: its state is lost between scrapes")
	}
	for i := 1; i <= maxArbitraryTargets; i++ {
		now = now.Add(time.Second)
		if _, err := pool.lookup(target(i)); err != nil {
			t.Fatal(err)
		}
	}
	kept := keptURLs(pool)
	if len(kept) != maxArbitraryTargets {
		t.Fatalf("%d URL targets kept, bound is %d", len(kept), maxArbitraryTargets)
	}
	if slices.Contains(kept, target(0)) {
		t.Error("the least recently used target was kept beyond the bound")
	}

	now = now.Add(arbitraryTargetIdle)
	if _, err := pool.lookup(target(1000)); err != nil {
		t.Fatal(err)
	}
	if kept := keptURLs(pool); len(kept) != 1 {
		t.Errorf("targets idle for %v were kept: %v", arbitraryTargetIdle, kept)
	}
}

// TestClusterFollowsNoRedirect: a JobManager (or a proxy before it) that
// redirects to another host never receives the cluster's credentials
// there: the exporter follows no redirect.
func TestClusterFollowsNoRedirect(t *testing.T) {
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			leaked.Store(true)
		}
		w.Write([]byte(`{"taskmanagers":0}`))
	}))
	defer other.Close()
	jm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer jm.Close()

	pw := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pw, []byte("hunter2"), 0o600); err != nil {
		t.Fatal(err)
	}
	spec := config.Cluster{URL: jm.URL, HTTPClientConfig: config.DefaultHTTPClientConfig()}
	spec.HTTPClientConfig.BasicAuth = &promconfig.BasicAuth{Username: "flink", PasswordFile: pw}
	c, err := newCluster("redirecting", spec, Settings{Timeout: 5 * time.Second, MaxConcurrentRequests: 1}, newInstrumentation(), log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan prometheus.Metric, 1000)
	c.exporter.CollectContext(context.Background(), ch)
	close(ch)
	if leaked.Load() {
		t.Fatal("the credentials followed a redirect to another host")
	}
}
