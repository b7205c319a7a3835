package flinkapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/oauth2"
)

func newTestClient(t *testing.T, h http.Handler, opts Options) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL+"/flink/", opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func TestClientPathPrefixQueryAndAccounting(t *testing.T) {
	var gotPath, gotQuery string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotQuery = r.URL.EscapedPath(), r.URL.RawQuery
		w.Write([]byte(`[{"id":"Status.JVM.CPU.Load","value":"0.25"},{"id":"Status.JVM.Memory.Heap.Used","value":"1048576"}]`))
	})
	inst := NewInstrumentation("flink_exporter")
	c, _ := newTestClient(t, h, Options{Instrumentation: inst})
	ms, err := c.TaskManagerMetrics(context.Background(), "10.0.0.11:41234-a1b2c3", []string{"Status.JVM.CPU.Load", "Status.JVM.Memory.Heap.Used"})
	if err != nil {
		t.Fatal(err)
	}
	if gotPath != "/flink/taskmanagers/10.0.0.11:41234-a1b2c3/metrics" {
		t.Errorf("path = %q", gotPath)
	}
	if gotQuery != "get=Status.JVM.CPU.Load%2CStatus.JVM.Memory.Heap.Used" {
		t.Errorf("query = %q", gotQuery)
	}
	vals := MetricValues(ms)
	if vals["Status.JVM.CPU.Load"] != 0.25 || vals["Status.JVM.Memory.Heap.Used"] != 1048576 {
		t.Errorf("values = %v", vals)
	}
	if n := testutil.ToFloat64(inst.requests.WithLabelValues(EndpointTaskManagerMetrics, "200")); n != 1 {
		t.Errorf("requests{endpoint=%q,code=200} = %v", EndpointTaskManagerMetrics, n)
	}
}

func TestClientErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		check     func(error) bool
		invalid   float64
		errSubstr string
	}{
		{
			name: "checkpointing disabled", status: 404,
			body:      `{"errors":["org.apache.flink.runtime.rest.handler.RestHandlerException: Checkpointing has not been enabled.\n\tat org.apache.flink..."]}`,
			check:     IsNotFound,
			errSubstr: "HTTP 404: org.apache.flink.runtime.rest.handler.RestHandlerException: Checkpointing has not been enabled.",
		},
		{
			name: "internal error", status: 500,
			body: `{"errors":["Internal server error.","<Exception on server side:\njava.lang.NullPointerException\n\tat ...>"]}`,
			check: func(err error) bool {
				var a *APIError
				return errors.As(err, &a) && a.StatusCode == 500 && !IsNotFound(err)
			},
			errSubstr: "HTTP 500: Internal server error.; <Exception on server side:",
		},
		{
			name: "error without body", status: 503, body: ``,
			check:     func(err error) bool { var a *APIError; return errors.As(err, &a) && a.StatusCode == 503 },
			errSubstr: "HTTP 503: Service Unavailable",
		},
		{
			name: "malformed", status: 200, body: `{"counts":{"restored":`,
			check:     func(err error) bool { return err != nil && !IsNotFound(err) },
			invalid:   1,
			errSubstr: "decode answer",
		},
		{
			name: "wrong type", status: 200, body: `{"counts":{"restored":"many"}}`,
			check:   func(err error) bool { return err != nil },
			invalid: 1, errSubstr: "decode answer",
		},
		{
			name: "too large", status: 200, body: `{"counts":{}, "history":[` + strings.Repeat(`{"id":1},`, 200) + `{"id":1}]}`,
			check:   func(err error) bool { return errors.Is(err, ErrResponseTooLarge) },
			invalid: 1, errSubstr: "exceeds the size limit",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			inst := NewInstrumentation("flink_exporter")
			c, _ := newTestClient(t, h, Options{Instrumentation: inst, MaxResponseBytes: 1024})
			_, err := c.Checkpoints(context.Background(), "a4b1f6b4c3d2e1f0a9b8c7d6e5f4a3b2")
			if !tt.check(err) {
				t.Fatalf("unexpected error %v", err)
			}
			if !strings.Contains(err.Error(), tt.errSubstr) {
				t.Errorf("error %q does not contain %q", err, tt.errSubstr)
			}
			if strings.Contains(err.Error(), "\tat ") {
				t.Errorf("error carries a stack trace: %q", err)
			}
			if got := testutil.ToFloat64(inst.invalid.WithLabelValues(EndpointCheckpoints)); got != tt.invalid {
				t.Errorf("invalid responses = %v, want %v", got, tt.invalid)
			}
		})
	}
}

