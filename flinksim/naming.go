package flinksim

import (
	"fmt"
	"strings"
)

// jobNames returns the names given to jobs in order; further jobs reuse
// them with a numeric suffix so that every name stays distinct.
func jobNames() []string {
	return []string{
		"orders-enrichment", "payments-fraud-detection", "clickstream-sessionizer",
		"inventory-sync", "user-profile-aggregator", "ad-impressions-rollup",
		"shipment-tracking", "sensor-anomaly-detector", "recommendations-features",
		"billing-usage-metering", "search-index-updater", "notifications-fanout",
	}
}

// middleVertexNames returns the names of the vertices between source and
// sink.
func middleVertexNames() []string {
	return []string{"KeyedProcess", "Window(TumblingEventTimeWindows)", "Async I/O", "Map", "Filter", "Flat Map"}
}

// jobName returns the distinct name of job n.
func jobName(n int) string {
	names := jobNames()
	base := names[n%len(names)]
	if n < len(names) {
		return base
	}
	return fmt.Sprintf("%s-%d", base, n/len(names)+1)
}

// vertexNames returns the names of a job's vertices: a Kafka source, the
// processing steps and a Kafka sink, chained into one vertex when there is
// only one.
func vertexNames(n int) []string {
	if n == 1 {
		return []string{"Source: Kafka -> KeyedProcess -> Sink: Kafka"}
	}
	middle := middleVertexNames()
	names := make([]string, n)
	names[0] = "Source: Kafka"
	for i := 1; i < n-1; i++ {
		m := i - 1
		name := middle[m%len(middle)]
		if m >= len(middle) {
			name = fmt.Sprintf("%s %d", name, m/len(middle)+1)
		}
		names[i] = name
	}
	if n == 2 {
		names[1] = "KeyedProcess -> Sink: Kafka"
	} else {
		names[n-1] = "Sink: Kafka"
	}
	return names
}

// hexID returns a 32-hex-digit id (JobID, JobVertexID) for the keys.
func (r rnd) hexID(d domain, keys ...int64) string {
	return fmt.Sprintf("%016x%016x", r.hash(d, append(keys, 1)...), r.hash(d, append(keys, 2)...))
}

// tmAddress returns the IP address of TaskManager n.
func tmAddress(n int) string {
	return fmt.Sprintf("10.0.%d.%d", n/200, 11+n%200)
}

// tmResourceID returns a standalone TaskManager ResourceID
// ("10.0.0.11:41234-a1b2c3") for TaskManager n.
func (r rnd) tmResourceID(n int) string {
	port := 30000 + r.hash(dTMPort, int64(n))%20000
	return fmt.Sprintf("%s:%d-%06x", tmAddress(n), port, r.hash(dTMSuffix, int64(n))&0xffffff)
}

// tmDataPort returns the data port of TaskManager n.
func (r rnd) tmDataPort(n int) int {
	return 35000 + int(r.hash(dTMDataPort, int64(n))%10000)
}

// rpcPath returns the TaskManager's RPC address as /taskmanagers reports it:
// akka before 1.18, pekko since.
func rpcPath(v version, ip string) string {
	scheme := "akka"
	if v.pekko {
		scheme = "pekko"
	}
	return fmt.Sprintf("%s.tcp://flink@%s:6122/user/rpc/taskmanager_0", scheme, ip)
}

// metricScopeName turns an operator name into a metric id component the way
// Flink's metric query service does (spaces and dots become underscores).
func metricScopeName(name string) string {
	return strings.NewReplacer(" ", "_", ".", "_", ",", "_").Replace(name)
}
