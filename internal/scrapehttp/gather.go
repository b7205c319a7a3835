package scrapehttp

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// sequence gathers its gatherers one after the other, in order, and serves
// their families together. It answers what prometheus.Gatherers answers,
// without its second pass over every series: prometheus.Gatherers checks
// each series of each gatherer again (label names, UTF-8, a hash for
// duplicates) and sorts them again, although a Registry has done both
// for its own series already. Series of different families cannot
// collide, so as long as no two gatherers return a family of the same name
// the families are only put in order of name. On a scrape of 25,000
// series that second pass cost about as much as encoding the answer,
// behind the scrape's last REST answer (BenchmarkGather in gather_test.go,
// docs/performance-scrape-work.md). When two gatherers do share a family
// name, the gathered families are merged as prometheus.Gatherers merges
// them, checks included. Each gatherer must return families it checked
// and sorted itself, as a Registry's Gather does: a family of one
// gatherer alone is served as it came.
type sequence []prometheus.Gatherer

// Gather implements prometheus.Gatherer. Like prometheus.Gatherers, it
// returns the families it could gather together with the errors of the
// gatherers that failed, so that promhttp.ContinueOnError serves them.
func (s sequence) Gather() ([]*dto.MetricFamily, error) {
	var (
		all     []*dto.MetricFamily
		errs    prometheus.MultiError
		results = make([][]*dto.MetricFamily, 0, len(s))
		names   = map[string]bool{}
		shared  bool
	)
	for i, g := range s {
		mfs, err := g.Gather()
		errs = appendErrors(errs, i, err)
		results = append(results, mfs)
		for _, mf := range mfs {
			if names[mf.GetName()] {
				shared = true
			}
			names[mf.GetName()] = true
			all = append(all, mf)
		}
	}
	if shared {
		return merge(results, errs)
	}
	slices.SortFunc(all, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return all, errs.MaybeUnwrap()
}

// merge merges gathered families that share names, as
// prometheus.Gatherers does, adding its errors to errs.
func merge(results [][]*dto.MetricFamily, errs prometheus.MultiError) ([]*dto.MetricFamily, error) {
	gs := make(prometheus.Gatherers, len(results))
	for i, mfs := range results {
		gs[i] = prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return mfs, nil })
	}
	mfs, err := gs.Gather()
	var multi prometheus.MultiError
	if errors.As(err, &multi) {
		errs = append(errs, multi...)
	} else if err != nil {
		errs = append(errs, err)
	}
	return mfs, errs.MaybeUnwrap()
}

// appendErrors adds the errors of the i-th gatherer to errs, each marked
// with the gatherer's place as prometheus.Gatherers marks them.
func appendErrors(errs prometheus.MultiError, i int, err error) prometheus.MultiError {
	if err == nil {
		return errs
	}
	var multi prometheus.MultiError
	if !errors.As(err, &multi) {
		multi = prometheus.MultiError{err}
	}
	for _, e := range multi {
		errs = append(errs, fmt.Errorf("[from Gatherer #%d] %w", i+1, e))
	}
	return errs
}
