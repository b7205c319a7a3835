// Package jmprobe measures the round trip from a TaskManager's host to the
// JobManager in two phases, so that a slow network and an overloaded
// JobManager, two causes of failing checkpoints that look alike from Flink's
// REST API, can be told apart.
//
//   - connect: the time to open a TCP connection to the JobManager's RPC or
//     REST port. The kernel completes the handshake even while the JVM is
//     busy (stopped for garbage collection, or its threads saturated), so a
//     slow or failing connect points to the network between the hosts.
//   - rest: the time of a cheap REST answer, GET <rest-url>/config (the web
//     dashboard's configuration, answered from memory by the JobManager).
//     It opens a fresh connection through the same dialer and then waits
//     for the JVM, so it includes one connect: a slow network shows in both
//     phases, an overloaded JobManager shows only here. rest minus connect
//     approximates the JobManager's own time.
//
// A Prober exists only when configured (New refuses an empty Config). Run,
// started in its own goroutine, probes at once and then every Interval;
// each phase has its own deadline (Timeout), and a probe that outlasts the
// interval makes the ticker drop ticks rather than pile probes up. The Prober is also a prometheus.Collector whose
// Collect only copies the recorded state under a mutex, so a scrape never
// waits for a probe.
//
// The duration histograms record successful phases only; a failed phase
// (timeout, refused, another error, or a REST answer outside 2xx) increments
// flink_jobmanager_probe_failures_total{phase,reason} instead, so the
// histograms stay a clean latency distribution and the failure counter says
// why the others never finished. All failure series exist from the start
// with value 0, so rate() works before the first failure.
package jmprobe
