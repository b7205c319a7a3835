package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/flink-exporter/flink_exporter/internal/dashboards"
)

func TestWriteWritesEveryDashboard(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dashboards")
	if err := write(dir); err != nil {
		t.Fatal(err)
	}
	want, err := dashboards.Files()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("wrote %d files, want %d", len(entries), len(want))
	}
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, b) {
			t.Errorf("%s differs from dashboards.Files()", name)
		}
	}
}
