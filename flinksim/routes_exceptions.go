package flinksim

import (
	"fmt"
	"strconv"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// serveJobExceptions answers GET /jobs/:jobid/exceptions: the legacy fields
// up to 1.20 and the exception history, newest first, limited by
// maxExceptions (default 20).
func (m *model) serveJobExceptions(q *request) reply {
	j, errReply := m.lookupJob(q)
	if errReply != nil {
		return *errReply
	}
	limit := 20
	if s := q.query.Get("maxExceptions"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return badRequest(fmt.Sprintf("Cannot resolve query parameter (maxExceptions) from value %q.", s))
		}
		limit = n
	}
	out := jobExceptions{History: exceptionHistory{Entries: []exceptionEntry{}}}
	for k := len(j.exceptions) - 1; k >= 0 && len(out.History.Entries) < limit; k-- {
		out.History.Entries = append(out.History.Entries, m.exceptionEntry(j.exceptions[k]))
	}
	out.History.Truncated = len(j.exceptions) > limit
	if m.ver.legacyExceptions {
		out.RootException, out.Timestamp = flinkapi.Null[string](), flinkapi.Null[int64]()
		if n := len(j.exceptions); n > 0 {
			out.RootException = flinkapi.Some(j.exceptions[n-1].stack)
			out.Timestamp = flinkapi.Some(j.exceptions[n-1].timestamp)
		}
		out.AllExceptions = &[]legacyExceptionInfo{}
		out.Truncated = ptr(false)
	}
	return ok(out)
}

// exceptionEntry renders one failure for the exception history. Task name,
// location and TaskManager id are NON_NULL in Flink: absent, not null, for
// failures without a task.
func (m *model) exceptionEntry(e jobException) exceptionEntry {
	out := exceptionEntry{
		ExceptionName: e.name, Stacktrace: e.stack, Timestamp: e.timestamp,
		TaskName:             e.taskName,
		ConcurrentExceptions: &[]exceptionEntry{},
	}
	if e.tm != nil {
		loc := fmt.Sprintf("%s:%d", e.tm.ip, e.tm.dataPort)
		if m.ver.legacyExceptions {
			out.Location = loc
		}
		if m.ver.endpoint {
			out.Endpoint = loc
		}
		if m.ver.exceptionTMID {
			out.TaskManagerID = e.tm.id
		}
	}
	if m.ver.failureLabels {
		out.FailureLabels = &map[string]string{}
	}
	return out
}
