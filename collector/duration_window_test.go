package collector

import (
	"strings"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// setCompleted answers /checkpoints with the given completed checkpoints
// (id, trigger, end-to-end duration in ms), newest first, as history and
// the first as latest.completed; nothing in progress or failed.
func (jm *troubleJM) setCompleted(cps ...[3]int64) {
	var entries []string
	for _, c := range cps {
		entries = append(entries, checkpointEntry(c[0], "COMPLETED", c[1], c[2], `,"external_path":"file:/cp","discarded":false`))
	}
	jm.mu.Lock()
	defer jm.mu.Unlock()
	jm.bodies["/jobs/"+troubleJob+"/checkpoints"] = `{"counts":{"restored":0,"total":30,"in_progress":0,"completed":30,"failed":0},"summary":{"state_size":{"min":0,"max":0,"avg":0},"end_to_end_duration":{"min":0,"max":0,"avg":0},"alignment_buffered":{"min":0,"max":0,"avg":0},"processed_data":{"min":0,"max":0,"avg":0},"persisted_data":{"min":0,"max":0,"avg":0}},` +
		`"latest":{"completed":` + entries[0] + `,"savepoint":null,"failed":null,"restored":null},"history":[` + strings.Join(entries, ",") + `]}`
}

// TestDurationRatioTakesTheWorstSinceThePreviousScrape: with a 10 s
// timeout, a 9.5 s checkpoint followed by a 1 s one between two scrapes
// exports 0.95, not 0.1; it stays until another checkpoint completes.
func TestDurationRatioTakesTheWorstSinceThePreviousScrape(t *testing.T) {
	jm, srv := newTroubleJM(t)
	clock := flinksim.NewManualClock(time.UnixMilli(1_700_000_100_000))
	e := newClockedExporter(t, srv.URL, clock, DefaultMetricsTTL, "checkpoints")
	ratio := func() float64 {
		t.Helper()
		return gatherSeries(t, e)["flink_job_checkpoint_duration_to_timeout_ratio"].one(t, "ratio")
	}
	steps := []struct {
		name      string
		completed [][3]int64
		want      float64
	}{
		{"first scrape: the latest alone", [][3]int64{{20, 1_700_000_000_000, 2000}, {19, 1_699_999_990_000, 8000}}, 0.2},
		{"9.5 s then 1 s", [][3]int64{{22, 1_700_000_020_000, 1000}, {21, 1_700_000_010_000, 9500}, {20, 1_700_000_000_000, 2000}, {19, 1_699_999_990_000, 8000}}, 0.95},
		{"nothing new: the same window", [][3]int64{{22, 1_700_000_020_000, 1000}, {21, 1_700_000_010_000, 9500}, {20, 1_700_000_000_000, 2000}}, 0.95},
		{"one new, fast", [][3]int64{{23, 1_700_000_030_000, 3000}, {22, 1_700_000_020_000, 1000}, {21, 1_700_000_010_000, 9500}}, 0.3},
		{"ids start over: the latest alone", [][3]int64{{2, 1_700_000_040_000, 4000}, {1, 1_700_000_035_000, 9000}}, 0.4},
	}
	for _, st := range steps {
		jm.setCompleted(st.completed...)
		if got := ratio(); got != st.want {
			t.Errorf("%s: ratio %v, want %v", st.name, got, st.want)
		}
		clock.Advance(15 * time.Second)
	}
}
