package dashboards

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Label selectors of the queries. Every query filters by the dashboard's
// variables, whose "All" value is the regular expression .*.
const (
	byInstance = `instance=~"$instance"`
	byJob      = `instance=~"$instance", job_name=~"$job_name"`
	byTM       = `instance=~"$instance", tm_id=~"$tm_id"`
)

// sel returns metric{selector}.
func sel(metric, selector string) string { return metric + "{" + selector + "}" }

// rateOf returns rate(metric{selector}[$__rate_interval]): every rate uses
// Grafana's rate interval, at least four scrape intervals, so that it
// never comes out empty.
func rateOf(metric, selector string) string {
	return "rate(" + sel(metric, selector) + "[$__rate_interval])"
}

// Grafana units of the panels.
const (
	unitSeconds  = "s"
	unitBytes    = "bytes"
	unitBps      = "Bps"
	unitRatio    = "percentunit"
	unitShort    = "short"
	unitNone     = "none"
	unitPerSec   = "cps"
	unitRequests = "reqps"
)

// mib is a mebibyte, for byte thresholds.
const mib = 1 << 20

// limit is an alert threshold drawn as a line on the panels it concerns.
type limit struct {
	value float64
	// below marks a lower bound: values under it are the trouble
	// (throughput), so the colours run red to green.
	below bool
}

// above is a threshold whose excess is the trouble.
func above(v float64) *limit { return &limit{value: v} }

// below is a threshold under which values are the trouble.
func below(v float64) *limit { return &limit{value: v, below: true} }

// query is one Prometheus query of a panel. The fields of a query take the
// panel's unit and threshold unless the query names its own.
type query struct {
	expr   string
	legend string
	// unit, when set, puts the query's fields on a second axis (right)
	// in that unit.
	unit string
	// limit, when set, is the query's own threshold line.
	limit *limit
	// noLimit draws no threshold line on the query's fields, when the
	// panel's threshold concerns another query.
	noLimit bool
	// reference draws the query's fields as a dashed red line: a bound
	// such as the timeout or the interval, not a measurement.
	reference bool
	// column names the query's value column of a table panel.
	column string
	// columnUnit is the unit of that column, the panel's if empty.
	columnUnit string
}

// refID names the i-th query of a panel: A, B, C...
func refID(i int) string { return string(rune('A' + i)) }

// targets builds the panel's queries; instant ones return one table row
// per series, as the table panels need.
func targets(qs []query, instant bool) []Target {
	out := make([]Target, len(qs))
	for i, q := range qs {
		t := Target{
			Datasource:   promDatasource,
			EditorMode:   "code",
			Expr:         q.expr,
			LegendFormat: q.legend,
			Range:        !instant,
			Instant:      instant,
			RefID:        refID(i),
		}
		if instant {
			t.Format = "table"
			t.LegendFormat = "__auto"
		}
		out[i] = t
	}
	return out
}

// thresholdSteps turns a limit into Grafana's threshold steps: green below
// and red from the value on, or the reverse for a lower bound.
func thresholdSteps(l limit) *Thresholds {
	v := l.value
	if l.below {
		return &Thresholds{Mode: "absolute", Steps: []Step{{Color: "red", Value: nil}, {Color: "green", Value: &v}}}
	}
	return &Thresholds{Mode: "absolute", Steps: []Step{{Color: "green", Value: nil}, {Color: "red", Value: &v}}}
}

// noThresholds are the steps of a panel with no alert threshold.
func noThresholds() *Thresholds {
	return &Thresholds{Mode: "absolute", Steps: []Step{{Color: "green", Value: nil}}}
}

// softMax keeps a threshold line in view when the values stay far below
// it.
func softMax(l limit) float64 { return l.value * 1.25 }

// timeSeries is the spec of a time series panel.
type timeSeries struct {
	id          int
	title       string
	description string
	unit        string
	// limit is the threshold line of every query that names none.
	limit   *limit
	queries []query
	// stack stacks the series (parts of one whole).
	stack bool
}