func TestClientTimeoutAndConcurrencyBound(t *testing.T) {
	var inFlight, peak atomic.Int32
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.Write([]byte(`{"taskmanagers":[]}`))
	})
	inst := NewInstrumentation("flink_exporter")
	c, _ := newTestClient(t, h, Options{MaxConcurrentRequests: 2, Instrumentation: inst})

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.TaskManagers(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hung request: err = %v, want deadline exceeded", err)
	}
	if n := testutil.ToFloat64(inst.requests.WithLabelValues(EndpointTaskManagers, "error")); n != 1 {
		t.Errorf("requests{code=error} = %v", n)
	}
	// The server sees the abandoned request end only once it notices the
	// closed connection: wait for that before counting the bound.
	deadline := time.After(10 * time.Second)
	for inFlight.Load() != 0 {
		select {
		case <-deadline:
			t.Fatal("the abandoned request never ended on the server")
		case <-time.After(time.Millisecond):
		}
	}
	peak.Store(0)

	done := make(chan error, 5)
	for range 5 {
		go func() {
			_, err := c.TaskManagers(context.Background())
			done <- err
		}()
	}
	deadline = time.After(10 * time.Second)
	for inFlight.Load() < 2 {
		select {
		case <-deadline:
			t.Fatal("requests never reached the server")
		case <-time.After(time.Millisecond):
		}
	}
	close(release)
	for range 5 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if p := peak.Load(); p > 2 {
		t.Fatalf("%d requests in flight, bound is 2", p)
	}
}

func TestNewClientRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"localhost:8081", "ftp://x", "http://", "://"} {
		if _, err := NewClient(u, Options{}); err == nil {
			t.Errorf("NewClient(%q) accepted", u)
		}
	}
	c, err := NewClient("https://user:secret@flink.example:8443/proxy/", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.BaseURL(); got != "https://flink.example:8443/proxy" || strings.Contains(got, "secret") {
		t.Fatalf("BaseURL = %q", got)
	}
}

// TestClientErrorsNeverShowCredentials: a password in the base URL, or in
// a URL the JobManager redirects to, never shows in an error, whatever
// fails: the URL itself, the connection, TLS or the redirect.
func TestClientErrorsNeverShowCredentials(t *testing.T) {
	const secret = "hunter2"
	for _, u := range []string{"ftp://flink:" + secret + "@x", "http://flink:" + secret + "@[::1", "http://flink:" + secret + "@/x"} {
		if _, err := NewClient(u, Options{}); err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("NewClient: %v", err)
		}
	}
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://flink:"+secret+"@127.0.0.1:1/elsewhere", http.StatusFound)
	}))
	t.Cleanup(redirect.Close)
	for _, base := range []string{
		"http://flink:" + secret + "@127.0.0.1:1",
		strings.Replace(tlsSrv.URL, "https://", "https://flink:"+secret+"@", 1),
		strings.Replace(redirect.URL, "http://", "http://flink:"+secret+"@", 1),
	} {
		c, err := NewClient(base, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Overview(context.Background())
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("error = %v", err)
		}
		if strings.Contains(c.BaseURL(), secret) {
			t.Errorf("BaseURL = %s", c.BaseURL())
		}
	}
}

// TestClientTruncatedTransfer: an answer cut short of its Content-Length
// (the connection closed mid-body) is an error, counted invalid and
// code="read_error".
func TestClientTruncatedTransfer(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte(`{"taskmanagers":[`))
	})
	inst := NewInstrumentation("flink_exporter")
	c, _ := newTestClient(t, h, Options{Instrumentation: inst})
	if _, err := c.TaskManagers(context.Background()); err == nil {
		t.Fatal("a truncated answer was accepted")
	}
	if n := testutil.ToFloat64(inst.invalid.WithLabelValues(EndpointTaskManagers)); n != 1 {
		t.Errorf("invalid responses = %v, want 1", n)
	}
	if n := testutil.ToFloat64(inst.requests.WithLabelValues(EndpointTaskManagers, "read_error")); n != 1 {
		t.Errorf(`requests{code="read_error"} = %v, want 1`, n)
	}
}

