package diagnose

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// Cluster is one Flink cluster the diagnosis reads: its REST client (for
// the configuration the fix quotes) and its collectors (for the series the
// rules read), the same ones /metrics serves.
type Cluster struct {
	// Client reads the REST API.
	Client *flinkapi.Client
	// Exporter collects the series; Instrumentation the REST request
	// timings the JobManager rules read. Instrumentation may be nil.
	Exporter        *collector.Exporter
	Instrumentation prometheus.Collector
	// Target are the labels Prometheus would add to every series: instance
	// and job.
	Target labels.Labels
}

// ClusterOptions configure NewCluster.
type ClusterOptions struct {
	// Timeout bounds one REST request; 5 s if zero.
	Timeout time.Duration
	// ScrapeTimeout bounds one collection; 10 s if zero.
	ScrapeTimeout time.Duration
	// Now is the clock of the collectors, time.Now if nil.
	Now func() time.Time
	// UserAgent is sent with every request.
	UserAgent string
	// Logger receives the collectors' failures; none if nil.
	Logger log.Logger
}

// NewCluster builds the client and collectors of the JobManager at
// rawURL, with every collector the exporter enables by default.
func NewCluster(rawURL string, o ClusterOptions) (*Cluster, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("--flink.url %q is not an http(s) URL", rawURL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("--flink.url %q: credentials do not belong on the command line", u.Redacted())
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	inst := flinkapi.NewInstrumentation(collector.Namespace + "_exporter")
	client, err := flinkapi.NewClient(rawURL, flinkapi.Options{
		HTTPClient:            &http.Client{Timeout: o.Timeout},
		MaxConcurrentRequests: 4,
		Instrumentation:       inst,
		UserAgent:             o.UserAgent,
	})
	if err != nil {
		return nil, fmt.Errorf("REST client: %w", err)
	}
	exp, err := collector.NewExporter(collector.Config{
		Client: client, Logger: o.Logger, Timeout: o.ScrapeTimeout, Now: o.Now,
		MetricsTTL: collector.DefaultMetricsTTL,
	})
	if err != nil {
		return nil, fmt.Errorf("collectors: %w", err)
	}
	return &Cluster{Client: client, Exporter: exp, Instrumentation: inst, Target: TargetLabels(u.Host)}, nil
}

// TargetLabels are the labels Prometheus adds to the series of a scrape of
// the exporter for the JobManager at host: the rules join on instance.
func TargetLabels(host string) labels.Labels {
	return labels.FromStrings("instance", host, "job", "flink")
}

// bound collects an exporter within a context.
type bound struct {
	ctx context.Context
	exp *collector.Exporter
}

func (b bound) Describe(ch chan<- *prometheus.Desc) { b.exp.Describe(ch) }
func (b bound) Collect(ch chan<- prometheus.Metric) { b.exp.CollectContext(b.ctx, ch) }

// Collect runs one scrape of the cluster and stores it at at. It returns
// whether the JobManager answered the core requests (flink_up).
func (c *Cluster) Collect(ctx context.Context, store *Store, at time.Time) (up bool, err error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(bound{ctx, c.Exporter}); err != nil {
		return false, fmt.Errorf("register the collectors: %w", err)
	}
	if c.Instrumentation != nil {
		if err := reg.Register(c.Instrumentation); err != nil {
			return false, fmt.Errorf("register the REST instrumentation: %w", err)
		}
	}
	families, gatherErr := reg.Gather() // partial families are still evidence
	store.AddFamilies(at, c.Target, families)
	for _, mf := range families {
		if mf.GetName() == collector.Namespace+"_up" && len(mf.GetMetric()) > 0 {
			up = mf.GetMetric()[0].GetGauge().GetValue() == 1
		}
	}
	if !up && gatherErr != nil {
		return false, fmt.Errorf("collect: %w", gatherErr)
	}
	return up, nil
}
