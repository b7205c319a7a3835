// Command flink_exporter exports the checkpoint health of Apache Flink
// clusters to Prometheus: it reads a JobManager's REST API at scrape time
// and derives what tells the causes of slow and failing checkpoints apart.
//
// main only wires: it parses the flags, builds the logger and serves the
// handlers of the packages that do the work (collector for /metrics,
// prober for /probe, config for the reload of --config.file, agent for the
// collectors beside a TaskManager).
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/alecthomas/units"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"github.com/flink-exporter/flink_exporter/agent"
	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/config"
	"github.com/flink-exporter/flink_exporter/diagnose"
	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
	"github.com/flink-exporter/flink_exporter/internal/buildinfo"
	"github.com/flink-exporter/flink_exporter/internal/demo"
	"github.com/flink-exporter/flink_exporter/internal/logging"
	"github.com/flink-exporter/flink_exporter/internal/scrapehttp"
	"github.com/flink-exporter/flink_exporter/prober"
)

const (
	// exporterName names the exporter in its build info and landing page.
	exporterName = "flink_exporter"
	// defaultListenAddress is the exporter's port.
	defaultListenAddress = ":9894"
)

func main() {
	buildinfo.Fill()
	os.Exit(run(os.Args[1:]))
}

// flags are the exporter's command-line flags.
type flags struct {
	metricsPath, logLevel, logFormat, flinkURL, configFile, demo *string
	flinkURLSet                                                  bool
	web                                                          *web.FlagConfig
	allowURLs                                                    *bool
	timeout, metricsTTL, scrapeTimeout, scrapeOffset             *time.Duration
	maxConcurrent, maxJobs                                       *int
	maxBody                                                      *units.Base2Bytes
	collectors                                                   []*bool // in the order of collector.Areas
	agent                                                        *agent.Flags
}

// addFlags declares the exporter's flags on app.
func addFlags(app *kingpin.Application) *flags {
	f := &flags{
		metricsPath: app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").String(),
		web:         kingpinflag.AddFlags(app, defaultListenAddress),
		logLevel:    app.Flag("log.level", "Only log messages with the given severity or above. One of: ["+strings.Join(logging.Levels(), ", ")+"]").Default("info").Enum(logging.Levels()...),
		logFormat:   app.Flag("log.format", "Output format of log messages. One of: ["+strings.Join(logging.Formats(), ", ")+"]").Default("logfmt").Enum(logging.Formats()...),
	}
	f.flinkURL = app.Flag("flink.url", "Base URL of the Flink JobManager REST API scraped on the telemetry path; a path prefix is allowed (a proxy path or rest.path). Empty: scrape no JobManager (agent mode, or only /probe). With --config.file and no --flink.url, none.").Default("http://localhost:8081").IsSetByUser(&f.flinkURLSet).String()
	f.configFile = app.Flag("config.file", "YAML file naming the Flink clusters that /probe?target=<name> scrapes and the target_patterns, URL patterns that admit /probe?target=<url>, with their TLS, authentication and limits; reloaded on SIGHUP and POST /-/reload.").Default("").String()
	f.allowURLs = app.Flag("probe.allow-arbitrary-targets", "Let /probe?target= take a JobManager URL besides the cluster names of --config.file. Off: the exporter is no open proxy.").Default("false").Bool()
	f.timeout = app.Flag("flink.timeout", "Timeout of one request to the Flink REST API.").Default("5s").Duration()
	f.maxConcurrent = app.Flag("flink.max-concurrent-requests", "Requests in flight to one JobManager at most.").Default("4").Int()
	f.maxJobs = app.Flag("flink.max-jobs", "Jobs read in detail per scrape at most (running, failing and restarting first); the others are only counted, in flink_cluster_jobs and flink_exporter_jobs_skipped. Negative: no bound.").Default(strconv.Itoa(collector.DefaultMaxJobs)).Int()
	f.maxBody = app.Flag("flink.max-response-size", "Largest Flink REST answer read; a larger one is an error.").Default("32MiB").Bytes()
	f.metricsTTL = app.Flag("flink.metrics-ttl", "How long Flink metric values (JVM, back-pressure) are reused; Flink refreshes them every metrics.fetcher.update-interval (10s by default), so asking more often only loads the JobManager. 0 disables.").Default(collector.DefaultMetricsTTL.String()).Duration()
	f.scrapeTimeout = app.Flag("scrape.timeout", "Budget of one scrape when Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds header.").Default("10s").Duration()
	f.scrapeOffset = app.Flag("scrape.timeout-offset", "Subtracted from Prometheus's scrape timeout to leave time to send the answer.").Default("500ms").Duration()
	f.demo = app.Flag("demo", "Start a simulated Flink cluster in-process and export it; --demo alone runs the healthy scenario, --demo=SCENARIO another one ("+strings.Join(flinksim.Scenarios(), ", ")+").").PlaceHolder("SCENARIO").Enum(flinksim.Scenarios()...)
	f.agent = agent.AddFlags(app)
	for _, a := range collector.Areas() {
		state := map[bool]string{true: "enabled", false: "disabled"}[a.DefaultEnabled]
		f.collectors = append(f.collectors, app.Flag("collector."+a.Name, a.Help+" (default: "+state+")").Default(fmt.Sprint(a.DefaultEnabled)).Bool())
	}
	return f
}

