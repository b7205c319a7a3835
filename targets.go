package main

import (
	"container/list"
	"errors"
	"fmt"
	"net/url"
	"sort"
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

// Bounds of the clusters /probe scrapes by URL (--probe.allow-arbitrary-
// targets): the exporter keeps the state of at most maxArbitraryTargets of
// them, and forgets one not scraped for arbitraryTargetIdle.
const (
	maxArbitraryTargets = 100
	arbitraryTargetIdle = 10 * time.Minute
)

// clusterSettings are what a cluster's client and scrape use when the
// configuration does not say otherwise: the --flink.* and --collector.*
// flags.
type clusterSettings struct {
	timeout       time.Duration
	maxConcurrent int
	maxBody       int64
	scrapeTimeout time.Duration
	metricsTTL    time.Duration
	collectors    []string
	userAgent     string
}

// cluster is one Flink cluster the exporter scrapes. It lives across
// scrapes, so that its caches (the collector's State) and the counters of
// its REST requests carry on.
type cluster struct {
	name     string
	spec     config.Cluster
	exporter *collector.Exporter
	inst     *flinkapi.Instrumentation
}

// flagClusterSpec is the cluster of --flink.url: no authentication, and
// proxies from the environment, as a plain Go HTTP client does.
func flagClusterSpec(url string) config.Cluster {
	spec := config.Cluster{URL: url, HTTPClientConfig: config.DefaultHTTPClientConfig()}
	spec.HTTPClientConfig.ProxyFromEnvironment = true
	return spec
}

// newCluster builds the REST client of spec, secured as its
// http_client_config says, and the collectors of the cluster. inst counts
// its requests.
func newCluster(name string, spec config.Cluster, d clusterSettings, inst *flinkapi.Instrumentation, logger log.Logger) (*cluster, error) {
	httpClient, err := promconfig.NewClientFromConfig(spec.HTTPClientConfig, "flink_"+name)
	if err != nil {
		return nil, fmt.Errorf("HTTP client: %w", err)
	}
	httpClient.Timeout = d.timeout
	if spec.Timeout > 0 {
		httpClient.Timeout = time.Duration(spec.Timeout)
	}
	maxConcurrent := d.maxConcurrent
	if spec.MaxConcurrentRequests > 0 {
		maxConcurrent = spec.MaxConcurrentRequests
	}
	client, err := flinkapi.NewClient(spec.URL, flinkapi.Options{
		HTTPClient:            httpClient,
		MaxResponseBytes:      d.maxBody,
		MaxConcurrentRequests: maxConcurrent,
		Instrumentation:       inst,
		UserAgent:             d.userAgent,
	})
	if err != nil {
		return nil, err
	}
	names := d.collectors
	if len(spec.Collectors) > 0 {
		names = spec.Collectors
	}
	exp, err := collector.NewExporter(collector.Config{
		Client:     client,
		Logger:     log.With(logger, "cluster", name, "flink", client.BaseURL()),
		Collectors: names,
		Timeout:    d.scrapeTimeout,
		MetricsTTL: d.metricsTTL,
	})
	if err != nil {
		return nil, err
	}
	return &cluster{name: name, spec: spec, exporter: exp, inst: inst}, nil
}

// targetError is a /probe target the exporter refuses; its text is safe to
// send back (it never repeats a password).
type targetError struct{ msg string }

func (e *targetError) Error() string { return e.msg }

// targetPool holds the clusters /probe scrapes: those of the configuration
// file, replaced as a whole on reload, and, with
// --probe.allow-arbitrary-targets, those asked for by URL, least recently
// used first out.
type targetPool struct {
	settings       clusterSettings
	allowArbitrary bool
	logger         log.Logger
	now            func() time.Time

	mu         sync.Mutex
	configured map[string]*cluster
	// arbitrary indexes recent by target URL; recent holds
	// *arbitraryTarget, the most recently scraped first.
	arbitrary map[string]*list.Element
	recent    *list.List
}

// arbitraryTarget is a cluster asked for by URL and when it was last
// scraped.
type arbitraryTarget struct {
	key      string
	cluster  *cluster
	lastUsed time.Time
}

func newTargetPool(settings clusterSettings, allowArbitrary bool, logger log.Logger) *targetPool {
	return &targetPool{
		settings:       settings,
		allowArbitrary: allowArbitrary,
		logger:         logger,
		now:            time.Now,
		configured:     map[string]*cluster{},
		arbitrary:      map[string]*list.Element{},
		recent:         list.New(),
	}
}

// apply replaces the configured clusters by those of cfg. A cluster whose
// configuration did not change keeps its client, caches and counters; the
// others are built anew, and clusters no longer configured are forgotten.
// When one cluster cannot be built, nothing changes.
func (p *targetPool) apply(cfg *config.Config) error {
	p.mu.Lock()
	old := p.configured
	p.mu.Unlock()

	next := make(map[string]*cluster, len(cfg.Clusters))
	var errs []error
	for _, name := range cfg.Names() {
		spec := cfg.Clusters[name]
		if c, ok := old[name]; ok && c.spec.Equal(spec) {
			next[name] = c
			continue
		}
		c, err := newCluster(name, spec, p.settings, flinkapi.NewInstrumentation(collector.Namespace+"_exporter"), p.logger)
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
	p.mu.Unlock()
	for name := range old {
		if _, ok := next[name]; !ok {
			level.Info(p.logger).Log("msg", "cluster removed from the configuration; its state is dropped", "cluster", name)
		}
	}
	return nil
}

// lookup returns the cluster of a /probe target: a name of the
// configuration file or, when allowed, a URL. A refused target is a
// *targetError, and no request is sent for it.
func (p *targetPool) lookup(target string) (*cluster, error) {
	if target == "" {
		return nil, &targetError{"missing target parameter: /probe?target=<cluster name of the configuration file>"}
	}
	p.mu.Lock()
	c, ok := p.configured[target]
	p.mu.Unlock()
	if ok {
		return c, nil
	}
	if !strings.Contains(target, "://") {
		return nil, &targetError{fmt.Sprintf("unknown target %q: not a cluster of the configuration file (--config.file)", target)}
	}
	if !p.allowArbitrary {
		return nil, &targetError{fmt.Sprintf("target %s is a URL, not a cluster of the configuration file; URLs are accepted only with --probe.allow-arbitrary-targets", redactTarget(target))}
	}
	if err := config.ValidateURL(target); err != nil {
		return nil, &targetError{"invalid target URL: " + err.Error()}
	}
	u, _ := url.Parse(target) // validated above
	u.Path = strings.TrimRight(u.Path, "/")
	return p.arbitraryCluster(u.String())
}

// redactTarget quotes a URL target with its password hidden.
func redactTarget(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return "(an invalid URL)"
	}
	return strconv.Quote(u.Redacted())
}

// arbitraryCluster returns the cluster at url, building it on first use,
// and drops the clusters idle too long or beyond the bound.
func (p *targetPool) arbitraryCluster(url string) (*cluster, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.forgetIdle(now)
	if el, ok := p.arbitrary[url]; ok {
		t := el.Value.(*arbitraryTarget)
		t.lastUsed = now
		p.recent.MoveToFront(el)
		return t.cluster, nil
	}
	c, err := newCluster(url, flagClusterSpec(url), p.settings, flinkapi.NewInstrumentation(collector.Namespace+"_exporter"), p.logger)
	if err != nil {
		return nil, &targetError{"invalid target URL: " + err.Error()}
	}
	p.arbitrary[url] = p.recent.PushFront(&arbitraryTarget{key: url, cluster: c, lastUsed: now})
	for p.recent.Len() > maxArbitraryTargets {
		p.remove(p.recent.Back())
	}
	return c, nil
}

// forgetIdle drops the URL targets not scraped since arbitraryTargetIdle.
func (p *targetPool) forgetIdle(now time.Time) {
	for el := p.recent.Back(); el != nil; el = p.recent.Back() {
		if now.Sub(el.Value.(*arbitraryTarget).lastUsed) < arbitraryTargetIdle {
			return
		}
		p.remove(el)
	}
}

func (p *targetPool) remove(el *list.Element) {
	t := p.recent.Remove(el).(*arbitraryTarget)
	delete(p.arbitrary, t.key)
}

// names returns the configured cluster names and the URL targets kept,
// for tests and logs.
func (p *targetPool) names() (configured, arbitrary []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for name := range p.configured {
		configured = append(configured, name)
	}
	for key := range p.arbitrary {
		arbitrary = append(arbitrary, key)
	}
	sort.Strings(configured)
	sort.Strings(arbitrary)
	return configured, arbitrary
}
