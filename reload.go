package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/config"
)

// reloader loads --config.file into the target pool: at start, on SIGHUP
// and on POST /-/reload, as the official exporters do. A configuration
// that fails to load or to build changes nothing; the outcome is exported
// as flink_exporter_config_last_reload_successful.
type reloader struct {
	file       string
	collectors []string
	pool       *targetPool
	logger     log.Logger

	mu        sync.Mutex
	success   prometheus.Gauge
	timestamp prometheus.Gauge
}

func newReloader(file string, pool *targetPool, logger log.Logger) *reloader {
	var names []string
	for _, a := range collector.Areas() {
		names = append(names, a.Name)
	}
	return &reloader{
		file:       file,
		collectors: names,
		pool:       pool,
		logger:     logger,
		success: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: collector.Namespace + "_exporter", Name: "config_last_reload_successful",
			Help: "1 when the last load of the configuration file (--config.file) succeeded, else 0.",
		}),
		timestamp: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: collector.Namespace + "_exporter", Name: "config_last_reload_success_timestamp_seconds",
			Help: "When the configuration file was last loaded successfully.",
		}),
	}
}

// Describe implements prometheus.Collector.
func (r *reloader) Describe(ch chan<- *prometheus.Desc) {
	r.success.Describe(ch)
	r.timestamp.Describe(ch)
}

// Collect implements prometheus.Collector.
func (r *reloader) Collect(ch chan<- prometheus.Metric) {
	r.success.Collect(ch)
	r.timestamp.Collect(ch)
}

// reload loads the configuration file and applies it to the pool.
func (r *reloader) reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg, err := config.LoadFile(r.file, r.collectors)
	if err == nil {
		err = r.pool.apply(cfg)
	}
	if err != nil {
		r.success.Set(0)
		return err
	}
	r.success.Set(1)
	r.timestamp.SetToCurrentTime()
	level.Info(r.logger).Log("msg", "loaded the configuration file", "file", r.file, "clusters", strings.Join(cfg.Names(), ","))
	return nil
}

// ServeHTTP reloads on POST (or PUT) /-/reload and answers 500 with the
// reason when the configuration is refused.
func (r *reloader) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost && req.Method != http.MethodPut {
		w.Header().Set("Allow", "POST, PUT")
		http.Error(w, "This endpoint requires a POST request.", http.StatusMethodNotAllowed)
		return
	}
	if err := r.reload(); err != nil {
		level.Error(r.logger).Log("msg", "error reloading the configuration file", "file", r.file, "err", err)
		http.Error(w, fmt.Sprintf("failed to reload config: %s", err), http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, "configuration reloaded")
}

// watch reloads on every signal received from hup until ctx ends.
func (r *reloader) watch(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := r.reload(); err != nil {
				level.Error(r.logger).Log("msg", "error reloading the configuration file", "file", r.file, "err", err)
			}
		}
	}
}
