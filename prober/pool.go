package prober

import (
	"container/list"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	promconfig "github.com/prometheus/common/config"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/config"
	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// Bounds of the clusters /probe scrapes by URL (those target_patterns of
// --config.file admit, or any with --probe.allow-arbitrary-targets): the pool keeps the state of at most maxArbitraryTargets of
// them, holding maxArbitraryBytes at most by estimate, and forgets one not
// scraped for arbitraryTargetIdle. A target URL is maxTargetURLBytes long
// at most: it is logged with every line of its scrapes.
const (
	maxArbitraryTargets = 100
	maxArbitraryBytes   = 64 << 20
	arbitraryTargetIdle = 10 * time.Minute
	maxTargetURLBytes   = 2048
)

// targetBaseBytes is what a URL target holds before its answers: its HTTP
// client and transport, its collectors and the histograms of its REST
// requests (about 100 KiB measured, rounded up). What its collectors keep
// between scrapes comes on top, estimated by the bytes of the answers of
// its largest scrape: measured on simulated clusters of 20 to 1 000 jobs,
// the heap a target holds after a scrape is that plus the base, within 10%.
const targetBaseBytes = 128 << 10

// targetError is a /probe target the pool refuses; its text is safe to
// send back (it never repeats a password).
type targetError struct{ msg string }

func (e *targetError) Error() string { return e.msg }

// Pool holds the clusters /probe scrapes: those of the configuration file,
// replaced as a whole by Apply, and those asked for by URL that a target
// pattern of the file admits (or any, when arbitrary targets are allowed),
// least recently used first out. It is safe for concurrent use.
type Pool struct {
	settings       Settings
	allowArbitrary bool
	logger         log.Logger
	now            func() time.Time
	// maxTargets and maxBytes bound the URL targets kept
	// (maxArbitraryTargets and maxArbitraryBytes; tests lower them).
	maxTargets int
	maxBytes   int64
	// logs lets one warning or error per URL target through per
	// targetLogInterval, and one line per refused target.
	logs *logLimiter

	mu         sync.Mutex
	configured map[string]*Cluster
	// patterns admit URL targets, the first match's settings applying.
	patterns []config.TargetPattern
	// arbitrary indexes recent by target URL; recent holds
	// *arbitraryTarget, the most recently scraped first.
	arbitrary map[string]*list.Element
	recent    *list.List
	// heldBytes is the estimate of what the URL targets hold, the sum of
	// their arbitraryTarget.bytes.
	heldBytes int64
}

// arbitraryTarget is a cluster asked for by URL and when it was last
// scraped.
type arbitraryTarget struct {
	key     string
	cluster *Cluster
	// spec is what the cluster was built from: the settings of the
	// pattern that admitted it, or a bare URL's.
	spec     config.Cluster
	lastUsed time.Time
	// bytes estimates the memory the target holds: targetBaseBytes and
	// the answers of its largest scrape.
	bytes int64
}

// NewPool returns an empty pool whose clusters take s where the
// configuration file says nothing. allowArbitrary lets /probe take a
// JobManager URL besides the configured names
// (--probe.allow-arbitrary-targets).
func NewPool(s Settings, allowArbitrary bool, logger log.Logger) *Pool {
	p := &Pool{
		settings:       s,
		allowArbitrary: allowArbitrary,
		logger:         logger,
		now:            time.Now,
		maxTargets:     maxArbitraryTargets,
		maxBytes:       maxArbitraryBytes,
		configured:     map[string]*Cluster{},
		arbitrary:      map[string]*list.Element{},
		recent:         list.New(),
	}
	p.logs = newLogLimiter(targetLogInterval, func() time.Time { return p.now() })
	return p
}

// Apply replaces the configured clusters and target patterns by those of
// cfg. A cluster whose configuration did not change keeps its client,
// caches and counters; the others are built anew, and clusters no longer
// configured are forgotten, URL targets that no pattern admits any more or
// whose pattern's settings changed among them. When one cluster or
// pattern's client cannot be built, nothing changes.
func (p *Pool) Apply(cfg *config.Config) error {
	p.mu.Lock()
	old := p.configured
	p.mu.Unlock()

	next := make(map[string]*Cluster, len(cfg.Clusters))
	var errs []error
	for _, tp := range cfg.TargetPatterns {
		// The clusters of a pattern are built on their first scrape: one
		// client now says whether they can be.
		hc, err := promconfig.NewClientFromConfig(tp.HTTPClientConfig, "flink_pattern_"+tp.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("target pattern %q: HTTP client: %w", tp.Name, err))
			continue
		}
		hc.CloseIdleConnections()
	}
	for _, name := range cfg.Names() {
		spec := cfg.Clusters[name]
		if c, ok := old[name]; ok && c.spec.Equal(spec) {
			next[name] = c
			continue
		}
		c, err := newCluster(name, spec, p.settings, newInstrumentation(), p.logger)
		if err != nil {
			errs = append(errs, fmt.Errorf("cluster %q: %w", name, err))
			continue
		}
		next[name] = c
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}

	p.mu.Lock()
	p.configured = next
	p.patterns = slices.Clone(cfg.TargetPatterns)
	for el := p.recent.Front(); el != nil; {
		t, following := el.Value.(*arbitraryTarget), el.Next()
		if spec, _, ok := p.urlSpec(t.key); !ok || !spec.Equal(t.spec) {
			p.remove(el)
		}
		el = following
	}
	p.mu.Unlock()
	for name, c := range old {
		if kept, ok := next[name]; !ok || kept != c {
			c.drop()
		}
		if _, ok := next[name]; !ok {
			level.Info(p.logger).Log("msg", "cluster removed from the configuration; its state is dropped", "cluster", name)
		}
	}
	return nil
}

