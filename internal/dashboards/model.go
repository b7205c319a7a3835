package dashboards

// The types below are the part of Grafana's dashboard JSON model (schema
// version 38, Grafana 10) the dashboards use. Field names follow
// @grafana/schema; Render sorts every object's keys, so declaration order
// does not matter. Panel options and custom field configuration depend on
// the panel plugin and stay maps.

// schemaVersion is the dashboard JSON schema version of Grafana 10.0;
// later Grafana versions migrate it on load.
const schemaVersion = 38

// Dashboard is one Grafana dashboard. It has no id, version or iteration:
// those belong to a Grafana instance, and leaving them out keeps the
// generated files stable.
type Dashboard struct {
	Annotations          Annotations `json:"annotations"`
	Description          string      `json:"description"`
	Editable             bool        `json:"editable"`
	FiscalYearStartMonth int         `json:"fiscalYearStartMonth"`
	GraphTooltip         int         `json:"graphTooltip"`
	Links                []Link      `json:"links"`
	LiveNow              bool        `json:"liveNow"`
	Panels               []Panel     `json:"panels"`
	Refresh              string      `json:"refresh"`
	SchemaVersion        int         `json:"schemaVersion"`
	Tags                 []string    `json:"tags"`
	Templating           Templating  `json:"templating"`
	Time                 TimeRange   `json:"time"`
	Timepicker           struct{}    `json:"timepicker"`
	Timezone             string      `json:"timezone"`
	Title                string      `json:"title"`
	UID                  string      `json:"uid"`
	WeekStart            string      `json:"weekStart"`
}

// Annotations holds the dashboard's annotation queries; none are shipped.
type Annotations struct {
	List []any `json:"list"`
}

// Link is a dashboard link or a panel link.
type Link struct {
	AsDropdown  bool     `json:"asDropdown"`
	Icon        string   `json:"icon"`
	IncludeVars bool     `json:"includeVars"`
	KeepTime    bool     `json:"keepTime"`
	Tags        []string `json:"tags"`
	TargetBlank bool     `json:"targetBlank"`
	Title       string   `json:"title"`
	Tooltip     string   `json:"tooltip"`
	Type        string   `json:"type"`
	URL         string   `json:"url,omitempty"`
}

// Templating holds the dashboard's variables.
type Templating struct {
	List []Variable `json:"list"`
}

// Variable is a dashboard variable.
type Variable struct {
	AllValue    string         `json:"allValue,omitempty"`
	Datasource  *DatasourceRef `json:"datasource,omitempty"`
	Definition  string         `json:"definition,omitempty"`
	Description string         `json:"description,omitempty"`
	Hide        int            `json:"hide"`
	IncludeAll  bool           `json:"includeAll"`
	Label       string         `json:"label"`
	Multi       bool           `json:"multi"`
	Name        string         `json:"name"`
	Options     []any          `json:"options"`
	Query       string         `json:"query"`
	Refresh     int            `json:"refresh"`
	Regex       string         `json:"regex"`
	SkipURLSync bool           `json:"skipUrlSync"`
	Sort        int            `json:"sort"`
	Type        string         `json:"type"`
}

// TimeRange is the dashboard's default time range.
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// DatasourceRef names a data source. Every panel and target uses the
// dashboard's datasource variable, never a fixed uid.
type DatasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// promDatasource is the reference to the datasource variable.
var promDatasource = &DatasourceRef{Type: "prometheus", UID: "${datasource}"}

// Panel is a panel or a row. Rows carry Collapsed and Rows (their panels
// when collapsed); other panels leave both nil.
type Panel struct {
	Collapsed       *bool          `json:"collapsed,omitempty"`
	Datasource      *DatasourceRef `json:"datasource,omitempty"`
	Description     string         `json:"description,omitempty"`
	FieldConfig     *FieldConfig   `json:"fieldConfig,omitempty"`
	GridPos         GridPos        `json:"gridPos"`
	ID              int            `json:"id"`
	Links           []Link         `json:"links,omitempty"`
	Options         map[string]any `json:"options,omitempty"`
	Rows            *[]Panel       `json:"panels,omitempty"`
	Targets         []Target       `json:"targets,omitempty"`
	Title           string         `json:"title"`
	Transformations []Transform    `json:"transformations,omitempty"`
	Type            string         `json:"type"`
}

// GridPos places a panel on the 24-column grid.
type GridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

// Target is one Prometheus query of a panel.
type Target struct {
	Datasource   *DatasourceRef `json:"datasource"`
	EditorMode   string         `json:"editorMode"`
	Expr         string         `json:"expr"`
	Format       string         `json:"format,omitempty"`
	Instant      bool           `json:"instant"`
	LegendFormat string         `json:"legendFormat"`
	Range        bool           `json:"range"`
	RefID        string         `json:"refId"`
}

// FieldConfig is a panel's field configuration: defaults for every field
// and overrides for matched ones.
type FieldConfig struct {
	Defaults  FieldDefaults `json:"defaults"`
	Overrides []Override    `json:"overrides"`
}

// FieldDefaults are the options of every field of a panel.
type FieldDefaults struct {
	Color      *FieldColor    `json:"color,omitempty"`
	Custom     map[string]any `json:"custom,omitempty"`
	Decimals   *int           `json:"decimals,omitempty"`
	Mappings   []any          `json:"mappings"`
	Max        *float64       `json:"max,omitempty"`
	Min        *float64       `json:"min,omitempty"`
	Thresholds *Thresholds    `json:"thresholds,omitempty"`
	Unit       string         `json:"unit"`
}

// FieldColor is the colour scheme of a field.
type FieldColor struct {
	Mode string `json:"mode"`
}

// Thresholds are the steps a field's colour changes at; a time series
// panel draws them as lines when custom.thresholdsStyle says so.
type Thresholds struct {
	Mode  string `json:"mode"`
	Steps []Step `json:"steps"`
}

// Step is one threshold; the first step's Value is nil (-Infinity).
type Step struct {
	Color string   `json:"color"`
	Value *float64 `json:"value"`
}

// Override changes properties of the fields a matcher selects.
type Override struct {
	Matcher    Matcher    `json:"matcher"`
	Properties []Property `json:"properties"`
}

// Matcher selects fields: by the query that produced them (byFrameRefID)
// or by name (byName).
type Matcher struct {
	ID      string `json:"id"`
	Options string `json:"options"`
}

// Property is one overridden field option.
type Property struct {
	ID    string `json:"id"`
	Value any    `json:"value"`
}

// Transform is a data transformation of a panel.
type Transform struct {
	ID      string         `json:"id"`
	Options map[string]any `json:"options"`
}
