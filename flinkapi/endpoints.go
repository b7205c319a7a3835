package flinkapi

import (
	"context"
	"net/url"
	"strconv"
	"strings"
)

// Endpoint templates, as Flink's REST documentation names them. They label
// the request metrics, so their number is bounded.
const (
	EndpointConfig                   = "/config"
	EndpointOverview                 = "/overview"
	EndpointJobsOverview             = "/jobs/overview"
	EndpointJob                      = "/jobs/:jobid"
	EndpointCheckpoints              = "/jobs/:jobid/checkpoints"
	EndpointCheckpointConfig         = "/jobs/:jobid/checkpoints/config"
	EndpointCheckpointDetails        = "/jobs/:jobid/checkpoints/details/:checkpointid"
	EndpointCheckpointSubtasks       = "/jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid"
	EndpointVertex                   = "/jobs/:jobid/vertices/:vertexid"
	EndpointVertexBackPressure       = "/jobs/:jobid/vertices/:vertexid/backpressure"
	EndpointVertexSubtaskMetrics     = "/jobs/:jobid/vertices/:vertexid/subtasks/metrics"
	EndpointJobMetrics               = "/jobs/:jobid/metrics"
	EndpointTaskManagers             = "/taskmanagers"
	EndpointTaskManagerMetrics       = "/taskmanagers/:taskmanagerid/metrics"
	EndpointTaskManagersAggMetrics   = "/taskmanagers/metrics"
	EndpointJobManagerMetrics        = "/jobmanager/metrics"
	EndpointJobManagerConfig         = "/jobmanager/config"
	EndpointVertexSubtaskMetricsList = "/jobs/:jobid/vertices/:vertexid/metrics"
)

func seg(s string) string { return url.PathEscape(s) }

// Config reads GET /config: the Flink version and revision.
func (c *Client) Config(ctx context.Context) (*DashboardConfig, error) {
	var out DashboardConfig
	return &out, c.get(ctx, EndpointConfig, "/config", nil, &out)
}

// Overview reads GET /overview: TaskManagers, slots, job counts and version.
func (c *Client) Overview(ctx context.Context) (*ClusterOverview, error) {
	var out ClusterOverview
	return &out, c.get(ctx, EndpointOverview, "/overview", nil, &out)
}

// JobsOverview reads GET /jobs/overview: every job with its state.
func (c *Client) JobsOverview(ctx context.Context) (*JobsOverview, error) {
	var out JobsOverview
	return &out, c.get(ctx, EndpointJobsOverview, "/jobs/overview", nil, &out)
}

// Job reads GET /jobs/:jobid: the job's vertices.
func (c *Client) Job(ctx context.Context, jobID string) (*JobDetails, error) {
	var out JobDetails
	return &out, c.get(ctx, EndpointJob, "/jobs/"+seg(jobID), nil, &out)
}

// Checkpoints reads GET /jobs/:jobid/checkpoints. A job without
// checkpointing answers 404 (see IsNotFound).
func (c *Client) Checkpoints(ctx context.Context, jobID string) (*CheckpointingStatistics, error) {
	var out CheckpointingStatistics
	return &out, c.get(ctx, EndpointCheckpoints, "/jobs/"+seg(jobID)+"/checkpoints", nil, &out)
}

// CheckpointConfig reads GET /jobs/:jobid/checkpoints/config.
func (c *Client) CheckpointConfig(ctx context.Context, jobID string) (*CheckpointConfig, error) {
	var out CheckpointConfig
	return &out, c.get(ctx, EndpointCheckpointConfig, "/jobs/"+seg(jobID)+"/checkpoints/config", nil, &out)
}

// CheckpointDetails reads GET /jobs/:jobid/checkpoints/details/:checkpointid,
// whose Tasks holds per-vertex statistics. Only checkpoints still in the
// history can be read.
func (c *Client) CheckpointDetails(ctx context.Context, jobID string, checkpointID int64) (*CheckpointStatistics, error) {
	var out CheckpointStatistics
	path := "/jobs/" + seg(jobID) + "/checkpoints/details/" + strconv.FormatInt(checkpointID, 10)
	return &out, c.get(ctx, EndpointCheckpointDetails, path, nil, &out)
}

// CheckpointSubtasks reads
// GET /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid: each
// subtask's acknowledgement and phases.
func (c *Client) CheckpointSubtasks(ctx context.Context, jobID string, checkpointID int64, vertexID string) (*TaskCheckpointStatisticsWithSubtaskDetails, error) {
	var out TaskCheckpointStatisticsWithSubtaskDetails
	path := "/jobs/" + seg(jobID) + "/checkpoints/details/" + strconv.FormatInt(checkpointID, 10) + "/subtasks/" + seg(vertexID)
	return &out, c.get(ctx, EndpointCheckpointSubtasks, path, nil, &out)
}

// Vertex reads GET /jobs/:jobid/vertices/:vertexid: where each subtask runs.
func (c *Client) Vertex(ctx context.Context, jobID, vertexID string) (*JobVertexDetails, error) {
	var out JobVertexDetails
	return &out, c.get(ctx, EndpointVertex, "/jobs/"+seg(jobID)+"/vertices/"+seg(vertexID), nil, &out)
}

