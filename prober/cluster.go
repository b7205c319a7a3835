package prober

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	promconfig "github.com/prometheus/common/config"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/config"
	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// Settings are what a cluster's client and scrape use when the
// configuration file does not say otherwise: the --flink.* and
// --collector.* flags.
type Settings struct {
	// Timeout bounds one REST request.
	Timeout time.Duration
	// MaxConcurrentRequests bounds the requests in flight to one JobManager.
	MaxConcurrentRequests int
	// MaxResponseBytes bounds the size of a REST answer.
	MaxResponseBytes int64
	// ScrapeTimeout bounds one scrape when Prometheus announces no timeout.
	ScrapeTimeout time.Duration
	// MetricsTTL is how long Flink metric values are reused.
	MetricsTTL time.Duration
	// MaxJobs bounds the jobs a scrape reads in detail
	// (collector.Config.MaxJobs).
	MaxJobs int
	// Collectors names the enabled collectors. Not nil: an empty slice
	// enables none, where nil would mean the defaults.
	Collectors []string
	// UserAgent is sent with every REST request.
	UserAgent string
}

// Cluster is one Flink cluster the exporter scrapes. It lives across
// scrapes, so that its caches (the collector's state) and the counters of
// its REST requests carry on.
type Cluster struct {
	spec     config.Cluster
	exporter *collector.Exporter
	client   *flinkapi.Client
	inst     *flinkapi.Instrumentation
	// http is the cluster's HTTP client, whose idle connections are
	// closed when the pool drops the cluster.
	http *http.Client
	// logger is what the cluster's scrapes log to.
	logger log.Logger
	// dropped is set when the pool forgot the cluster: a scrape still
	// running closes the connections it returns to the idle pool.
	dropped atomic.Bool
}

// drop marks the cluster forgotten and closes its idle connections: a
// forgotten cluster would otherwise keep them open until the transport's
// idle timeout (five minutes in common's client).
func (c *Cluster) drop() {
	c.dropped.Store(true)
	c.exporter.Close()
	c.http.CloseIdleConnections()
}

// Exporter returns the collectors of the cluster, to serve on a path of
// their own (the cluster of --flink.url on /metrics).
func (c *Cluster) Exporter() *collector.Exporter { return c.exporter }

// Client returns the cluster's REST client, secured as its configuration
// says, for the pages that read more than the collectors do (/diagnose
// quotes the job's current checkpoint configuration).
func (c *Cluster) Client() *flinkapi.Client { return c.client }

// NewFlagCluster builds the cluster of --flink.url: no authentication, and
// proxies from the environment, as a plain Go HTTP client does. A URL with
// credentials is refused: a password on the command line shows in the
// process list and in shell histories; credentials come from files named
// in --config.file. inst counts the cluster's REST requests.
func NewFlagCluster(rawURL string, s Settings, inst *flinkapi.Instrumentation, logger log.Logger) (*Cluster, error) {
	// A malformed URL with an "@" may hold a password its parse error
	// would quote.
	if u, err := url.Parse(rawURL); (err == nil && u.User != nil) || (err != nil && strings.Contains(rawURL, "@")) {
		return nil, fmt.Errorf("%q: credentials do not belong on the command line; name the cluster in --config.file with http_client_config basic_auth password_file", config.RedactURL(rawURL))
	}
	return newCluster("default", urlSpec(rawURL), s, inst, logger)
}

// urlSpec is the cluster of a bare URL (--flink.url, or a /probe target
// given as a URL): no authentication, and proxies from the environment.
func urlSpec(url string) config.Cluster {
	spec := config.Cluster{URL: url, HTTPClientConfig: config.DefaultHTTPClientConfig()}
	spec.HTTPClientConfig.ProxyFromEnvironment = true
	return spec
}

// newCluster builds the REST client of spec, secured as its
// http_client_config says, and the collectors of the cluster. inst counts
// its requests.
func newCluster(name string, spec config.Cluster, s Settings, inst *flinkapi.Instrumentation, logger log.Logger) (*Cluster, error) {
	httpClient, err := promconfig.NewClientFromConfig(spec.HTTPClientConfig, "flink_"+name)
	if err != nil {
		return nil, fmt.Errorf("HTTP client: %w", err)
	}
	httpClient.Timeout = s.Timeout
	if spec.Timeout > 0 {
		httpClient.Timeout = time.Duration(spec.Timeout)
	}
	maxConcurrent := s.MaxConcurrentRequests
	if spec.MaxConcurrentRequests > 0 {
		maxConcurrent = spec.MaxConcurrentRequests
	}
	client, err := flinkapi.NewClient(spec.URL, flinkapi.Options{
		HTTPClient:            httpClient,
		MaxResponseBytes:      s.MaxResponseBytes,
		MaxConcurrentRequests: maxConcurrent,
		Instrumentation:       inst,
		UserAgent:             s.UserAgent,
	})
	if err != nil {
		return nil, fmt.Errorf("REST client: %w", err)
	}
	names := s.Collectors
	if len(spec.Collectors) > 0 {
		names = spec.Collectors
	}
	exp, err := collector.NewExporter(collector.Config{
		Client:     client,
		Logger:     log.With(logger, "cluster", name, "flink", client.BaseURL()),
		Collectors: names,
		Timeout:    s.ScrapeTimeout,
		MetricsTTL: s.MetricsTTL,
		MaxJobs:    s.MaxJobs,
		// Detail (per-vertex back-pressure and checkpoint subtask details,
		// per-TaskManager metrics) refreshes between scrapes, so that a
		// scrape costs the core and checkpoint requests only.
		BackgroundRefresh: true,
	})
	if err != nil {
		return nil, fmt.Errorf("collectors: %w", err)
	}
	return &Cluster{spec: spec, exporter: exp, client: client, inst: inst, http: httpClient, logger: logger}, nil
}