// panel builds the time series panel.
func (ts timeSeries) panel() Panel {
	custom := map[string]any{
		"axisPlacement":   "auto",
		"axisSoftMin":     0,
		"drawStyle":       "line",
		"fillOpacity":     0,
		"lineWidth":       1,
		"showPoints":      "never",
		"spanNulls":       false,
		"thresholdsStyle": map[string]any{"mode": "off"},
	}
	if ts.stack {
		custom["fillOpacity"] = 30
		custom["stacking"] = map[string]any{"group": "A", "mode": "normal"}
	}
	thresholds := noThresholds()
	if ts.limit != nil {
		thresholds = thresholdSteps(*ts.limit)
		custom["thresholdsStyle"] = map[string]any{"mode": "line"}
		custom["axisSoftMax"] = softMax(*ts.limit)
	}
	var overrides []Override
	for i, q := range ts.queries {
		var props []Property
		if q.unit != "" && q.unit != ts.unit {
			props = append(props,
				Property{ID: "unit", Value: q.unit},
				Property{ID: "custom.axisPlacement", Value: "right"})
		}
		switch {
		case q.limit != nil:
			props = append(props,
				Property{ID: "thresholds", Value: thresholdSteps(*q.limit)},
				Property{ID: "custom.thresholdsStyle", Value: map[string]any{"mode": "line"}},
				Property{ID: "custom.axisSoftMax", Value: softMax(*q.limit)})
		case q.noLimit && ts.limit != nil:
			props = append(props, Property{ID: "custom.thresholdsStyle", Value: map[string]any{"mode": "off"}})
		}
		if q.reference {
			props = append(props,
				Property{ID: "color", Value: map[string]any{"fixedColor": "red", "mode": "fixed"}},
				Property{ID: "custom.lineStyle", Value: map[string]any{"dash": []int{10, 10}, "fill": "dash"}})
		}
		if len(props) > 0 {
			overrides = append(overrides, Override{Matcher: Matcher{ID: "byFrameRefID", Options: refID(i)}, Properties: props})
		}
	}
	return Panel{
		Datasource:  promDatasource,
		Description: ts.description,
		FieldConfig: &FieldConfig{
			Defaults: FieldDefaults{
				Color:      &FieldColor{Mode: "palette-classic"},
				Custom:     custom,
				Mappings:   []any{},
				Thresholds: thresholds,
				Unit:       ts.unit,
			},
			Overrides: nonNil(overrides),
		},
		ID: ts.id,
		Options: map[string]any{
			"legend": map[string]any{
				"calcs":       []string{"lastNotNull", "max"},
				"displayMode": "table",
				"placement":   "bottom",
				"showLegend":  true,
			},
			"tooltip": map[string]any{"mode": "multi", "sort": "desc"},
		},
		Targets: targets(ts.queries, false),
		Title:   ts.title,
		Type:    "timeseries",
	}
}

// table is the spec of a table panel of instant queries: one row per
// label set, one value column per query.
type table struct {
	id          int
	title       string
	description string
	unit        string
	queries     []query
	// hide lists the label columns not shown.
	hide []string
	// links are data links per column name.
	links map[string]Link
	// limit colours the first value column.
	limit *limit
}