// VertexBackPressure reads GET /jobs/:jobid/vertices/:vertexid/backpressure.
func (c *Client) VertexBackPressure(ctx context.Context, jobID, vertexID string) (*JobVertexBackPressure, error) {
	var out JobVertexBackPressure
	return &out, c.get(ctx, EndpointVertexBackPressure, "/jobs/"+seg(jobID)+"/vertices/"+seg(vertexID)+"/backpressure", nil, &out)
}

// TaskManagers reads GET /taskmanagers.
func (c *Client) TaskManagers(ctx context.Context) (*TaskManagersInfo, error) {
	var out TaskManagersInfo
	return &out, c.get(ctx, EndpointTaskManagers, "/taskmanagers", nil, &out)
}

// JobManagerConfig reads GET /jobmanager/config.
func (c *Client) JobManagerConfig(ctx context.Context) ([]ConfigEntry, error) {
	var out []ConfigEntry
	err := c.get(ctx, EndpointJobManagerConfig, "/jobmanager/config", nil, &out)
	return out, err
}

// JobManagerMetrics reads the named metrics of the JobManager; unknown ids
// are silently left out by Flink.
func (c *Client) JobManagerMetrics(ctx context.Context, ids []string) ([]Metric, error) {
	var out []Metric
	err := c.get(ctx, EndpointJobManagerMetrics, "/jobmanager/metrics", getQuery(ids), &out)
	return out, err
}

// JobManagerMetricIDs lists the ids of the JobManager's metrics (no values).
// The list is empty until the JobManager's metric store is first filled.
func (c *Client) JobManagerMetricIDs(ctx context.Context) ([]Metric, error) {
	var out []Metric
	err := c.get(ctx, EndpointJobManagerMetrics, "/jobmanager/metrics", nil, &out)
	return out, err
}

// TaskManagerMetricIDs lists the ids of one TaskManager's metrics (no
// values), among them the garbage collectors' and network interfaces' ids
// that cannot be known in advance.
func (c *Client) TaskManagerMetricIDs(ctx context.Context, taskManagerID string) ([]Metric, error) {
	var out []Metric
	err := c.get(ctx, EndpointTaskManagerMetrics, "/taskmanagers/"+seg(taskManagerID)+"/metrics", nil, &out)
	return out, err
}

// TaskManagerMetrics reads the named metrics of one TaskManager.
func (c *Client) TaskManagerMetrics(ctx context.Context, taskManagerID string, ids []string) ([]Metric, error) {
	var out []Metric
	err := c.get(ctx, EndpointTaskManagerMetrics, "/taskmanagers/"+seg(taskManagerID)+"/metrics", getQuery(ids), &out)
	return out, err
}

// JobMetrics reads the named metrics of one job.
func (c *Client) JobMetrics(ctx context.Context, jobID string, ids []string) ([]Metric, error) {
	var out []Metric
	err := c.get(ctx, EndpointJobMetrics, "/jobs/"+seg(jobID)+"/metrics", getQuery(ids), &out)
	return out, err
}

// VertexMetricIDs lists the metric ids of a vertex (no values); ids are
// prefixed with the subtask index ("0.busyTimeMsPerSecond").
func (c *Client) VertexMetricIDs(ctx context.Context, jobID, vertexID string) ([]Metric, error) {
	var out []Metric
	err := c.get(ctx, EndpointVertexSubtaskMetricsList, "/jobs/"+seg(jobID)+"/vertices/"+seg(vertexID)+"/metrics", nil, &out)
	return out, err
}

// SubtaskMetricsAggregated reads the named metrics of a vertex aggregated
// over its subtasks. Flink answers [] as a whole if any id has no value.
func (c *Client) SubtaskMetricsAggregated(ctx context.Context, jobID, vertexID string, ids, aggs []string) ([]AggregatedMetric, error) {
	var out []AggregatedMetric
	q := getQuery(ids)
	if len(aggs) > 0 {
		q.Set("agg", strings.Join(aggs, ","))
	}
	err := c.get(ctx, EndpointVertexSubtaskMetrics, "/jobs/"+seg(jobID)+"/vertices/"+seg(vertexID)+"/subtasks/metrics", q, &out)
	return out, err
}

// TaskManagerMetricsAggregated reads the named metrics aggregated over the
// given TaskManagers (all when none are given).
func (c *Client) TaskManagerMetricsAggregated(ctx context.Context, ids, aggs, taskManagerIDs []string) ([]AggregatedMetric, error) {
	var out []AggregatedMetric
	q := getQuery(ids)
	if len(aggs) > 0 {
		q.Set("agg", strings.Join(aggs, ","))
	}
	if len(taskManagerIDs) > 0 {
		q.Set("taskmanagers", strings.Join(taskManagerIDs, ","))
	}
	err := c.get(ctx, EndpointTaskManagersAggMetrics, "/taskmanagers/metrics", q, &out)
	return out, err
}

func getQuery(ids []string) url.Values {
	q := url.Values{}
	if len(ids) > 0 {
		q.Set("get", strings.Join(ids, ","))
	}
	return q
}
