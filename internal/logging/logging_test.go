package logging

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log/level"
)

// TestOneTimeKey: the go-kit and the slog logger write the same keys, the
// timestamp under time in RFC 3339 and UTC, and both honour the level.
func TestOneTimeKey(t *testing.T) {
	var buf bytes.Buffer
	kit, slogger, err := New(&buf, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	level.Info(kit).Log("msg", "from go-kit")
	slogger.Info("from slog", "address", ":9894")
	level.Debug(kit).Log("msg", "filtered")
	slogger.Debug("filtered")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2 (the debug ones filtered):\n%s", len(lines), buf.String())
	}
	for _, line := range lines {
		var fields map[string]any
		if err := json.Unmarshal([]byte(line), &fields); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		stamp, _ := fields[TimeKey].(string)
		if ts, err := time.Parse(time.RFC3339Nano, stamp); err != nil || ts.Location() != time.UTC {
			t.Errorf("time %q not RFC 3339 in UTC: %s", stamp, line)
		}
		for _, key := range []string{"level", "caller", "msg"} {
			if fields[key] == nil {
				t.Errorf("no %s: %s", key, line)
			}
		}
		if fields["ts"] != nil {
			t.Errorf("a ts key: %s", line)
		}
	}
}

// TestRefusesUnknownSettings: a format or level New does not know is an
// error, not a silent default.
func TestRefusesUnknownSettings(t *testing.T) {
	if _, _, err := New(&bytes.Buffer{}, "xml", "info"); err == nil {
		t.Error("format xml accepted")
	}
	if _, _, err := New(&bytes.Buffer{}, "logfmt", "trace"); err == nil {
		t.Error("level trace accepted")
	}
}
