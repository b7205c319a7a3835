package flinksim

import (
	"fmt"
	"net/http"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// Flink's error bodies are {"errors":[...]} with the stringified exception.
// These helpers build them with the exception classes and a short stack, so
// that clients matching on "contains" (as REFERENCE.md §2 advises) work.

// errorReply builds an error answer.
func errorReply(status int, errs ...string) reply {
	return reply{status: status, body: flinkapi.ErrorResponse{Errors: errs}}
}

// restHandlerError is a RestHandlerException thrown by a handler.
func restHandlerError(status int, msg, handler string) reply {
	return errorReply(status, fmt.Sprintf(
		"org.apache.flink.runtime.rest.handler.RestHandlerException: %s\n"+
			"\tat org.apache.flink.runtime.rest.handler.%s.handleRequest(%s.java:87)\n"+
			"\tat org.apache.flink.runtime.rest.handler.AbstractRestHandler.respondToRequest(AbstractRestHandler.java:83)\n"+
			"\t... 30 more\n", msg, handler, shortClass(handler)))
}

// notFoundException is Flink's NotFoundException (unknown job or vertex).
func notFoundException(msg string) reply {
	return errorReply(http.StatusNotFound, fmt.Sprintf(
		"org.apache.flink.runtime.rest.NotFoundException: %s\n"+
			"\tat org.apache.flink.runtime.rest.handler.job.AbstractExecutionGraphHandler.lambda$handleRequest$1(AbstractExecutionGraphHandler.java:99)\n"+
			"\tat java.base/java.util.concurrent.CompletableFuture.uniExceptionally(CompletableFuture.java:986)\n"+
			"\t... 25 more\n", msg))
}

// jobNotFound answers a request for an unknown job.
func jobNotFound(jobID string) reply {
	return notFoundException(fmt.Sprintf("Job %s not found", jobID))
}

// internalError is Flink's answer to an exception inside a handler.
func internalError(exception string) reply {
	return errorReply(http.StatusInternalServerError, "Internal server error.",
		"<Exception on server side:\n"+exception+
			"\n\tat org.apache.flink.runtime.rest.handler.AbstractHandler.handleException(AbstractHandler.java:254)\n"+
			"\t... 20 more\n\nEnd of exception on server side>")
}

// faultReply is the body of an injected error status.
func faultReply(status int) reply {
	switch status {
	case http.StatusInternalServerError:
		return internalError("java.util.concurrent.CompletionException: " +
			"org.apache.flink.runtime.rpc.exceptions.RecipientUnreachableException: " +
			"Could not send message [RemoteFencedMessage(...)] to recipient: the JobManager is unreachable (injected fault).")
	case http.StatusServiceUnavailable:
		return errorReply(status, "Service temporarily unavailable due to an ongoing leader election. Please refresh.")
	}
	return errorReply(status, fmt.Sprintf("%d %s (injected fault)", status, http.StatusText(status)))
}

// notFoundRoute is the router's answer to a path no handler serves.
func notFoundRoute(path string) reply {
	return errorReply(http.StatusNotFound, "Not found: "+path)
}

// methodNotAllowed answers a non-GET request; the simulator is read-only.
func methodNotAllowed(method, path string) reply {
	return errorReply(http.StatusMethodNotAllowed, fmt.Sprintf("Not allowed: %s %s (the simulator is read-only)", method, path))
}

// badRequest answers unparseable parameters as Flink's HandlerRequest does.
func badRequest(msg string) reply {
	return errorReply(http.StatusBadRequest, "Bad request received. "+msg)
}

// shortClass returns the class name of a "package.Class" handler path.
func shortClass(handler string) string {
	for i := len(handler) - 1; i >= 0; i-- {
		if handler[i] == '.' {
			return handler[i+1:]
		}
	}
	return handler
}