// panel builds the table panel. With several queries their rows are
// merged on the common labels, and each value column "Value #<refId>" is
// renamed to the query's column name.
func (tb table) panel() Panel {
	exclude := map[string]any{"Time": true}
	for _, h := range tb.hide {
		exclude[h] = true
	}
	var transforms []Transform
	if len(tb.queries) > 1 {
		transforms = append(transforms, Transform{ID: "merge", Options: map[string]any{}})
	}
	transforms = append(transforms, Transform{ID: "organize", Options: map[string]any{
		"excludeByName": exclude,
		"indexByName":   map[string]any{},
		"renameByName":  map[string]any{},
	}})
	var overrides []Override
	for i, q := range tb.queries {
		if q.column == "" {
			continue
		}
		field := "Value"
		if len(tb.queries) > 1 {
			field = "Value #" + refID(i)
		}
		props := []Property{{ID: "displayName", Value: q.column}}
		if q.columnUnit != "" {
			props = append(props, Property{ID: "unit", Value: q.columnUnit})
		}
		if i == 0 && tb.limit != nil {
			props = append(props,
				Property{ID: "thresholds", Value: thresholdSteps(*tb.limit)},
				Property{ID: "custom.cellOptions", Value: map[string]any{"type": "color-text"}})
		}
		overrides = append(overrides, Override{Matcher: Matcher{ID: "byName", Options: field}, Properties: props})
	}
	for _, name := range slices.Sorted(maps.Keys(tb.links)) {
		overrides = append(overrides, Override{
			Matcher:    Matcher{ID: "byName", Options: name},
			Properties: []Property{{ID: "links", Value: []Link{tb.links[name]}}},
		})
	}
	return Panel{
		Datasource:  promDatasource,
		Description: tb.description,
		FieldConfig: &FieldConfig{
			Defaults: FieldDefaults{
				Color: &FieldColor{Mode: "thresholds"},
				Custom: map[string]any{
					"align":       "auto",
					"cellOptions": map[string]any{"type": "auto"},
					"filterable":  true,
					"inspect":     false,
				},
				Mappings:   []any{},
				Thresholds: noThresholds(),
				Unit:       tb.unit,
			},
			Overrides: nonNil(overrides),
		},
		ID: tb.id,
		Options: map[string]any{
			"cellHeight": "sm",
			"footer":     map[string]any{"countRows": false, "reducer": []string{"sum"}, "show": false},
			"frameIndex": 0,
			"showHeader": true,
		},
		Targets:         targets(tb.queries, true),
		Title:           tb.title,
		Transformations: transforms,
		Type:            "table",
	}
}

// dataLink is a link from a table cell, typically to another dashboard.
func dataLink(title, url string) Link {
	return Link{Title: title, URL: url, Tags: []string{}, Type: "link"}
}

// stat is a stat panel of the latest value per series, coloured by a
// mapping of values to words.
type stat struct {
	id          int
	title       string
	description string
	query       query
	// mappings map values to text and colour; thresholds colour the rest.
	mappings   []any
	thresholds *Thresholds
}

func (s stat) panel() Panel {
	return Panel{
		Datasource:  promDatasource,
		Description: s.description,
		FieldConfig: &FieldConfig{
			Defaults: FieldDefaults{
				Color:      &FieldColor{Mode: "thresholds"},
				Mappings:   s.mappings,
				Thresholds: s.thresholds,
				Unit:       unitNone,
			},
			Overrides: []Override{},
		},
		ID: s.id,
		Options: map[string]any{
			"colorMode":         "background",
			"graphMode":         "none",
			"justifyMode":       "auto",
			"orientation":       "auto",
			"reduceOptions":     map[string]any{"calcs": []string{"lastNotNull"}, "fields": "", "values": false},
			"showPercentChange": false,
			"textMode":          "value_and_name",
			"wideLayout":        true,
		},
		Targets: targets([]query{s.query}, false),
		Title:   s.title,
		Type:    "stat",
	}
}

// valueMapping maps exact values to a text and a colour.
func valueMapping(m map[string][2]string) any {
	opts := map[string]any{}
	for i, v := range slices.Sorted(maps.Keys(m)) {
		opts[v] = map[string]any{"color": m[v][1], "index": i, "text": m[v][0]}
	}
	return map[string]any{"options": opts, "type": "value"}
}

// text is a Markdown text panel.
func text(id int, title, markdown string) Panel {
	return Panel{
		Datasource: promDatasource,
		FieldConfig: &FieldConfig{
			Defaults:  FieldDefaults{Mappings: []any{}, Unit: unitNone},
			Overrides: []Override{},
		},
		ID: id,
		Options: map[string]any{
			"code":    map[string]any{"language": "markdown", "showLineNumbers": false, "showMiniMap": false},
			"content": markdown,
			"mode":    "markdown",
		},
		Title: title,
		Type:  "text",
	}
}

