// Command flink_exporter exports the checkpoint health of Apache Flink
// clusters to Prometheus: it reads a JobManager's REST API at scrape time
// and derives what tells the causes of slow and failing checkpoints apart.
package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
	"github.com/flink-exporter/flink_exporter/internal/scrapehttp"
)

// exporterName names the exporter in its build info and landing page.
const exporterName = "flink_exporter"

// defaultListenAddress is the exporter's port.
const defaultListenAddress = ":9894"

func main() {
	os.Exit(run(os.Args[1:]))
}

// run parses the flags, wires the logger, the Flink client, the collectors
// and the HTTP server, and serves until the server fails.
func run(args []string) int {
	app := kingpin.New(exporterName, "Prometheus exporter for Apache Flink checkpoint health, read from the JobManager REST API.")
	var (
		metricsPath   = app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").String()
		webConfig     = kingpinflag.AddFlags(app, defaultListenAddress)
		logLevel      = app.Flag("log.level", "Only log messages with the given severity or above. One of: ["+strings.Join(logLevels, ", ")+"]").Default("info").Enum(logLevels...)
		logFormat     = app.Flag("log.format", "Output format of log messages. One of: ["+strings.Join(logFormats, ", ")+"]").Default("logfmt").Enum(logFormats...)
		flinkURLSet   bool
		flinkURL      = app.Flag("flink.url", "Base URL of the Flink JobManager REST API scraped on the telemetry path; a path prefix is allowed (a proxy path or rest.path). Empty: scrape no JobManager (agent mode, or only /probe). With --config.file and no --flink.url, none.").Default("http://localhost:8081").IsSetByUser(&flinkURLSet).String()
		configFile    = app.Flag("config.file", "YAML file naming the Flink clusters that /probe?target=<name> scrapes, with their TLS, authentication and limits; reloaded on SIGHUP and POST /-/reload.").Default("").String()
		allowURLs     = app.Flag("probe.allow-arbitrary-targets", "Let /probe?target= take a JobManager URL besides the cluster names of --config.file. Off: the exporter is no open proxy.").Default("false").Bool()
		flinkTimeout  = app.Flag("flink.timeout", "Timeout of one request to the Flink REST API.").Default("5s").Duration()
		maxConcurrent = app.Flag("flink.max-concurrent-requests", "Requests in flight to one JobManager at most.").Default("4").Int()
		maxBody       = app.Flag("flink.max-response-size", "Largest Flink REST answer read; a larger one is an error.").Default("32MiB").Bytes()
		metricsTTL    = app.Flag("flink.metrics-ttl", "How long Flink metric values (JVM, back-pressure) are reused; Flink refreshes them every metrics.fetcher.update-interval (10s by default), so asking more often only loads the JobManager. 0 disables.").Default(collector.DefaultMetricsTTL.String()).Duration()
		scrapeTimeout = app.Flag("scrape.timeout", "Budget of one scrape when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds header.").Default("10s").Duration()
		scrapeOffset  = app.Flag("scrape.timeout-offset", "Subtracted from Prometheus's scrape timeout to leave time to send the answer.").Default("500ms").Duration()
		demo          = app.Flag("demo", "Start a simulated Flink cluster in-process and export it; --demo alone runs the healthy scenario, --demo=SCENARIO another one ("+strings.Join(flinksim.Scenarios(), ", ")+").").PlaceHolder("SCENARIO").Enum(flinksim.Scenarios()...)
	)
	agent := addAgentFlags(app)
	enabled := map[string]*bool{}
	for _, a := range collector.Areas() {
		def := "false"
		if a.DefaultEnabled {
			def = "true"
		}
		enabled[a.Name] = app.Flag("collector."+a.Name, a.Help+" (default: "+map[bool]string{true: "enabled", false: "disabled"}[a.DefaultEnabled]+")").Default(def).Bool()
	}
	app.Version(version.Print(exporterName))
	app.HelpFlag.Short('h')
	if _, err := app.Parse(normalizeDemoFlag(args)); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", exporterName, err)
		return 2
	}

	if *metricsPath == "/probe" || *metricsPath == "/-/reload" {
		fmt.Fprintf(os.Stderr, "%s: --web.telemetry-path must not be %s, which serves another purpose\n", exporterName, *metricsPath)
		return 2
	}
	baseLogger, err := newLogger(os.Stderr, *logFormat, *logLevel)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", exporterName, err)
		return 2
	}
	logger := log.With(baseLogger, "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller)
	level.Info(logger).Log("msg", "starting "+exporterName, "version", version.Info())
	level.Info(logger).Log("msg", "build context", "build_context", version.BuildContext())

	if *demo != "" {
		url, stop, err := startDemo(*demo, logger)
		if err != nil {
			level.Error(logger).Log("msg", "cannot start the demo cluster", "err", err)
			return 1
		}
		defer stop()
		*flinkURL = url
	} else if *configFile != "" && !flinkURLSet {
		// The clusters of the configuration file are scraped on /probe;
		// the default JobManager is scraped only when asked for.
		*flinkURL = ""
	}

	own := prometheus.NewRegistry()
	inst := flinkapi.NewInstrumentation(collector.Namespace + "_exporter")
	own.MustRegister(
		versioncollector.NewCollector(exporterName),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		inst,
	)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := agent.register(ctx, own, logger); err != nil {
		level.Error(logger).Log("msg", "cannot start the agent collectors", "err", err)
		return 2
	}

	// Not nil: with every collector disabled none runs (nil would mean
	// the defaults).
	names := []string{}
	for _, a := range collector.Areas() {
		if *enabled[a.Name] {
			names = append(names, a.Name)
		}
	}
	settings := clusterSettings{
		timeout: *flinkTimeout, maxConcurrent: *maxConcurrent, maxBody: int64(*maxBody),
		scrapeTimeout: *scrapeTimeout, metricsTTL: *metricsTTL, collectors: names,
		userAgent: exporterName + "/" + version.Version,
	}
	var exp *collector.Exporter
	if *flinkURL != "" {
		if err := noCredentials(*flinkURL); err != nil {
			level.Error(logger).Log("msg", "invalid --flink.url", "err", err)
			return 2
		}
		c, err := newCluster("default", flagClusterSpec(*flinkURL), settings, inst, logger)
		if err != nil {
			level.Error(logger).Log("msg", "cannot scrape Flink", "err", fmt.Errorf("--flink.url: %w", err))
			return 2
		}
		exp = c.exporter
		level.Info(logger).Log("msg", "scraping Flink on "+*metricsPath, "url", redactURL(*flinkURL), "collectors", strings.Join(names, ","))
	}

	pool := newTargetPool(settings, *allowURLs, logger)
	var reload *reloader
	if *configFile != "" {
		reload = newReloader(*configFile, pool, logger)
		own.MustRegister(reload)
		if err := reload.reload(); err != nil {
			level.Error(logger).Log("msg", "cannot load the configuration file", "file", *configFile, "err", err)
			return 1
		}
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		go reload.watch(ctx, hup)
	}

	mux := http.NewServeMux()
	mux.Handle(*metricsPath, scrapehttp.Handler(exp, *scrapeTimeout, *scrapeOffset, logger, own))
	mux.Handle("/probe", probeHandler(pool, *scrapeTimeout, *scrapeOffset, logger))
	// Liveness for orchestrators: answers while the process serves HTTP,
	// whatever the state of the Flink clusters.
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("Healthy.\n"))
	})
	if reload != nil {
		mux.Handle("/-/reload", reload)
	}
	if *metricsPath != "/" {
		landing, err := web.NewLandingPage(web.LandingConfig{
			Name:        "Flink Exporter",
			Description: "Prometheus exporter for Apache Flink checkpoint health",
			Version:     version.Info(),
			Links: []web.LandingLinks{
				{Address: *metricsPath, Text: "Metrics"},
				{Address: "/probe", Text: "Probe", Description: "/probe?target=<cluster> scrapes one Flink cluster of the configuration file"},
			},
		})
		if err != nil {
			level.Error(logger).Log("msg", "cannot build the landing page", "err", err)
			return 1
		}
		mux.Handle("/", landing)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := web.ListenAndServe(srv, webConfig, slogBridge(baseLogger)); err != nil {
		level.Error(logger).Log("msg", "HTTP server failed", "err", err)
		return 1
	}
	return 0
}

// normalizeDemoFlag lets --demo stand alone: kingpin flags take a value, so
// a bare --demo becomes --demo=healthy.
func normalizeDemoFlag(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "--demo" {
			a = "--demo=healthy"
		}
		out[i] = a
	}
	return out
}

// noCredentials refuses a URL with credentials: a password on the command
// line shows in the process list and in shell histories. Credentials come
// from files named in --config.file.
func noCredentials(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return nil // flinkapi.NewClient reports a URL it cannot use
	}
	return fmt.Errorf("%q: credentials do not belong on the command line; name the cluster in --config.file with http_client_config basic_auth password_file", u.Redacted())
}

// redactURL hides a password a URL may carry, for logs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid URL>"
	}
	return u.Redacted()
}
