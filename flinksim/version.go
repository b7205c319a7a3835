package flinksim

import (
	"fmt"
	"strconv"
	"strings"
)

// versionRelease is a Flink version the simulator speaks with the release
// and revision /config and /overview report.
type versionRelease struct {
	name, release, commit, date string
}

// versionReleases lists the versions the simulator speaks, oldest first.
func versionReleases() []versionRelease {
	return []versionRelease{
		{"1.14", "1.14.6", "fd429d0", "2022-09-21T00:00:00+02:00"},
		{"1.15", "1.15.4", "9c77f13", "2023-03-10T00:00:00+01:00"},
		{"1.16", "1.16.3", "4b15bc9", "2023-11-20T00:00:00+01:00"},
		{"1.17", "1.17.2", "4bc6d6d", "2023-11-22T00:00:00+01:00"},
		{"1.18", "1.18.1", "404a780", "2024-01-12T00:00:00+01:00"},
		{"1.19", "1.19.2", "03b4584", "2025-02-07T00:00:00+01:00"},
		{"1.20", "1.20.1", "f6f8813", "2025-02-11T00:00:00+01:00"},
		{"2.0", "2.0.0", "dccb782", "2025-03-18T00:00:00+01:00"},
		{"2.1", "2.1.0", "9365049", "2025-07-24T00:00:00+02:00"},
		{"2.2", "2.2.0", "e9eafdf", "2025-12-01T00:00:00+01:00"},
	}
}

// Versions returns the Flink versions Config.FlinkVersion accepts, oldest
// first.
func Versions() []string {
	releases := versionReleases()
	out := make([]string, len(releases))
	for i, v := range releases {
		out[i] = v.name
	}
	return out
}

// version is the wire format of one Flink version: which keys, endpoints and
// metric ids it has. Each flag names the release that introduced or removed
// the difference (REFERENCE.md §4), so that handlers branch on meaning, not
// on version numbers.
type version struct {
	name     string // "1.18"
	release  string // "1.18.1", as /config reports it
	revision string // "<commit> @ <date>"
	commit   string
	num      int // 118: major*100+minor, for ordering

	atClass            bool // ≤1.14: discriminator "@class" instead of "className"
	checkpointedSize   bool // 1.15+: checkpointed_size next to state_size
	afterTasksFinish   bool // 1.15+: checkpoints_after_tasks_finish in /checkpoints/config
	fullSizeMetric     bool // 1.15+: lastCheckpointFullSize job metric
	softHardBP         bool // 1.15+: soft/hard back-pressure task metrics
	jobStateMetrics    bool // 1.15+: <state>State/Time/TimeTotal job metrics
	jobStatusEndpoint  bool // 1.16+: GET /jobs/:jobid/status
	accumulatedTimes   bool // 1.16+: accumulated-*-time IO metrics, status-duration, aggregated
	changelogConfig    bool // 1.16+: state_changelog_* keys in /checkpoints/config
	webHistory         bool // 1.16+: features.web-history in /config
	mailboxMetrics     bool // 1.16+: mailbox task metrics
	savepointFormat    bool // 1.17+: savepointFormat (null for checkpoints)
	backpressureLevel  bool // 1.17+: backpressureLevel next to backpressure-level
	completedIDMetric  bool // 1.17+: lastCompletedCheckpointId job metric
	exceptionTMID      bool // 1.17+: taskManagerId in exception entries
	pekko              bool // 1.18+: pekko.tcp:// RPC paths instead of akka.tcp://
	webRescale         bool // 1.18+: features.web-rescale in /config
	failureLabels      bool // 1.18+: failureLabels in exception entries
	initMetric         bool // 1.18+: initializationTime task metric
	endpoint           bool // 1.19+: subtask/taskmanager "endpoint"
	gcAll              bool // 1.19+: GarbageCollector.All.* and .TimeMsPerSecond
	jobType            bool // 1.20+: job-type and slotSharingGroupId in /jobs/:jobid
	skew               bool // 1.20+: skew aggregation
	host               bool // ≤1.20: subtask/taskmanager "host" (removed in 2.0)
	legacyExceptions   bool // ≤1.20: root-exception, all-exceptions, location
	networkMetrics     bool // ≤1.20: Status.Network.* and buffers.* metrics
	memorySegments     bool // ≤1.20: memorySegments* in /taskmanagers/:id metrics
	fullRestarts       bool // ≤1.20: fullRestarts job metric
	pendingOperators   bool // 2.0+: pending-operators, stream-graph
	completedTSMetric  bool // 2.0+: lastCheckpointCompletedTimestamp job metric
	rescalesMetric     bool // 2.0+: numRescales job metric
	durationConfig     bool // 2.0+: durations as "10 s" strings in /jobmanager/config
	metadataSizeMetric bool // 2.2+: lastCheckpointMetadataSize job metric
}

// newVersion returns the wire format of a version named in versionReleases.
func newVersion(name string) (version, error) {
	for _, r := range versionReleases() {
		if r.name != name {
			continue
		}
		num, err := versionNumber(name)
		if err != nil {
			return version{}, err
		}
		at := func(n int) bool { return num >= n }
		return version{
			name: name, release: r.release, commit: r.commit, num: num,
			revision:           r.commit + " @ " + r.date,
			atClass:            !at(115),
			checkpointedSize:   at(115),
			afterTasksFinish:   at(115),
			fullSizeMetric:     at(115),
			softHardBP:         at(115),
			jobStateMetrics:    at(115),
			jobStatusEndpoint:  at(116),
			accumulatedTimes:   at(116),
			changelogConfig:    at(116),
			webHistory:         at(116),
			mailboxMetrics:     at(116),
			savepointFormat:    at(117),
			backpressureLevel:  at(117),
			completedIDMetric:  at(117),
			exceptionTMID:      at(117),
			pekko:              at(118),
			webRescale:         at(118),
			failureLabels:      at(118),
			initMetric:         at(118),
			endpoint:           at(119),
			gcAll:              at(119),
			jobType:            at(120),
			skew:               at(120),
			host:               !at(200),
			legacyExceptions:   !at(200),
			networkMetrics:     !at(200),
			memorySegments:     !at(200),
			fullRestarts:       !at(200),
			pendingOperators:   at(200),
			completedTSMetric:  at(200),
			rescalesMetric:     at(200),
			durationConfig:     at(200),
			metadataSizeMetric: at(202),
		}, nil
	}
	return version{}, fmt.Errorf("unsupported Flink version %q", name)
}

// versionNumber turns "1.18" into 118 and "2.0" into 200.
func versionNumber(name string) (int, error) {
	major, minor, ok := strings.Cut(name, ".")
	if !ok {
		return 0, fmt.Errorf("version %q: want major.minor", name)
	}
	ma, err := strconv.Atoi(major)
	if err != nil {
		return 0, fmt.Errorf("version %q: %w", name, err)
	}
	mi, err := strconv.Atoi(minor)
	if err != nil {
		return 0, fmt.Errorf("version %q: %w", name, err)
	}
	return ma*100 + mi, nil
}