// settings are the defaults of every cluster scraped, from the flags.
func (f *flags) settings() prober.Settings {
	names := []string{} // not nil: with every collector disabled none runs
	for i, a := range collector.Areas() {
		if *f.collectors[i] {
			names = append(names, a.Name)
		}
	}
	return prober.Settings{
		Timeout: *f.timeout, MaxConcurrentRequests: *f.maxConcurrent, MaxResponseBytes: int64(*f.maxBody),
		ScrapeTimeout: *f.scrapeTimeout, MetricsTTL: *f.metricsTTL, Collectors: names, MaxJobs: *f.maxJobs,
		UserAgent: exporterName + "/" + version.Version,
	}
}

// run parses the flags, builds the logger and runs the exporter. The
// exporter is the application's default command; a subcommand would be
// told apart by the command name app.Parse returns.
func run(args []string) int {
	app := kingpin.New(exporterName, "Prometheus exporter for Apache Flink checkpoint health, read from the JobManager REST API.")
	f := addFlags(app)
	app.Version(version.Print(exporterName))
	app.HelpFlag.Short('h')
	diag := diagnose.AddCommand(app)
	app.Command("serve", "Serve the exporter (the default command).").Default()
	cmd, err := app.Parse(normalizeDemoFlag(args))
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", exporterName, err)
		return 2
	}
	if diag.Selected(cmd) {
		return diag.Run(context.Background(), *f.flinkURL, *f.demo, *f.timeout, exporterName+"/"+version.Version, os.Stdout, os.Stderr)
	}
	if *f.metricsPath == "/probe" || *f.metricsPath == "/-/reload" || *f.metricsPath == "/diagnose" {
		fmt.Fprintf(os.Stderr, "%s: --web.telemetry-path must not be %s, which serves another purpose\n", exporterName, *f.metricsPath)
		return 2
	}
	logger, slogger, err := logging.New(os.Stderr, *f.logFormat, *f.logLevel)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", exporterName, err)
		return 2
	}
	level.Info(logger).Log("msg", "starting "+exporterName, "version", version.Info())
	level.Info(logger).Log("msg", "build context", "build_context", version.BuildContext())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mux, code := handlers(ctx, f, logger)
	if mux == nil {
		return code
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := web.ListenAndServe(srv, f.web, slogger); err != nil {
		level.Error(logger).Log("msg", "HTTP server failed", "err", err)
		return 1
	}
	return 0
}

