// Package perf measures what scraping a Flink cluster costs the JobManager
// and the exporter, and writes the result as docs/performance.md.
//
// It scrapes simulated clusters (package flinksim) of four sizes, each
// with 2 ms and 20 ms added to every REST answer, over real HTTP on
// loopback, and measures every scrape kind the exporter sees in
// production: cold (fresh exporter state), warm (15 s after the previous
// scrape, new checkpoints completed in between) and warm on an unchanged
// cluster (the clock frozen). Two passes measure different things:
//
//   - the in-process pass serves the simulator from this process on a
//     clock the harness steps, so that a "15 s later" scrape needs no
//     15 s of waiting: REST requests per scrape (counted by the
//     simulator, by endpoint), scrape durations and series;
//   - the child-process pass runs cmd/flinksim as a separate process and
//     the exporter in a worker process of its own (this program started
//     again), so that the worker's getrusage(RUSAGE_SELF) CPU time and
//     peak resident memory are the exporter's alone.
//
// cmd/perfbench is the command; Run is its body.
package perf

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Size is one simulated cluster and how many scrapes of each kind measure
// it.
type Size struct {
	// Name is the size's label in the tables: a, b, c, d.
	Name string
	// Jobs, Vertices, Parallelism and TaskManagers shape the cluster
	// (flinksim.Config fields of the same names).
	Jobs, Vertices, Parallelism, TaskManagers int

	// Cold, Warm and Unchanged are the scrapes measured of each kind in
	// the in-process pass.
	Cold, Warm, Unchanged int
	// SlowWarm, if not zero, replaces Warm at answer latencies of 20 ms
	// and more, where a scrape of a large cluster takes seconds. The
	// requests do not depend on the latency; the fastest latency's run
	// shows when the exporter had read the whole cluster.
	SlowWarm int
	// CPUCold and CPUWarm are the scrapes measured in the child-process
	// pass.
	CPUCold, CPUWarm int
}

// warmScrapes is how many warm scrapes measure the size at latency lat.
func (z Size) warmScrapes(lat time.Duration) int {
	if z.SlowWarm > 0 && lat >= 20*time.Millisecond {
		return z.SlowWarm
	}
	return z.Warm
}

// RequestTarget is the most REST requests a warm scrape of the size should
// send: /overview, /jobs/overview and /taskmanagers, two per job and one
// per TaskManager.
func (z Size) RequestTarget() int { return 3 + 2*z.Jobs + z.TaskManagers }

// Shape describes the cluster in words.
func (z Size) Shape() string {
	job := "jobs"
	if z.Jobs == 1 {
		job = "job"
	}
	return fmt.Sprintf("%d %s × %d vertices × parallelism %d, %d TaskManagers", z.Jobs, job, z.Vertices, z.Parallelism, z.TaskManagers)
}

// Sizes are the clusters of the full run: (a) one job on 10 TaskManagers,
// (b) 20 small jobs, (c) 100 jobs of 5 vertices at parallelism 50 on 100
// TaskManagers (25,000 subtasks), (d) 300 small jobs. The large ones are
// scraped fewer times: a warm scrape of (d) at 20 ms takes seconds.
func Sizes() []Size {
	return []Size{
		{Name: "a", Jobs: 1, Vertices: 3, Parallelism: 10, TaskManagers: 10, Cold: 10, Warm: 50, Unchanged: 20, CPUCold: 3, CPUWarm: 3},
		{Name: "b", Jobs: 20, Vertices: 3, Parallelism: 4, TaskManagers: 10, Cold: 10, Warm: 50, Unchanged: 20, CPUCold: 3, CPUWarm: 3},
		{Name: "c", Jobs: 100, Vertices: 5, Parallelism: 50, TaskManagers: 100, Cold: 3, Warm: 25, SlowWarm: 15, Unchanged: 5, CPUCold: 2, CPUWarm: 3},
		{Name: "d", Jobs: 300, Vertices: 3, Parallelism: 4, TaskManagers: 50, Cold: 2, Warm: 14, SlowWarm: 8, Unchanged: 5, CPUCold: 2, CPUWarm: 3},
	}
}

// QuickSizes is the smoke run of --quick: the smallest cluster, a few
// scrapes of each kind.
func QuickSizes() []Size {
	z := Sizes()[0]
	z.Cold, z.Warm, z.Unchanged, z.CPUCold, z.CPUWarm = 2, 5, 3, 1, 2
	return []Size{z}
}

// Latencies are the delays added to every REST answer: a JobManager close
// by and at ease, and one across a network or under load.
var Latencies = []time.Duration{2 * time.Millisecond, 20 * time.Millisecond}

// Scrape settings, the flink_exporter binary's defaults.
const (
	// interval is the scrape interval a warm scrape follows.
	interval = 15 * time.Second
	// maxConcurrentRequests is --flink.max-concurrent-requests.
	maxConcurrentRequests = 4
	// requestTimeout is --flink.timeout.
	requestTimeout = 5 * time.Second
	// scrapeTimeout is Prometheus's default scrape timeout (10 s) less
	// --scrape.timeout-offset (500 ms).
	scrapeTimeout = 9500 * time.Millisecond
)

