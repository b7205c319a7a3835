package diagnose

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/prober"
)

// Page bounds: how old a history's newest collection may be before the
// page collects once itself, the window the page evaluates, the clusters
// it keeps a history of and the largest scrape answer it reads.
const (
	pageStale      = 30 * time.Second
	pageWindow     = 5 * time.Minute
	pageMaxTargets = 50
	pageMaxBody    = 32 << 20
)

//go:embed page.html
var pageHTML string

// Page serves /diagnose: the verdict of the command as an HTML page. It
// keeps, per cluster, a short history of what the exporter's own scrapes
// collected (Tee), so that a page view costs no REST request when
// Prometheus scraped recently; otherwise it collects once.
type Page struct {
	logger log.Logger
	rules  *Ruleset
	tmpl   *template.Template
	now    func() time.Time

	// flag is the cluster of --flink.url, nil without one; pool resolves
	// the targets of --config.file (and URLs when allowed) as /probe does.
	flag *source
	pool *prober.Pool

	mu        sync.Mutex
	histories map[string]*Store
}

// source is a cluster the page can read.
type source struct {
	exporter *collector.Exporter
	config   ConfigSource
	target   labels.Labels
	name     string
}

// NewPage returns the /diagnose handler. flagURL and flagExporter are the
// cluster of --flink.url (empty and nil without one); pool resolves
// /diagnose?target= with the allow-list of /probe (nil: no targets).
func NewPage(flagURL string, flagExporter *collector.Exporter, pool *prober.Pool, logger log.Logger) (*Page, error) {
	rs, err := LoadRules()
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"width":    func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
		"seconds":  seconds,
		"evidence": evidenceLine,
		"symptom":  symptomLine,
		"holder":   holderLine,
		"cp":       checkpointLine,
		"deref":    func(s *string) string { return *s },
		"inc":      func(i int) int { return i + 1 },
		"figure": func(f *float64, unit string) string {
			if f == nil {
				return "–"
			}
			return format(*f, unit)
		},
	}
	tmpl, err := template.New("page").Funcs(funcs).Parse(pageHTML)
	if err != nil {
		return nil, fmt.Errorf("diagnose page template: %w", err)
	}
	p := &Page{logger: logger, rules: rs, tmpl: tmpl, now: time.Now, pool: pool, histories: map[string]*Store{}}
	if flagExporter != nil {
		c, err := NewCluster(flagURL, ClusterOptions{})
		if err != nil {
			return nil, err
		}
		p.flag = &source{exporter: flagExporter, config: c.Client, target: c.Target, name: flagURL}
	}
	return p, nil
}

// history returns the store of a cluster, creating it within the bound.
func (p *Page) history(key string) *Store {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.histories[key]
	if !ok {
		if len(p.histories) >= pageMaxTargets {
			for k := range p.histories { // forget one: the bound matters, not which
				delete(p.histories, k)
				break
			}
		}
		s = NewStore(DefaultLimits())
		p.histories[key] = s
	}
	return s
}

// Tee records in the history what a scrape handler (/metrics, or /probe
// keyed by its target parameter) answers, so that the page reads the
// exporter's scrapes instead of asking the JobManager again.
func (p *Page) Tee(targetParam string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := ""
		if targetParam != "" {
			key = r.URL.Query().Get(targetParam)
			if key == "" {
				next.ServeHTTP(w, r)
				return
			}
		} else if p.flag == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status != 0 && rec.status != http.StatusOK || rec.overflow {
			return
		}
		families, err := decodeScrape(rec.Header(), rec.body.Bytes())
		if err != nil {
			level.Debug(p.logger).Log("msg", "cannot read the scrape for /diagnose", "err", err)
			return
		}
		target := labels.FromStrings("instance", key, "job", "flink")
		if key == "" {
			target = p.flag.target
		}
		h := p.history(key)
		now := p.now()
		h.AddFamilies(now, target, families)
		h.Trim(now)
	})
}

