// Package logging builds the exporter's logger from --log.level and
// --log.format, as the official exporters do, and the *slog.Logger handed
// to exporter-toolkit, so that every line of the process has the same
// shape: the keys level, time (RFC 3339 in UTC), caller and msg.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	slgk "github.com/tjhop/slog-gokit"
)

// TimeKey is the key of every line's timestamp: slog's, which the
// Prometheus ecosystem has used since it moved to log/slog.
const TimeKey = slog.TimeKey

// Levels lists the values --log.level accepts.
func Levels() []string { return []string{"debug", "info", "warn", "error"} }

// Formats lists the values --log.format accepts.
func Formats() []string { return []string{"logfmt", "json"} }

// New returns the go-kit logger of the process, filtered at lvl and
// stamping each line with its time and caller, and a *slog.Logger for
// libraries that take one (exporter-toolkit), writing the same lines to w.
func New(w io.Writer, format, lvl string) (log.Logger, *slog.Logger, error) {
	var base log.Logger
	switch format {
	case "logfmt":
		base = log.NewLogfmtLogger(log.NewSyncWriter(w))
	case "json":
		base = log.NewJSONLogger(log.NewSyncWriter(w))
	default:
		return nil, nil, fmt.Errorf("unknown log format %q, want one of %v", format, Formats())
	}
	opts := map[string]level.Option{"debug": level.AllowDebug(), "info": level.AllowInfo(), "warn": level.AllowWarn(), "error": level.AllowError()}
	opt, ok := opts[lvl]
	if !ok {
		return nil, nil, fmt.Errorf("unknown log level %q, want one of %v", lvl, Levels())
	}
	base = level.NewFilter(base, opt)
	kit := log.With(base, TimeKey, log.DefaultTimestampUTC, "caller", log.DefaultCaller)
	// slog records carry their own time and caller; the time is made UTC
	// like the go-kit lines'.
	return kit, slog.New(slgk.NewGoKitHandler(utcTimes(base), slog.LevelDebug)), nil
}

// utcTimes passes keyvals to next with every time.Time value in UTC.
func utcTimes(next log.Logger) log.Logger {
	return log.LoggerFunc(func(keyvals ...any) error {
		for i, v := range keyvals {
			if t, ok := v.(time.Time); ok {
				keyvals[i] = t.UTC().Format(time.RFC3339Nano)
			}
		}
		return next.Log(keyvals...)
	})
}
