package collector

import (
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// series is one gathered sample: its labels rendered as k=v,k=v and value.
type series map[string]float64

// gatherSeries collects an exporter once and returns every series by
// metric name.
func gatherSeries(t testing.TB, c prometheus.Collector) map[string]series {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]series{}
	for _, mf := range mfs {
		s := series{}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, lp := range m.GetLabel() {
				labels = append(labels, lp.GetName()+"="+lp.GetValue())
			}
			sort.Strings(labels)
			var v float64
			switch {
			case m.Gauge != nil:
				v = m.GetGauge().GetValue()
			case m.Counter != nil:
				v = m.GetCounter().GetValue()
			case m.Untyped != nil:
				v = m.GetUntyped().GetValue()
			}
			s[strings.Join(labels, ",")] = v
		}
		out[mf.GetName()] = s
	}
	return out
}

// withLabel returns the series whose labels include every k=v given.
func (s series) withLabel(kv ...string) series {
	out := series{}
	for labels, v := range s {
		parts := map[string]bool{}
		for _, p := range strings.Split(labels, ",") {
			parts[p] = true
		}
		ok := true
		for _, want := range kv {
			if !parts[want] {
				ok = false
			}
		}
		if ok {
			out[labels] = v
		}
	}
	return out
}

// one returns the single value of s, failing when there is not exactly one.
func (s series) one(t testing.TB, what string) float64 {
	t.Helper()
	if len(s) != 1 {
		t.Fatalf("%s: %d series, want 1: %v", what, len(s), s)
	}
	for _, v := range s {
		return v
	}
	return 0
}

// labelValue extracts one label's value from a rendered label set.
func labelValue(labels, name string) string {
	for _, p := range strings.Split(labels, ",") {
		if v, ok := strings.CutPrefix(p, name+"="); ok {
			return v
		}
	}
	return ""
}
