package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/flink-exporter/flink_exporter/internal/testenv"
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
// ready. It runs alone: no gossip cluster. The server is stopped when the
// test ends.
func StartAlertmanager(t testing.TB, config []byte, files map[string][]byte) *Alertmanager {
	t.Helper()
	bin := testenv.RequireBinary(t, "prometheus-alertmanager")
	dir := t.TempDir()
	writeFiles(t, dir, files)
	configPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(configPath, config, 0o644); err != nil {
		t.Fatal(err)
	}
	url := startServer(t, serverSpec{name: "alertmanager", bin: bin, dir: dir, args: func(addr string, attempt int) []string {
		return []string{
			"--config.file=" + configPath,
			"--storage.path=" + filepath.Join(dir, fmt.Sprintf("data-%d", attempt)),
			"--web.listen-address=" + addr,
			"--cluster.listen-address=",
		}
	}})
	return &Alertmanager{URL: url}
}

// StartPrometheusWithConfig starts the machine's Prometheus with a
// prometheus.yml given whole, in a temporary directory that also receives
// the extra files by base name (rule files).
func StartPrometheusWithConfig(t testing.TB, config []byte, files map[string][]byte) *Prometheus {
	t.Helper()
	bin := testenv.RequireBinary(t, "prometheus")
	dir := t.TempDir()
	writeFiles(t, dir, files)
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, config, 0o644); err != nil {
		t.Fatal(err)
	}
	return runPrometheus(t, bin, dir, configPath)
}
