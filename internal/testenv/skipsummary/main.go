// Command skipsummary prints the one-line summary of the tests that
// skipped for lack of a tool, from the records testenv.Missing appended to
// testenv.SkipLog(), or nothing when none skipped. `make test` and .ci/run
// run it after `go test`; with -v it lists each skipped test too.
//
//	go run ./internal/testenv/skipsummary [-v] [file]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/flink-exporter/flink_exporter/internal/testenv"
)

func main() {
	verbose := flag.Bool("v", false, "list each skipped test")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: skipsummary [-v] [file]\n\nThe file defaults to $%s or %s.\n", testenv.SkipLogEnv, testenv.SkipLog())
		flag.PrintDefaults()
	}
	flag.Parse()
	path := testenv.SkipLog()
	if flag.NArg() > 0 {
		path = flag.Arg(0)
	}
	skips, err := testenv.ReadSkips(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "skipsummary:", err)
		os.Exit(1)
	}
	if *verbose {
		for _, s := range skips {
			fmt.Printf("skipped %s %s: %s missing (%s)\n", s.Package, s.Test, s.Tool, s.Install)
		}
	}
	if line := testenv.Summary(skips); line != "" {
		fmt.Println(line)
	}
}