// Lookup returns the cluster of a target with the allow-list of /probe,
// for the other pages about a target (/diagnose?target=). A refused
// target's error text is safe to show.
func (p *Pool) Lookup(target string) (*Cluster, error) { return p.lookup(target) }

// newInstrumentation counts the REST requests of one cluster of the pool.
func newInstrumentation() *flinkapi.Instrumentation {
	return flinkapi.NewInstrumentation(collector.Namespace + "_exporter")
}

// lookup returns the cluster of a /probe target: a name of the
// configuration file or, when allowed, a URL. A refused target is a
// *targetError, and no request is sent for it.
func (p *Pool) lookup(target string) (*Cluster, error) {
	if target == "" {
		return nil, &targetError{"missing target parameter: /probe?target=<cluster name of the configuration file>"}
	}
	p.mu.Lock()
	c, ok := p.configured[target]
	p.mu.Unlock()
	if ok {
		return c, nil
	}
	if len(target) > maxTargetURLBytes {
		return nil, &targetError{fmt.Sprintf("target is %d bytes long; at most %d are accepted", len(target), maxTargetURLBytes)}
	}
	if !strings.Contains(target, "://") {
		return nil, &targetError{fmt.Sprintf("unknown target %q: not a cluster of the configuration file (--config.file)", target)}
	}
	p.mu.Lock()
	patterns := len(p.patterns) > 0
	p.mu.Unlock()
	if !p.allowArbitrary && !patterns {
		return nil, &targetError{fmt.Sprintf("target %s is a URL, not a cluster of the configuration file; URLs are accepted only when a target pattern of the configuration file matches them, or with --probe.allow-arbitrary-targets", redactTarget(target))}
	}
	if err := config.ValidateURL(target); err != nil {
		return nil, &targetError{"invalid target URL: " + err.Error()}
	}
	u, _ := url.Parse(target) // validated above
	u.Path = strings.TrimRight(u.Path, "/")
	return p.arbitraryCluster(u.String())
}

// urlSpec returns the cluster a URL target is built from, and the name of
// the pattern that admitted it ("" for an arbitrary target); ok is false
// when the URL is refused. p.mu is held.
func (p *Pool) urlSpec(target string) (spec config.Cluster, pattern string, ok bool) {
	u, err := url.Parse(target)
	if err != nil {
		return config.Cluster{}, "", false
	}
	for i := range p.patterns {
		if tp := &p.patterns[i]; tp.Matches(u) {
			return tp.Cluster(target), tp.Name, true
		}
	}
	if p.allowArbitrary {
		return urlSpec(target), "", true
	}
	return config.Cluster{}, "", false
}

