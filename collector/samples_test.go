package collector

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

const (
	realRunningJob = "4579b7a235f0756483da3c3618081bc2" // StreamPark /jobs/overview, Flink <= 1.12
	realFailedJob  = "d933fa6c785f0db6dccc6cc05dd43bab" // StreamPark HistoryServer archive, Flink 1.15
)

// realSampleBodies assembles a JobManager from the answers captured on real
// clusters: a running job whose checkpoints use the <= 1.13 "@class" shape,
// the real 1.15 checkpoint configuration (periodic checkpointing off), and
// a failed 1.15 job that must not be scraped for checkpoints.
func realSampleBodies(t *testing.T) map[string][]byte {
	dir := filepath.Join(samplesDir(t), "real")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var archive map[string]json.RawMessage
	if err := json.Unmarshal(read("streampark_historyserver_archive_flink1.15_d933fa6c.decoded.json"), &archive); err != nil {
		t.Fatal(err)
	}
	var running, failed struct {
		Jobs []json.RawMessage `json:"jobs"`
	}
	if err := json.Unmarshal(read("streampark_FlinkRestJsonTest_jobs_overview.json"), &running); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(archive["/jobs/overview"], &failed); err != nil {
		t.Fatal(err)
	}
	jobs, err := json.Marshal(map[string]any{"jobs": append(running.Jobs, failed.Jobs...)})
	if err != nil {
		t.Fatal(err)
	}
	archived := func(path string) []byte { return archive[path] }
	return map[string][]byte{
		"/overview":      read("streampark_FlinkRestJsonTest_overview.json"),
		"/jobs/overview": jobs,
		"/jobs/" + realRunningJob + "/checkpoints":                               read("streampark_FlinkRestJsonTest_checkpoints.json"),
		"/jobs/" + realRunningJob + "/checkpoints/config":                        archived("/jobs/" + realFailedJob + "/checkpoints/config"),
		"/jobs/" + realRunningJob:                                                archived("/jobs/" + realFailedJob),
		"/jobs/" + realRunningJob + "/vertices/cbc357ccb763df2852fee8c4fc7d55f2": archived("/jobs/" + realFailedJob + "/vertices/cbc357ccb763df2852fee8c4fc7d55f2"),
	}
}

// TestRealSamplesGolden pins the exposition of the exporter fed with real
// captured answers. Run with -update to rewrite testdata/real_samples.prom.
func TestRealSamplesGolden(t *testing.T) {
	srv, mux := serveBodies(t, realSampleBodies(t))
	now := time.UnixMilli(1658138497372 + 90_000)
	e, _ := newTestExporter(t, srv.URL, now)

	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e)
	got := gatherText(t, reg, "flink_exporter_scrape_collector_duration_seconds")

	golden := filepath.Join("testdata", "real_samples.prom")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("exposition differs from %s (run go test ./collector -run Golden -update to accept):\n%s", golden, got)
	}

	asked := mux.drain()
	if asked["/jobs/"+realFailedJob+"/checkpoints"] != 0 {
		t.Error("the FAILED job was scraped for checkpoints")
	}
}

// TestRealSamplesValues asserts the derived values from the real inputs.
func TestRealSamplesValues(t *testing.T) {
	srv, _ := serveBodies(t, realSampleBodies(t))
	e, _ := newTestExporter(t, srv.URL, time.UnixMilli(1658138497372+90_000))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e)

	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "job_id" && lp.GetValue() != realRunningJob {
					key = ""
				}
			}
			if key == "" {
				continue
			}
			switch {
			case m.Gauge != nil:
				values[key] = m.GetGauge().GetValue()
			case m.Counter != nil:
				values[key] = m.GetCounter().GetValue()
			}
		}
	}
	checks := map[string]float64{
		"flink_up": 1,
		"flink_job_checkpoint_duration_to_timeout_ratio":        89.0 / 600000,
		"flink_job_last_checkpoint_size_bytes":                  31096, // state_size: no checkpointed_size before 1.15
		"flink_job_last_checkpoint_full_size_bytes":             31096,
		"flink_job_last_checkpoint_duration_seconds":            0.089,
		"flink_job_checkpoints_completed_total":                 1914,
		"flink_job_checkpoint_timeout_seconds":                  600,
		"flink_job_checkpoint_in_progress_age_seconds":          0,
		"flink_job_last_checkpoint_completed_timestamp_seconds": 1658138497.372,
	}
	for name, want := range checks {
		if got, ok := values[name]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	if _, ok := values["flink_job_checkpoint_interval_seconds"]; ok {
		t.Error("flink_job_checkpoint_interval_seconds exported although the interval is Long.MAX_VALUE (periodic checkpointing off)")
	}
}

// gatherText renders the registry's exposition without the named metrics
// (whose values vary between runs).
func gatherText(t *testing.T, g prometheus.Gatherer, skip ...string) []byte {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		skipped := false
		for _, s := range skip {
			if mf.GetName() == s {
				skipped = true
			}
		}
		if skipped {
			continue
		}
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}
