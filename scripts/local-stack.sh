#!/usr/bin/env bash
# A whole monitoring stack on this machine, no Flink and no containers
# needed: the simulator playing a Flink JobManager in trouble, the exporter
# scraping it, Prometheus with the shipped rules (examples/prometheus.yml,
# adapted to the local exporter), Alertmanager with
# examples/alertmanager.yml and a webhook receiver (cmd/webhookrecv) where
# Alertmanager delivers: each alert it receives prints on one line below
# the URLs. Prometheus and Alertmanager come from Debian's packages,
# installed with apt-get when missing. Ctrl-C stops everything.
#
#   scripts/local-stack.sh                      # the slow-storage scenario
#   SCENARIO=backpressure scripts/local-stack.sh
#   FAST=1 scripts/local-stack.sh               # for: durations / 20, as the e2e test
#
# Scenarios: healthy, network-latency, taskmanager-overload, short-timeout,
# slow-storage, large-state, jobmanager-overload, backpressure. The README's
# "Local stack" section gives the measured time to the first cause alert.
#
# Environment: SCENARIO, FAST, BIND (127.0.0.1), FLINK_PORT (8081),
# EXPORTER_PORT (9894), PROMETHEUS_PORT (9090), ALERTMANAGER_PORT (9093),
# RECEIVER_PORT (5001).
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIO=${SCENARIO:-slow-storage}
FAST=${FAST:-0}
BIND=${BIND:-127.0.0.1}
FLINK_PORT=${FLINK_PORT:-8081}
EXPORTER_PORT=${EXPORTER_PORT:-9894}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
ALERTMANAGER_PORT=${ALERTMANAGER_PORT:-9093}
RECEIVER_PORT=${RECEIVER_PORT:-5001}

say() { echo "local-stack: $*" >&2; }
die() { say "$*"; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian names the Alertmanager binary prometheus-alertmanager.
alertmanager_bin() { command -v prometheus-alertmanager || command -v alertmanager || true; }

missing=()
command -v prometheus >/dev/null || missing+=(prometheus)
[ -n "$(alertmanager_bin)" ] || missing+=(prometheus-alertmanager)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} with apt-get"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
alertmanager=$(alertmanager_bin)

for p in "$FLINK_PORT" "$EXPORTER_PORT" "$PROMETHEUS_PORT" "$ALERTMANAGER_PORT" "$RECEIVER_PORT"; do
  if (exec 3<>"/dev/tcp/$BIND/$p") 2>/dev/null; then
    die "port $p on $BIND is in use (a running prometheus or prometheus-alertmanager service? stop it, or set the *_PORT variables)"
  fi
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/flink-local-stack.XXXXXX")
pids=()
names=()
stop() {
  # A second Ctrl-C or TERM must not cut the cleanup short.
  trap - EXIT
  trap '' INT TERM
  say "stopping"
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME COMMAND...: runs COMMAND in the background, its output in
# $dir/NAME.log.
start() {
  local name=$1
  shift
  "$@" >"$dir/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
}

# ready NAME URL: waits until URL answers, or NAME stops.
ready() {
  local name=$1 url=$2 i
  for i in $(seq 300); do
    curl -sf -o /dev/null "$url" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.2
  done
  tail -20 "$dir/$name.log" >&2 || true
  die "$name does not answer on $url"
}

say "building the simulator, the exporter and the webhook receiver"
go build -o "$dir/bin/flinksim" ./cmd/flinksim
go build -o "$dir/bin/flink_exporter" .
go build -o "$dir/bin/webhookrecv" ./cmd/webhookrecv

start webhookrecv "$dir/bin/webhookrecv" --web.listen-address="$BIND:$RECEIVER_PORT" --output="$dir/alerts.jsonl"
ready webhookrecv "http://$BIND:$RECEIVER_PORT/alerts"

start flinksim "$dir/bin/flinksim" --web.listen-address="$BIND:$FLINK_PORT" --scenario="$SCENARIO"
ready flinksim "http://$BIND:$FLINK_PORT/overview"

start flink_exporter "$dir/bin/flink_exporter" --flink.url="http://$BIND:$FLINK_PORT" --web.listen-address="$BIND:$EXPORTER_PORT"
ready flink_exporter "http://$BIND:$EXPORTER_PORT/metrics"

# The shipped rules; with FAST=1 every for: duration divided by 20.
mkdir -p "$dir/rules"
for f in rules/*.yml; do
  if [ "$FAST" = 1 ]; then
    awk '
      match($0, /^[ ]+for: [0-9]+[smh]$/) {
        n = $NF; unit = substr(n, length(n)); n = substr(n, 1, length(n) - 1)
        s = n * (unit == "h" ? 3600 : unit == "m" ? 60 : 1) / 20
        sub(/for: .*/, "for: " int(s) "s")
      }
      { print }' "$f" >"$dir/$f"
  else
    cp "$f" "$dir/$f"
  fi
