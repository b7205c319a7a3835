// Command perfbench measures what scraping Flink clusters of growing size
// costs the JobManager (REST requests) and the exporter (scrape time, CPU,
// memory), and writes docs/performance.md:
//
//	go run ./cmd/perfbench            # the full run, a few minutes
//	go run ./cmd/perfbench --quick    # a smoke run of the smallest cluster
//
// The measurement lives in package internal/perf; this command only wires
// flags and files. It starts itself again as a worker process for the
// CPU and memory measurements (see perf.IsWorker).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/alecthomas/kingpin/v2"

	"github.com/flink-exporter/flink_exporter/internal/perf"
)

func main() {
	if perf.IsWorker() {
		os.Exit(perf.WorkerMain(os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

// run parses the flags, measures and writes the document. It returns the
// process exit code.
func run(ctx context.Context, args []string, stderr io.Writer) int {
	app := kingpin.New("perfbench", "Measures the exporter's cost on simulated Flink clusters and writes docs/performance.md.")
	app.HelpFlag.Short('h')
	app.UsageWriter(stderr)
	app.ErrorWriter(stderr)
	var (
		out   = app.Flag("out", "File to write; - for standard output.").Default(filepath.Join("docs", "performance.md")).String()
		quick = app.Flag("quick", "Smoke run: the smallest cluster, a few scrapes of each kind, 2 ms per answer.").Bool()
	)
	if _, err := app.Parse(args); err != nil {
		fmt.Fprintf(stderr, "perfbench: %v\n", err)
		return 2
	}
	opts := perf.Options{Log: stderr}
	if *quick {
		opts = perf.QuickOptions()
		opts.Log = stderr
	}
	rep, err := perf.Run(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "perfbench: %v\n", err)
		return 1
	}
	doc := rep.Markdown()
	if *out == "-" {
		os.Stdout.Write(doc)
		return 0
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		fmt.Fprintf(stderr, "perfbench: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "perfbench: wrote %s in %v\n", *out, rep.Took.Round(1e9))
	return 0
}
