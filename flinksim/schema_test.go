package flinksim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/internal/restschema"
)

// crawlRequest is one request of a crawl and the route template it hits.
type crawlRequest struct {
	template, path string
}

// crawler discovers every endpoint and id of a simulated cluster the way a
// client would, from the answers themselves.
type crawler struct {
	ts   *testSim
	reqs []crawlRequest
}

// add queues a request.
func (c *crawler) add(template, path string) {
	c.reqs = append(c.reqs, crawlRequest{template: template, path: path})
}

// ids returns the metric ids a list endpoint answers, joined for ?get=.
func (c *crawler) ids(path string) string {
	var ms []flinkapi.Metric
	if err := json.Unmarshal(c.ts.get(path).Body.Bytes(), &ms); err != nil {
		c.ts.t.Fatalf("GET %s: %v", path, err)
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return url.QueryEscape(strings.Join(ids, ","))
}

// metrics queues an unaggregated metrics endpoint: its list, all values,
// and values with an unknown id.
func (c *crawler) metrics(template, path string) {
	c.add(template, path)
	if ids := c.ids(path); ids != "" {
		c.add(template, path+"?get="+ids)
		c.add(template, path+"?get=noSuchMetric,"+ids)
	}
}

// aggregated queues an aggregated metrics endpoint with several agg
// parameters, selections and an unknown id.
func (c *crawler) aggregated(template, path, selection string) {
	// Without ?get= Flink lists the available ids as id-only entries.
	c.add(template, path)
	ids := c.ids(path)
	if ids == "" {
		return
	}
	for _, agg := range []string{"", "&agg=min", "&agg=MAX,avg", "&agg=sum&agg=min", "&agg=min,max,avg,sum"} {
		c.add(template, path+"?get="+ids+agg)
	}
	c.add(template, path+"?get="+ids+"&agg=max"+selection)
	c.add(template, path+"?get=noSuchMetric,"+ids+"&agg=max")
}

// crawl queues every endpoint of the cluster with the ids its answers
// name, including in-progress and failed checkpoints and error cases.
func crawl(ts *testSim) []crawlRequest {
	c := &crawler{ts: ts}
	for _, p := range []string{"/config", "/overview", "/jobs", "/jobs/overview", "/taskmanagers", "/jobmanager/config"} {
		c.add(p, p)
		c.add(p, "/v1"+p)
	}
	c.metrics("/jobmanager/metrics", "/jobmanager/metrics")
	tms := getJSON[flinkapi.TaskManagersInfo](ts, "/taskmanagers").TaskManagers
	c.aggregated("/taskmanagers/metrics", "/taskmanagers/metrics", "&taskmanagers="+url.QueryEscape(tms[0].ID))
	for _, tm := range tms {
		c.add("/taskmanagers/:taskmanagerid", "/taskmanagers/"+url.PathEscape(tm.ID))
		c.metrics("/taskmanagers/:taskmanagerid/metrics", "/taskmanagers/"+url.PathEscape(tm.ID)+"/metrics")
	}
	jobs := getJSON[flinkapi.JobsOverview](ts, "/jobs/overview").Jobs
	c.aggregated("/jobs/metrics", "/jobs/metrics", "&jobs="+jobs[0].ID)
	for _, j := range jobs {
		base := "/jobs/" + j.ID
		for _, suffix := range []string{"", "/status", "/checkpoints", "/checkpoints/config"} {
			c.add("/jobs/:jobid"+suffix, base+suffix)
		}
		for _, p := range []string{base + "/exceptions", base + "/exceptions?maxExceptions=1"} {
			c.add("/jobs/:jobid/exceptions", p)
		}
		c.metrics("/jobs/:jobid/metrics", base+"/metrics")
		details := getJSON[flinkapi.JobDetails](ts, base)
		var cpIDs []int64
		if rec := ts.get(base + "/checkpoints"); rec.Code == http.StatusOK {
			var cs flinkapi.CheckpointingStatistics
			if err := json.Unmarshal(rec.Body.Bytes(), &cs); err != nil {
				ts.t.Fatal(err)
			}
			for _, cp := range cs.History {
				cpIDs = append(cpIDs, cp.ID)
			}
			for _, cp := range []*flinkapi.CheckpointStatistics{cs.Latest.Completed, cs.Latest.Failed} {
				if cp != nil {
					cpIDs = append(cpIDs, cp.ID)
				}
			}
		}
		cpIDs = append(cpIDs, 987654321) // unknown checkpoint
		for _, id := range cpIDs {
			c.add("/jobs/:jobid/checkpoints/details/:checkpointid", fmt.Sprintf("%s/checkpoints/details/%d", base, id))
			for _, v := range details.Vertices {
				c.add("/jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid",
					fmt.Sprintf("%s/checkpoints/details/%d/subtasks/%s", base, id, v.ID))
			}
		}
		for _, v := range details.Vertices {
			vb := base + "/vertices/" + v.ID
			c.add("/jobs/:jobid/vertices/:vertexid", vb)
			c.add("/jobs/:jobid/vertices/:vertexid/backpressure", vb+"/backpressure")
			c.add("/jobs/:jobid/vertices/:vertexid/taskmanagers", vb+"/taskmanagers")
			c.metrics("/jobs/:jobid/vertices/:vertexid/metrics", vb+"/metrics")
			c.metrics("/jobs/:jobid/vertices/:vertexid/subtasks/:subtaskindex/metrics", vb+"/subtasks/0/metrics")
			c.aggregated("/jobs/:jobid/vertices/:vertexid/subtasks/metrics", vb+"/subtasks/metrics", "&subtasks=0")
		}
	}
	unknownJob := "/jobs/" + strings.Repeat("0", 32)
	for _, suffix := range []string{"", "/checkpoints", "/checkpoints/config", "/exceptions", "/vertices/" + strings.Repeat("1", 32)} {
		c.add("/jobs/:jobid"+strings.Replace(suffix, "/"+strings.Repeat("1", 32), "/:vertexid", 1), unknownJob+suffix)
	}
	c.add("/jobs/:jobid/vertices/:vertexid", "/jobs/"+jobs[0].ID+"/vertices/"+strings.Repeat("1", 32))
	c.add("/taskmanagers/:taskmanagerid", "/taskmanagers/no-such-taskmanager")
	return c.reqs
}

// TestSchema validates every answer of every endpoint, for every version and
// scenario, against Flink's own REST snapshot of that version (package
// restschema): clusters with every job kind, a restarted job (exceptions,
// restored checkpoints), checkpoints in flight and failed, system metrics on,
// error answers, and the metric warm-up answers.
func TestSchema(t *testing.T) {
	specsDir, err := restschema.SpecsDir()
	if err != nil {
		t.Fatalf("Flink REST specs: %v", err)
	}
	for _, ver := range Versions() {
		spec, err := restschema.Load(specsDir, ver)
		if err != nil {
			t.Fatalf("load spec %s: %v", ver, err)
		}
		for _, scenario := range Scenarios() {
			t.Run(ver+"/"+scenario, func(t *testing.T) {
				t.Parallel()
				ts := newTestSim(t, Config{
					FlinkVersion: ver, Scenario: scenario, Jobs: 2, UncheckpointedJobs: 1,
					CheckpointingDisabledJobs: 1, FinishedJobs: 1, SystemResourceMetrics: true, Seed: 11,
				})
				ts.clock.Advance(40 * time.Second)
				if err := ts.RestartJob(ts.JobIDs()[1]); err != nil {
					t.Fatal(err)
				}
				ts.clock.Advance(1500 * time.Millisecond)
				validateCrawl(t, spec, ts)
			})
		}
		t.Run(ver+"/warmup", func(t *testing.T) {
			t.Parallel()
			ts := newTestSim(t, Config{FlinkVersion: ver, MetricsWarmup: time.Minute})
			validateCrawl(t, spec, ts)
		})
	}
}

// validateCrawl crawls the cluster and validates every answer; requests to
// endpoints the version lacks must answer 404.
func validateCrawl(t *testing.T, spec *restschema.Spec, ts *testSim) {
	t.Helper()
	reqs := crawl(ts)
	failures := 0
	for _, r := range reqs {
		rec := ts.get(r.path)
		if !spec.Has(http.MethodGet, r.template) {
			if rec.Code != http.StatusNotFound {
				t.Errorf("GET %s: endpoint not in this version, answered %d", r.path, rec.Code)
			}
			continue
		}
		if err := spec.Validate(http.MethodGet, r.path, rec.Code, rec.Body.Bytes()); err != nil {
			failures++
			if failures <= 10 {
				t.Errorf("%v\nbody: %.400s", err, rec.Body.String())
			}
		}
	}
	if failures > 10 {
		t.Errorf("... and %d more invalid answers", failures-10)
	}
	t.Logf("validated %d requests", len(reqs))
}
