package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binaryDirs are searched after $PATH: Debian installs the Prometheus
// servers in /usr/bin, which a minimal PATH of a CI runner may lack.
var binaryDirs = []string{"/usr/bin", "/usr/local/bin", "/usr/sbin"}

// FindBinary returns the path of the executable name, looked up in $PATH
// and then in the usual system directories, or "" when there is none.
func FindBinary(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range binaryDirs {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// InCI reports whether the tests run in CI, where every dependency must be
// installed and a test may not skip for lack of one.
func InCI() bool { return os.Getenv("CI") != "" }

// RequireBinary returns the path of the executable name. When it is absent
// the test is skipped with a message naming it and how to install it, or,
// in CI, fails: CI installs every binary the tests need (.ci/run), so a
// missing one is a broken install step, not a reason to skip.
func RequireBinary(t testing.TB, name string) string {
	t.Helper()
	if p := FindBinary(name); p != "" {
		return p
	}
	msg := name + " is not installed (not in $PATH nor in /usr/bin); install it, e.g. `apt-get install " + debianPackage(name) + "`, to run this test"
	if InCI() {
		t.Fatal(msg + " (CI is set, so this test may not skip)")
	}
	t.Skip(msg)
	return ""
}

// debianPackage names the Debian package that ships a binary, for the
// skip message.
func debianPackage(binary string) string {
	switch binary {
	case "prometheus", "promtool":
		return "prometheus"
	case "prometheus-alertmanager", "alertmanager", "amtool":
		return "prometheus-alertmanager"
	case "node", "npm":
		return "nodejs npm"
	}
	return binary
}
