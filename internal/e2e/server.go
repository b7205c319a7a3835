package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long a server may take to become ready: fresh
// directories replay nothing, so seconds are plenty even under the race
// detector on a busy machine.
const startTimeout = 60 * time.Second

// stopTimeout is how long a server may take to exit after SIGTERM before
// it is killed.
const stopTimeout = 10 * time.Second

// startAttempts bounds the retries when the free port picked for a server
// was taken by someone else before it bound it.
const startAttempts = 3

// errAddressInUse marks a start that failed because the port was taken.
var errAddressInUse = errors.New("address already in use")

// serverSpec describes a server binary of the machine that a test runs on
// a loopback port.
type serverSpec struct {
	// name names the server in messages and log files ("prometheus").
	name string
	bin  string
	// dir is the server's working directory; its log goes there.
	dir string
	// args returns the command line for a listen address and attempt.
	args func(addr string, attempt int) []string
}

// startServer runs the server until the test ends and returns its base
// URL once /-/ready answers 200. A port taken in the meantime is retried
// on another; if the test fails, the end of the server's log is written
// to the test log.
func startServer(t testing.TB, s serverSpec) string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		url, err := startServerOnce(t, s, attempt)
		if err == nil {
			return url
		}
		if attempt == startAttempts || !errors.Is(err, errAddressInUse) {
			t.Fatalf("start %s: %v", s.name, err)
		}
		t.Logf("start %s: %v; retrying on another port", s.name, err)
	}
}

func startServerOnce(t testing.TB, s serverSpec, attempt int) (string, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return "", err
	}
	logPath := filepath.Join(s.dir, fmt.Sprintf("%s-%d.log", s.name, attempt))
	logFile, err := os.Create(logPath)
	if err != nil {
		return "", fmt.Errorf("create log: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(s.bin, s.args(addr, attempt)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = s.dir
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("run %s: %w", s.bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	url := "http://" + addr
	if err := waitReady(url+"/-/ready", exited); err != nil {
		stopProcess(cmd, exited)
		tail := logTail(logPath)
		if strings.Contains(tail, "address already in use") {
			return "", fmt.Errorf("%s: %w", addr, errAddressInUse)
		}
		return "", fmt.Errorf("%w; log:\n%s", err, tail)
	}
	t.Cleanup(func() {
		stopProcess(cmd, exited)
		if t.Failed() {
			t.Logf("%s log (%s):\n%s", s.name, logPath, logTail(logPath))
		}
	})
	return url, nil
}

// waitReady polls url until it answers 200, the process exits or
// startTimeout passes. exited may be nil for a process the caller does
// not own.
func waitReady(url string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-exited:
			return errors.New("the process exited before it was ready")
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

// stopProcess asks the process to exit and kills it if it does not in
// time.
func stopProcess(cmd *exec.Cmd, exited <-chan struct{}) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// logTail returns the last lines of a server log, for failure messages.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return string(b)
}

// freeLoopbackAddr returns a loopback address whose port was free a moment
// ago. Another process may take it before the server binds it; callers
// retry on errAddressInUse.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}

// writeFiles writes files, by base name, into dir.
func writeFiles(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
