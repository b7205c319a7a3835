module github.com/flink-exporter/flink_exporter

go 1.26
require (
	github.com/alecthomas/kingpin/v2 v2.4.0
	github.com/alecthomas/units v0.0.0-20240927000941-0f3dac36c52b
	github.com/go-kit/log v0.2.1
	github.com/go-logfmt/logfmt v0.6.1
	github.com/prometheus/client_golang v1.25.0
	github.com/prometheus/common v0.73.1
	github.com/prometheus/exporter-toolkit v0.20.0
	github.com/prometheus/procfs v0.23.0
	github.com/tjhop/slog-gokit v0.2.2
	github.com/xhit/go-str2duration/v2 v2.1.0
	golang.org/x/sys v0.49.0
)
