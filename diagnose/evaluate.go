package diagnose

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
)

// Evaluation is the shipped rules evaluated at every collection of a
// window, as Prometheus would have evaluated them: the recording rules in
// order at each step, their results stored for the rules and alerts after
// them, then the alerts.
type Evaluation struct {
	// Steps are the evaluation times, one per collection.
	Steps []time.Time
	// Alerts has one entry per alert of the rule files, in file order.
	Alerts []AlertOutcome

	engine    *promql.Engine
	queryable layered
}

// AlertOutcome is what one alert's expression returned over the window.
type AlertOutcome struct {
	Rule Rule
	// Held lists each label set the expression returned, with how often.
	Held []Held
}

// Held is one series an alert expression returned during the window: an
// alert that would be pending, and firing after its for: duration.
type Held struct {
	Labels labels.Labels
	// Steps is how many evaluations returned it, of Evaluation.Steps.
	Steps int
	// First and Last are the first and last evaluation that returned it.
	First, Last time.Time
	// Value is its value at Last.
	Value float64
}

// newEngine returns a PromQL engine with Prometheus's defaults: a 5 m
// lookback and subqueries stepping at the rules' evaluation interval.
func newEngine() *promql.Engine {
	return promql.NewEngine(promql.EngineOpts{
		MaxSamples:               50_000_000,
		Timeout:                  time.Minute,
		LookbackDelta:            5 * time.Minute,
		NoStepSubqueryIntervalFn: func(int64) int64 { return time.Minute.Milliseconds() },
	})
}

// Evaluate runs rs over the samples of base collected at or after from.
func Evaluate(ctx context.Context, rs *Ruleset, base *Store, from time.Time) (*Evaluation, error) {
	scratch := NewStore(Limits{MaxSeries: 100000, MaxSamples: 2_000_000})
	ev := &Evaluation{Steps: base.Times(from), engine: newEngine(), queryable: layered{base, scratch}}
	held := make([]map[string]*Held, len(rs.Alerts))
	for i := range held {
		held[i] = map[string]*Held{}
	}
	for _, t := range ev.Steps {
		for _, r := range rs.Recording {
			vec, err := ev.Query(ctx, r.Expr, t)
			if err != nil {
				return nil, fmt.Errorf("recording rule %s: %w", r.Record, err)
			}
			for _, s := range vec {
				b := labels.NewBuilder(s.Metric)
				b.Set(labels.MetricName, r.Record)
				for k, v := range r.Labels {
					b.Set(k, v)
				}
				scratch.Append(b.Labels(), t.UnixMilli(), s.F)
			}
		}
		for i, r := range rs.Alerts {
			vec, err := ev.Query(ctx, r.Expr, t)
			if err != nil {
				return nil, fmt.Errorf("alert %s: %w", r.Alert, err)
			}
			for _, s := range vec {
				b := labels.NewBuilder(s.Metric)
				b.Del(labels.MetricName)
				b.Set(labels.AlertName, r.Alert)
				for k, v := range r.Labels {
					b.Set(k, v)
				}
				lset := b.Labels()
				h, ok := held[i][lset.String()]
				if !ok {
					h = &Held{Labels: lset, First: t}
					held[i][lset.String()] = h
				}
				h.Steps++
				h.Last = t
				h.Value = s.F
			}
		}
	}
	for i, r := range rs.Alerts {
		out := AlertOutcome{Rule: r}
		for _, h := range held[i] {
			out.Held = append(out.Held, *h)
		}
		sort.Slice(out.Held, func(a, b int) bool { return labels.Compare(out.Held[a].Labels, out.Held[b].Labels) < 0 })
		ev.Alerts = append(ev.Alerts, out)
	}
	return ev, nil
}

// Query evaluates a PromQL expression at t over the collected and the
// recorded series.
func (ev *Evaluation) Query(ctx context.Context, expr string, t time.Time) (promql.Vector, error) {
	q, err := ev.engine.NewInstantQuery(ctx, ev.queryable, nil, expr, t)
	if err != nil {
		return nil, err
	}
	defer q.Close()
	res := q.Exec(ctx)
	if res.Err != nil {
		return nil, res.Err
	}
	switch v := res.Value.(type) {
	case promql.Vector:
		return v, nil
	case promql.Scalar:
		return promql.Vector{{F: v.V, T: v.T}}, nil
	}
	return nil, fmt.Errorf("%s: unexpected result type %s", expr, res.Value.Type())
}
