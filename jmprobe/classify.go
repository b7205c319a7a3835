package jmprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// The phases of a probe, the values of the phase label.
const (
	phaseConnect = "connect"
	phaseREST    = "rest"
)

// The failure reasons, the values of the reason label.
const (
	reasonTimeout    = "timeout"
	reasonRefused    = "refused"
	reasonError      = "error"
	reasonHTTPStatus = "http_status"
)

// phaseReasons lists the reasons each phase can fail with, in output order;
// their series are exported from the start. A connect cannot fail with an
// HTTP status, so that combination is never exported.
func phaseReasons(phase string) []string {
	if phase == phaseConnect {
		return []string{reasonTimeout, reasonRefused, reasonError}
	}
	return []string{reasonTimeout, reasonRefused, reasonError, reasonHTTPStatus}
}

// statusError is a REST answer outside 2xx: the JobManager answered, but
// not with its configuration.
type statusError struct {
	code int
}

func (e statusError) Error() string {
	return fmt.Sprintf("HTTP status %d", e.code)
}

// classify returns the failure reason of a phase's error: the first row of
// the table whose test matches, "error" if none does.
func classify(err error) string {
	rows := []struct {
		reason string
		match  func(error) bool
	}{
		{reasonHTTPStatus, func(err error) bool { return errors.As(err, new(statusError)) }},
		{reasonTimeout, isTimeout},
		{reasonRefused, func(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }},
	}
	for _, r := range rows {
		if r.match(err) {
			return r.reason
		}
	}
	return reasonError
}

// isTimeout reports whether err is a phase's deadline passing, however the
// dialer or HTTP client wrapped it.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
