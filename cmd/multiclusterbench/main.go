// Command multiclusterbench measures what one flink_exporter process costs
// per Flink cluster it probes, as one replica of the sharded deployment on
// Kubernetes runs: --flink.url= and a --config.file whose target pattern
// admits the clusters' URLs, /probe?target=<url> for each cluster once per
// scrape interval. It starts --clusters simulated clusters on loopback
// ports, builds and runs the exporter binary, scrapes every cluster
// --rounds times --interval apart (the first round cold) and prints, as
// Markdown, the exporter's resident memory before the first scrape and
// after the last (every series exists once the series per cluster stop
// growing from round to round: detail fills in over the first rounds),
// the REST requests each
// cluster received per scrape interval (the scrape's own and the
// background detail refresh it starts), and the scrape durations.
//
//	go run ./cmd/multiclusterbench --clusters=100
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// options are the command's flags.
type options struct {
	clusters, jobs, vertices, taskManagers int
	rounds, parallel                       int
	interval                               time.Duration
	binary                                 string
}

func main() {
	var o options
	flag.IntVar(&o.clusters, "clusters", 100, "simulated Flink clusters probed by the one exporter")
	flag.IntVar(&o.jobs, "jobs", 3, "running jobs per cluster")
	flag.IntVar(&o.vertices, "vertices", 3, "vertices per job")
	flag.IntVar(&o.taskManagers, "taskmanagers", 3, "TaskManagers per cluster")
	flag.IntVar(&o.rounds, "rounds", 5, "scrapes of every cluster; the first is cold")
	flag.IntVar(&o.parallel, "parallel", 10, "scrapes in flight at once, as Prometheus spreads its targets over the interval")
	flag.DurationVar(&o.interval, "interval", 15*time.Second, "scrape interval: a round starts this long after the previous one")
	flag.StringVar(&o.binary, "exporter", "", "flink_exporter binary; built from the module when empty")
	flag.Parse()
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "multiclusterbench:", err)
		os.Exit(1)
	}
}

// cluster is one simulated cluster and the requests it received.
type cluster struct {
	url      string
	requests atomic.Int64
}

