package flinksim

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// aggregations lists the aggregation modes of a version, in answer order.
func aggregations(v version) []string {
	if v.skew {
		return []string{"min", "max", "avg", "sum", "skew"}
	}
	return []string{"min", "max", "avg", "sum"}
}

// parseAggs returns the requested aggregations (case-insensitive, all when
// absent) or an error for one the version does not know.
func parseAggs(q url.Values, v version) (map[string]bool, error) {
	known := aggregations(v)
	out := map[string]bool{}
	for _, a := range listParam(q, "agg") {
		a = strings.ToLower(a)
		if !slices.Contains(known, a) {
			return nil, fmt.Errorf("Cannot resolve query parameter (agg) from value %q.", a)
		}
		out[a] = true
	}
	if len(out) == 0 {
		for _, a := range known {
			out[a] = true
		}
	}
	return out, nil
}

// aggregateMetrics answers an aggregated metrics request over stores:
// without ?get= the union of ids; with it one entry per numeric metric with
// only the requested aggregations as numbers. Non-numeric metrics are
// skipped; if any requested id is in no store the whole answer is [] (Flink
// fails the request and answers the empty list).
func (m *model) aggregateMetrics(stores []metricSet, q *request) reply {
	aggs, err := parseAggs(q.query, m.ver)
	if err != nil {
		return badRequest(err.Error())
	}
	if !m.metricsReady(q.now) {
		return ok([]flinkapi.AggregatedMetric{})
	}
	gets := listParam(q.query, "get")
	if gets == nil {
		out := []flinkapi.Metric{}
		seen := map[string]bool{}
		for _, s := range stores {
			for _, v := range s {
				if !seen[v.id] {
					seen[v.id] = true
					out = append(out, flinkapi.Metric{ID: v.id})
				}
			}
		}
		return ok(out)
	}
	out := []flinkapi.AggregatedMetric{}
	for _, id := range gets {
		var vals []float64
		known := false
		for _, s := range stores {
			if v, found := s.find(id); found {
				known = true
				if v.kind != kindString {
					vals = append(vals, v.num)
				}
			}
		}
		if !known {
			return ok([]flinkapi.AggregatedMetric{})
		}
		if len(vals) > 0 {
			out = append(out, aggregate1(id, vals, aggs))
		}
	}
	return ok(out)
}

// aggregate1 computes the requested aggregations of one metric.
func aggregate1(id string, vals []float64, aggs map[string]bool) flinkapi.AggregatedMetric {
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, v := range vals {
		lo, hi, sum = math.Min(lo, v), math.Max(hi, v), sum+v
	}
	avg := sum / float64(len(vals))
	out := flinkapi.AggregatedMetric{ID: id}
	if aggs["min"] {
		out.Min = flinkapi.NewFloat(lo)
	}
	if aggs["max"] {
		out.Max = flinkapi.NewFloat(hi)
	}
	if aggs["avg"] {
		out.Avg = flinkapi.NewFloat(avg)
	}
	if aggs["sum"] {
		out.Sum = flinkapi.NewFloat(sum)
	}
	if aggs["skew"] {
		out.Skew = flinkapi.NewFloat(skew(vals, avg))
	}
	return out
}

// skew is Flink's DoubleDataSkew: the mean absolute deviation as a
// percentage of the mean, capped at 100 (0 when the mean is 0).
func skew(vals []float64, avg float64) float64 {
	if avg == 0 {
		return 0
	}
	dev := 0.0
	for _, v := range vals {
		dev += math.Abs(avg - v)
	}
	return math.Min(dev/float64(len(vals))/avg*100, 100)
}
