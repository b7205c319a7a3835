// Package prober serves /probe?target=<cluster>: it keeps the Flink
// clusters the exporter may scrape on request (those named in
// --config.file and, when allowed, JobManager URLs) in a Pool, and scrapes
// one of them per request, as blackbox_exporter's prober does for its
// modules.
package prober

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/internal/scrapehttp"
)

// Handler serves /probe?target=<cluster>: one scrape of one cluster of
// pool per request, into a registry of its own. The answer holds the
// cluster's flink_* metrics (flink_up and each collector's success and
// duration among them) and the counters of its REST requests; the
// exporter's own process metrics stay on /metrics. A refused target is
// answered 400 with the reason (logged at debug level, once per target per
// minute). The scrape is bounded by Prometheus's scrape timeout less
// offset, or fallback.
func Handler(pool *Pool, fallback, offset time.Duration, logger log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := pool.lookup(r.URL.Query().Get("target"))
		var refused *targetError
		if errors.As(err, &refused) {
			pool.logRefused(r.URL.Query().Get("target"), err)
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
		before := c.inst.BytesRead()
		scrapehttp.Handler(c.exporter, fallback, offset, c.logger, rest).ServeHTTP(w, r)
		pool.scraped(c, c.inst.BytesRead()-before)
	})
}
