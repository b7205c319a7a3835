package diagnose

import (
	"context"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/util/annotations"
)

// Limits bound what a Store keeps: samples older than MaxAge are dropped,
// and series beyond MaxSeries or samples beyond MaxSamples are refused.
type Limits struct {
	MaxAge     time.Duration
	MaxSeries  int
	MaxSamples int
}

// DefaultLimits keep the ten minutes the rules' widest window needs, for a
// cluster of a few hundred jobs: at most 200 000 samples (about 3 MiB of
// values plus the labels of 20 000 series).
func DefaultLimits() Limits {
	return Limits{MaxAge: 11 * time.Minute, MaxSeries: 20000, MaxSamples: 200000}
}

// Store is a small in-memory time-series store the PromQL engine reads
// (a storage.Queryable): the samples of a few collections of the
// exporter's metrics and the results of the recording rules evaluated over
// them. It is safe for concurrent use.
type Store struct {
	limits Limits

	mu      sync.RWMutex
	series  map[string]*memSeries // by labels.Labels.String()
	samples int
	times   []int64 // the distinct sample times, ascending
	dropped int     // series or samples refused by the limits
}

type memSeries struct {
	lset   labels.Labels
	points []point
}

// NewStore returns an empty store bounded by limits.
func NewStore(limits Limits) *Store {
	return &Store{limits: limits, series: map[string]*memSeries{}}
}

// Append adds one sample; a sample not newer than the series' last one is
// ignored, as Prometheus ignores out-of-order samples.
func (s *Store) Append(lset labels.Labels, t int64, v float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appendLocked(lset, t, v)
}

func (s *Store) appendLocked(lset labels.Labels, t int64, v float64) {
	key := lset.String()
	ms, ok := s.series[key]
	if !ok {
		if s.limits.MaxSeries > 0 && len(s.series) >= s.limits.MaxSeries {
			s.dropped++
			return
		}
		ms = &memSeries{lset: lset}
		s.series[key] = ms
	}
	if n := len(ms.points); n > 0 && ms.points[n-1].t >= t {
		return
	}
	if s.limits.MaxSamples > 0 && s.samples >= s.limits.MaxSamples {
		s.dropped++
		return
	}
	ms.points = append(ms.points, point{t, v})
	s.samples++
	if n := len(s.times); n == 0 || s.times[n-1] < t {
		s.times = append(s.times, t)
	}
}

// AddFamilies stores the metric families of one collection at time at,
// each series labelled with target (the instance and job labels
// Prometheus would add; a series' own label of the same name becomes
// exported_<name>, as with honor_labels: false). Histograms and summaries
// become their classic series (_bucket, _sum, _count, quantiles).
func (s *Store) AddFamilies(at time.Time, target labels.Labels, families []*dto.MetricFamily) {
	t := at.UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, mf := range families {
		name := mf.GetName()
		for _, m := range mf.GetMetric() {
			b := labels.NewBuilder(target)
			for _, lp := range m.GetLabel() {
				n := lp.GetName()
				if target.Has(n) {
					n = "exported_" + n
				}
				b.Set(n, lp.GetValue())
			}
			add := func(suffix string, v float64, extra ...string) {
				b2 := labels.NewBuilder(b.Labels())
				b2.Set(labels.MetricName, name+suffix)
				for i := 0; i+1 < len(extra); i += 2 {
					b2.Set(extra[i], extra[i+1])
				}
				s.appendLocked(b2.Labels(), t, v)
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				add("", m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				add("", m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				add("", m.GetUntyped().GetValue())
			case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
				h := m.GetHistogram()
				for _, bk := range h.GetBucket() {
					add("_bucket", float64(bk.GetCumulativeCount()), "le", formatFloat(bk.GetUpperBound()))
				}
				add("_bucket", float64(h.GetSampleCount()), "le", "+Inf")
				add("_sum", h.GetSampleSum())
				add("_count", float64(h.GetSampleCount()))
			case dto.MetricType_SUMMARY:
				sm := m.GetSummary()
				for _, q := range sm.GetQuantile() {
					add("", q.GetValue(), "quantile", formatFloat(q.GetQuantile()))
				}
				add("_sum", sm.GetSampleSum())
				add("_count", float64(sm.GetSampleCount()))
			}
		}
	}
}

func formatFloat(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Trim drops the samples older than the store's MaxAge before now, and the
// series left empty.
func (s *Store) Trim(now time.Time) {
	if s.limits.MaxAge <= 0 {
		return
	}
	cut := now.Add(-s.limits.MaxAge).UnixMilli()
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, ms := range s.series {
		i := sort.Search(len(ms.points), func(i int) bool { return ms.points[i].t >= cut })
		s.samples -= i
		ms.points = ms.points[i:]
		if len(ms.points) == 0 {
			delete(s.series, key)
		}
	}
	i := sort.Search(len(s.times), func(i int) bool { return s.times[i] >= cut })
	s.times = s.times[i:]
}

// Times returns the distinct sample times at or after from, ascending: the
// moments the rules are evaluated at.
func (s *Store) Times(from time.Time) []time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []time.Time
	for _, t := range s.times {
		if t >= from.UnixMilli() {
			out = append(out, time.UnixMilli(t))
		}
	}
	return out
}

// Last returns the time of the newest sample, zero when empty.
func (s *Store) Last() time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.times) == 0 {
		return time.Time{}
	}
	return time.UnixMilli(s.times[len(s.times)-1])
}

