// Package demo serves a simulated Flink cluster (package flinksim) on a
// loopback port for --demo, so that the exporter shows live metrics on a
// machine with no Flink.
package demo

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// Start serves a simulated Flink cluster of the given scenario on a
// loopback port and returns its URL and a function that stops it.
func Start(scenario string, logger log.Logger) (string, func(), error) {
	sim, err := flinksim.New(flinksim.Config{Scenario: scenario})
	if err != nil {
		return "", nil, fmt.Errorf("demo simulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("demo simulator: listen: %w", err)
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			level.Error(logger).Log("msg", "demo simulator stopped", "err", err)
		}
	}()
	url := "http://" + ln.Addr().String()
	level.Info(logger).Log("msg", "demo: simulated Flink cluster started", "scenario", scenario, "url", url)
	return url, func() { srv.Close() }, nil
}
