// Package scrapehttp serves one scrape of a Flink cluster over HTTP, as
// /metrics and /probe do: bounded by the scrape budget Prometheus
// announces, and gathered before the exporter's own metrics so that the
// REST requests the scrape made are already counted in them.
package scrapehttp

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/flink-exporter/flink_exporter/collector"
)

// Budget is how long one scrape of Flink may take: Prometheus's scrape
// timeout (X-Prometheus-Scrape-Timeout-Seconds) less an offset that leaves
// time to send the answer, or the fallback when the header is absent.
func Budget(r *http.Request, fallback, offset time.Duration) time.Duration {
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

// bound scrapes an Exporter within one request's context.
type bound struct {
	exporter *collector.Exporter
	ctx      context.Context
}

func (b bound) Describe(ch chan<- *prometheus.Desc) { b.exporter.Describe(ch) }
func (b bound) Collect(ch chan<- prometheus.Metric) { b.exporter.CollectContext(b.ctx, ch) }

// Handler serves a fresh scrape of exp bounded by the scrape budget, then
// the other gatherers (the exporter's own metrics, a cluster's REST
// accounting). exp may be nil: then only the others are served. The
// others are registries, or gatherers that check and sort their series as
// a Registry does: their families are served without a second pass
// (sequence).
func Handler(exp *collector.Exporter, fallback, offset time.Duration, logger log.Logger, others ...prometheus.Gatherer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var gatherers sequence
		if exp != nil {
			ctx, cancel := context.WithTimeout(r.Context(), Budget(r, fallback, offset))
			defer cancel()
			reg := prometheus.NewRegistry()
			if err := reg.Register(bound{exporter: exp, ctx: ctx}); err != nil {
				level.Error(logger).Log("msg", "cannot register the Flink collector", "err", err)
				http.Error(w, "cannot register the Flink collector", http.StatusInternalServerError)
				return
			}
			gatherers = append(gatherers, reg)
		}
		gatherers = append(gatherers, others...)
		promhttp.HandlerFor(gatherers, promhttp.HandlerOpts{
			ErrorLog:      errorLogger{logger},
			ErrorHandling: promhttp.ContinueOnError,
		}).ServeHTTP(w, r)
	})
}

// errorLogger adapts go-kit to promhttp's error log. promhttp hands it its
// message and the error as separate values; they are joined into one string
// here, since logfmt cannot encode a []any and would log only
// "unsupported value type" in place of the error.
type errorLogger struct{ logger log.Logger }

// MaxLogValue bounds the error text of one log line: a gather error lists
// every failed series, which on a large cluster makes lines of megabytes.
const MaxLogValue = 4096

func (l errorLogger) Println(v ...any) {
	text := strings.TrimSpace(fmt.Sprintln(v...))
	level.Error(l.logger).Log("msg", "error gathering metrics", "err", Truncate(text, MaxLogValue))
}

// Truncate cuts s to at most limit bytes (on a rune boundary) and, when it
// cut, notes the size of the whole, so that a log line stays readable and
// still says how much was left out.
func Truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (truncated, %d bytes in all)", s[:cut], len(s))
}