// Options configure Run.
type Options struct {
	// Sizes and Latencies are what to measure; Sizes() and Latencies if
	// nil.
	Sizes     []Size
	Latencies []time.Duration
	// Quick marks a smoke run in the document.
	Quick bool
	// SkipChild leaves the child-process pass (CPU time and memory) out.
	SkipChild bool
	// CheckpointGap is the least real time from the start of one scrape
	// to the start of the next warm scrape in the child-process pass; the
	// simulator's and the exporter's clocks there run interval /
	// CheckpointGap times as fast as real time, so that 15 s pass between
	// two scrapes on both. Default 3.5 s.
	CheckpointGap time.Duration
	// Slow, when Scrapes is positive, adds the slow JobManager pass.
	Slow SlowOptions
	// Log receives progress lines; may be nil.
	Log io.Writer
}

// Report is what Run measured.
type Report struct {
	Machine Machine
	Quick   bool
	Results []Result
	// Slow is the slow JobManager pass; nil when not run.
	Slow *SlowResult
	// Took is the wall time of the whole run.
	Took time.Duration
}

// Result is the measurement of one size at one answer latency.
type Result struct {
	Size    Size
	Latency time.Duration
	// Cold, Warm and Unchanged are the in-process pass.
	Cold, Warm, Unchanged Phase
	// Filled is the in-process pass's warm scrapes once the exporter has
	// every series: what a warm scrape costs when it has run for a while,
	// and what the duration targets are measured on.
	Filled Phase
	// CompleteAfter is how many scrapes the exporter needed after it
	// started (the last cold scrape the first) until a scrape returned
	// every series of the caught-up unchanged scrapes; 0 if the warm
	// scrapes did not get there.
	CompleteAfter int
	// CPU is the child-process pass; nil when skipped.
	CPU *ChildResult
	// Floor is the median time a bare HTTP client takes for the requests
	// a warm scrape waits for (measureFloor); 0 when not measured.
	Floor time.Duration
}

// Phase is the scrapes of one kind.
type Phase struct {
	// Requests, Durations and Series are per scrape.
	Requests  []int
	Durations []time.Duration
	// Compress is, per scrape, what gzip adds to the answer (scrapeResult).
	Compress []time.Duration
	Series   []int
	// Failed counts scrapes in which flink_up was 0 or a collector failed.
	Failed int
	// Endpoints sums the requests of every scrape by endpoint template.
	Endpoints map[string]int64
}

// Run measures every size at every latency and returns the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	start := time.Now()
	if opts.Sizes == nil {
		opts.Sizes = Sizes()
	}
	if opts.Latencies == nil {
		opts.Latencies = Latencies
	}
	if opts.CheckpointGap <= 0 {
		opts.CheckpointGap = 3500 * time.Millisecond
	}
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}
	rep := &Report{Machine: DescribeMachine(), Quick: opts.Quick}
	var flinksim string
	if !opts.SkipChild {
		dir, err := buildFlinksim(ctx)
		if err != nil {
			return nil, err
		}
		defer removeAll(dir)
		flinksim = dir.binary
	}
	for _, z := range opts.Sizes {
		// The scrapes needed to fill every series in do not depend on the
		// latency, and the slower runs scrape too few times to get there:
		// the child pass of every latency uses the fastest run's count.
		completeAfter := 0
		for _, lat := range opts.Latencies {
			logf("%v: size %s (%s), %v per answer: in-process pass", time.Since(start).Round(time.Second), z.Name, z.Shape(), lat)
			r, err := measureInProcess(ctx, z, lat)
			if err != nil {
				return nil, fmt.Errorf("size %s at %v: %w", z.Name, lat, err)
			}
			if r.Floor, err = measureFloor(ctx, z, lat); err != nil {
				return nil, fmt.Errorf("size %s at %v, floor: %w", z.Name, lat, err)
			}
			if !opts.SkipChild {
				logf("%v: size %s, %v per answer: child-process pass", time.Since(start).Round(time.Second), z.Name, lat)
				// Enough warm scrapes that every series exists before
				// the peaks are read.
				zc := z
				completeAfter = max(completeAfter, r.CompleteAfter)
				zc.CPUWarm = max(z.CPUWarm, completeAfter+1)
				cpu, err := measureInChild(ctx, workerSpec{Size: zc, Latency: lat, Flinksim: flinksim, Gap: opts.CheckpointGap, Speed: clockSpeed(opts)})
				if err != nil {
					return nil, fmt.Errorf("size %s at %v, child-process pass: %w", z.Name, lat, err)
				}
				r.CPU = cpu
			}
			rep.Results = append(rep.Results, *r)
		}
	}
	if opts.Slow.Scrapes > 0 {
		logf("%v: slow JobManager pass, %d scrapes 15 s apart", time.Since(start).Round(time.Second), opts.Slow.Scrapes)
		slow, err := measureSlow(ctx, opts.Slow)
		if err != nil {
			return nil, fmt.Errorf("slow JobManager pass: %w", err)
		}
		rep.Slow = slow
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// clockSpeed is how many times as fast as real time the clocks of the
// child-process pass run: 15 s between two scrapes CheckpointGap apart.
func clockSpeed(opts Options) float64 {
	return float64(interval) / float64(opts.CheckpointGap)
}

// QuickOptions are the options of a smoke run (--quick): the smallest
// cluster, 2 ms per answer, a few scrapes of each kind, and 100 ms between
// the warm scrapes of the child-process pass, whose clocks then run 150
// times as fast as real time.
func QuickOptions() Options {
	return Options{Sizes: QuickSizes(), Latencies: Latencies[:1], Quick: true, CheckpointGap: 100 * time.Millisecond}
}
