package main

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/internal/scrapehttp"
)

// probeHandler serves /probe?target=<cluster>: one scrape of one Flink
// cluster per request, into a registry of its own, as blackbox_exporter's
// prober does. The answer holds the cluster's flink_* metrics (flink_up and
// each collector's success and duration among them) and the counters of
// its REST requests; the exporter's own process metrics stay on /metrics.
// The scrape is bounded by Prometheus's scrape timeout less offset, or
// fallback.
func probeHandler(pool *targetPool, fallback, offset time.Duration, logger log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := r.URL.Query().Get("target")
		c, err := pool.lookup(target)
		var refused *targetError
		if errors.As(err, &refused) {
			level.Debug(logger).Log("msg", "probe target refused", "err", err)
			http.Error(w, refused.Error(), http.StatusBadRequest)
			return
		}
		if err != nil {
			level.Error(logger).Log("msg", "cannot scrape the probe target", "err", err)
			http.Error(w, "cannot scrape the target: "+err.Error(), http.StatusInternalServerError)
			return
		}
		// The REST accounting of this cluster follows its scrape, so that
		// the scrape's requests are already counted.
		rest := prometheus.NewRegistry()
		if err := rest.Register(c.inst); err != nil {
			level.Error(logger).Log("msg", "cannot register the probe collectors", "err", err)
			http.Error(w, "cannot register the probe collectors", http.StatusInternalServerError)
			return
		}
		scrapehttp.Handler(c.exporter, fallback, offset, logger, rest).ServeHTTP(w, r)
	})
}
