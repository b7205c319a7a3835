// Package buildinfo fills in the version facts of the flink_exporter
// binary that -ldflags did not set, from what the Go toolchain records.
package buildinfo

import (
	"cmp"
	"runtime/debug"

	"github.com/prometheus/common/version"
)

// Fill fills in the build facts that -ldflags did not set (a go run,
// go build or go install build) from what the Go toolchain records in the
// binary, so that --version, the landing page and
// flink_exporter_build_info never show an empty version.
func Fill() {
	if bi, ok := debug.ReadBuildInfo(); ok {
		ver, rev, date := buildFacts(bi)
		version.Version = cmp.Or(version.Version, ver)
		version.Revision = cmp.Or(version.Revision, rev)
		version.BuildDate = cmp.Or(version.BuildDate, date)
	}
}

// buildFacts returns the main module's version ("devel" when the toolchain
// recorded none), the VCS revision (suffixed -modified for a dirty tree)
// and the time of that revision.
func buildFacts(bi *debug.BuildInfo) (ver, rev, date string) {
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	ver = bi.Main.Version
	if ver == "" || ver == "(devel)" {
		ver = "devel"
	}
	rev = settings["vcs.revision"]
	if rev != "" && settings["vcs.modified"] == "true" {
		rev += "-modified"
	}
	return ver, rev, settings["vcs.time"]
}
