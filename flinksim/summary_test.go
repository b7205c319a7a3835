package flinksim

import (
	"encoding/json"
	"testing"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// TestSummaries checks the StatsSummaryDtos the simulator renders: Flink's
// legacy percentile estimate over the recent window, min/max/avg over every
// value, NaN percentiles without values or without histogram.
func TestSummaries(t *testing.T) {
	stats := func(vals ...int64) flinkapi.StatsSummary {
		var s statsSummary
		for _, v := range vals {
			s.add(v)
		}
		return s.dto()
	}
	perSubtask := func(vals ...int64) flinkapi.StatsSummary {
		var s minMaxAvg
		for _, v := range vals {
			s.add(v)
		}
		return s.dto()
	}
	upTo := func(n int64) []int64 {
		vals := make([]int64, n)
		for i := range vals {
			vals[i] = int64(i) + 1
		}
		return vals
	}
	for _, tc := range []struct {
		name string
		got  flinkapi.StatsSummary
		want string
	}{
		{"empty", stats(), `{"min":0,"max":0,"avg":0,"p50":"NaN","p90":"NaN","p95":"NaN","p99":"NaN","p999":"NaN"}`},
		{"one value", stats(7), `{"min":7,"max":7,"avg":7,"p50":7.0,"p90":7.0,"p95":7.0,"p99":7.0,"p999":7.0}`},
		{"1 to 10", stats(upTo(10)...), `{"min":1,"max":10,"avg":5,"p50":5.5,"p90":9.9,"p95":10.0,"p99":10.0,"p999":10.0}`},
		// Percentiles over the last summaryWindow values (73..200), the
		// rest over all 200.
		{"past the window", stats(upTo(200)...), `{"min":1,"max":200,"avg":100,"p50":136.5,"p90":188.1,"p95":194.55,"p99":199.70999999999998,"p999":200.0}`},
		{"per-subtask empty", perSubtask(), `{"min":0,"max":0,"avg":0,"p50":"NaN","p90":"NaN","p95":"NaN","p99":"NaN","p999":"NaN"}`},
		{"per-subtask", perSubtask(4, 2, 9), `{"min":2,"max":9,"avg":5,"p50":"NaN","p90":"NaN","p95":"NaN","p99":"NaN","p999":"NaN"}`},
		{"alignment buffered", zeroSummary(), `{"min":0,"max":0,"avg":0,"p50":0.0,"p90":0.0,"p95":0.0,"p99":0.0,"p999":0.0}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := json.Marshal(tc.got)
			if err != nil {
				t.Fatal(err)
			}
			if string(raw) != tc.want {
				t.Errorf("got  %s\nwant %s", raw, tc.want)
			}
		})
	}
}
