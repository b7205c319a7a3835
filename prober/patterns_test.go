package prober

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/flink-exporter/flink_exporter/config"
)

// authRecorder records the basic-auth password of every request that
// reaches a server.
type authRecorder struct {
	mu        sync.Mutex
	passwords []string
}

func (a *authRecorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pw, _ := r.BasicAuth()
		a.mu.Lock()
		a.passwords = append(a.passwords, pw)
		a.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// seen returns the passwords recorded since the last call.
func (a *authRecorder) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := slices.Compact(slices.Clone(a.passwords))
	a.passwords = nil
	return out
}

// settle waits until the background refresh that a scrape of target
// started has ended, so that its requests are recorded.
func settle(t *testing.T, pool *Pool, target string) {
	t.Helper()
	c, err := pool.Lookup(target)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.exporter.WaitRefreshed(ctx); err != nil {
		t.Fatal(err)
	}
}

// loadConfig loads a configuration file written to a directory of its own.
func loadConfig(t *testing.T, dir, text string) *config.Config {
	t.Helper()
	path := filepath.Join(dir, "flink_exporter.yml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadFile(path, testSettings().Collectors)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestPatternTargets: a URL that a target pattern admits is scraped with
// the pattern's http_client_config (basic auth whose password comes from
// a file reaches the JobManager) and kept in the pool's bounded cache of
// URL targets; a URL no pattern admits is answered 400 and reaches no
// server; a reload that changes the pattern's settings rebuilds its
// clusters with the new ones, and one that removes the pattern forgets
// them and refuses their URLs. /diagnose's Lookup admits the same.
func TestPatternTargets(t *testing.T) {
	var auth authRecorder
	var stray requestCounter
	jm := flinkStandIn(t, auth.wrap)
	other := flinkStandIn(t, stray.wrap)
	u, err := url.Parse(jm.URL)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, pw := range map[string]string{"old": "first-secret", "new": "second-secret"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(pw), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	patternFile := func(passwordFile string) string {
		return fmt.Sprintf(`
target_patterns:
  - name: local-jobmanager
    cidrs: [127.0.0.0/8]
    ports: [%s]
    http_client_config:
      basic_auth: {username: flink, password_file: %s}
`, u.Port(), passwordFile)
	}

	pool := NewPool(testSettings(), false, log.NewNopLogger())
	if err := pool.Apply(loadConfig(t, dir, patternFile("old"))); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(pool, 10*time.Second, 500*time.Millisecond, log.NewNopLogger()))
	t.Cleanup(srv.Close)

	if status, body := probe(t, srv, jm.URL+"/"); status != http.StatusOK || !strings.Contains(body, "flink_up 1") {
		t.Fatalf("/probe?target=%s: %d\n%s", jm.URL, status, body)
	}
	settle(t, pool, jm.URL)
	if got := auth.seen(); !slices.Equal(got, []string{"first-secret"}) {
		t.Errorf("the JobManager received passwords %q, want the pattern's password file's", got)
	}
	if kept := keptURLs(pool); !slices.Equal(kept, []string{jm.URL}) {
		t.Errorf("URL targets kept: %v, want %s", kept, jm.URL)
	}
	if c, err := pool.Lookup(jm.URL); err != nil || c == nil {
		t.Errorf("Lookup(%s) for /diagnose: %v", jm.URL, err)
	}

	// Refused: another port, another host, anything but a bare URL.
	host := strings.TrimPrefix(other.URL, "http://")
	for _, target := range []string{
		other.URL,
		"http://localhost:" + u.Port(),
		jm.URL + "/?x=1",
		"http://flink:hunter2@" + u.Host,
		"http://evil.example/?x=" + u.Host,
		"https://" + host,
	} {
		status, body := probe(t, srv, target)
		if status != http.StatusBadRequest {
			t.Errorf("target %q: %d, want 400\n%s", target, status, body)
		}
		if strings.Contains(body, "hunter2") {
			t.Errorf("target %q: the answer repeats the password: %q", target, body)
		}
	}
	if n := stray.n.Load(); n != 0 {
		t.Errorf("%d requests reached a JobManager no pattern admits", n)
	}
	if status, body := probe(t, srv, other.URL); !strings.Contains(body, "matches no target pattern") {
		t.Errorf("refusal of %s: %d %q, want the reason", other.URL, status, body)
	}

	// A reload with another password file: the cluster is built anew.
	if err := pool.Apply(loadConfig(t, dir, patternFile("new"))); err != nil {
		t.Fatal(err)
	}
	if kept := keptURLs(pool); len(kept) != 0 {
		t.Errorf("URL targets kept across a change of their pattern: %v", kept)
	}
	if status, body := probe(t, srv, jm.URL); status != http.StatusOK {
		t.Fatalf("after the reload: %d\n%s", status, body)
	}
	settle(t, pool, jm.URL)
	if got := auth.seen(); !slices.Equal(got, []string{"second-secret"}) {
		t.Errorf("after the reload, the JobManager received passwords %q, want the new file's", got)
	}

	// An unchanged pattern keeps its clusters.
	if err := pool.Apply(loadConfig(t, dir, patternFile("new"))); err != nil {
		t.Fatal(err)
	}
	if kept := keptURLs(pool); !slices.Equal(kept, []string{jm.URL}) {
		t.Errorf("URL targets kept across an unchanged reload: %v, want %s", kept, jm.URL)
	}

	// Without the pattern, the URL is refused and forgotten.
	if err := pool.Apply(loadConfig(t, dir, "clusters: {prod: {url: '"+other.URL+"'}}\n")); err != nil {
		t.Fatal(err)
	}
	if kept := keptURLs(pool); len(kept) != 0 {
		t.Errorf("URL targets kept after their pattern was removed: %v", kept)
	}
	if status, body := probe(t, srv, jm.URL); status != http.StatusBadRequest || !strings.Contains(body, "--probe.allow-arbitrary-targets") {
		t.Errorf("after removing the pattern: %d %q, want 400", status, body)
	}
	if _, err := pool.Lookup(jm.URL); err == nil {
		t.Error("Lookup admits a URL after its pattern was removed")
	}
}

// TestPatternPrecedesArbitraryTargets: with --probe.allow-arbitrary-
// targets, a URL a pattern admits still gets the pattern's settings, and
// any other URL a bare client.
func TestPatternPrecedesArbitraryTargets(t *testing.T) {
	var auth authRecorder
	jm := flinkStandIn(t, auth.wrap)
	u, _ := url.Parse(jm.URL)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pw"), []byte("pattern-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	pool := NewPool(testSettings(), true, log.NewNopLogger())
	if err := pool.Apply(loadConfig(t, dir, fmt.Sprintf(`
target_patterns:
  - name: p
    url_regex: 'http://127\.0\.0\.1:%s'
    http_client_config: {basic_auth: {username: flink, password_file: pw}}
`, u.Port()))); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(pool, 10*time.Second, 500*time.Millisecond, log.NewNopLogger()))
	t.Cleanup(srv.Close)
	if status, _ := probe(t, srv, jm.URL); status != http.StatusOK {
		t.Fatalf("pattern target: %d", status)
	}
	settle(t, pool, jm.URL)
	if got := auth.seen(); !slices.Equal(got, []string{"pattern-secret"}) {
		t.Errorf("pattern target: passwords %q", got)
	}
	// The same server under another URL is an arbitrary target.
	if status, _ := probe(t, srv, "http://localhost:"+u.Port()); status != http.StatusOK {
		t.Fatalf("arbitrary target: %d", status)
	}
	settle(t, pool, "http://localhost:"+u.Port())
	if got := auth.seen(); !slices.Equal(got, []string{""}) {
		t.Errorf("arbitrary target: passwords %q, want none", got)
	}
}
