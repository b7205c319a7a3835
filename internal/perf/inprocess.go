package perf

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// maxCatchUp bounds the frozen-clock scrapes that let the exporter catch
// up before the unchanged scrapes are measured.
const maxCatchUp = 100

// measureInProcess serves a simulator of size z from this process, on a
// clock the harness steps, with lat added to every answer (a real wait:
// the simulator's default sleeper), and measures:
//
//   - cold: z.Cold scrapes, each by a new Exporter (empty state), the clock
//     15 s further each time;
//   - warm: the Exporter of the last cold scrape scrapes z.Warm (or
//     z.SlowWarm) more times, the clock 15 s further before each, so that
//     every job completed new checkpoints (the simulator's interval is
//     3 s) and every metric cached for the 10 s TTL expired;
//   - filled: the same Exporter scrapes on as in warm, not counted until a
//     scrape adds no series (every analysis and back-pressure value has
//     been read once), then z.Warm (or z.SlowWarm) times more;
//   - unchanged: the same Exporter with the clock frozen, first scraped
//     until a scrape asks nothing per vertex (it caught up with what the
//     last warm scrape left for later), then z.Unchanged more times.
//
// After each step of the clock the simulator catches up (Simulator.CatchUp)
// before the scrape is timed, as a JobManager running in real time would
// have over those 15 s.
func measureInProcess(ctx context.Context, z Size, lat time.Duration) (*Result, error) {
	clock := flinksim.NewManualClock(time.UnixMilli(1_750_000_000_000))
	sim, err := flinksim.New(flinksim.Config{
		Jobs: z.Jobs, Vertices: z.Vertices, Parallelism: z.Parallelism, TaskManagers: z.TaskManagers,
		RESTLatency: lat, Clock: clock.Now, Seed: 1,
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	t, err := newTarget("http://"+ln.Addr().String(), clock.Now)
	if err != nil {
		return nil, err
	}
	r := &Result{Size: z, Latency: lat}
	m := &simMeter{sim: sim, t: t}

	var reg *prometheus.Registry
	for range max(z.Cold, 1) {
		clock.Advance(interval)
		sim.CatchUp()
		if reg, err = t.exporter(); err != nil {
			return nil, err
		}
		p := &r.Cold
		if z.Cold == 0 {
			p = nil
		}
		if _, err := m.scrape(ctx, reg, p); err != nil {
			return nil, fmt.Errorf("cold scrape: %w", err)
		}
	}
	// warm scrapes 15 s after the previous scrape, once the simulator
	// caught up with those 15 s, and records the scrape in p (unless nil).
	warm := func(p *Phase) (scrapeResult, error) {
		clock.Advance(interval)
		sim.CatchUp()
		sr, _, err := m.measure(ctx, reg, p)
		return sr, err
	}
	for range z.warmScrapes(lat) {
		if _, err := warm(&r.Warm); err != nil {
			return nil, fmt.Errorf("warm scrape: %w", err)
		}
	}

	// Filled: warm scrapes go on, not counted, until one returns no more
	// series than the one before (until then every scrape adds the
	// analyses and back-pressure read for the first time), then as many
	// as the warm ones are counted.
	filled, prev := false, 0
	if n := len(r.Warm.Series); n > 0 {
		prev = r.Warm.Series[n-1]
	}
	for range maxCatchUp {
		sr, err := warm(nil)
		if err != nil {
			return nil, fmt.Errorf("filling in: %w", err)
		}
		if sr.series <= prev {
			filled = true
			break
		}
		prev = sr.series
	}
	if !filled {
		return nil, fmt.Errorf("still adding series after %d warm scrapes", maxCatchUp)
	}
	for range z.warmScrapes(lat) {
		if _, err := warm(&r.Filled); err != nil {
			return nil, fmt.Errorf("warm scrape with every series: %w", err)
		}
	}

	caughtUp := false
	for range maxCatchUp {
		asked, err := m.scrape(ctx, reg, nil)
		if err != nil {
			return nil, fmt.Errorf("catching up: %w", err)
		}
		if !asksPerVertex(asked) {
			caughtUp = true
			break
		}
	}
	if !caughtUp {
		return nil, fmt.Errorf("still asking per-vertex answers after %d scrapes of an unchanged cluster", maxCatchUp)
	}
	for range z.Unchanged {
		if _, err := m.scrape(ctx, reg, &r.Unchanged); err != nil {
			return nil, fmt.Errorf("unchanged scrape: %w", err)
		}
	}
	if full := largest(r.Unchanged.Series); full > 0 && len(r.Cold.Series) > 0 {
		series := append([]int{r.Cold.Series[len(r.Cold.Series)-1]}, r.Warm.Series...)
		for i, n := range series {
			if n >= full {
				r.CompleteAfter = i + 1
				break
			}
		}
	}
	return r, nil
}

// simMeter scrapes and reads the simulator's request counts around each
// scrape.
type simMeter struct {
	sim *flinksim.Simulator
	t   *target
}

// scrape runs one scrape, records it in p (unless nil) and returns the
// requests the simulator served for it by endpoint template.
func (m *simMeter) scrape(ctx context.Context, reg *prometheus.Registry, p *Phase) (map[string]int64, error) {
	_, asked, err := m.measure(ctx, reg, p)
	return asked, err
}

// measure is scrape, also returning the scrape itself.
func (m *simMeter) measure(ctx context.Context, reg *prometheus.Registry, p *Phase) (scrapeResult, map[string]int64, error) {
	if err := ctx.Err(); err != nil {
		return scrapeResult{}, nil, err
	}
	before := m.sim.RequestCounts()
	sr, err := m.t.scrape(reg)
	if err != nil {
		return scrapeResult{}, nil, err
	}
	if p != nil {
		if sr.compress, err = compressTime(sr.families); err != nil {
			return scrapeResult{}, nil, err
		}
	}
	asked := map[string]int64{}
	var total int64
	for ep, n := range m.sim.RequestCounts() {
		if d := n - before[ep]; d > 0 {
			asked[ep] = d
			total += d
		}
	}
	// The simulator's count is the JobManager's view: what it served.
	sr.requests = int(total)
	if p != nil {
		p.add(sr, asked)
	}
	return sr, asked, nil
}

// add records one scrape.
func (p *Phase) add(sr scrapeResult, asked map[string]int64) {
	p.Requests = append(p.Requests, sr.requests)
	p.Durations = append(p.Durations, sr.took)
	p.Compress = append(p.Compress, sr.compress)
	p.Series = append(p.Series, sr.series)
	if sr.failed {
		p.Failed++
	}
	if p.Endpoints == nil {
		p.Endpoints = map[string]int64{}
	}
	for ep, n := range asked {
		p.Endpoints[ep] += n
	}
}

// asksPerVertex reports whether a scrape asked any per-vertex answer:
// vertex details, back-pressure or checkpoint subtask details.
func asksPerVertex(asked map[string]int64) bool {
	for ep := range asked {
		if strings.Contains(ep, ":vertexid") {
			return true
		}
	}
	return false
}