// handlers starts what the flags ask for (the demo cluster, the agent
// collectors, the reload of --config.file) until ctx ends and returns the
// exporter's handlers, or nil and the exit code when something cannot
// start; the reason is logged.
func handlers(ctx context.Context, f *flags, logger log.Logger) (*http.ServeMux, int) {
	flinkURL := *f.flinkURL
	if *f.demo != "" {
		if f.flinkURLSet {
			level.Warn(logger).Log("msg", "--demo overrides --flink.url: the simulated cluster is scraped, not the --flink.url one")
		}
		url, stop, err := demo.Start(*f.demo, logger)
		if err != nil {
			level.Error(logger).Log("msg", "cannot start the demo cluster", "err", err)
			return nil, 1
		}
		context.AfterFunc(ctx, stop)
		flinkURL = url
	} else if *f.configFile != "" && !f.flinkURLSet {
		flinkURL = "" // the clusters of the file are scraped on /probe
	}

	own := prometheus.NewRegistry()
	inst := flinkapi.NewInstrumentation(collector.Namespace + "_exporter")
	own.MustRegister(versioncollector.NewCollector(exporterName), collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), inst)
	if err := f.agent.Register(ctx, own, logger); err != nil {
		level.Error(logger).Log("msg", "cannot start the agent collectors", "err", err)
		return nil, 2
	}
	settings := f.settings()
	var exp *collector.Exporter
	if flinkURL != "" {
		c, err := prober.NewFlagCluster(flinkURL, settings, inst, logger)
		if err != nil {
			level.Error(logger).Log("msg", "invalid --flink.url", "err", err)
			return nil, 2
		}
		exp = c.Exporter()
		level.Info(logger).Log("msg", "scraping Flink on "+*f.metricsPath, "url", flinkURL, "collectors", strings.Join(settings.Collectors, ","))
	}

	mux := http.NewServeMux()
	pool := prober.NewPool(settings, *f.allowURLs, logger)
	page, err := diagnose.NewPage(flinkURL, exp, pool, logger)
	if err != nil {
		level.Error(logger).Log("msg", "cannot build the diagnose page", "err", err)
		return nil, 1
	}
	mux.Handle("/diagnose", page)
	mux.Handle("/probe", page.Tee("target", prober.Handler(pool, *f.scrapeTimeout, *f.scrapeOffset, logger)))
	if *f.configFile != "" {
		var all []string
		for _, a := range collector.Areas() {
			all = append(all, a.Name)
		}
		reload := config.NewReloader(*f.configFile, all, pool.Apply, logger)
		own.MustRegister(reload)
		if err := reload.Reload(); err != nil {
			level.Error(logger).Log("msg", "cannot load the configuration file", "file", *f.configFile, "err", err)
			return nil, 1
		}
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		context.AfterFunc(ctx, func() { signal.Stop(hup) })
		go reload.Watch(ctx, hup)
		mux.Handle("/-/reload", reload)
	}
	mux.Handle(*f.metricsPath, page.Tee("", scrapehttp.Handler(exp, *f.scrapeTimeout, *f.scrapeOffset, logger, own)))
	// Liveness for orchestrators: answers while the process serves HTTP,
	// whatever the state of the Flink clusters.
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("Healthy.\n")) })
	if *f.metricsPath != "/" {
		landing, err := landingPage(*f.metricsPath, *f.configFile != "", *f.allowURLs)
		if err != nil {
			level.Error(logger).Log("msg", "cannot build the landing page", "err", err)
			return nil, 1
		}
		mux.Handle("/", landing)
	}
	return mux, 0
}

// landingPage links only what answers in this mode: the metrics and the
// health check, and a form for /probe when it has something to scrape
// (configured clusters, URLs the target patterns admit or, when allowed,
// any JobManager URL). It shows no profiling links: no /debug/pprof.
func landingPage(metricsPath string, configured, allowURLs bool) (*web.LandingPageHandler, error) {
	cfg := web.LandingConfig{
		Name:        "Flink Exporter",
		Description: "Prometheus exporter for Apache Flink checkpoint health",
		Version:     version.Info(),
		Profiling:   "false",
		Links: []web.LandingLinks{
			{Address: metricsPath, Text: "Metrics"},
			{Address: "/-/healthy", Text: "Health", Description: "answers while the exporter serves HTTP"},
			{Address: "/diagnose", Text: "Diagnose", Description: "the likely cause of checkpoint trouble, from the alert rules"},
		},
	}
	if configured || allowURLs {
		placeholder := map[bool]string{false: "cluster name of --config.file, or a URL its target_patterns admit", true: "cluster name or JobManager URL"}[allowURLs]
		cfg.Form = web.LandingForm{Action: "/probe", Inputs: []web.LandingFormInput{{Label: "Probe target", Type: "text", Name: "target", Placeholder: placeholder}}}
	}
	return web.NewLandingPage(cfg)
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
