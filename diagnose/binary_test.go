package diagnose

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBinary runs the built flink_exporter's diagnose command as a person
// does: against the in-process demo cluster, and against a JobManager that
// is not there.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and watches for seconds")
	}
	bin := filepath.Join(t.TempDir(), "flink_exporter")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(args ...string) (int, string, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("%v: %v", args, err)
		}
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	}

	code, out, errOut := run("diagnose", "--demo=backpressure", "--watch=6s", "--step=2s", "--output=json")
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d, stderr %q: %v\n%s", code, errOut, err, out)
	}
	if code != ExitTrouble || len(rep.Jobs) == 0 {
		t.Fatalf("exit code %d, %d jobs; stderr %q", code, len(rep.Jobs), errOut)
	}
	for _, j := range rep.Jobs {
		if j.Cause == nil || *j.Cause != "backpressure" {
			t.Errorf("job %s: cause %v, want backpressure", j.JobName, j.Cause)
		}
	}

	code, out, errOut = run("diagnose", "--flink.url=http://127.0.0.1:1")
	if code != ExitUnreadable || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "flink_exporter diagnose: cannot read the Flink cluster at http://127.0.0.1:1: ") {
		t.Errorf("unreachable: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
