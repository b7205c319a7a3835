package config

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
)

// Reloader loads a configuration file and hands it to the part of the
// exporter that uses it: at start, on SIGHUP and on POST /-/reload, as the
// official exporters do (blackbox_exporter's SafeConfig). A configuration
// that fails to load, or that apply refuses, changes nothing; the outcome
// is exported as flink_exporter_config_last_reload_successful and
// flink_exporter_config_last_reload_success_timestamp_seconds.
type Reloader struct {
	file       string
	collectors []string
	apply      func(*Config) error
	logger     log.Logger

	mu        sync.Mutex // one reload at a time
	success   prometheus.Gauge
	timestamp prometheus.Gauge
}

// NewReloader returns a Reloader of file; collectors lists the collector
// names a cluster may enable, and apply takes each configuration that
// loaded. It loads nothing yet: call Reload.
func NewReloader(file string, collectors []string, apply func(*Config) error, logger log.Logger) *Reloader {
	return &Reloader{
		file:       file,
		collectors: collectors,
		apply:      apply,
		logger:     logger,
		success: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flink_exporter_config_last_reload_successful",
			Help: "1 when the last load of the configuration file (--config.file) succeeded, else 0.",
		}),
		timestamp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flink_exporter_config_last_reload_success_timestamp_seconds",
			Help: "When the configuration file was last loaded successfully.",
		}),
	}
}

// Describe implements prometheus.Collector.
func (r *Reloader) Describe(ch chan<- *prometheus.Desc) {
	r.success.Describe(ch)
	r.timestamp.Describe(ch)
}

// Collect implements prometheus.Collector.
func (r *Reloader) Collect(ch chan<- prometheus.Metric) {
	r.success.Collect(ch)
	r.timestamp.Collect(ch)
}

// Reload loads the configuration file and applies it. A file without
// clusters or target patterns is refused like any other mistake (ErrNoClusters), so a reload
// that would empty the exporter keeps the clusters it has. Its errors
// never show a secret of the file.
func (r *Reloader) Reload() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg, redact, err := loadFile(r.file, r.collectors)
	if err == nil {
		// Building a cluster's client can fail on a field the file
		// holds; its error must not show the file's secrets either.
		err = redact.error(r.apply(cfg))
	}
	if err != nil {
		r.success.Set(0)
		return err
	}
	r.success.Set(1)
	r.timestamp.SetToCurrentTime()
	patterns := make([]string, 0, len(cfg.TargetPatterns))
	for _, p := range cfg.TargetPatterns {
		patterns = append(patterns, p.Name)
	}
	level.Info(r.logger).Log("msg", "loaded the configuration file", "file", r.file, "clusters", strings.Join(cfg.Names(), ","), "target_patterns", strings.Join(patterns, ","))
	return nil
}

// ServeHTTP reloads on POST (or PUT) /-/reload and answers 500 with the
// reason when the configuration is refused.
func (r *Reloader) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost && req.Method != http.MethodPut {
		w.Header().Set("Allow", "POST, PUT")
		http.Error(w, "This endpoint requires a POST request.", http.StatusMethodNotAllowed)
		return
	}
	if err := r.Reload(); err != nil {
		level.Error(r.logger).Log("msg", "error reloading the configuration file", "file", r.file, "err", err)
		http.Error(w, fmt.Sprintf("failed to reload config: %s", err), http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, "configuration reloaded")
}

// Watch reloads on every signal received from hup (SIGHUP) until ctx
// ends; a refused configuration is logged.
func (r *Reloader) Watch(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := r.Reload(); err != nil {
				level.Error(r.logger).Log("msg", "error reloading the configuration file", "file", r.file, "err", err)
			}
		}
	}
}