// redactTarget quotes a URL target with its credentials hidden, parsed or
// not.
func redactTarget(target string) string {
	return strconv.Quote(config.RedactURL(target))
}

// arbitraryCluster returns the cluster at url when a target pattern admits
// it (or arbitrary targets are allowed), building it on first use, and
// drops the clusters idle too long or beyond the bound.
func (p *Pool) arbitraryCluster(url string) (*Cluster, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	spec, pattern, ok := p.urlSpec(url)
	if !ok {
		return nil, &targetError{fmt.Sprintf("target %s matches no target pattern of the configuration file (--config.file), and --probe.allow-arbitrary-targets is off", redactTarget(url))}
	}
	now := p.now()
	p.forgetIdle(now)
	if el, ok := p.arbitrary[url]; ok {
		t := el.Value.(*arbitraryTarget)
		t.lastUsed = now
		p.recent.MoveToFront(el)
		return t.cluster, nil
	}
	var logger log.Logger = limitedLogger{next: p.logger, limiter: p.logs, key: url}
	if pattern != "" {
		logger = log.With(logger, "target_pattern", pattern)
	}
	c, err := newCluster(url, spec, p.settings, newInstrumentation(), logger)
	if err != nil {
		return nil, &targetError{"invalid target URL: " + err.Error()}
	}
	p.arbitrary[url] = p.recent.PushFront(&arbitraryTarget{key: url, cluster: c, spec: spec, lastUsed: now, bytes: targetBaseBytes})
	p.heldBytes += targetBaseBytes
	p.shrink()
	return c, nil
}

// scraped records that a scrape of c read bytes of answers: a URL target
// holding more than estimated grows its estimate, and the least recently
// used targets are dropped until the pool is within its bounds again (the
// one just scraped last, alone over the bound it is dropped too). A
// dropped cluster closes the connections its scrape returned.
func (p *Pool) scraped(c *Cluster, bytes int64) {
	p.mu.Lock()
	for el := p.recent.Front(); el != nil; el = el.Next() {
		t := el.Value.(*arbitraryTarget)
		if t.cluster != c {
			continue
		}
		if est := targetBaseBytes + bytes; est > t.bytes {
			p.heldBytes += est - t.bytes
			t.bytes = est
		}
		break
	}
	p.shrink()
	p.mu.Unlock()
	if c.dropped.Load() {
		c.http.CloseIdleConnections()
	}
}

// shrink drops the least recently used URL targets beyond maxTargets or
// maxBytes; p.mu is held.
func (p *Pool) shrink() {
	for p.recent.Len() > 0 && (p.recent.Len() > p.maxTargets || p.heldBytes > p.maxBytes) {
		p.remove(p.recent.Back())
	}
}

// logRefused logs a refused target at debug level, once per target per
// targetLogInterval.
func (p *Pool) logRefused(target string, err error) {
	if ok, suppressed := p.logs.allow("refused " + target); ok {
		level.Debug(p.logger).Log("msg", "probe target refused", "err", err, "suppressed_lines", suppressed)
	}
}

// forgetIdle drops the URL targets not scraped since arbitraryTargetIdle.
func (p *Pool) forgetIdle(now time.Time) {
	for el := p.recent.Back(); el != nil; el = p.recent.Back() {
		if now.Sub(el.Value.(*arbitraryTarget).lastUsed) < arbitraryTargetIdle {
			return
		}
		p.remove(el)
	}
}

// remove drops one URL target and closes its idle connections; p.mu is
// held.
func (p *Pool) remove(el *list.Element) {
	t := p.recent.Remove(el).(*arbitraryTarget)
	delete(p.arbitrary, t.key)
	p.heldBytes -= t.bytes
	t.cluster.drop()
}
