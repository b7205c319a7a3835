// Package e2e starts real servers for end-to-end tests: a Prometheus
// server from the machine's own binary, exporters scraping a simulated
// Flink cluster, and the agent exporter beside a TaskManager. Each server
// listens on a loopback port of its own, lives in the test's temporary
// directory and is stopped by the test's cleanup, so tests can run in
// parallel and leave nothing behind.
//
// Servers are built from the same packages the flink_exporter binary
// wires (collector, flinkapi, host, jmprobe), so what Prometheus scrapes is
// what a deployment exports. Synchronisation is by polling with deadlines
// (WaitFor), never by sleeping.
//
// A test that needs an external binary calls testenv.RequireBinary: on a
// developer's machine without it the test is skipped with a message that
// says what to install; in CI (the CI environment variable set) it fails
// instead, so that a missing install step cannot turn a suite green.
package e2e
