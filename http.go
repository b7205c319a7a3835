package main

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flink-exporter/flink_exporter/collector"
)

// scrapeBudget is how long one scrape of Flink may take: Prometheus's scrape
// timeout (X-Prometheus-Scrape-Timeout-Seconds) less an offset that leaves
// time to send the answer, or the fallback when the header is absent.
func scrapeBudget(r *http.Request, fallback, offset time.Duration) time.Duration {
	v := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds")
	if v == "" {
		return fallback
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || secs <= 0 {
		return fallback
	}
	budget := time.Duration(secs*float64(time.Second)) - offset
	if budget <= 0 {
		budget = time.Duration(secs * float64(time.Second))
	}
	return budget
}

// boundExporter scrapes an Exporter within one request's budget.
type boundExporter struct {
	exporter *collector.Exporter
	ctx      context.Context
}

func (b boundExporter) Describe(ch chan<- *prometheus.Desc) { b.exporter.Describe(ch) }
func (b boundExporter) Collect(ch chan<- prometheus.Metric) { b.exporter.CollectContext(b.ctx, ch) }

// metricsHandler serves the exporter's own metrics and, when exp is set, a
// fresh scrape of its Flink cluster bounded by the scrape budget.
func metricsHandler(own prometheus.Gatherer, exp *collector.Exporter, fallback, offset time.Duration, logger log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The Flink scrape is gathered first, so that the REST requests it
		// makes are already counted in the exporter's own metrics.
		var gatherers prometheus.Gatherers
		if exp != nil {
			ctx, cancel := context.WithTimeout(r.Context(), scrapeBudget(r, fallback, offset))
			defer cancel()
			reg := prometheus.NewRegistry()
			if err := reg.Register(boundExporter{exporter: exp, ctx: ctx}); err != nil {
				level.Error(logger).Log("msg", "cannot register the Flink collector", "err", err)
				http.Error(w, "cannot register the Flink collector", http.StatusInternalServerError)
				return
			}
			gatherers = append(gatherers, reg)
		}
		gatherers = append(gatherers, own)
		promhttp.HandlerFor(gatherers, promhttp.HandlerOpts{
			ErrorLog:      promErrorLogger{logger},
			ErrorHandling: promhttp.ContinueOnError,
		}).ServeHTTP(w, r)
	})
}

// promErrorLogger adapts go-kit to promhttp's error log.
type promErrorLogger struct{ logger log.Logger }

func (l promErrorLogger) Println(v ...any) {
	level.Error(l.logger).Log("msg", "error gathering metrics", "err", v)
}
