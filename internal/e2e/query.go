package e2e

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

	"github.com/prometheus/common/model"
)

// pollInterval is how often WaitFor asks again.
const pollInterval = 100 * time.Millisecond

// APIError is an error answer of Prometheus's HTTP API.
type APIError struct {
	// Type is errorType: bad_data for an invalid expression, execution,
	// timeout, canceled, unavailable, internal.
	Type string
	// Message is the error text.
	Message string
	// Status is the HTTP status code.
	Status int
}

func (e *APIError) Error() string {
	return fmt.Sprintf("prometheus API %s (HTTP %d): %s", e.Type, e.Status, e.Message)
}

// apiResponse is the envelope of every API answer.
type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

// queryData is the data of /api/v1/query and /api/v1/query_range.
type queryData struct {
	ResultType model.ValueType `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

// QueryValue evaluates expr at the current time through /api/v1/query and
// returns the result as Prometheus typed it: model.Vector, *model.Scalar,
// model.Matrix (for a range selector) or *model.String.
func (p *Prometheus) QueryValue(ctx context.Context, expr string) (model.Value, error) {
	return p.queryValue(ctx, url.Values{"query": {expr}})
}

// queryValue posts form (the expression and, if set, the time) to
// /api/v1/query.
func (p *Prometheus) queryValue(ctx context.Context, form url.Values) (model.Value, error) {
	expr := form.Get("query")
	var d queryData
	if err := p.post(ctx, "/api/v1/query", form, &d); err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	v, err := decodeValue(d)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", expr, err)
	}
	return v, nil
}

// Query evaluates expr at the current time and returns its samples as a
// vector whatever the result type: a scalar becomes one sample without
// labels, a matrix (a range selector such as up[1m]) one sample per series
// holding its latest point. A string result is an error.
func (p *Prometheus) Query(ctx context.Context, expr string) (model.Vector, error) {
	v, err := p.QueryValue(ctx, expr)
	if err != nil {
		return nil, err
	}
	return asVector(v)
}

// QueryAt evaluates expr at time at, as Query does at the current time:
// several queries at one instant read the same samples, however long
// apart they are sent.
func (p *Prometheus) QueryAt(ctx context.Context, expr string, at time.Time) (model.Vector, error) {
	v, err := p.queryValue(ctx, url.Values{"query": {expr}, "time": {formatTime(at)}})
	if err != nil {
		return nil, err
	}
	return asVector(v)
}

// QueryRange evaluates expr over [start, end] at step through
// /api/v1/query_range.
func (p *Prometheus) QueryRange(ctx context.Context, expr string, start, end time.Time, step time.Duration) (model.Matrix, error) {
	form := url.Values{
		"query": {expr},
		"start": {formatTime(start)},
		"end":   {formatTime(end)},
		"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	}
	var d queryData
	if err := p.post(ctx, "/api/v1/query_range", form, &d); err != nil {
		return nil, fmt.Errorf("query_range %q: %w", expr, err)
	}
	v, err := decodeValue(d)
	if err != nil {
		return nil, fmt.Errorf("query_range %q: %w", expr, err)
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("query_range %q: result type %s, want matrix", expr, v.Type())
	}
	return m, nil
}

// WaitFor evaluates expr until cond accepts its samples and returns them.
// It gives up when ctx ends, with an error that names the expression and
// its last result, and at once when Prometheus rejects the expression
// (bad_data): a typo must not look like a slow target.
func (p *Prometheus) WaitFor(ctx context.Context, expr string, cond func(model.Vector) bool) (model.Vector, error) {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var last model.Vector
	var lastErr error
	for {
		v, err := p.Query(ctx, expr)
		switch {
		case err == nil:
			if cond(v) {
				return v, nil
			}
			last, lastErr = v, nil
		case isBadData(err):
			return nil, err
		case ctx.Err() == nil:
			lastErr = err
		}
		select {
		case <-ctx.Done():
			if lastErr != nil {
				return nil, fmt.Errorf("wait for %q: %w (last error: %v)", expr, ctx.Err(), lastErr)
			}
			return nil, fmt.Errorf("wait for %q: %w (last result: %v)", expr, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

// AtLeast is a WaitFor condition: the vector holds at least n samples.
func AtLeast(n int) func(model.Vector) bool {
	return func(v model.Vector) bool { return len(v) >= n }
}

// Alert is one alert of /api/v1/alerts.
type Alert struct {
	Labels      model.LabelSet `json:"labels"`
	Annotations model.LabelSet `json:"annotations"`
	State       string         `json:"state"`
	ActiveAt    time.Time      `json:"activeAt"`
	Value       string         `json:"value"`
}

// Alerts returns the pending and firing alerts of the server's rules.
func (p *Prometheus) Alerts(ctx context.Context) ([]Alert, error) {
	var d struct {
		Alerts []Alert `json:"alerts"`
	}
	if err := p.get(ctx, "/api/v1/alerts", &d); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	return d.Alerts, nil
}

// Target is one active target of /api/v1/targets.
type Target struct {
	Labels     model.LabelSet `json:"labels"`
	ScrapeURL  string         `json:"scrapeUrl"`
	Health     string         `json:"health"`
	LastError  string         `json:"lastError"`
	LastScrape time.Time      `json:"lastScrape"`
}

// Targets returns the active scrape targets and their health.
func (p *Prometheus) Targets(ctx context.Context) ([]Target, error) {
	var d struct {
		ActiveTargets []Target `json:"activeTargets"`
	}
	if err := p.get(ctx, "/api/v1/targets?state=active", &d); err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	return d.ActiveTargets, nil
}

func (p *Prometheus) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+path, nil)
	if err != nil {
		return err
	}
	return p.do(req, out)
}

func (p *Prometheus) post(ctx context.Context, path string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return p.do(req, out)
}

// do sends req and decodes the data of a successful answer into out.
func (p *Prometheus) do(req *http.Request, out any) error {
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	var env apiResponse
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("HTTP %d, undecodable answer %.200q: %w", resp.StatusCode, body, err)
	}
	if env.Status != "success" {
		return &APIError{Type: env.ErrorType, Message: env.Error, Status: resp.StatusCode}
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("decode data: %w", err)
	}
	return nil
}

// decodeValue decodes a query result by its type.
func decodeValue(d queryData) (model.Value, error) {
	switch d.ResultType {
	case model.ValVector:
		var v model.Vector
		return v, json.Unmarshal(d.Result, &v)
	case model.ValMatrix:
		var m model.Matrix
		return m, json.Unmarshal(d.Result, &m)
	case model.ValScalar:
		var s model.Scalar
		return &s, json.Unmarshal(d.Result, &s)
	case model.ValString:
		var s model.String
		return &s, json.Unmarshal(d.Result, &s)
	}
	return nil, fmt.Errorf("unknown result type %q", d.ResultType)
}

// asVector flattens any instant-query result into samples.
func asVector(v model.Value) (model.Vector, error) {
	switch v := v.(type) {
	case model.Vector:
		return v, nil
	case *model.Scalar:
		return model.Vector{{Metric: model.Metric{}, Value: v.Value, Timestamp: v.Timestamp}}, nil
	case model.Matrix:
		out := make(model.Vector, 0, len(v))
		for _, s := range v {
			if n := len(s.Values); n > 0 {
				out = append(out, &model.Sample{Metric: s.Metric, Value: s.Values[n-1].Value, Timestamp: s.Values[n-1].Timestamp})
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("result type %s is not a number", v.Type())
}

func isBadData(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Type == "bad_data"
}

func formatTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64)
}
