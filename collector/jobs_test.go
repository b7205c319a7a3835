package collector

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// dupJob is one /jobs/overview entry with the given id and modification
// time.
func dupJob(id, state string, modified int64) string {
	return fmt.Sprintf(`{"jid":%q,"name":"orders","start-time":1760000000000,"end-time":-1,"duration":1000,"state":%q,"last-modification":%d,"tasks":{}}`, id, state, modified)
}

// TestDuplicateJobsCountedOnce: a /jobs/overview that lists each of three
// jobs twice gives one series per job, counts each job once, and logs the
// duplicates in one line, once while they stay the same.
func TestDuplicateJobsCountedOnce(t *testing.T) {
	ids := []string{strings.Repeat("a", 32), strings.Repeat("b", 32), strings.Repeat("c", 32)}
	var entries []string
	for _, id := range ids {
		entries = append(entries, dupJob(id, "RUNNING", 1))
	}
	// The second listing of job c is newer and says it is failing.
	entries = append(entries, dupJob(ids[0], "RUNNING", 1), dupJob(ids[1], "RUNNING", 1), dupJob(ids[2], "FAILING", 2))
	_, url := newHandCluster(t, map[string]string{
		"/overview":      handOverview("1.20.1", "0e9a3b1"),
		"/jobs/overview": `{"jobs":[` + strings.Join(entries, ",") + `]}`,
	})
	var logs bytes.Buffer
	e := handExporter(t, url, time.UnixMilli(1_760_000_100_000), "cluster", "jobs")
	e.logger = log.NewLogfmtLogger(&logs)

	got := gatherSeries(t, e)
	if v := got["flink_cluster_jobs"]["state=RUNNING"]; v != 2 {
		t.Errorf(`flink_cluster_jobs{state="RUNNING"} = %v, want 2`, v)
	}
	if v := got["flink_cluster_jobs"]["state=FAILING"]; v != 1 {
		t.Errorf(`flink_cluster_jobs{state="FAILING"} = %v, want 1 (the newest entry of job c)`, v)
	}
	if n := len(got["flink_job_start_timestamp_seconds"]); n != 3 {
		t.Errorf("flink_job_start_timestamp_seconds has %d series, want 3", n)
	}
	for _, c := range []string{"cluster", "jobs"} {
		if v := got["flink_exporter_scrape_collector_success"]["collector="+c]; v != 1 {
			t.Errorf("collector %s success = %v, want 1", c, v)
		}
	}
	// The same duplicates at the next scrapes are not logged again.
	gatherSeries(t, e)
	gatherSeries(t, e)
	if n := strings.Count(logs.String(), "more than once"); n != 1 {
		t.Errorf("duplicates logged %d times over three scrapes, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "duplicated_jobs=3") {
		t.Errorf("log does not say how many jobs were duplicated:\n%s", logs.String())
	}
}

// TestInvalidCoreAnswersMeanDown: an /overview or /jobs/overview that breaks
// the validity contract ({} , nulls, negative counts, malformed ids) is no
// answer: flink_up 0, every collector failed, no cluster series, and one
// log line that names the field.
func TestInvalidCoreAnswersMeanDown(t *testing.T) {
	okJobs := `{"jobs":[` + dupJob(strings.Repeat("a", 32), "RUNNING", 1) + `]}`
	for _, tc := range []struct {
		name, overview, jobs, field string
	}{
		{"empty overview", `{}`, okJobs, "taskmanagers"},
		{"empty jobs overview", handOverview("1.20.1", "0e9a3b1"), `{}`, "jobs"},
		{"negative taskmanagers", strings.Replace(handOverview("1.20.1", "0e9a3b1"), `"taskmanagers":1`, `"taskmanagers":-4`, 1), okJobs, "taskmanagers"},
		{"null job id", handOverview("1.20.1", "0e9a3b1"), strings.Replace(okJobs, `"jid":"`+strings.Repeat("a", 32)+`"`, `"jid":null`, 1), "jobs[0].jid"},
		{"empty job id", handOverview("1.20.1", "0e9a3b1"), strings.Replace(okJobs, strings.Repeat("a", 32), "", 1), "jobs[0].jid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, url := newHandCluster(t, map[string]string{"/overview": tc.overview, "/jobs/overview": tc.jobs})
			var logs bytes.Buffer
			e := handExporter(t, url, time.UnixMilli(1_760_000_100_000))
			e.logger = log.NewLogfmtLogger(&logs)
			got := gatherSeries(t, e)
			if v, ok := got["flink_up"][""]; !ok || v != 0 {
				t.Errorf("flink_up = %v (present %v), want 0", v, ok)
			}
			for name := range got {
				if strings.HasPrefix(name, "flink_cluster_") || strings.HasPrefix(name, "flink_job_") {
					t.Errorf("%s served from an invalid answer: %v", name, got[name])
				}
			}
			for c, v := range got["flink_exporter_scrape_collector_success"] {
				if v != 0 {
					t.Errorf("%s success = %v, want 0", c, v)
				}
			}
			if !strings.Contains(logs.String(), " "+tc.field+" ") {
				t.Errorf("log does not name the field %s:\n%s", tc.field, logs.String())
			}
			c.mu.Lock()
			for p := range c.asked {
				if strings.Contains(p, "//") {
					t.Errorf("requested %s, a path with an empty id", p)
				}
			}
			c.mu.Unlock()
		})
	}
}

