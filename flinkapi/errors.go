package flinkapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrResponseTooLarge is returned when an answer exceeds the client's size
// limit; the body is not decoded, so no partial answer is taken as truth.
var ErrResponseTooLarge = errors.New("response body exceeds the size limit")

// APIError is a non-2xx answer of the JobManager. Flink sends
// {"errors":[...]} with the status; Messages holds those texts.
type APIError struct {
	Endpoint   string
	StatusCode int
	Messages   []string
}

// Error gives the status and the first line of Flink's first message, which
// is the exception and its text; the stack trace that follows is dropped.
func (e *APIError) Error() string {
	parts := make([]string, 0, 2)
	for _, m := range e.Messages {
		if len(parts) == cap(parts) {
			break
		}
		if l := firstLine(m); l != "" {
			parts = append(parts, l)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, http.StatusText(e.StatusCode))
	}
	return fmt.Sprintf("GET %s: HTTP %d: %s", e.Endpoint, e.StatusCode, strings.Join(parts, "; "))
}

// IsNotFound reports whether err is a 404 answer: an unknown job, a job
// without checkpointing, or a checkpoint that left the history.
func IsNotFound(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound
}

// firstLine cuts a message to its first line and at most 200 bytes, so a
// stack trace never floods a log line.
func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	const limit = 200
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	return strings.TrimSpace(s)
}
