package flinksim

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// Handler classes named in the stack traces of checkpoint errors.
const (
	handlerCheckpointStats   = "job.checkpoints.CheckpointingStatisticsHandler"
	handlerCheckpointConfig  = "job.checkpoints.CheckpointConfigHandler"
	handlerCheckpointDetails = "job.checkpoints.CheckpointStatisticDetailsHandler"
	handlerTaskCheckpoint    = "job.checkpoints.TaskCheckpointStatisticDetailsHandler"
)

// serveCheckpoints answers GET /jobs/:jobid/checkpoints.
func (m *model) serveCheckpoints(q *request) reply {
	j, errReply := m.lookupJob(q)
	if errReply != nil {
		return *errReply
	}
	if j.coord == nil {
		return restHandlerError(http.StatusNotFound, "Checkpointing has not been enabled.", handlerCheckpointStats)
	}
	return ok(m.checkpointingStatistics(j, q.now))
}

// serveCheckpointConfig answers GET /jobs/:jobid/checkpoints/config.
func (m *model) serveCheckpointConfig(q *request) reply {
	j, errReply := m.lookupJob(q)
	if errReply != nil {
		return *errReply
	}
	if j.coord == nil {
		return restHandlerError(http.StatusNotFound,
			fmt.Sprintf("Checkpointing is not enabled for this job (%s).", j.id), handlerCheckpointConfig)
	}
	return ok(m.checkpointConfig(j.coord))
}

// lookupCheckpoint finds the job and checkpoint of a details request, or
// the error answer Flink gives.
func (m *model) lookupCheckpoint(q *request, handler string) (*job, *checkpoint, *reply) {
	j, errReply := m.lookupJob(q)
	if errReply != nil {
		return nil, nil, errReply
	}
	raw := q.params["checkpointid"]
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		r := badRequest(fmt.Sprintf("Cannot resolve path parameter (checkpointid) from value %q.", raw))
		return nil, nil, &r
	}
	if j.coord == nil {
		r := restHandlerError(http.StatusNotFound, fmt.Sprintf("Checkpointing was not enabled for job %s.", j.id), handler)
		return nil, nil, &r
	}
	cp := j.coord.fetchable(id)
	if cp == nil {
		r := restHandlerError(http.StatusNotFound, fmt.Sprintf("Could not find checkpointing statistics for checkpoint %d.", id), handler)
		return nil, nil, &r
	}
	return j, cp, nil
}

// serveCheckpointDetails answers GET /jobs/:jobid/checkpoints/details/:checkpointid.
func (m *model) serveCheckpointDetails(q *request) reply {
	j, cp, errReply := m.lookupCheckpoint(q, handlerCheckpointDetails)
	if errReply != nil {
		return *errReply
	}
	return ok(m.checkpointStats(j, cp, q.now, true))
}

// serveSubtaskDetails answers
// GET /jobs/:jobid/checkpoints/details/:checkpointid/subtasks/:vertexid. The
// answer of an ended checkpoint never changes, so its JSON is kept with the
// checkpoint until it leaves the history.
func (m *model) serveSubtaskDetails(q *request) reply {
	j, cp, errReply := m.lookupCheckpoint(q, handlerTaskCheckpoint)
	if errReply != nil {
		return *errReply
	}
	vid := q.params["vertexid"]
	v := j.vertexIndex(vid)
	if v < 0 {
		return restHandlerError(http.StatusNotFound, fmt.Sprintf("There is no checkpoint statistics for task %s.", vid), handlerTaskCheckpoint)
	}
	if cp.status == flinkapi.CheckpointInProgress {
		return ok(m.subtaskDetails(j, cp, v, q.now))
	}
	if raw, found := cp.subtaskJSON[v]; found {
		return reply{status: http.StatusOK, raw: raw}
	}
	raw, err := encodeJSON(m.subtaskDetails(j, cp, v, q.now))
	if err != nil {
		return internalError("java.lang.IllegalStateException: " + err.Error())
	}
	if cp.subtaskJSON == nil {
		cp.subtaskJSON = map[int][]byte{}
	}
	cp.subtaskJSON[v] = raw
	return reply{status: http.StatusOK, raw: raw}
}

// vertexIndex returns the index of the vertex with this id, or -1.
func (j *job) vertexIndex(id string) int {
	for v, vx := range j.vertices {
		if vx.id == id {
			return v
		}
	}
	return -1
}
