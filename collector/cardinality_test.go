package collector

import (
	"strings"
	"testing"
	"time"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// TestSeriesBounds counts the series of each collector against fake
// clusters of known size. The fake cluster answers every field, runs each
// job on every TaskManager (T <= 2·V) and gives every checkpoint phase, so
// the bounds are reached exactly.
func TestSeriesBounds(t *testing.T) {
	tests := []struct {
		name                                                  string
		checkpointed, uncheckpointed, finished, vertices, tms int
		gcs, interfaces                                       []string
		allGroup                                              bool
	}{
		{name: "small, no system metrics", checkpointed: 1, vertices: 1, tms: 2, gcs: []string{"G1_Young_Generation", "G1_Old_Generation"}},
		{name: "mixed jobs, G1 with the All group", checkpointed: 3, uncheckpointed: 1, finished: 2, vertices: 4, tms: 5, gcs: []string{"G1_Young_Generation", "G1_Old_Generation", "G1_Concurrent_GC"}, allGroup: true},
		{name: "system metrics", checkpointed: 2, finished: 1, vertices: 3, tms: 6, gcs: []string{"ZGC_Cycles", "ZGC_Pauses"}, interfaces: []string{"eth0", "eth1", "lo", "veth9a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCluster(t, tt.checkpointed, tt.uncheckpointed, tt.finished, tt.vertices, tt.tms)
			fc.gcs, fc.interfaces, fc.allGroup = tt.gcs, tt.interfaces, tt.allGroup
			// Late enough that the sample's checkpoint in progress (105,
			// triggered at 1_700_000_500_000, timeout 600 s) is analysed too.
			now := time.UnixMilli(1_700_000_800_000)
			fc.heartbeat = now.Add(-time.Second)
			srv := fc.serve()
			size := ClusterSize{
				Jobs:              tt.checkpointed + tt.uncheckpointed + tt.finished,
				RunningJobs:       tt.checkpointed + tt.uncheckpointed,
				CheckpointedJobs:  tt.checkpointed,
				Vertices:          tt.vertices,
				TaskManagers:      tt.tms,
				GarbageCollectors: len(tt.gcs),
				NetworkInterfaces: physicalInterfaces(tt.interfaces),
				SystemMetrics:     tt.interfaces != nil,
			}
			bounds := SeriesBounds(size)

			total := 0
			for _, a := range Areas() {
				e := newClockedExporter(t, srv.URL, flinksim.NewManualClock(now), DefaultMetricsTTL, a.Name)
				n := 0
				for name, s := range gatherSettled(t, e) {
					if name != "flink_up" && !strings.HasPrefix(name, "flink_exporter_") {
						n += len(s)
					}
				}
				if n != bounds[a.Name] {
					t.Errorf("collector %s: %d series, formula says %d", a.Name, n, bounds[a.Name])
				}
				total += n
			}

			e := newClockedExporter(t, srv.URL, flinksim.NewManualClock(now), DefaultMetricsTTL)
			all := 0
			for _, s := range gatherSettled(t, e) {
				all += len(s)
			}
			if all != total+bounds["exporter"] {
				t.Errorf("all collectors: %d series, want %d", all, total+bounds["exporter"])
			}
			if bound := SeriesBound(size); all > bound {
				t.Errorf("%d series exceed the bound %d", all, bound)
			}
			// The closed form of the doc comment.
			J, Jr, Ja, V, T, G, I := size.CheckpointedJobs, size.RunningJobs, size.Jobs, size.Vertices, size.TaskManagers, size.GarbageCollectors, size.NetworkInterfaces
			closed := 53 + 2*G + 12*Ja + 7*V*Jr + J*(48+24*V+4*T) + T*(14+2*G)
			if size.SystemMetrics {
				closed += (T + 1) * (6 + 2*I)
			}
			if SeriesBound(size) != closed {
				t.Errorf("SeriesBound = %d, the documented formula gives %d", SeriesBound(size), closed)
			}
		})
	}
}

// physicalInterfaces counts the interfaces whose series the exporter keeps.
func physicalInterfaces(ifaces []string) int {
	n := 0
	for _, i := range ifaces {
		if !virtualInterface.MatchString(i) {
			n++
		}
	}
	return n
}

// gatherSettled scrapes the unchanged cluster a few times and returns the
// last scrape: the refresh budget spreads the first analyses of the
// checkpoints over several scrapes.
func gatherSettled(t *testing.T, e *Exporter) map[string]series {
	t.Helper()
	var got map[string]series
	for range 8 {
		got = gatherSeries(t, e)
	}
	return got
}