// TestSelectJobs: beyond the bound, running, failing and restarting jobs
// come first, then the others that may still run, the finished last; the
// most recently modified first within a class; the list keeps its order.
func TestSelectJobs(t *testing.T) {
	j := func(id, state string, modified int64) flinkapi.JobOverview {
		return flinkapi.JobOverview{ID: id, State: state, LastModification: modified}
	}
	jobs := []flinkapi.JobOverview{
		j("finished", flinkapi.JobFinished, 9),
		j("created", flinkapi.JobCreated, 9),
		j("running-old", flinkapi.JobRunning, 1),
		j("failing", flinkapi.JobFailing, 2),
		j("restarting", flinkapi.JobRestarting, 3),
		j("running-new", flinkapi.JobRunning, 5),
	}
	for _, tc := range []struct {
		max  int
		want []string
	}{
		{0, []string{"finished", "created", "running-old", "failing", "restarting", "running-new"}},
		{6, []string{"finished", "created", "running-old", "failing", "restarting", "running-new"}},
		{3, []string{"failing", "restarting", "running-new"}},
		{5, []string{"created", "running-old", "failing", "restarting", "running-new"}},
	} {
		var got []string
		for _, s := range selectJobs(jobs, tc.max) {
			got = append(got, s.ID)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("selectJobs(max %d) = %v, want %v", tc.max, got, tc.want)
		}
	}
}

// TestMaxJobsCountsEveryJob: with more jobs than MaxJobs, every job is
// counted in flink_cluster_jobs, the rest are reported skipped by state,
// and only the selected jobs have series.
func TestMaxJobsCountsEveryJob(t *testing.T) {
	var entries []string
	for i := range 5 {
		state := "RUNNING"
		if i >= 3 {
			state = "FINISHED"
		}
		entries = append(entries, dupJob(fmt.Sprintf("%032x", i+1), state, 1))
	}
	_, url := newHandCluster(t, map[string]string{
		"/overview":      handOverview("1.20.1", "0e9a3b1"),
		"/jobs/overview": `{"jobs":[` + strings.Join(entries, ",") + `]}`,
	})
	client, err := flinkapi.NewClient(url, flinkapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExporter(Config{Client: client, Collectors: []string{"cluster", "jobs"}, MaxJobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := gatherSeries(t, e)
	if v := got["flink_cluster_jobs"]["state=RUNNING"]; v != 3 {
		t.Errorf(`flink_cluster_jobs{state="RUNNING"} = %v, want 3`, v)
	}
	if v := got["flink_cluster_jobs"]["state=FINISHED"]; v != 2 {
		t.Errorf(`flink_cluster_jobs{state="FINISHED"} = %v, want 2`, v)
	}
	if v := got["flink_exporter_jobs_skipped"]["state=RUNNING"]; v != 1 {
		t.Errorf(`flink_exporter_jobs_skipped{state="RUNNING"} = %v, want 1`, v)
	}
	if v := got["flink_exporter_jobs_skipped"]["state=FINISHED"]; v != 2 {
		t.Errorf(`flink_exporter_jobs_skipped{state="FINISHED"} = %v, want 2`, v)
	}
	if n := len(got["flink_job_start_timestamp_seconds"]); n != 2 {
		t.Errorf("%d jobs have series, want the 2 selected", n)
	}
}
