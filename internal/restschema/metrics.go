package restschema

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// metricList checks a MetricCollectionResponseBody, which the snapshot types
// only as "any": an array of {"id": string} (no ?get=, the list of available
// metrics) or of {"id": string, "value": string} (with ?get=). The value is
// always a JSON string, whatever the metric's type, and one answer never
// mixes the two forms (REFERENCE.md §3.15).
func (v *validation) metricList(val any) {
	entries, ok := val.([]any)
	if !ok {
		v.addf("$", "want array of metrics, got %s", describe(val))
		return
	}
	firstWithValue := -1
	firstWithout := -1
	for i, e := range entries {
		path := fmt.Sprintf("$[%d]", i)
		m, ok := v.metricEntry(path, e)
		if !ok {
			continue
		}
		value, has := m["value"]
		if has {
			if _, ok := value.(string); !ok {
				v.addf(path+".value", "want string (metric values are always JSON strings), got %s", describe(value))
			}
			if firstWithValue < 0 {
				firstWithValue = i
			}
		} else if firstWithout < 0 {
			firstWithout = i
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if k != "id" && k != "value" {
				v.addf(childPath(path, k), "unknown key")
			}
		}
	}
	if firstWithValue >= 0 && firstWithout >= 0 {
		v.addf("$", "entries mix forms: $[%d] has a value, $[%d] has none", firstWithValue, firstWithout)
	}
}

// metricAggregates checks an AggregatedMetricsResponseBody, which the
// snapshot types only as "any": an array of {"id": string, <agg>: number}
// where each agg is one of min, max, avg, sum (and skew from 1.20) and each
// value a JSON number or Jackson's "NaN"/"Infinity"/"-Infinity" string. Flink
// writes only the requested aggregations, all of them when none is
// requested (REFERENCE.md §3.15). Without ?get= the handler lists the
// available ids only, as the unaggregated one does; an answer never mixes
// the two forms.
func (v *validation) metricAggregates(val any) {
	entries, ok := val.([]any)
	if !ok {
		v.addf("$", "want array of aggregated metrics, got %s", describe(val))
		return
	}
	firstWith, firstWithout := -1, -1
	for i, e := range entries {
		path := fmt.Sprintf("$[%d]", i)
		m, ok := v.metricEntry(path, e)
		if !ok {
			continue
		}
		aggs := 0
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if k == "id" {
				continue
			}
			p := childPath(path, k)
			if !v.spec.rules.isAggregate(k) {
				v.addf(p, "unknown key (aggregations of Flink %s: %s)", v.spec.version, strings.Join(v.spec.rules.aggregates, ", "))
				continue
			}
			aggs++
			if !isNumber(m[k]) {
				v.addf(p, "want number, got %s", describe(m[k]))
			}
		}
		switch {
		case aggs > 0 && firstWith < 0:
			firstWith = i
		case aggs == 0 && firstWithout < 0:
			firstWithout = i
		}
	}
	if firstWith >= 0 && firstWithout >= 0 {
		v.addf("$", "entries mix forms: $[%d] has aggregations, $[%d] has none", firstWith, firstWithout)
	}
}

// metricEntry checks that e is an object with a string id and returns it.
func (v *validation) metricEntry(path string, e any) (map[string]any, bool) {
	m, ok := e.(map[string]any)
	if !ok {
		v.addf(path, "want object, got %s", describe(e))
		return nil, false
	}
	id, has := m["id"]
	if !has {
		v.addf(path, "missing required key \"id\"")
	} else if _, ok := id.(string); !ok {
		v.addf(path+".id", "want string, got %s", describe(id))
	}
	return m, true
}
