// Command gendashboards writes flink_exporter's Grafana dashboards, built
// by package internal/dashboards, to dashboards/*.json. Run it from the
// repository root after changing the dashboards:
//
//	go run ./cmd/gendashboards
//
// A test of internal/dashboards fails while the files differ from what it
// writes.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/flink-exporter/flink_exporter/internal/dashboards"
)

func main() {
	out := flag.String("out", "dashboards", "Directory to write the dashboard JSON files to.")
	flag.Parse()
	if err := write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gendashboards:", err)
		os.Exit(1)
	}
}

// write renders every dashboard into dir.
func write(dir string) error {
	files, err := dashboards.Files()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}