// Size returns the series and samples held and how many were refused.
func (s *Store) Size() (series, samples, dropped int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.series), s.samples, s.dropped
}

// Querier implements storage.Queryable.
func (s *Store) Querier(mint, maxt int64) (storage.Querier, error) {
	return &querier{stores: []*Store{s}, mint: mint, maxt: maxt}, nil
}

// layered reads several stores as one: the collected samples and the
// recorded ones of an evaluation.
type layered []*Store

func (l layered) Querier(mint, maxt int64) (storage.Querier, error) {
	return &querier{stores: l, mint: mint, maxt: maxt}, nil
}

type querier struct {
	stores     []*Store
	mint, maxt int64
}

func (q *querier) Select(_ context.Context, sortSeries bool, _ *storage.SelectHints, ms ...*labels.Matcher) storage.SeriesSet {
	var out []storage.Series
	for _, s := range q.stores {
		s.mu.RLock()
		for _, ser := range s.series {
			if !matches(ser.lset, ms) {
				continue
			}
			var samples []chunks.Sample
			for _, p := range ser.points {
				if p.t >= q.mint && p.t <= q.maxt {
					samples = append(samples, p)
				}
			}
			if len(samples) > 0 {
				out = append(out, storage.NewListSeries(ser.lset, samples))
			}
		}
		s.mu.RUnlock()
	}
	if sortSeries {
		slices.SortFunc(out, func(a, b storage.Series) int { return labels.Compare(a.Labels(), b.Labels()) })
	}
	return &seriesSet{list: out, i: -1}
}

func matches(lset labels.Labels, ms []*labels.Matcher) bool {
	for _, m := range ms {
		if !m.Matches(lset.Get(m.Name)) {
			return false
		}
	}
	return true
}

func (q *querier) LabelValues(context.Context, string, *storage.LabelHints, ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	return nil, nil, nil
}

func (q *querier) LabelNames(context.Context, *storage.LabelHints, ...*labels.Matcher) ([]string, annotations.Annotations, error) {
	return nil, nil, nil
}

func (q *querier) Close() error { return nil }

type seriesSet struct {
	list []storage.Series
	i    int
}

func (s *seriesSet) Next() bool                        { s.i++; return s.i < len(s.list) }
func (s *seriesSet) At() storage.Series                { return s.list[s.i] }
func (s *seriesSet) Err() error                        { return nil }
func (s *seriesSet) Warnings() annotations.Annotations { return nil }

// point is one float sample.
type point struct {
	t int64
	f float64
}

func (p point) T() int64                      { return p.t }
func (p point) ST() int64                     { return 0 }
func (p point) F() float64                    { return p.f }
func (p point) H() *histogram.Histogram       { return nil }
func (p point) FH() *histogram.FloatHistogram { return nil }
func (p point) Type() chunkenc.ValueType      { return chunkenc.ValFloat }
func (p point) Copy() chunks.Sample           { return p }
