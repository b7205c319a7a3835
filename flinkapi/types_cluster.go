package flinkapi

// DashboardConfig is the answer of GET /config. Its flink-version is the
// cheapest way to learn which Flink a JobManager runs.
type DashboardConfig struct {
	RefreshInterval int64              `json:"refresh-interval"`
	TimezoneName    string             `json:"timezone-name"`
	TimezoneOffset  int                `json:"timezone-offset"`
	FlinkVersion    string             `json:"flink-version"`
	FlinkRevision   string             `json:"flink-revision"`
	Features        *DashboardFeatures `json:"features,omitempty"`
}

// DashboardFeatures lists the web UI features of GET /config; the keys grew
// with the versions (web-cancel 1.14, web-history 1.16, web-rescale 1.18).
type DashboardFeatures struct {
	WebSubmit  bool  `json:"web-submit"`
	WebCancel  *bool `json:"web-cancel,omitempty"`
	WebRescale *bool `json:"web-rescale,omitempty"`
	WebHistory *bool `json:"web-history,omitempty"`
}

// ClusterOverview is the answer of GET /overview.
type ClusterOverview struct {
	TaskManagers        int    `json:"taskmanagers"`
	SlotsTotal          int    `json:"slots-total"`
	SlotsAvailable      int    `json:"slots-available"`
	TaskManagersBlocked int    `json:"taskmanagers-blocked,omitempty"`   // 1.16+, omitted when 0
	SlotsFreeAndBlocked int    `json:"slots-free-and-blocked,omitempty"` // 1.16+, omitted when 0
	JobsRunning         int    `json:"jobs-running"`
	JobsFinished        int    `json:"jobs-finished"`
	JobsCancelled       int    `json:"jobs-cancelled"`
	JobsFailed          int    `json:"jobs-failed"`
	FlinkVersion        string `json:"flink-version"`
	FlinkCommit         string `json:"flink-commit"`
}

// ConfigEntry is one key of GET /jobmanager/config, which answers an array
// of them.
type ConfigEntry struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ErrorResponse is the body Flink sends with every non-2xx status.
type ErrorResponse struct {
	Errors []string `json:"errors"`
}