func run(ctx context.Context, o options, out io.Writer) error {
	dir, err := os.MkdirTemp("", "multiclusterbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	clusters := make([]*cluster, o.clusters)
	for i := range clusters {
		sim, err := flinksim.New(flinksim.Config{Jobs: o.jobs, Vertices: o.vertices, TaskManagers: o.taskManagers, Seed: int64(i + 1)})
		if err != nil {
			return fmt.Errorf("simulator: %w", err)
		}
		c := &cluster{}
		h := sim.Handler()
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.requests.Add(1)
			h.ServeHTTP(w, r)
		}))
		defer srv.Close()
		c.url = srv.URL
		clusters[i] = c
	}

	bin := o.binary
	if bin == "" {
		bin = filepath.Join(dir, "flink_exporter")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/flink-exporter/flink_exporter")
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	config := filepath.Join(dir, "flink_exporter.yml")
	if err := os.WriteFile(config, []byte("target_patterns:\n  - name: loopback\n    cidrs: [127.0.0.0/8]\n"), 0o600); err != nil {
		return err
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "--web.listen-address="+addr, "--flink.url=", "--config.file="+config, "--log.level=warn")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the exporter: %w", err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	base := "http://" + addr
	if err := waitHealthy(base); err != nil {
		return err
	}
	rssBefore, err := rss(cmd.Process.Pid)
	if err != nil {
		return err
	}

	client := &http.Client{Timeout: 30 * time.Second}
	type roundResult struct {
		durations []time.Duration
		requests  int64
		series    int
	}
	var results []roundResult
	for round := range o.rounds {
		start := time.Now()
		before := totalRequests(clusters)
		var mu sync.Mutex
		var r roundResult
		sem := make(chan struct{}, o.parallel)
		var wg sync.WaitGroup
		var firstErr error
		for _, c := range clusters {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				d, series, err := probe(client, base, c.url, o.interval)
				mu.Lock()
				defer mu.Unlock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				r.durations = append(r.durations, d)
				r.series += series
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return firstErr
		}
		// The background refresh the scrapes started runs until the next
		// round: its requests belong to this interval.
		if wait := o.interval - time.Since(start); wait > 0 {
			time.Sleep(wait)
		}
		r.requests = totalRequests(clusters) - before
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "round %d: %d requests, %d series\n", round+1, r.requests, r.series)
	}
	runtime.GC()
	rssAfter, err := rss(cmd.Process.Pid)
	if err != nil {
		return err
	}
	heap, err := exporterMetric(client, base, "go_memstats_heap_inuse_bytes")
	if err != nil {
		return err
	}

	n := float64(o.clusters)
	fmt.Fprintf(out, "%d clusters of %d jobs × %d vertices (parallelism 2), %d TaskManagers each; one exporter, /probe?target=<url> admitted by a target pattern; scrape interval %s, %d rounds, %d scrapes in flight.\n\n",
		o.clusters, o.jobs, o.vertices, o.taskManagers, o.interval, o.rounds, o.parallel)
	fmt.Fprintln(out, "| measure | value |")
	fmt.Fprintln(out, "| --- | --- |")
	fmt.Fprintf(out, "| RSS before the first scrape | %.1f MiB |\n", mib(rssBefore))
	fmt.Fprintf(out, "| RSS after the last scrape (every series exists) | %.1f MiB |\n", mib(rssAfter))
	fmt.Fprintf(out, "| RSS per probed cluster | %.0f KiB |\n", float64(rssAfter-rssBefore)/n/1024)
	fmt.Fprintf(out, "| Go heap in use after the last scrape | %.1f MiB (%.0f KiB per cluster) |\n", mib(int64(heap)), heap/n/1024)
	last := results[len(results)-1]
	fmt.Fprintf(out, "| series per cluster, last scrape | %.0f |\n", float64(last.series)/n)
	for i, r := range results {
		kind := "warm"
		if i == 0 {
			kind = "cold (first)"
		}
		fmt.Fprintf(out, "| round %d, %s: series per cluster | %.0f |\n", i+1, kind, float64(r.series)/n)
		fmt.Fprintf(out, "| round %d, %s: REST requests per cluster per interval | %.1f |\n", i+1, kind, float64(r.requests)/n)
		fmt.Fprintf(out, "| round %d, %s: scrape duration p50 / p90 / max | %s / %s / %s |\n", i+1, kind, quantile(r.durations, 0.5), quantile(r.durations, 0.9), quantile(r.durations, 1))
	}
	return nil
}

// probe scrapes one cluster through the exporter, announcing the scrape
// timeout as Prometheus does, and returns the duration and the number of
// series.
func probe(client *http.Client, base, target string, timeout time.Duration) (time.Duration, int, error) {
	req, err := http.NewRequest(http.MethodGet, base+"/probe?target="+url.QueryEscape(target), nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", strconv.FormatFloat(min(timeout, 10*time.Second).Seconds(), 'f', -1, 64))
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("probe %s: %w", target, err)
	}
	defer resp.Body.Close()
	series := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			series++
		}
	}
	d := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		return d, 0, fmt.Errorf("probe %s: HTTP %d", target, resp.StatusCode)
	}
	return d, series, sc.Err()
}

// totalRequests sums the requests every cluster received.
func totalRequests(clusters []*cluster) int64 {
	var n int64
	for _, c := range clusters {
		n += c.requests.Load()
	}
	return n
}

// exporterMetric reads one unlabelled sample of the exporter's /metrics.
func exporterMetric(client *http.Client, base, name string) (float64, error) {
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("%s not in /metrics", name)
}

// rss returns the resident set of a process, from /proc (Linux).
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("RSS: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("RSS: no VmRSS in /proc status")
}

func quantile(ds []time.Duration, q float64) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))) - 1
	i = max(0, min(i, len(s)-1))
	return s[i].Round(time.Millisecond).String()
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitHealthy polls /-/healthy for up to a minute.
func waitHealthy(base string) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/-/healthy"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("the exporter did not become healthy within a minute")
}