// TestClientEscapesIDsOnce: ids that url.PathEscape changes (a resource id
// set by hand may hold spaces or slashes) reach Flink escaped once.
func TestClientEscapesIDsOnce(t *testing.T) {
	var got string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.EscapedPath()
		w.Write([]byte(`[]`))
	})
	c, _ := newTestClient(t, h, Options{})
	if _, err := c.TaskManagerMetrics(context.Background(), "tm 1/a", []string{"Status.JVM.CPU.Load"}); err != nil {
		t.Fatal(err)
	}
	if want := "/flink/taskmanagers/tm%201%2Fa/metrics"; got != want {
		t.Fatalf("path = %q, want %q", got, want)
	}
}

// TestClientSlowBodyCountsReadError: a JobManager that sends its headers
// and then stalls the body past the timeout is counted
// code="read_error", not as the 200 of its headers.
func TestClientSlowBodyCountsReadError(t *testing.T) {
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"taskmanagers":[`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	inst := NewInstrumentation("flink_exporter")
	c, _ := newTestClient(t, h, Options{Instrumentation: inst, HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}})
	defer close(release)
	if _, err := c.TaskManagers(context.Background()); err == nil || !strings.Contains(err.Error(), "read body") {
		t.Fatalf("a stalled body: %v, want a read error", err)
	}
	if n := testutil.ToFloat64(inst.requests.WithLabelValues(EndpointTaskManagers, "read_error")); n != 1 {
		t.Errorf(`requests{code="read_error"} = %v, want 1`, n)
	}
	if n := testutil.ToFloat64(inst.requests.WithLabelValues(EndpointTaskManagers, "200")); n != 0 {
		t.Errorf(`requests{code="200"} = %v, want 0: a body that never came is no success`, n)
	}
}

// TestClientCountsBytesRead: the bytes of the answers read are counted,
// those of an answer whose body failed are not.
func TestClientCountsBytesRead(t *testing.T) {
	answer := `{"taskmanagers":[]}`
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(answer)) })
	inst := NewInstrumentation("flink_exporter")
	c, _ := newTestClient(t, h, Options{Instrumentation: inst})
	for range 2 {
		if _, err := c.TaskManagers(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := inst.BytesRead(), int64(2*len(answer)); got != want {
		t.Errorf("BytesRead = %d, want %d", got, want)
	}
	var none *Instrumentation
	if none.BytesRead() != 0 {
		t.Error("a nil Instrumentation read bytes")
	}
}

// authTransport adds credentials to a clone of each request, as the
// round trippers of prometheus/common do; fail, when set, is returned
// instead of sending.
type authTransport struct {
	header map[string]string
	fail   error
}

func (a authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if a.fail != nil {
		return nil, a.fail
	}
	r = r.Clone(r.Context())
	for k, v := range a.header {
		r.Header.Set(k, v)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestClientHidesEchoedCredentials: a JobManager (or proxy) that repeats
// the request's headers in its error, and an OAuth 2 token endpoint that
// repeats the token request, never get the credentials into the client's
// errors.
func TestClientHidesEchoedCredentials(t *testing.T) {
	const password, header = "pw-echoed-1234", "hdr-echoed-5678"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("flink:"+password))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"errors":[%q]}`, fmt.Sprintf("denied %s:%s %v", u, p, r.Header))
	})
	tr := authTransport{header: map[string]string{"Authorization": basic, "X-Custom-Auth": header}}
	c, _ := newTestClient(t, h, Options{HTTPClient: &http.Client{Transport: tr}})
	_, err := c.Overview(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("error %v, want the 401 as an *APIError", err)
	}
	for _, shown := range []string{err.Error(), apiErr.Error(), strings.Join(apiErr.Messages, " ")} {
		for _, secret := range []string{password, header, basic} {
			if strings.Contains(shown, secret) {
				t.Errorf("the error repeats %q: %s", secret, shown)
			}
		}
	}
	if !strings.Contains(err.Error(), "HTTP 401: denied <secret>") {
		t.Errorf("the error lost what is not secret: %v", err)
	}

	const clientSecret = "cs-echoed-9abc"
	echo := &oauth2.RetrieveError{
		Response:         &http.Response{StatusCode: http.StatusBadRequest, Status: "400 Bad Request"},
		Body:             []byte("client_secret=" + clientSecret),
		ErrorCode:        "invalid_client",
		ErrorDescription: "client_secret=" + clientSecret,
	}
	c, _ = newTestClient(t, h, Options{HTTPClient: &http.Client{Transport: authTransport{fail: echo}}})
	_, err = c.Overview(context.Background())
	if err == nil || strings.Contains(err.Error(), clientSecret) || !strings.Contains(err.Error(), "HTTP 400 invalid_client") {
		t.Errorf("token endpoint echo: %v, want the status and error code alone", err)
	}
}
