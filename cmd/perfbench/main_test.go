package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestFlags: an unknown flag is a usage error (exit code 2) that names it,
// before anything is measured.
func TestFlags(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"--no-such-flag"}, &stderr); code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "no-such-flag") {
		t.Errorf("stderr does not name the flag: %q", stderr.String())
	}
}
