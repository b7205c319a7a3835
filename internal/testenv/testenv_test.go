package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeTB records how Missing ends a test without ending the real one.
type fakeTB struct {
	testing.TB
	name            string
	skipped, failed string
}

func (f *fakeTB) Helper()                         {}
func (f *fakeTB) Name() string                    { return f.name }
func (f *fakeTB) Logf(format string, args ...any) {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// runFake runs f with a fakeTB in its own goroutine, so that Goexit ends
// only that goroutine.
func runFake(name string, f func(tb testing.TB)) *fakeTB {
	fake := &fakeTB{name: name}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(fake)
	}()
	<-done
	return fake
}

func TestRequireBinary(t *testing.T) {
	const missing = "no-such-binary-flink-exporter-testenv"
	tests := []struct {
		name       string
		ci         string
		wantSkip   bool
		wantRecord bool
	}{
		{name: "skips and records outside CI", ci: "", wantSkip: true, wantRecord: true},
		{name: "skips with CI=false", ci: "false", wantSkip: true, wantRecord: true},
		{name: "fails in CI", ci: "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			log := filepath.Join(t.TempDir(), "skips.tsv")
			t.Setenv(SkipLogEnv, log)
			fake := runFake("TestNeedsTool/sub", func(tb testing.TB) { RequireBinary(tb, missing) })
			if gotSkip, gotFail := fake.skipped != "", fake.failed != ""; gotSkip != tt.wantSkip || gotFail == tt.wantSkip {
				t.Fatalf("skipped %q, failed %q; want skip %v", fake.skipped, fake.failed, tt.wantSkip)
			}
			msg := fake.skipped + fake.failed
			if !strings.Contains(msg, missing) || !strings.Contains(msg, "apt-get install -y "+missing) {
				t.Errorf("message %q should name the binary and how to install it", msg)
			}
			skips, err := ReadSkips(log)
			if err != nil {
				t.Fatal(err)
			}
			var want []Skip
			if tt.wantRecord {
				want = []Skip{{Package: "internal/testenv", Test: "TestNeedsTool/sub", Tool: missing, Install: "apt-get install -y " + missing}}
			}
			if fmt.Sprint(skips) != fmt.Sprint(want) {
				t.Errorf("recorded %v, want %v", skips, want)
			}
		})
	}
}

func TestRequireBinaryFindsInstalled(t *testing.T) {
	t.Setenv("CI", "true")
	fake := runFake("TestSh", func(tb testing.TB) {
		if p := RequireBinary(tb, "sh"); !filepath.IsAbs(p) {
			tb.Fatalf("RequireBinary(sh) = %q, want an absolute path", p)
		}
	})
	if fake.skipped != "" || fake.failed != "" {
		t.Fatalf("sh: skipped %q, failed %q", fake.skipped, fake.failed)
	}
}

func TestInCI(t *testing.T) {
	for value, want := range map[string]bool{"": false, "0": false, "false": false, "FALSE": false, "true": true, "1": true, "yes": true} {
		t.Setenv("CI", value)
		if got := InCI(); got != want {
			t.Errorf("CI=%q: InCI() = %v, want %v", value, got, want)
		}
	}
}

func TestSkipLogDefault(t *testing.T) {
	t.Setenv(SkipLogEnv, "")
	if got, want := SkipLog(), filepath.Join(os.TempDir(), "flink_exporter-skipped-tests.tsv"); got != want {
		t.Errorf("SkipLog() = %q, want %q", got, want)
	}
	t.Setenv(SkipLogEnv, "/x/skips.tsv")
	if got := SkipLog(); got != "/x/skips.tsv" {
		t.Errorf("SkipLog() = %q, want $%s", got, SkipLogEnv)
	}
}

func TestSummary(t *testing.T) {
	const prom = "apt-get install -y prometheus prometheus-alertmanager"
	const npm = "cd dashboards/schema-check && npm ci"
	tests := []struct {
		name  string
		skips []Skip
		want  string
	}{
		{name: "none", want: ""},
		{
			name:  "one",
			skips: []Skip{{"rules", "TestPromtool", "promtool", prom}},
			want:  "skipped 1 test for missing tools: promtool (" + prom + ")",
		},
		{
			name: "grouped by install command, each test once",
			skips: []Skip{
				{"rules", "TestPromtool", "promtool", prom},
				{"internal/e2e", "TestAlerts", "prometheus", prom},
				{"internal/e2e", "TestAlerts", "prometheus-alertmanager", prom},
				{"internal/dashboards", "TestDashboardsMatchGrafanaSchema", "node_modules", npm},
				{"internal/e2e", "TestRules", "prometheus", prom},
			},
			want: "skipped 4 tests for missing tools: prometheus, prometheus-alertmanager, promtool (" + prom + "), node_modules (" + npm + ")",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Summary(tt.skips); got != tt.want {
				t.Errorf("Summary() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestReadSkips(t *testing.T) {
	dir := t.TempDir()
	if skips, err := ReadSkips(filepath.Join(dir, "absent")); err != nil || skips != nil {
		t.Errorf("absent file: %v, %v; want nothing", skips, err)
	}
	path := filepath.Join(dir, "skips.tsv")
	want := []Skip{{"a", "TestA", "tool\twith tab", "x"}, {"b", "TestB", "y", "install\nacross lines"}}
	for _, s := range want {
		if err := record(path, s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadSkips(path)
	if err != nil {
		t.Fatal(err)
	}
	want[0].Tool, want[1].Install = "tool with tab", "install across lines"
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ReadSkips = %v, want %v", got, want)
	}
	if err := os.WriteFile(path, []byte("only\ttwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSkips(path); err == nil {
		t.Error("a line of two fields was accepted")
	}
}
