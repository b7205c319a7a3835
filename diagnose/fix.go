package diagnose

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/internal/causes"
)

// Sources of a key's current value.
const (
	fromCheckpointConfig = "the job's /checkpoints/config"
	fromJobManagerConfig = "/jobmanager/config"
	notSet               = "not in /jobmanager/config: the default, unless set per TaskManager or in the job"
)

// checkpointConfigValue reads a key from the job's checkpoint
// configuration, where Flink reports it under another name (timeout for
// execution.checkpointing.timeout).
func checkpointConfigValue(cp *flinkapi.CheckpointConfig, key string) (string, bool) {
	if cp == nil {
		return "", false
	}
	ms := func(v int64) string { return (time.Duration(v) * time.Millisecond).String() }
	switch key {
	case "execution.checkpointing.timeout":
		return ms(cp.Timeout), true
	case "execution.checkpointing.interval":
		return ms(cp.Interval), true
	case "execution.checkpointing.min-pause":
		return ms(cp.MinPause), true
	case "execution.checkpointing.tolerable-failed-checkpoints":
		return strconv.Itoa(cp.TolerableFailedCheckpoints), true
	case "execution.checkpointing.unaligned.enabled", "execution.checkpointing.unaligned":
		return strconv.FormatBool(cp.UnalignedCheckpoints), true
	case "execution.checkpointing.aligned-checkpoint-timeout":
		if cp.AlignedCheckpointTimeout != nil {
			return ms(*cp.AlignedCheckpointTimeout), true
		}
		if cp.AlignmentTimeout != nil {
			return ms(*cp.AlignmentTimeout), true
		}
	case "state.backend.type":
		if cp.StateBackend != nil {
			return *cp.StateBackend, true
		}
	}
	return "", false
}

// tryValue is the rule of thumb for a key, from the job's figures.
func tryValue(key, current string, fig Figures) string {
	slowest := fig.SlowestDurationSeconds
	switch key {
	case "execution.checkpointing.timeout":
		if slowest != nil && *slowest > 0 {
			return fmt.Sprintf("at least %s: twice the slowest recent checkpoint (%s)", roundDuration(2**slowest), seconds(*slowest))
		}
		return "at least twice the slowest normal checkpoint"
	case "execution.checkpointing.tolerable-failed-checkpoints":
		return "3: a single expiry no longer fails the job"
	case "execution.checkpointing.min-pause":
		if slowest != nil && *slowest > 0 {
			return fmt.Sprintf("about %s: the typical checkpoint's duration, so checkpoints do not run back to back", roundDuration(*slowest))
		}
		return "about the typical checkpoint's duration"
	case "heartbeat.timeout":
		return "raise (e.g. 2× its value) while the network is degraded; keep heartbeat.interval well below it"
	case "heartbeat.interval":
		return "keep at 10 s (default), well below heartbeat.timeout"
	case "taskmanager.network.netty.client.connectTimeoutSec":
		return "keep 120 (default) or raise while connects are slow"
	case "state.backend.rocksdb.checkpoint.transfer.thread.num":
		if n, err := strconv.Atoi(current); err == nil && n > 0 {
			return strconv.Itoa(2*n) + ": twice the current threads"
		}
		return "8: twice the default 4"
	case "execution.checkpointing.incremental", "state.backend.incremental":
		return "true (with RocksDB): upload only what changed"
	case "state.changelog.dstl.dfs.upload.num-threads":
		return "raise when the changelog is enabled"
	case "table.exec.state.ttl":
		return "the longest time a key must be remembered (e.g. 1 d); 0 keeps state forever"
	case "state.backend.type":
		return "rocksdb"
	case "execution.checkpointing.unaligned.enabled", "execution.checkpointing.unaligned":
		return "true: barriers overtake the in-flight data"
	case "execution.checkpointing.aligned-checkpoint-timeout":
		return "e.g. 30 s: switch to unaligned only when alignment takes that long"
	case "taskmanager.network.memory.buffer-debloat.enabled":
		return "true: less in-flight data for barriers to queue behind"
	case "taskmanager.network.memory.buffer-debloat.target":
		return "1 s (default); lower shrinks in-flight data further"
	case "taskmanager.memory.process.size", "jobmanager.memory.process.size":
		return "raise by 25-50 % when heap or GC is high"
	case "taskmanager.numberOfTaskSlots":
		return "fewer slots per TaskManager spread the load"
	case "web.checkpoints.history":
		return "lower (e.g. 5) to keep fewer statistics"
	case "web.refresh-interval":
		return "longer (e.g. 10 s) to reduce UI polling"
	case "rest.cache.checkpoint-statistics.timeout":
		return "e.g. 10 s (Flink 1.18+) to serve checkpoint statistics from cache"
	}
	return "see the runbook"
}

func roundDuration(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	if d < time.Second {
		d = time.Second
	}
	return d.String()
}

// fix quotes a cause's fix with the current value of each key.
func (d *diagnosis) fix(c causes.Cause, r Rule, fig Figures, cp *flinkapi.CheckpointConfig, jm map[string]string) Fix {
	f := Fix{Text: c.Fix, Runbook: r.Annotations["runbook_url"], Keys: []KeyValue{}}
	for _, key := range c.Keys {
		kv := KeyValue{Key: key, Source: notSet}
		if v, ok := checkpointConfigValue(cp, key); ok {
			kv.Current, kv.Source = v, fromCheckpointConfig
		} else if v, ok := jm[key]; ok {
			kv.Current, kv.Source = v, fromJobManagerConfig
		} else if jm == nil {
			kv.Source = "unknown: /jobmanager/config could not be read"
		}
		kv.Try = tryValue(key, strings.TrimSpace(kv.Current), fig)
		f.Keys = append(f.Keys, kv)
	}
	return f
}
