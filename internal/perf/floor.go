package perf

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// floorRounds is how many times the floor is measured; its median counts.
const floorRounds = 9

// measureFloor measures what a warm scrape of size z at latency lat cannot
// go below on this machine: the requests it must wait for (/overview,
// /jobs/overview, /taskmanagers and /jobmanager/metrics together, then one
// /jobs/:jobid/checkpoints per job), at maxConcurrentRequests in flight,
// sent by a bare HTTP client that reads each body and does nothing else:
// no decoding, no series, no encoding. It is served by the same simulator
// as the in-process pass, on the same clock. The difference to the warm
// scrape's median is what the exporter's own work adds.
func measureFloor(ctx context.Context, z Size, lat time.Duration) (time.Duration, error) {
	clock := flinksim.NewManualClock(time.UnixMilli(1_750_000_000_000))
	sim, err := flinksim.New(flinksim.Config{
		Jobs: z.Jobs, Vertices: z.Vertices, Parallelism: z.Parallelism, TaskManagers: z.TaskManagers,
		RESTLatency: lat, Clock: clock.Now, Seed: 1,
	})
	if err != nil {
		return 0, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: maxConcurrentRequests}}
	defer client.CloseIdleConnections()

	var checkpoints []string
	for _, id := range sim.JobIDs() {
		checkpoints = append(checkpoints, "/jobs/"+id+"/checkpoints")
	}
	core := []string{"/overview", "/jobs/overview", "/taskmanagers", "/jobmanager/metrics"}
	var took []time.Duration
	for range floorRounds {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		clock.Advance(interval)
		sim.CatchUp()
		start := time.Now()
		if err := getAll(ctx, client, base, core); err != nil {
			return 0, err
		}
		if err := getAll(ctx, client, base, checkpoints); err != nil {
			return 0, err
		}
		took = append(took, time.Since(start))
	}
	return percentile(took, 50), nil
}

// getAll asks every path of base, at most maxConcurrentRequests at once,
// reading each body to its end.
func getAll(ctx context.Context, client *http.Client, base string, paths []string) error {
	slots := make(chan struct{}, maxConcurrentRequests)
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for i, p := range paths {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			errs[i] = get(ctx, client, base+p)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func get(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
