// Package fakejm is an adversarial Flink JobManager for tests: a REST
// server that answers the endpoints the exporter reads either as a small,
// healthy cluster would, or in one of the ways a broken, overloaded or
// hostile JobManager does (hanging, 500s, truncated or HTML bodies, huge
// bodies, wrong types, nulls, empty objects, negative numbers, redirect
// loops, a body trickled byte by byte, a hundred thousand jobs, duplicated
// jobs, or two clusters answering at one address in turn).
//
// Every answer is generated here, so that any package's tests can run the
// exporter against every mode without reading files.
package fakejm

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Mode is one behaviour of the fake JobManager.
type Mode string

// The modes. OK is the healthy cluster every other mode is measured against.
const (
	OK            Mode = "ok"
	Hang          Mode = "hang"           // never answers; waits for the client to give up
	ServerError   Mode = "500"            // HTTP 500 with Flink's error body
	Truncated     Mode = "truncated"      // announces a Content-Length, sends half, closes
	HTML          Mode = "html"           // 200 with an HTML page, as a proxy's login page
	HugeBody      Mode = "huge-body"      // 200 with a body of Config.HugeBytes
	WrongTypes    Mode = "wrong-types"    // numbers as strings, objects as arrays
	Nulls         Mode = "nulls"          // every field null
	EmptyObjects  Mode = "empty"          // {} for objects, [] for the metric paths
	Negatives     Mode = "negatives"      // well-formed answers with negative counts
	Redirect      Mode = "redirect"       // 302 to itself, forever
	Slowloris     Mode = "slowloris"      // a valid answer, one byte every Config.Trickle
	ManyJobs      Mode = "many-jobs"      // /jobs/overview lists Config.ManyJobs jobs
	DuplicateJobs Mode = "duplicate-jobs" // every job listed twice in /jobs/overview
	Alternating   Mode = "alternating"    // two clusters answer in turn, request by request
)

// Modes lists every mode, OK first.
func Modes() []Mode {
	return []Mode{OK, Hang, ServerError, Truncated, HTML, HugeBody, WrongTypes, Nulls, EmptyObjects,
		Negatives, Redirect, Slowloris, ManyJobs, DuplicateJobs, Alternating}
}

// Config sizes the fake cluster.
type Config struct {
	// Jobs is the number of RUNNING jobs of the healthy cluster; 3 if zero.
	Jobs int
	// TaskManagers is the number of TaskManagers; 2 if zero.
	TaskManagers int
	// ManyJobs is the number of jobs of ManyJobs mode; 100 000 if zero.
	ManyJobs int
	// HugeBytes is the body size of HugeBody mode; 64 MiB if zero.
	HugeBytes int64
	// Trickle is the pause between two bytes in Slowloris mode; 50 ms if
	// zero.
	Trickle time.Duration
}

func (c Config) withDefaults() Config {
	if c.Jobs == 0 {
		c.Jobs = 3
	}
	if c.TaskManagers == 0 {
		c.TaskManagers = 2
	}
	if c.ManyJobs == 0 {
		c.ManyJobs = 100_000
	}
	if c.HugeBytes == 0 {
		c.HugeBytes = 64 << 20
	}
	if c.Trickle == 0 {
		c.Trickle = 50 * time.Millisecond
	}
	return c
}

// Cluster is what a healthy cluster says of itself, so that a test can tell
// a true value from a made-up one.
type Cluster struct {
	Version      string
	Commit       string
	TaskManagers int
	Jobs         []string // job ids
}

// Clusters returns the clusters a server of mode answers as: one, or two
// for Alternating (the second with another version and other jobs).
func Clusters(mode Mode, cfg Config) []Cluster {
	cfg = cfg.withDefaults()
	a := Cluster{Version: "1.20.1", Commit: "0e9a3b1", TaskManagers: cfg.TaskManagers, Jobs: jobIDs(0, cfg.Jobs)}
	switch mode {
	case ManyJobs:
		a.Jobs = jobIDs(0, cfg.ManyJobs)
	case Alternating:
		b := Cluster{Version: "2.1.0", Commit: "9c41e07", TaskManagers: cfg.TaskManagers + 3, Jobs: jobIDs(0x100000, cfg.Jobs+1)}
		return []Cluster{a, b}
	}
	return []Cluster{a}
}

func jobIDs(first, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = JobID(first + i)
	}
	return ids
}

// JobID is the id of job i: 32 hex digits, as Flink's.
func JobID(i int) string { return fmt.Sprintf("%032x", 0xf1000000+i) }

// VertexID is the id of the single vertex of job i.
func VertexID(i int) string { return fmt.Sprintf("%032x", 0xe2000000+i) }

// Server is the fake JobManager's handler.
type Server struct {
	mode     Mode
	cfg      Config
	clusters []Cluster
	requests atomic.Int64
}

// New returns the handler of a fake JobManager in mode.
func New(mode Mode, cfg Config) *Server {
	cfg = cfg.withDefaults()
	return &Server{mode: mode, cfg: cfg, clusters: Clusters(mode, cfg)}
}

// Requests returns how many requests the server has received.
func (s *Server) Requests() int64 { return s.requests.Load() }

// ServeHTTP answers one request in the server's mode.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.requests.Add(1)
	switch s.mode {
	case Hang:
		<-r.Context().Done()
		return
	case ServerError:
		writeJSON(w, http.StatusInternalServerError, `{"errors":["Internal server error.","<Exception on server side:\njava.lang.OutOfMemoryError: Java heap space\n\tat org.apache.flink.runtime.rest.handler.AbstractHandler.respondAsLeader(AbstractHandler.java:196)\n>"]}`)
		return
	case HTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>user <input name=u></form></body></html>")
		return
	case HugeBody:
		s.huge(w, r)
		return
	case Redirect:
		http.Redirect(w, r, r.URL.RequestURI(), http.StatusFound)
		return
	}
	c := s.clusters[0]
	if s.mode == Alternating {
		c = s.clusters[(n-1)%int64(len(s.clusters))]
	}
	status, body := s.answer(c, r)
	switch s.mode {
	case Truncated:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)*2))
		w.WriteHeader(status)
		fmt.Fprint(w, body[:len(body)/2])
	case Slowloris:
		s.trickle(w, r, status, body)
	default:
		writeJSON(w, status, body)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// huge writes a JSON array of HugeBytes, chunk by chunk, until done or the
// client goes away.
func (s *Server) huge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	chunk := []byte(strings.Repeat(`{"id":"x"},`, 6000))
	if _, err := w.Write([]byte("[")); err != nil {
		return
	}
	for written := int64(1); written < s.cfg.HugeBytes; written += int64(len(chunk)) {
		if r.Context().Err() != nil {
			return
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
	w.Write([]byte(`{"id":"x"}]`))
}

// trickle sends a valid answer one byte at a time.
func (s *Server) trickle(w http.ResponseWriter, r *http.Request, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	flusher, _ := w.(http.Flusher)
	t := time.NewTicker(s.cfg.Trickle)
	defer t.Stop()
	for i := 0; i < len(body); i++ {
		if _, err := w.Write([]byte{body[i]}); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	}
}
