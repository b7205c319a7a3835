package rules

import "embed"

// shipped holds the rule files exactly as they ship, so that whatever
// evaluates them in-process (the diagnose command and page) reads the same
// definitions and thresholds as Prometheus.
//
//go:embed flink-checkpoints.rules.yml flink-checkpoints.alerts.yml
var shipped embed.FS

// File is one shipped rule file.
type File struct {
	// Name is the file's name in this directory.
	Name string
	// Content is the file's YAML.
	Content []byte
}

// Files returns the shipped rule files in evaluation order: the recording
// rules first, then the alerts that read them.
func Files() []File {
	var out []File
	for _, name := range []string{"flink-checkpoints.rules.yml", "flink-checkpoints.alerts.yml"} {
		b, err := shipped.ReadFile(name)
		if err != nil {
			panic("rules: embedded file missing: " + name) // impossible: go:embed names it
		}
		out = append(out, File{Name: name, Content: b})
	}
	return out
}
