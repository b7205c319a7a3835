// Package flinkapi speaks the Apache Flink JobManager REST API.
//
// It holds the wire types of the endpoints the exporter reads, shared by the
// client in this package and by the simulator in package flinksim, and a
// Client with one typed method per endpoint. The types follow the shapes of
// Flink 1.13 to 2.x as recorded in Flink's own REST compatibility snapshots
// (rest_api_v1.snapshot): fields that only some versions send are pointers or
// Opt values, so that a response of any version decodes and the simulator can
// emit exactly the keys a given version emits.
//
// Flink's wire format has several traps that these types absorb: statistics
// that are JSON numbers or the string "NaN" (Float), int64 sentinels such as
// Long.MAX_VALUE for a disabled checkpoint interval (decoded as int64, never as
// float64), the "@class" discriminator of 1.13/1.14 next to "className" of
// 1.15+, and fields that are present but null in some versions and absent in
// others (Opt).
package flinkapi
