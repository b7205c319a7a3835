// Package rules holds flink_exporter's Prometheus rule files: the
// recording rules that turn the exporter's metrics into per-job evidence of
// each cause (flink-checkpoints.rules.yml) and the alerts on them
// (flink-checkpoints.alerts.yml). Its tests run promtool on them, prove with
// a discrimination matrix that each cause alert fires on series shaped like
// its cause and on no other, and keep the alerts, runbooks, dashboards and
// README in agreement with internal/causes.
package rules
