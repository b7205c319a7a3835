package flinkapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxResponseBytes bounds an answer's size. Flink's own REST client
// allows 100 MiB (rest.client.max-content-length); the answers the exporter
// reads are far smaller even on large clusters.
const DefaultMaxResponseBytes = 32 << 20

// Options configure a Client.
type Options struct {
	// HTTPClient sends the requests; it carries TLS and authentication.
	// Defaults to a client with no timeout of its own (contexts bound every
	// request).
	HTTPClient *http.Client
	// MaxResponseBytes bounds each answer; DefaultMaxResponseBytes if zero.
	MaxResponseBytes int64
	// MaxConcurrentRequests bounds the requests in flight to this
	// JobManager, so that a scrape never floods it; unbounded if zero.
	MaxConcurrentRequests int
	// Instrumentation counts and times the requests; may be nil.
	Instrumentation *Instrumentation
	// UserAgent is sent with every request.
	UserAgent string
}

// Client reads a Flink JobManager's REST API. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	http      *http.Client
	maxBytes  int64
	slots     *limiter
	inst      *Instrumentation
	userAgent string
}

// NewClient returns a client for the JobManager at baseURL, which may carry
// a path prefix (a proxy path, or rest.path of Flink 1.19+).
func NewClient(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		// url.Error repeats the URL, which may carry credentials.
		return nil, fmt.Errorf("parse Flink URL: %w", stripURL(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("parse Flink URL %q: scheme must be http or https", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("parse Flink URL %q: no host", u.Redacted())
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	c := &Client{
		base:      u,
		http:      opts.HTTPClient,
		maxBytes:  opts.MaxResponseBytes,
		inst:      opts.Instrumentation,
		userAgent: opts.UserAgent,
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxResponseBytes
	}
	if opts.MaxConcurrentRequests > 0 {
		c.slots = newLimiter(opts.MaxConcurrentRequests)
	}
	return c, nil
}

// MaxConcurrentRequests returns the bound on requests in flight
// (Options.MaxConcurrentRequests); 0 when unbounded.
func (c *Client) MaxConcurrentRequests() int {
	if c.slots == nil {
		return 0
	}
	return c.slots.size
}

// BaseURL returns the JobManager's address without credentials.
func (c *Client) BaseURL() string {
	u := *c.base
	u.User = nil
	return u.String()
}

// get fetches one endpoint and decodes its JSON answer into out. endpoint is
// the route template used for accounting ("/jobs/:jobid/checkpoints"), path
// the concrete, escaped path.
func (c *Client) get(ctx context.Context, endpoint, path string, query url.Values, out any) error {
	resp, body, err := c.fetch(ctx, endpoint, path, query)
	if err != nil {
		return err
	}
	invalid, err := decodeAnswer(endpoint, resp.StatusCode, body, out)
	if invalid {
		c.inst.observeInvalid(endpoint)
	}
	// resp.Request is the request as the transport sent it, with the
	// headers the authentication added.
	return redactSent(err, resp.Request)
}

// fetch sends one request and reads its answer's body, holding a request
// slot from before the request until the body is read: the slot bounds
// what the JobManager serves at once, so it is free again while the answer
// is decoded and checked.
func (c *Client) fetch(ctx context.Context, endpoint, path string, query url.Values) (*http.Response, []byte, error) {
	if err := c.acquire(ctx, endpoint); err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", endpoint, err)
	}
	defer c.release(priorityOf(ctx))

	// path is escaped already (ids pass url.PathEscape): Path gets its
	// decoded form and RawPath the escaped one, so that no segment is
	// escaped twice.
	decoded, err := url.PathUnescape(path)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", endpoint, err)
	}
	u := *c.base
	u.Path = c.base.Path + decoded
	u.RawPath = c.base.EscapedPath() + path
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", endpoint, stripURL(err))
	}
	req.Header.Set("Accept", "application/json")
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.inst.observe(endpoint, "error", time.Since(start))
		return nil, nil, fmt.Errorf("GET %s: %w", endpoint, redactTokenError(stripURL(err)))
	}
	defer resp.Body.Close()
	body, readErr := readLimited(resp.Body, c.maxBytes)
	c.inst.observe(endpoint, answerCode(resp.StatusCode, readErr), time.Since(start))
	c.inst.observeBytes(len(body))
	if readErr != nil {
		// Too large, or cut short of its Content-Length: an answer that
		// came but cannot be used.
		if errors.Is(readErr, ErrResponseTooLarge) || errors.Is(readErr, io.ErrUnexpectedEOF) {
			c.inst.observeInvalid(endpoint)
		}
		return nil, nil, fmt.Errorf("GET %s: read body: %w", endpoint, stripURL(readErr))
	}
	return resp, body, nil
}

// decodeAnswer decodes one answer of endpoint: a 2xx JSON body into out,
// any other status into an *APIError carrying Flink's messages. invalid
// reports a 2xx body that is not JSON of out's shape (malformed, truncated,
// of another type); out is then not to be used, since nothing half-decoded
// may pass for an answer.
func decodeAnswer(endpoint string, status int, body []byte, out any) (invalid bool, err error) {
	if status < 200 || status > 299 {
		apiErr := &APIError{Endpoint: endpoint, StatusCode: status}
		var eb ErrorResponse
		if json.Unmarshal(body, &eb) == nil {
			apiErr.Messages = eb.Errors
		}
		return false, apiErr
	}
	if err := json.Unmarshal(body, out); err != nil {
		return true, fmt.Errorf("GET %s: decode answer: %w", endpoint, err)
	}
	if err := CheckAnswer(endpoint, body, out); err != nil {
		return true, err
	}
	return false, nil
}

// acquire takes a request slot for endpoint (a route template: the
// limiter's lane) with the priority ctx carries.
func (c *Client) acquire(ctx context.Context, endpoint string) error {
	if c.slots == nil {
		return nil
	}
	return c.slots.acquire(ctx, priorityOf(ctx), endpoint)
}

func (c *Client) release(p Priority) {
	if c.slots != nil {
		c.slots.release(p)
	}
}

// codeReadError is the code of an answer whose headers came but whose body
// could not be read to its end (a timeout mid-body, a reset, a cut
// connection): counted as its status, a JobManager that stalls after its
// headers would look healthy.
const codeReadError = "read_error"

// answerCode is the code an answer is counted under: its HTTP status, or
// codeReadError when its body failed. A body over the size limit was read
// as far as allowed and keeps its status (it is counted invalid).
func answerCode(status int, readErr error) string {
	if readErr != nil && !errors.Is(readErr, ErrResponseTooLarge) {
		return codeReadError
	}
	return strconv.Itoa(status)
}

// readLimited reads at most limit bytes and fails if there are more.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w (%d bytes)", ErrResponseTooLarge, limit)
	}
	return body, nil
}

// stripURL removes the request URL from an error: it may carry
// credentials (userinfo), and the endpoint is already in the message. What
// is left is the innermost cause of the first url.Error in the chain.
func stripURL(err error) error {
	var uerr *url.Error
	for errors.As(err, &uerr) {
		if uerr.Err == nil {
			return errors.New(uerr.Op + " failed")
		}
		err = uerr.Err
	}
	return err
}
