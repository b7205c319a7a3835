package flinkapi

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Instrumentation counts and times the client's requests per endpoint. The
// JobManager's responsiveness is itself a diagnostic signal (an overloaded
// JobManager answers slowly), so these are exported next to Flink's metrics.
// It is a prometheus.Collector; register it once and share it between
// clients.
type Instrumentation struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	invalid  *prometheus.CounterVec

	// bytesRead is the size of the answers read in full, for the caller
	// that bounds the memory of what it keeps from them (the /probe pool
	// of URL targets).
	bytesRead atomic.Int64
}

// NewInstrumentation builds the request metrics under the given namespace
// ("flink_exporter").
func NewInstrumentation(namespace string) *Instrumentation {
	return &Instrumentation{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "rest_requests_total",
			Help:      "Requests sent to the Flink REST API, by endpoint template and HTTP status code (\"error\" when no answer arrived, \"read_error\" when the headers came but the body could not be read to its end).",
		}, []string{"endpoint", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "rest_request_duration_seconds",
			Help:      "Time until the Flink REST API answered, by endpoint template.",
			Buckets:   []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"endpoint"}),
		invalid: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "rest_invalid_responses_total",
			Help:      "Answers of the Flink REST API that could not be used: malformed or truncated JSON, bodies over the size limit, or answers breaking the validity contract (a required field missing or null, a malformed id, a negative count or size, a number beyond 2^53).",
		}, []string{"endpoint"}),
	}
}

// Describe implements prometheus.Collector.
func (i *Instrumentation) Describe(ch chan<- *prometheus.Desc) {
	i.requests.Describe(ch)
	i.duration.Describe(ch)
	i.invalid.Describe(ch)
}

// Collect implements prometheus.Collector.
func (i *Instrumentation) Collect(ch chan<- prometheus.Metric) {
	i.requests.Collect(ch)
	i.duration.Collect(ch)
	i.invalid.Collect(ch)
}

func (i *Instrumentation) observe(endpoint, code string, d time.Duration) {
	if i == nil {
		return
	}
	i.requests.WithLabelValues(endpoint, code).Inc()
	i.duration.WithLabelValues(endpoint).Observe(d.Seconds())
}

func (i *Instrumentation) observeInvalid(endpoint string) {
	if i == nil {
		return
	}
	i.invalid.WithLabelValues(endpoint).Inc()
}

func (i *Instrumentation) observeBytes(n int) {
	if i == nil {
		return
	}
	i.bytesRead.Add(int64(n))
}

// BytesRead returns the bytes of the answer bodies read in full so far.
// What a cluster's collectors keep between scrapes is decoded from these
// answers, so the bytes one scrape read estimate the memory it holds.
func (i *Instrumentation) BytesRead() int64 {
	if i == nil {
		return 0
	}
	return i.bytesRead.Load()
}
