package buildinfo

import (
	"runtime/debug"
	"testing"
)

// TestBuildFacts: without -ldflags the version comes from the Go build
// information: the module version, or devel, and the VCS revision and time.
func TestBuildFacts(t *testing.T) {
	vcs := func(modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-11-30T12:00:00Z"}, {Key: "vcs.modified", Value: modified}}
	}
	for _, tc := range []struct {
		main           string
		settings       []debug.BuildSetting
		ver, rev, date string
	}{
		{"v1.2.3", vcs("false"), "v1.2.3", "abc123", "2026-11-30T12:00:00Z"},
		{"(devel)", vcs("true"), "devel", "abc123-modified", "2026-11-30T12:00:00Z"},
		{"", nil, "devel", "", ""},
	} {
		bi := &debug.BuildInfo{Main: debug.Module{Version: tc.main}, Settings: tc.settings}
		if ver, rev, date := buildFacts(bi); ver != tc.ver || rev != tc.rev || date != tc.date {
			t.Errorf("%s: %q %q %q, want %q %q %q", tc.main, ver, rev, date, tc.ver, tc.rev, tc.date)
		}
	}
}
