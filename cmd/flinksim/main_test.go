package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// startupLimit is generous on purpose: startup takes well under a second,
// but a loaded 2-core CI machine must not make the test flaky.
const startupLimit = 5 * time.Second

// buildCommand compiles the command into a temporary directory.
func buildCommand(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool not found: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "flinksim")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// waitForAddress reads the command's log until it names its listen address.
func waitForAddress(t *testing.T, stderr io.Reader) string {
	t.Helper()
	addressRE := regexp.MustCompile(`address=(\S+)`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if m := addressRE.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
	}()
	select {
	case addr := <-found:
		return addr
	case <-time.After(startupLimit):
		t.Fatal("the command did not log its listen address")
		return ""
	}
}

// pollOverview asks /overview until it answers 200 or the deadline passes.
func pollOverview(ctx context.Context, url string) (*flinkapi.ClusterOverview, error) {
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var o flinkapi.ClusterOverview
			err = json.NewDecoder(resp.Body).Decode(&o)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				return &o, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("GET %s: %w (last error %v)", url, ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestCommandServesEveryScenario builds the command, starts it on a free
// port for each scenario, and checks that /overview answers validly and
// soon.
func TestCommandServesEveryScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the command")
	}
	bin := buildCommand(t)
	for _, scenario := range flinksim.Scenarios() {
		t.Run(scenario, func(t *testing.T) {
			start := time.Now()
			cmd := exec.Command(bin, "--web.listen-address=127.0.0.1:0", "--scenario="+scenario,
				"--flink-version=1.18", "--taskmanagers=4")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				_ = cmd.Process.Signal(os.Interrupt)
				if err := cmd.Wait(); err != nil {
					t.Errorf("command exited with %v after SIGINT", err)
				}
			})
			addr := waitForAddress(t, stderr)
			ctx, cancel := context.WithTimeout(context.Background(), startupLimit)
			defer cancel()
			o, err := pollOverview(ctx, "http://"+addr+"/overview")
			if err != nil {
				t.Fatal(err)
			}
			elapsed := time.Since(start)
			t.Logf("%s: /overview answered %v after start", scenario, elapsed)
			if elapsed > startupLimit {
				t.Errorf("startup took %v", elapsed)
			}
			if o.TaskManagers != 4 || o.JobsRunning != flinksim.DefaultJobs || o.FlinkVersion != "1.18.1" {
				t.Errorf("overview %+v", o)
			}
		})
	}
}

// TestRunRejectsBadFlags checks that invalid flags fail with exit code 2
// instead of serving.
func TestRunRejectsBadFlags(t *testing.T) {
	tests := [][]string{
		{"--scenario=meltdown"},
		{"--flink-version=1.9"},
		{"--jobs=-1"},
		{"--web.listen-address=256.0.0.1:bad"},
		{"--web.local-listen-address=256.0.0.1:bad"},
		{"--scenario=backpressure", "--vertices=1"},
		{"--scenario=taskmanager-overload", "--taskmanagers=1"},
		{"--rest-latency=2s", "--rest-latency-max=1s"},
		{"--rest-threads=-1"},
		{"--exporter-path-latency=2s", "--exporter-path-latency-max=1s"},
		{"--clock-speed=0"},
		{"--clock-speed=-2"},
	}
	for _, args := range tests {
		t.Run(args[0], func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // never serve for long, even if the flags were accepted
			if code := run(ctx, args, io.Discard); code == 0 {
				t.Errorf("run(%v) = 0", args)
			}
		})
	}
}

// TestLocalListenerSkipsExporterPath starts the command with an exporter
// path latency and a local listener: answers on the main address wait for
// the path, answers on the local one (the JobManager's host) do not.
func TestLocalListenerSkipsExporterPath(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the command")
	}
	bin := buildCommand(t)
	cmd := exec.Command(bin, "--web.listen-address=127.0.0.1:0", "--web.local-listen-address=127.0.0.1:0",
		"--exporter-path-latency=1500ms")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		if err := cmd.Wait(); err != nil {
			t.Errorf("command exited with %v after SIGINT", err)
		}
	})
	addrs := make(chan [2]string, 1)
	go func() {
		mainRE, localRE := regexp.MustCompile(` address=(\S+)`), regexp.MustCompile(`local_address=(\S+)`)
		var found [2]string
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := localRE.FindStringSubmatch(sc.Text()); m != nil {
				found[1] = m[1]
			} else if m := mainRE.FindStringSubmatch(sc.Text()); m != nil {
				found[0] = m[1]
			}
			if found[0] != "" && found[1] != "" {
				addrs <- found
				found = [2]string{}
			}
		}
	}()
	var got [2]string
	select {
	case got = <-addrs:
	case <-time.After(startupLimit):
		t.Fatal("the command did not log both listen addresses")
	}
	timeOverview := func(addr string) time.Duration {
		ctx, cancel := context.WithTimeout(context.Background(), startupLimit)
		defer cancel()
		start := time.Now()
		if _, err := pollOverview(ctx, "http://"+addr+"/overview"); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	local := timeOverview(got[1])
	remote := timeOverview(got[0])
	t.Logf("/overview: %v on the local address, %v on the exporter's", local, remote)
	if remote < 1500*time.Millisecond {
		t.Errorf("exporter-side answer took %v, want at least the 1.5 s path latency", remote)
	}
	if local >= 1500*time.Millisecond {
		t.Errorf("local answer took %v, want it without the path latency", local)
	}
}
