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
	"strings"
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
		slow  = app.Flag("slow-scrapes", "Scrapes of the slow JobManager pass (1-3 s per answer, one scrape per 15 s of real time); 0 leaves it out.").Default("20").Int()
		sizes = app.Flag("sizes", "Only these sizes (a, b, c, d), comma-separated; all if empty.").String()
	)
	if _, err := app.Parse(args); err != nil {
		fmt.Fprintf(stderr, "perfbench: %v\n", err)
		return 2
	}
	opts := perf.Options{Log: stderr, Slow: perf.SlowOptions{Scrapes: *slow}}
	if *quick {
		opts = perf.QuickOptions()
		opts.Log = stderr
	}
	if *sizes != "" {
		want := map[string]bool{}
		for _, n := range strings.Split(*sizes, ",") {
			want[strings.TrimSpace(n)] = true
		}
		all := opts.Sizes
		if all == nil {
			all = perf.Sizes()
		}
		opts.Sizes = nil
		for _, z := range all {
			if want[z.Name] {
				opts.Sizes = append(opts.Sizes, z)
			}
		}
		if len(opts.Sizes) == 0 {
			fmt.Fprintf(stderr, "perfbench: no size among %q\n", *sizes)
			return 2
		}
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