done

# examples/prometheus.yml with the local exporter, Alertmanager and rules;
# the /probe job of the example needs --config.file and is left out.
cat >"$dir/prometheus.yml" <<EOF
global:
  scrape_interval: 15s
  scrape_timeout: 10s
  evaluation_interval: 15s

rule_files:
  - $dir/rules/flink-checkpoints.rules.yml
  - $dir/rules/flink-checkpoints.alerts.yml

alerting:
  alertmanagers:
    - static_configs:
        - targets: ["$BIND:$ALERTMANAGER_PORT"]

scrape_configs:
  - job_name: flink
    static_configs:
      - targets: ["$BIND:$EXPORTER_PORT"]
EOF

# examples/alertmanager.yml with its receivers' http://localhost:5001
# pointed at the webhook receiver started above.
sed "s|http://localhost:5001/|http://$BIND:$RECEIVER_PORT/|" examples/alertmanager.yml >"$dir/alertmanager.yml"
cp examples/flink.tmpl "$dir/flink.tmpl"
grep -q "http://$BIND:$RECEIVER_PORT/" "$dir/alertmanager.yml" || die "examples/alertmanager.yml posts to no http://localhost:5001/ receiver any more"

start alertmanager "$alertmanager" --config.file="$dir/alertmanager.yml" \
  --storage.path="$dir/alertmanager" --web.listen-address="$BIND:$ALERTMANAGER_PORT" --cluster.listen-address=
ready alertmanager "http://$BIND:$ALERTMANAGER_PORT/-/ready"

start prometheus prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/prometheus" \
  --web.listen-address="$BIND:$PROMETHEUS_PORT"
ready prometheus "http://$BIND:$PROMETHEUS_PORT/-/ready"

fast=
[ "$FAST" = 1 ] && fast=", for: durations / 20"
cat >&2 <<EOF

flink_exporter local stack, scenario $SCENARIO$fast:
  Flink (simulated)  http://$BIND:$FLINK_PORT/overview
  flink_exporter     http://$BIND:$EXPORTER_PORT/metrics
  Prometheus         http://$BIND:$PROMETHEUS_PORT/alerts   (targets: /targets)
  Alertmanager       http://$BIND:$ALERTMANAGER_PORT/
  Webhook receiver   http://$BIND:$RECEIVER_PORT/alerts     (JSON; also $dir/alerts.jsonl)
Grafana: add the Prometheus above as a data source and import dashboards/*.json.
Logs (*.log) and data in $dir, removed on exit. Ctrl-C stops everything.
Alerts delivered to the receiver print below, one line each, with the time
since the stack started (a cause alert takes minutes: see the README).

EOF

# The receiver's lines, as they come.
tail -n +1 -f "$dir/webhookrecv.log" &
pids+=($!)
names+=("tail of webhookrecv.log")

# Until Ctrl-C, or until one of them stops.
set +e
wait -n
status=$?
set -e
for i in "${!pids[@]}"; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    say "${names[$i]} stopped (exit status $status); its last lines:"
    tail -20 "$dir/${names[$i]}.log" >&2 || true
  fi
done
exit 1
