package collector

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// checkpointAcksCollector exports how the subtasks acknowledged the latest
// completed checkpoint: per vertex the slowest and mean acknowledgement and
// the slowest of each phase, per TaskManager its slowest acknowledgement
// (the straggler), and the job's upload throughput. The subtask details
// are read once per completed checkpoint.
type checkpointAcksCollector struct {
	descSet
	ackMax, ackAvg, syncMax, asyncMax, asyncAvg, alignMax, startMax, unexplained *prometheus.Desc
	acked, subtasks, tmAckMax, throughput                                        *prometheus.Desc
}

func newCheckpointAcksCollector() Collector {
	c := &checkpointAcksCollector{}
	const src = " of the latest completed checkpoint, from /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid"
	c.ackMax = c.add("job_vertex", "checkpoint_ack_latency_max_seconds", "Slowest subtask acknowledgement after the trigger"+src+" (end_to_end_duration).", vertexLabels...)
	c.ackAvg = c.add("job_vertex", "checkpoint_ack_latency_avg_seconds", "Mean subtask acknowledgement after the trigger"+src+" (end_to_end_duration).", vertexLabels...)
	c.syncMax = c.add("job_vertex", "checkpoint_sync_duration_max_seconds", "Slowest synchronous snapshot phase"+src+" (checkpoint.sync).", vertexLabels...)
	c.asyncMax = c.add("job_vertex", "checkpoint_async_duration_max_seconds", "Slowest asynchronous snapshot phase (the upload)"+src+" (checkpoint.async).", vertexLabels...)
	c.asyncAvg = c.add("job_vertex", "checkpoint_async_duration_avg_seconds", "Mean asynchronous snapshot phase over the acknowledged subtasks"+src+" (checkpoint.async): long on most subtasks points to the storage, on a few to their TaskManager.", vertexLabels...)
	c.alignMax = c.add("job_vertex", "checkpoint_alignment_duration_max_seconds", "Slowest barrier alignment"+src+" (alignment.duration).", vertexLabels...)
	c.startMax = c.add("job_vertex", "checkpoint_start_delay_max_seconds", "Slowest barrier arrival after the trigger (back-pressure holds it)"+src+" (start_delay).", vertexLabels...)
	c.unexplained = c.add("job_vertex", "checkpoint_unexplained_ack_latency_max_seconds", "Largest part of a subtask acknowledgement not spent in start delay, alignment, sync or async: transit to and processing in the JobManager"+src+".", vertexLabels...)
	c.acked = c.add("job_vertex", "checkpoint_subtasks_acknowledged", "Subtasks that acknowledged"+src+".", vertexLabels...)
	c.subtasks = c.add("job_vertex", "checkpoint_subtasks", "Subtasks taking part"+src+".", vertexLabels...)
	c.tmAckMax = c.add("taskmanager", "checkpoint_ack_latency_max_seconds", "Slowest acknowledgement among the job's subtasks on this TaskManager"+src+", subtasks mapped through /jobs/:jobid/vertices/:vertexid taskmanager-id.", tmJobLabels...)
	c.throughput = c.add("job", "last_checkpoint_upload_throughput_bytes_per_second", "Bytes persisted over time spent in the asynchronous phase, summed over subtasks"+src+": the upload rate of one subtask.", jobLabels...)
	return c
}

func (c *checkpointAcksCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	jobs, err := s.ActiveJobs()
	if err != nil {
		return err
	}
	return forEachJob(jobs, func(j flinkapi.JobOverview) error { return c.updateJob(s, j, ch) })
}

func (c *checkpointAcksCollector) updateJob(s *Scrape, j flinkapi.JobOverview, ch chan<- prometheus.Metric) error {
	stats, err := s.Checkpoints(j.ID)
	if flinkapi.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	last := stats.Latest.Completed
	if last == nil {
		return nil
	}
	js := s.state.Job(j.ID)
	a, names, err := js.ackAnalysis(s, j.ID, stats.Counts, last.ID)
	if flinkapi.IsNotFound(err) {
		return nil // the checkpoint left the history between two requests
	}
	if err != nil {
		return err
	}
	for _, v := range a.Vertices {
		l := []string{j.ID, j.Name, v.VertexID, names[v.VertexID]}
		gauge(ch, c.subtasks, float64(v.Subtasks), l...)
		gauge(ch, c.acked, float64(v.Acked), l...)
		if v.Acked == 0 {
			continue
		}
		gauge(ch, c.ackMax, v.AckMax, l...)
		gauge(ch, c.ackAvg, v.AckAvg, l...)
		gauge(ch, c.syncMax, v.SyncMax, l...)
		gauge(ch, c.asyncMax, v.AsyncMax, l...)
		gauge(ch, c.asyncAvg, v.AsyncTotal/float64(v.Acked), l...)
		gauge(ch, c.alignMax, v.AlignMax, l...)
		gauge(ch, c.startMax, v.StartMax, l...)
		gauge(ch, c.unexplained, v.Unexplain, l...)
	}
	if t, ok := a.UploadThroughput(); ok {
		gauge(ch, c.throughput, t, j.ID, j.Name)
	}
	// A TaskManager that left takes its series with it, although the
	// checkpoint it acknowledged stays the latest until the next completes.
	// Without /taskmanagers (the taskmanagers collector reports that
	// failure) every TaskManager of the checkpoint is kept.
	live, err := s.TaskManagerIDs()
	for tm, ack := range a.TaskManagerAckMax {
		if err != nil || live[tm] {
			gauge(ch, c.tmAckMax, ack, tm, j.ID, j.Name)
		}
	}
	return nil
}
