// Package promtool3 finds, for tests, the promtool of the Prometheus 3
// that go.mod requires (github.com/prometheus/prometheus v0.3xx.y is
// Prometheus 3.xx.y), which .ci/run installs under
// .build/prometheus3/<version>/ of the repository, built with Kubernetes
// discovery: Debian's Prometheus 2 lacks it, so only this promtool loads
// examples/prometheus-kubernetes.yml.
package promtool3

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/flink-exporter/flink_exporter/internal/testenv"
)

// Module is the Go module promtool is built from.
const Module = "github.com/prometheus/prometheus"

// Version returns the version of Module that go.mod, found in root (the
// repository, relative to the test's package), requires.
func Version(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("read go.mod: %w", err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(Module) + `\s+(v\S+)`).FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("go.mod does not require %s", Module)
	}
	return string(m[1]), nil
}

// Require returns the absolute path of promtool 3 under root's .build/,
// or ends the test as testenv.Missing does (fails under CI, skips
// elsewhere) with the command that installs it.
func Require(t testing.TB, root string) string {
	t.Helper()
	version, err := Version(root)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := filepath.Abs(filepath.Join(root, ".build", "prometheus3", version, "promtool"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		testenv.Missing(t, "promtool "+version, "GOBIN=$PWD/.build/prometheus3/"+version+" go install -tags remove_all_sd,enable_kubernetes_sd "+Module+"/cmd/promtool@"+version)
	}
	return bin
}