// row is an expanded row header; the panels after it belong to it.
func row(id int, title string) Panel {
	collapsed := false
	return Panel{
		Collapsed:  &collapsed,
		Datasource: promDatasource,
		ID:         id,
		Rows:       &[]Panel{},
		Title:      title,
		Type:       "row",
	}
}

// gridWidth is the width of Grafana's grid.
const gridWidth = 24

// layout places panels left to right on Grafana's grid, starting a new
// line when a panel does not fit, and puts each row header on a line of
// its own.
type layout struct {
	x, y, lineH int
	panels      []Panel
}

// add places p with the given width and height.
func (l *layout) add(w, h int, p Panel) {
	if l.x+w > gridWidth {
		l.newLine()
	}
	p.GridPos = GridPos{H: h, W: w, X: l.x, Y: l.y}
	l.panels = append(l.panels, p)
	l.x += w
	l.lineH = max(l.lineH, h)
}

// row starts a row header on a new line.
func (l *layout) row(p Panel) {
	l.newLine()
	l.add(gridWidth, 1, p)
	l.newLine()
}

func (l *layout) newLine() {
	if l.x == 0 {
		return
	}
	l.y += l.lineH
	l.x, l.lineH = 0, 0
}

// dashboard builds a dashboard with the conventions every one of ours
// shares: the datasource, instance and job_name variables (plus extra
// ones), links to the others, the flink tags, one hour shown.
func dashboard(uid, title, description string, panels []Panel, extra ...Variable) Dashboard {
	vars := []Variable{
		{
			Hide:    0,
			Label:   "Data source",
			Name:    "datasource",
			Options: []any{},
			Query:   "prometheus",
			Refresh: 1,
			Type:    "datasource",
		},
		queryVariable("instance", "Flink cluster (exporter instance)", "label_values(flink_up, instance)"),
		queryVariable("job_name", "Job", `label_values(flink_job_state{instance=~"$instance"}, job_name)`),
	}
	vars = append(vars, extra...)
	return Dashboard{
		Annotations:   Annotations{List: []any{}},
		Description:   description,
		Editable:      true,
		GraphTooltip:  1,
		Links:         []Link{dashboardLinks()},
		Panels:        panels,
		Refresh:       "30s",
		SchemaVersion: schemaVersion,
		Tags:          []string{tagFlink, tagExporter},
		Templating:    Templating{List: vars},
		Time:          TimeRange{From: "now-1h", To: "now"},
		Title:         title,
		UID:           uid,
	}
}

// Tags of the dashboards; the dashboard links list every dashboard tagged
// tagExporter.
const (
	tagFlink    = "flink"
	tagExporter = "flink_exporter"
)

// dashboardLinks links to the other dashboards of flink_exporter, carrying
// the variables and the time range.
func dashboardLinks() Link {
	return Link{
		AsDropdown:  false,
		Icon:        "external link",
		IncludeVars: true,
		KeepTime:    true,
		Tags:        []string{tagExporter},
		Title:       "Flink dashboards",
		Tooltip:     "Other flink_exporter dashboards, with the same cluster, job and time range",
		Type:        "dashboards",
	}
}

// queryVariable is a multi-value variable of label values with an "All"
// that matches everything, including values that appear later.
func queryVariable(name, label, q string) Variable {
	return Variable{
		AllValue:   ".*",
		Datasource: promDatasource,
		IncludeAll: true,
		Label:      label,
		Multi:      true,
		Name:       name,
		Options:    []any{},
		Query:      q,
		Refresh:    2,
		Regex:      "",
		Sort:       1,
		Type:       "query",
	}
}

// linkURL is a link to a dashboard's panel-less view carrying the
// cluster and the job of a table row, the data source and the time range.
func linkURL(uid string, vars ...string) string {
	var b strings.Builder
	b.WriteString("/d/" + uid + "/" + Slug(uid) + "?var-datasource=${datasource}")
	for _, v := range vars {
		fmt.Fprintf(&b, "&var-%s=${__data.fields.%s}", v, v)
	}
	b.WriteString("&${__url_time_range}")
	return b.String()
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
