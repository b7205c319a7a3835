package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	slgk "github.com/tjhop/slog-gokit"
)

// logLevels and logFormats are the values --log.level and --log.format
// accept, as in the official exporters.
var (
	logLevels  = []string{"debug", "info", "warn", "error"}
	logFormats = []string{"logfmt", "json"}
)

// newLogger builds the go-kit logger of the process, filtered at the given
// level. The caller adds the timestamp and the caller; slogBridge takes the
// logger as it is returned here, since slog records carry their own.
func newLogger(w io.Writer, format, lvl string) (log.Logger, error) {
	var logger log.Logger
	switch format {
	case "logfmt":
		logger = log.NewLogfmtLogger(log.NewSyncWriter(w))
	case "json":
		logger = log.NewJSONLogger(log.NewSyncWriter(w))
	default:
		return nil, fmt.Errorf("unknown log format %q", format)
	}
	var opt level.Option
	switch lvl {
	case "debug":
		opt = level.AllowDebug()
	case "info":
		opt = level.AllowInfo()
	case "warn":
		opt = level.AllowWarn()
	case "error":
		opt = level.AllowError()
	default:
		return nil, fmt.Errorf("unknown log level %q", lvl)
	}
	return level.NewFilter(logger, opt), nil
}

// slogBridge hands the go-kit logger to libraries that take a *slog.Logger
// (exporter-toolkit); the go-kit level filter still applies.
func slogBridge(logger log.Logger) *slog.Logger {
	return slog.New(slgk.NewGoKitHandler(logger, slog.LevelDebug))
}
