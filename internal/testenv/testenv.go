// Package testenv is what tests need to know about the machine they run on:
// whether they run in CI, and whether an external tool they need
// (promtool, prometheus, node_modules, ...) is installed.
//
// A test that needs a tool calls RequireBinary, or Missing when it looks the
// tool up itself. In CI (the CI environment variable set, as .ci/run and
// every CI service do) a missing tool fails the test: .ci/run installs every
// tool, so a missing one is a broken install step, not a reason to skip.
// Elsewhere the test skips with a message naming the tool and the command
// that installs it, and appends a record of the skip to SkipLog, from which
// `make test` prints one summary line (see ./skipsummary), because plain
// `go test ./...` shows nothing of the skips of a package that passes.
//
// Only tests import this package.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SkipLogEnv names the environment variable that overrides the file skips
// are recorded in; `make test` points it at a file of its own.
const SkipLogEnv = "FLINK_EXPORTER_SKIP_LOG"

// SkipLog returns the file skips are appended to: $FLINK_EXPORTER_SKIP_LOG,
// or flink_exporter-skipped-tests.tsv in os.TempDir(). Each line is one
// skip, tab-separated: package directory, test name, tool, install command.
func SkipLog() string {
	if p := os.Getenv(SkipLogEnv); p != "" {
		return p
	}
	return filepath.Join(os.TempDir(), "flink_exporter-skipped-tests.tsv")
}

// InCI reports whether the tests run in CI, where every tool must be
// installed and no test may skip for lack of one: CI is set to anything but
// "", "0" or "false".
func InCI() bool {
	switch strings.ToLower(os.Getenv("CI")) {
	case "", "0", "false":
		return false
	}
	return true
}

// InstallCommand returns the command that installs the binary name on
// Debian, which .ci/run runs on: the package that ships it, or the package
// of the same name.
func InstallCommand(name string) string {
	switch name {
	case "prometheus", "promtool", "prometheus-alertmanager", "amtool":
		return "apt-get install -y prometheus prometheus-alertmanager"
	case "node", "npm":
		return "apt-get install -y nodejs npm"
	}
	return "apt-get install -y " + name
}

// FindBinary returns the path of the executable name, looked up in $PATH
// and then in the usual system directories, which a minimal PATH of a CI
// runner may lack (Debian installs the Prometheus servers in /usr/bin), or
// "" when there is none.
func FindBinary(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/bin", "/usr/local/bin", "/usr/sbin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// RequireBinary returns the path of the executable name, or ends the test
// through Missing when it is not installed.
func RequireBinary(t testing.TB, name string) string {
	t.Helper()
	if p := FindBinary(name); p != "" {
		return p
	}
	Missing(t, name, InstallCommand(name))
	return ""
}

// Missing ends a test that cannot run without tool, which install
// installs: in CI it fails the test; elsewhere it records the skip in
// SkipLog and skips the test with a message naming both.
func Missing(t testing.TB, tool, install string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is not installed (install: %s); CI is set, so this test may not skip: .ci/run must install it", tool, install)
	}
	if err := record(SkipLog(), Skip{Package: packageDir(), Test: t.Name(), Tool: tool, Install: install}); err != nil {
		t.Logf("recording the skip: %v", err)
	}
	t.Skipf("%s is not installed; to run this test: %s", tool, install)
}

// Skip is one test skipped for lack of a tool, a line of SkipLog.
type Skip struct {
	// Package is the test's package directory, relative to the module
	// root ("rules", "internal/e2e").
	Package string
	// Test is the test's name, as t.Name() gives it.
	Test string
	// Tool is what is missing: a binary, or a directory such as
	// node_modules.
	Tool string
	// Install is the command that installs the tool.
	Install string
}

// record appends s to the file at path as one tab-separated line. One
// write with O_APPEND, so that the test binaries of packages running at
// once do not interleave their lines.
func record(path string, s Skip) error {
	clean := func(v string) string { return strings.NewReplacer("\t", " ", "\n", " ").Replace(v) }
	line := strings.Join([]string{clean(s.Package), clean(s.Test), clean(s.Tool), clean(s.Install)}, "\t") + "\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open skip log: %w", err)
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return fmt.Errorf("append to skip log %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close skip log %s: %w", path, err)
	}
	return nil
}

// packageDir returns the working directory, which go test sets to the
// package's directory, relative to the module root; the absolute directory
// when there is no go.mod above it.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "?"
	}
	root, ok := moduleRoot(wd)
	if !ok {
		return wd
	}
	rel, err := filepath.Rel(root, wd)
	if err != nil {
		return wd
	}
	return filepath.ToSlash(rel)
}

// moduleRoot returns the first directory at or above dir that holds a
// go.mod.
func moduleRoot(dir string) (string, bool) {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
