package collector

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// DefaultMetricsTTL is Flink's metrics.fetcher.update-interval default:
// the JobManager refreshes the metric values it serves at most this often,
// so asking again sooner only loads it.
const DefaultMetricsTTL = 10 * time.Second

// jobManagerKey keys the JobManager's entry in the metricCache;
// TaskManagers are keyed by taskManagerKeyPrefix and their id.
const (
	jobManagerKey        = "jobmanager"
	taskManagerKeyPrefix = "taskmanager/"
)

// maxGetLength bounds the ids of one ?get= request. Flink's REST server
// (Netty's HttpServerCodec) rejects request lines over 4096 bytes; a host
// with many network interfaces lists enough ids to reach it, so the ids are
// sent in as few requests as fit.
const maxGetLength = 3000

// metricCache is the part of State about JVM processes: for each
// TaskManager and the JobManager, the metric ids chosen from its metric
// list (discovered once, since the ids of one process never change) and
// its latest answer until it is older than the TTL.
type metricCache struct {
	mu    sync.Mutex
	procs map[string]*processMetrics
}

// processMetrics is what the cache holds for one process. mu is held
// during a fetch, so that one process is read once at a time; vmu guards
// the reading alone, so that a scrape reads it without waiting for a
// fetch in flight.
type processMetrics struct {
	mu  sync.Mutex
	ids []string

	vmu     sync.Mutex
	last    processReading
	expires time.Time
}

// processReading is one read of a process's metric values, by id, and
// when it was made on the exporter's clock; values is nil when there is
// none.
type processReading struct {
	values map[string]float64
	read   time.Time
}

// cached returns the reading held and whether it is fresh at now.
func (p *processMetrics) cached(now time.Time) (processReading, bool) {
	p.vmu.Lock()
	defer p.vmu.Unlock()
	return p.last, p.last.values != nil && now.Before(p.expires)
}

// store holds r until expires; a reading without values drops what was
// held.
func (p *processMetrics) store(r processReading, expires time.Time) {
	p.vmu.Lock()
	defer p.vmu.Unlock()
	p.last, p.expires = r, expires
}

// metricSource reads one process's metrics: list gives every id without
// values, get the values of the given ids.
type metricSource struct {
	list func(ctx context.Context) ([]flinkapi.Metric, error)
	get  func(ctx context.Context, ids []string) ([]flinkapi.Metric, error)
}

// entry returns the process's entry, creating it on first use.
func (c *metricCache) entry(key string) *processMetrics {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.procs == nil {
		c.procs = map[string]*processMetrics{}
	}
	p, ok := c.procs[key]
	if !ok {
		p = &processMetrics{}
		c.procs[key] = p
	}
	return p
}

// forgetTaskManagers drops every TaskManager not in keep; the JobManager's
// entry stays.
func (c *metricCache) forgetTaskManagers(keep []string) {
	set := make(map[string]bool, len(keep))
	for _, id := range keep {
		set[taskManagerKeyPrefix+id] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for key := range c.procs {
		if strings.HasPrefix(key, taskManagerKeyPrefix) && !set[key] {
			delete(c.procs, key)
		}
	}
}

// values returns the process's metric values: the cached reading while it
// is younger than the TTL, else one ?get= request for the chosen ids,
// within the scrape's context (refresh).
func (c *metricCache) values(s *Scrape, key string, fixed []processMetric, src metricSource) (processReading, error) {
	if r, fresh := c.entry(key).cached(s.Now()); fresh {
		return r, nil
	}
	return c.refresh(s.ctx, s, key, fixed, src)
}

// peek returns the process's reading as last made, also past the TTL (the
// caller decides), and whether it is fresh.
func (c *metricCache) peek(key string, now time.Time) (processReading, bool) {
	return c.entry(key).cached(now)
}

// refresh reads the process's metric values within ctx and caches them
// for the TTL; a failed read drops what the cache held, so that it is
// never served as current. The ids are chosen from the metric list on
// first use, and again when an answer comes back empty or without the
// JVM's CPU load (a restarted JobManager's store, whose ids may differ). A
// store that is not filled yet gives no values and no error, and nothing
// is cached.
func (c *metricCache) refresh(ctx context.Context, s *Scrape, key string, fixed []processMetric, src metricSource) (processReading, error) {
	p := c.entry(key)
	p.mu.Lock()
	defer p.mu.Unlock()
	now := s.Now()
	if r, fresh := p.cached(now); fresh {
		return r, nil // read by another scrape meanwhile
	}
	values, err := p.fetch(ctx, fixed, src)
	if err != nil && s.background && ctx.Err() != nil {
		// A background refresh cut short by its round's bound is no
		// failure of the endpoint: what was read stays, and its age
		// (flink_*_metrics_age_seconds) grows.
		return processReading{}, err
	}
	r := processReading{values: values, read: s.clockNow()}
	if err != nil || values == nil || (s.metricsTTL <= 0 && !s.background) {
		p.store(processReading{}, time.Time{})
		return r, err
	}
	// Without a TTL, a background refresh still keeps what it read for the
	// next scrape to export, due again at once.
	p.store(r, now.Add(max(s.metricsTTL, 0)))
	return r, nil
}

// fetch reads the values of the chosen ids, choosing them first when
// needed; nil without error while the store is not filled. The caller
// holds p.mu.
func (p *processMetrics) fetch(ctx context.Context, fixed []processMetric, src metricSource) (map[string]float64, error) {
	for {
		discovered := false
		if p.ids == nil {
			list, err := src.list(ctx)
			if err != nil {
				return nil, err
			}
			p.ids = chooseMetricIDs(list, fixed)
			if len(p.ids) == 0 {
				p.ids = nil
				return nil, nil
			}
			discovered = true
		}
		values, err := getChunked(ctx, p.ids, src.get)
		if err != nil {
			return nil, err
		}
		if stale(p.ids, values) {
			p.ids = nil
			if discovered {
				return nil, nil // listed but not filled yet: try next scrape
			}
			continue
		}
		return values, nil
	}
}

// stale reports whether an answer shows that the chosen ids no longer fit
// the process: nothing came back, or the CPU load it had is missing.
func stale(ids []string, values map[string]float64) bool {
	if len(values) == 0 {
		return true
	}
	for _, id := range ids {
		if id == cpuLoadID {
			_, ok := values[id]
			return !ok
		}
	}
	return false
}

// getChunked asks for ids in as few requests as fit maxGetLength and merges
// the numeric answers.
func getChunked(ctx context.Context, ids []string, get func(context.Context, []string) ([]flinkapi.Metric, error)) (map[string]float64, error) {
	out := map[string]float64{}
	for _, chunk := range chunkIDs(ids, maxGetLength) {
		ms, err := get(ctx, chunk)
		if err != nil {
			return nil, err
		}
		for id, v := range flinkapi.MetricValues(ms) {
			out[id] = v
		}
	}
	return out, nil
}

// chunkIDs splits ids into groups whose joined, escaped length stays
// within limit; an id longer than limit gets a group of its own.
func chunkIDs(ids []string, limit int) [][]string {
	var chunks [][]string
	var cur []string
	n := 0
	for _, id := range ids {
		add := len(id)
		if len(cur) > 0 {
			add += len("%2C") // the comma, as the query is escaped
		}
		if len(cur) > 0 && n+add > limit {
			chunks = append(chunks, cur)
			cur, n, add = nil, 0, len(id)
		}
		cur = append(cur, id)
		n += add
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}
