package e2e

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Alertmanager is a running Alertmanager server.
type Alertmanager struct {
	// URL is the server's base URL, http://127.0.0.1:<port>.
	URL string
}

// StartAlertmanager starts the machine's Alertmanager (Debian's
// prometheus-alertmanager) with the given configuration on a free loopback
// port, in a temporary directory that also receives the extra files (for
// example notification templates, by base name), and waits until it is
// ready. The server is stopped when the test ends.
func StartAlertmanager(t testing.TB, config []byte, files map[string][]byte) *Alertmanager {
	t.Helper()
	bin := RequireBinary(t, "prometheus-alertmanager")
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	configPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(configPath, config, 0o644); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		am, err := startAlertmanager(t, bin, dir, configPath, attempt)
		if err == nil {
			return am
		}
		if attempt == startAttempts || !errors.Is(err, errAddressInUse) {
			t.Fatalf("start Alertmanager: %v", err)
		}
	}
}

func startAlertmanager(t testing.TB, bin, dir, configPath string, attempt int) (*Alertmanager, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, fmt.Sprintf("alertmanager-%d.log", attempt))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin,
		"--config.file="+configPath,
		"--storage.path="+filepath.Join(dir, fmt.Sprintf("data-%d", attempt)),
		"--web.listen-address="+addr,
		"--cluster.listen-address=", // no gossip: one instance
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	am := &Alertmanager{URL: "http://" + addr}
	if err := waitHTTP(am.URL+"/-/ready", exited); err != nil {
		stopProcess(cmd, exited)
		tail := logTail(logPath)
		if strings.Contains(tail, "address already in use") {
			return nil, fmt.Errorf("%s: %w", addr, errAddressInUse)
		}
		return nil, fmt.Errorf("%w; log:\n%s", err, tail)
	}
	t.Cleanup(func() {
		stopProcess(cmd, exited)
		if t.Failed() {
			t.Logf("Alertmanager log (%s):\n%s", logPath, logTail(logPath))
		}
	})
	return am, nil
}

// waitHTTP polls url until it answers 200, the process exits or
// startTimeout passes.
func waitHTTP(url string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-exited:
			return errors.New("process exited before it was ready")
		case <-deadline.C:
			return fmt.Errorf("%s not ready after %s", url, startTimeout)
		case <-tick.C:
			resp, err := client.Get(url)
			if err != nil {
				continue
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
}

// StartPrometheusWithConfig starts the machine's Prometheus with a
// prometheus.yml given whole, in a temporary directory that also receives
// the extra files by base name (rule files).
func StartPrometheusWithConfig(t testing.TB, config []byte, files map[string][]byte) *Prometheus {
	t.Helper()
	bin := RequireBinary(t, "prometheus")
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, config, 0o644); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		p, err := startPrometheus(t, bin, dir, configPath, attempt)
		if err == nil {
			return p
		}
		if attempt == startAttempts || !errors.Is(err, errAddressInUse) {
			t.Fatalf("start Prometheus: %v", err)
		}
	}
}
