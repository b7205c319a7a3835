package collector

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/flinksim"
)

// pendingOf reads, straight from the simulator's REST answers, the
// subtasks of one checkpoint that have not acknowledged: per vertex id and
// per TaskManager id (every TaskManager running a subtask counted, 0
// included).
func pendingOf(t *testing.T, c *simCluster, jobID string, checkpointID int64) (byVertex map[string]int, byTM map[string]int) {
	t.Helper()
	ctx := context.Background()
	byVertex, byTM = map[string]int{}, map[string]int{}
	for _, vid := range c.sim.VertexIDs(jobID) {
		vd, err := c.client.Vertex(ctx, jobID, vid)
		if err != nil {
			t.Fatal(err)
		}
		tms := map[int]string{}
		for _, st := range vd.Subtasks {
			tms[st.Subtask] = st.TaskManagerID
			byTM[st.TaskManagerID] += 0
		}
		d, err := c.client.CheckpointSubtasks(ctx, jobID, checkpointID, vid)
		if err != nil {
			t.Fatal(err)
		}
		byVertex[vid] = 0
		for _, st := range d.Subtasks {
			if st.Status == "pending_or_failed" {
				byVertex[vid]++
				byTM[tms[st.Index]]++
			}
		}
	}
	return byVertex, byTM
}

// TestSimNamesPendingBeforeExpiry: in short-timeout and slow-storage, once
// the oldest checkpoint in progress has run for half its timeout, a scrape
// names the vertices and TaskManagers whose subtasks have not
// acknowledged it, as the simulator's own answers say; in short-timeout
// some of the checkpoints so named then expire.
func TestSimNamesPendingBeforeExpiry(t *testing.T) {
	for _, tt := range []struct {
		scenario string
		// expired: a named checkpoint must later fail by expiring.
		expired bool
	}{{"short-timeout", true}, {"slow-storage", false}} {
		t.Run(tt.scenario, func(t *testing.T) {
			c := newSimCluster(t, flinksim.Config{Scenario: tt.scenario, Seed: 4})
			ctx := context.Background()
			c.clock.Advance(20 * time.Second)
			gatherSeries(t, c.exporter)
			type key struct {
				job string
				id  int64
			}
			named := map[key]bool{}
			namedExpired := 0
			for step := 0; step < 12_000; step++ {
				c.clock.Advance(25 * time.Millisecond)
				for _, job := range c.sim.JobIDs() {
					stats, err := c.client.Checkpoints(ctx, job)
					if err != nil {
						t.Fatal(err)
					}
					for _, h := range stats.History {
						k := key{job, h.ID}
						if named[k] && h.Status == flinkapi.CheckpointFailed {
							if msg, _ := h.FailureMessage.Get(); msg == "Checkpoint expired before completing." {
								namedExpired++
							}
							delete(named, k)
						}
					}
					var oldest *flinkapi.CheckpointStatistics
					for i := range stats.History {
						if h := &stats.History[i]; h.Status == flinkapi.CheckpointInProgress && (oldest == nil || h.TriggerTimestamp < oldest.TriggerTimestamp) {
							oldest = h
						}
					}
					if oldest == nil || named[key{job, oldest.ID}] {
						continue
					}
					cfg, err := c.client.CheckpointConfig(ctx, job)
					if err != nil {
						t.Fatal(err)
					}
					age := c.clock.Now().UnixMilli() - oldest.TriggerTimestamp
					if float64(age) < 0.6*float64(cfg.Timeout) {
						continue
					}
					byVertex, byTM := pendingOf(t, c, job, oldest.ID)
					total := 0
					for _, n := range byVertex {
						total += n
					}
					if total == 0 {
						continue
					}
					got := gatherSeries(t, c.exporter)
					inProgress := []string{"job_id=" + job, "checkpoint=in_progress"}
					if id := got["flink_job_checkpoint_ack_analysis_checkpoint_id"].withLabel(inProgress...); len(id) != 1 || id.one(t, "id") != float64(oldest.ID) {
						t.Fatalf("job %s: checkpoint %d in progress for %d ms of %d: analysis of %v", job, oldest.ID, age, cfg.Timeout, id)
					}
					for vid, n := range byVertex {
						s := got["flink_job_vertex_checkpoint_subtasks_pending"].withLabel(append(inProgress, "vertex_id="+vid)...)
						if len(s) != 1 || s.one(t, "vertex pending") != float64(n) {
							t.Errorf("job %s checkpoint %d vertex %s: pending %v, want %d", job, oldest.ID, vid, s, n)
						}
					}
					for tm, n := range byTM {
						s := got["flink_taskmanager_checkpoint_subtasks_pending"].withLabel(append(inProgress, "tm_id="+tm)...)
						if len(s) != 1 || s.one(t, "tm pending") != float64(n) {
							t.Errorf("job %s checkpoint %d TaskManager %s: pending %v, want %d", job, oldest.ID, tm, s, n)
						}
					}
					named[key{job, oldest.ID}] = true
				}
				if t.Failed() {
					return
				}
				if !tt.expired && len(named) > 0 || tt.expired && namedExpired > 0 {
					return
				}
			}
			t.Fatal(fmt.Sprintf("no checkpoint in progress was named before it %s", map[bool]string{true: "expired", false: "ended"}[tt.expired]))
		})
	}
}
