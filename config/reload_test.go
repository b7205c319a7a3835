package config

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestReloaderKeepsTheLastGoodConfiguration: POST and PUT /-/reload load
// the file and hand it to apply; a broken file, or one apply refuses, is
// answered 500 with the reason, is not applied, and sets
// flink_exporter_config_last_reload_successful to 0; GET is refused.
func TestReloaderKeepsTheLastGoodConfiguration(t *testing.T) {
	file := filepath.Join(t.TempDir(), "flink_exporter.yml")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var applied []string
	refuse := false
	r := NewReloader(file, []string{"jobs"}, func(cfg *Config) error {
		if refuse {
			return os.ErrInvalid
		}
		applied = append(applied, strings.Join(cfg.Names(), ","))
		return nil
	}, log.NewNopLogger())
	reload := func(method string) (int, string) {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(method, "/-/reload", nil))
		return rec.Code, rec.Body.String()
	}
	successful := func() float64 { return testutil.ToFloat64(r.success) }

	write("clusters:\n  a:\n    url: http://a:8081\n")
	if err := r.Reload(); err != nil || successful() != 1 {
		t.Fatalf("first load: %v, successful %v", err, successful())
	}
	write("clusters:\n  a:\n    url: http://a:8081\n  b:\n    url: http://b:8081\n")
	if code, body := reload(http.MethodPost); code != http.StatusOK {
		t.Fatalf("POST: %d %s", code, body)
	}
	if code, _ := reload(http.MethodPut); code != http.StatusOK {
		t.Fatalf("PUT: %d", code)
	}
	if code, _ := reload(http.MethodGet); code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", code)
	}

	write("clusters:\n  a:\n    url: http://a:8081\n    colectors: [jobs]\n")
	if code, body := reload(http.MethodPost); code != http.StatusInternalServerError || !strings.Contains(body, "colectors") {
		t.Errorf("broken file: %d %q, want 500 naming the mistake", code, body)
	}
	if successful() != 0 {
		t.Error("the failed reload is not exported")
	}
	write("clusters:\n  c:\n    url: http://c:8081\n")
	refuse = true
	if code, _ := reload(http.MethodPost); code != http.StatusInternalServerError {
		t.Errorf("refused by apply: %d, want 500", code)
	}
	if got := strings.Join(applied, " "); got != "a a,b a,b" {
		t.Errorf("applied %q, want only the good configurations", got)
	}
}

// TestReloaderWatch: every signal received reloads, until the context
// ends.
func TestReloaderWatch(t *testing.T) {
	file := filepath.Join(t.TempDir(), "flink_exporter.yml")
	if err := os.WriteFile(file, []byte("clusters:\n  a:\n    url: http://a:8081\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	loads := make(chan struct{}, 2)
	r := NewReloader(file, nil, func(*Config) error { loads <- struct{}{}; return nil }, log.NewNopLogger())
	ctx, cancel := context.WithCancel(context.Background())
	hup := make(chan os.Signal)
	done := make(chan struct{})
	go func() { r.Watch(ctx, hup); close(done) }()
	for range 2 {
		hup <- syscall.SIGHUP
		select {
		case <-loads:
		case <-time.After(10 * time.Second):
			t.Fatal("SIGHUP did not reload")
		}
	}
	cancel()
	<-done
}

// TestReloaderRefusesNoClusters: a reload to a file that names no cluster
// is refused and keeps the configuration applied before.
func TestReloaderRefusesNoClusters(t *testing.T) {
	file := filepath.Join(t.TempDir(), "flink_exporter.yml")
	if err := os.WriteFile(file, []byte("clusters:\n  a:\n    url: http://a:8081\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var applied []string
	r := NewReloader(file, nil, func(cfg *Config) error { applied = append(applied, strings.Join(cfg.Names(), ",")); return nil }, log.NewNopLogger())
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	for _, empty := range []string{"", "clusters: {}\n"} {
		if err := os.WriteFile(file, []byte(empty), 0o600); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/-/reload", nil))
		if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "no cluster configured") {
			t.Errorf("reload to %q: %d %q, want 500 saying no cluster is configured", empty, rec.Code, rec.Body.String())
		}
	}
	if got := strings.Join(applied, " "); got != "a" {
		t.Errorf("applied %q, want only the first configuration", got)
	}
	if testutil.ToFloat64(r.success) != 0 {
		t.Error("the refused reload is not exported")
	}
}
