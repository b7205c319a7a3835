package flinksim

import (
	"strconv"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// metricKind says how a metric value is rendered and whether it can be
// aggregated.
type metricKind uint8

const (
	kindInt    metricKind = iota // a Long/Integer gauge or counter: "34"
	kindFloat                    // a Double gauge: "0.25"
	kindString                   // a String or Boolean gauge: "true", "n/a"; never aggregated
)

// metricValue is one entry of a component's metric store.
type metricValue struct {
	id   string
	num  float64
	str  string
	kind metricKind
}

// text renders the value as the metric store holds it: always a string.
func (v metricValue) text() string {
	switch v.kind {
	case kindString:
		return v.str
	case kindInt:
		return strconv.FormatInt(int64(v.num), 10)
	}
	return flinkapi.FormatMetricValue(v.num, false)
}

// metricSet collects a component's metrics in the order they are listed.
type metricSet []metricValue

// int adds an integer metric.
func (s *metricSet) int(id string, v int64) {
	*s = append(*s, metricValue{id: id, num: float64(v), kind: kindInt})
}

// float adds a double metric.
func (s *metricSet) float(id string, v float64) {
	*s = append(*s, metricValue{id: id, num: v, kind: kindFloat})
}

// string adds a non-numeric metric.
func (s *metricSet) string(id, v string) {
	*s = append(*s, metricValue{id: id, str: v, kind: kindString})
}

// find returns the metric with this id.
func (s metricSet) find(id string) (metricValue, bool) {
	for _, v := range s {
		if v.id == id {
			return v, true
		}
	}
	return metricValue{}, false
}

// index maps ids to values, for stores looked up many times.
func (s metricSet) index() map[string]metricValue {
	out := make(map[string]metricValue, len(s))
	for _, v := range s {
		out[v.id] = v
	}
	return out
}
