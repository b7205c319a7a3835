package flinkapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Metric is one entry of an unaggregated metrics answer
// (/jobmanager/metrics, /taskmanagers/:id/metrics, /jobs/:id/metrics, ...).
// Without ?get= only ID is set; with it, Value holds the value as a string,
// which is how Flink always sends it.
type Metric struct {
	ID    string `json:"id"`
	Value string `json:"value,omitempty"`
}

// Float parses the metric's string value; gauges of booleans and strings
// ("true", "n/a") give an error.
func (m Metric) Float() (float64, error) {
	v, err := parseFlinkFloat(strings.TrimSpace(m.Value))
	if err != nil {
		return math.NaN(), fmt.Errorf("metric %s: %w", m.ID, err)
	}
	return v, nil
}

// AggregatedMetric is one entry of an aggregated metrics answer
// (/taskmanagers/metrics, /jobs/metrics, .../subtasks/metrics). Only the
// requested aggregations are present; values are numbers or "NaN".
type AggregatedMetric struct {
	ID   string `json:"id"`
	Min  *Float `json:"min,omitempty"`
	Max  *Float `json:"max,omitempty"`
	Avg  *Float `json:"avg,omitempty"`
	Sum  *Float `json:"sum,omitempty"`
	Skew *Float `json:"skew,omitempty"` // 1.20+
}

// MetricValues indexes an unaggregated answer by id, keeping the values that
// parse as numbers.
func MetricValues(ms []Metric) map[string]float64 {
	out := make(map[string]float64, len(ms))
	for _, m := range ms {
		if v, err := m.Float(); err == nil {
			out[m.ID] = v
		}
	}
	return out
}

// FormatMetricValue renders a number the way Flink's metric store renders a
// gauge's toString(): integers without a decimal point, doubles with one.
func FormatMetricValue(v float64, integer bool) string {
	if integer {
		return strconv.FormatInt(int64(v), 10)
	}
	if math.IsNaN(v) {
		return "NaN"
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