// recorder keeps a copy of a response.
type recorder struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	overflow bool
}

func (r *recorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.body.Len()+len(b) > pageMaxBody {
		r.overflow = true
	} else {
		r.body.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

// decodeScrape reads a text or protobuf exposition, gzipped or not.
func decodeScrape(h http.Header, body []byte) ([]*dto.MetricFamily, error) {
	var rd io.Reader = bytes.NewReader(body)
	if h.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(rd)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		rd = zr
	} else if enc := h.Get("Content-Encoding"); enc != "" && enc != "identity" {
		return nil, fmt.Errorf("unsupported encoding %s", enc)
	}
	format := expfmt.ResponseFormat(h)
	if format.FormatType() == expfmt.TypeOpenMetrics || format.FormatType() == expfmt.TypeUnknown {
		return nil, fmt.Errorf("unsupported format %s", format)
	}
	dec := expfmt.NewDecoder(rd, format)
	var out []*dto.MetricFamily
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		out = append(out, mf)
	}
}

// pageData is what the template renders.
type pageData struct {
	Target  string
	Targets []string
	Report  *Report
	Error   string
	Trouble bool
	Note    string
}

// ServeHTTP serves /diagnose[?target=<name>].
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	target := r.URL.Query().Get("target")
	data := pageData{Target: target}
	status := http.StatusOK
	src, err := p.resolve(target)
	switch {
	case err != nil:
		data.Error, status = err.Error(), http.StatusBadRequest
	case src == nil:
		data.Note = "This exporter scrapes no cluster of its own (no --flink.url): name a cluster of --config.file."
	default:
		rep, err := p.diagnose(r.Context(), target, src)
		if err != nil {
			data.Error, status = err.Error(), http.StatusServiceUnavailable
		}
		data.Report = rep
		if rep != nil {
			for _, j := range rep.Jobs {
				data.Trouble = data.Trouble || j.Trouble
			}
		}
	}
	var b bytes.Buffer
	if err := p.tmpl.Execute(&b, data); err != nil {
		level.Error(p.logger).Log("msg", "cannot render /diagnose", "err", err)
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// resolve returns the cluster of a target: the --flink.url one for "",
// else the pool's, with /probe's allow-list. Nil and no error: no cluster
// to show.
func (p *Page) resolve(target string) (*source, error) {
	if target == "" {
		return p.flag, nil
	}
	if p.pool == nil {
		return nil, errors.New("this exporter has no --config.file clusters: /diagnose without target diagnoses the --flink.url cluster")
	}
	c, err := p.pool.Lookup(target)
	if err != nil {
		return nil, err
	}
	return &source{exporter: c.Exporter(), config: c.Client(), target: labels.FromStrings("instance", target, "job", "flink"), name: target}, nil
}

// diagnose evaluates the history of a cluster, after collecting once when
// no scrape happened recently.
func (p *Page) diagnose(ctx context.Context, key string, src *source) (*Report, error) {
	h := p.history(key)
	now := p.now()
	if now.Sub(h.Last()) > pageStale {
		c := &Cluster{Exporter: src.exporter, Target: src.target}
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		up, err := c.Collect(ctx, h, now)
		cancel()
		h.Trim(now)
		if !up {
			msg := "the JobManager did not answer the core requests (/overview, /jobs/overview); the exporter log says why"
			if err != nil {
				msg += ": " + err.Error()
			}
			return &Report{Cluster: ClusterInfo{URL: src.name, Error: msg}}, errors.New(msg)
		}
	}
	name := src.name
	if u, err := url.Parse(name); err == nil && u.User != nil {
		name = u.Redacted()
	}
	return Diagnose(ctx, Input{Rules: p.rules, Store: h, From: h.Last().Add(-pageWindow), URL: name, Instance: src.target.Get("instance"), Config: src.config})
}
