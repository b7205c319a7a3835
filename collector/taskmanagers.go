package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinkapi"
)

// taskManagersCollector exports each TaskManager's registration facts from
// /taskmanagers and its JVM, managed memory and host metrics from
// /taskmanagers/:taskmanagerid/metrics: the evidence that tells an
// overloaded or unreachable TaskManager from the others.
type taskManagersCollector struct {
	descSet
	info, heartbeatAge, slotsTotal, slotsFree, blocked *prometheus.Desc
	process                                            processDescs
}

func newTaskManagersCollector() Collector {
	c := &taskManagersCollector{}
	const src = "/taskmanagers"
	c.info = c.add("taskmanager", "info", "TaskManager's host (from the RPC address in "+src+" path) and data port (dataPort); value 1.", "tm_id", "host", "data_port")
	c.heartbeatAge = c.add("taskmanager", "heartbeat_age_seconds", "Time since the JobManager last received the TaskManager's heartbeat: now minus "+src+" timeSinceLastHeartbeat, which is an absolute time.", "tm_id")
	c.slotsTotal = c.add("taskmanager", "slots", "Task slots of the TaskManager, from "+src+" slotsNumber.", "tm_id")
	c.slotsFree = c.add("taskmanager", "slots_free", "Task slots of the TaskManager free for new work, from "+src+" freeSlots.", "tm_id")
	c.blocked = c.add("taskmanager", "blocked", "1 when the TaskManager is blocked for new slots (Flink 1.16+), from "+src+" blocked.", "tm_id")
	c.process = newProcessDescs(&c.descSet, "taskmanager", flinkapi.EndpointTaskManagerMetrics, taskManagerMetrics, "tm_id")
	return c
}

// prefetchCluster reads /taskmanagers beside the core requests.
func (c *taskManagersCollector) prefetchCluster(s *Scrape) { _, _ = s.TaskManagers() }

func (c *taskManagersCollector) Update(s *Scrape, ch chan<- prometheus.Metric) error {
	info, err := s.TaskManagers()
	if err != nil {
		return err
	}
	// By id, the exposition's order (exposition.go).
	tms := slices.SortedFunc(slices.Values(info.TaskManagers), func(a, b flinkapi.TaskManagerInfo) int { return strings.Compare(a.ID, b.ID) })
	ids := make([]string, 0, len(tms))
	for _, tm := range tms {
		ids = append(ids, tm.ID)
		c.updateInfo(tm, s.JobManagerNow(), ch)
	}
	s.state.metrics.forgetTaskManagers(ids)

	// Each TaskManager's metrics are read on the refresh round once their
	// TTL ran out; meanwhile, and while the round runs, the values last
	// read are exported (dropped by a read that fails).
	type due struct {
		tm  flinkapi.TaskManagerInfo
		key string
	}
	var stale []due
	now := s.Now()
	for _, tm := range tms {
		key := taskManagerKeyPrefix + tm.ID
		if _, fresh := s.state.metrics.peek(key, now); !fresh && s.refreshing() {
			stale = append(stale, due{tm, key})
		}
	}
	read := make([]processReading, len(stale))
	done, errs := s.refresh("taskmanagers", len(stale), false, func(ctx context.Context, i int) error {
		tm := stale[i].tm
		values, err := s.state.metrics.refresh(ctx, s, stale[i].key, c.process.metrics, metricSource{
			list: func(ctx context.Context) ([]flinkapi.Metric, error) {
				if err := s.detailTurn(ctx); err != nil {
					return nil, err
				}
				return s.client.TaskManagerMetricIDs(ctx, tm.ID)
			},
			get: func(ctx context.Context, ids []string) ([]flinkapi.Metric, error) {
				if err := s.detailTurn(ctx); err != nil {
					return nil, err
				}
				return s.client.TaskManagerMetrics(ctx, tm.ID, ids)
			},
		})
		if flinkapi.IsNotFound(err) {
			return nil // the TaskManager left since /taskmanagers
		}
		if err != nil {
			return fmt.Errorf("taskmanager %s: %w", tm.ID, err)
		}
		read[i] = values
		return nil
	})
	fresh := map[string]processReading{}
	for i, ok := range done {
		if ok && errs[i] == nil {
			fresh[stale[i].tm.ID] = read[i]
		}
	}
	for _, tm := range tms {
		r, ok := fresh[tm.ID]
		if !ok {
			r, _ = s.state.metrics.peek(taskManagerKeyPrefix+tm.ID, now)
		}
		c.process.emit(ch, r, now, tm.ID)
	}
	return errors.Join(errors.Join(errs...), s.lateError("taskmanagers"))
}

// updateInfo sends what /taskmanagers itself says about a TaskManager.
func (c *taskManagersCollector) updateInfo(tm flinkapi.TaskManagerInfo, now time.Time, ch chan<- prometheus.Metric) {
	gauge(ch, c.info, 1, tm.ID, tm.Host(), strconv.Itoa(tm.DataPort))
	if age, ok := HeartbeatAge(tm.TimeSinceLastHeartbeat, now); ok {
		gauge(ch, c.heartbeatAge, age, tm.ID)
	}
	gauge(ch, c.slotsTotal, float64(tm.SlotsNumber), tm.ID)
	gauge(ch, c.slotsFree, float64(tm.FreeSlots), tm.ID)
	gauge(ch, c.blocked, boolValue(tm.Blocked), tm.ID)
}

// HeartbeatAge is the time in seconds since the last heartbeat that
// /taskmanagers reports as timeSinceLastHeartbeat, which despite its name
// is the absolute epoch time in milliseconds. Flink sends 0 or -1 when it
// does not know, which gives no age; a heartbeat after now (clocks apart)
// gives 0.
func HeartbeatAge(lastHeartbeatMs int64, now time.Time) (float64, bool) {
	if lastHeartbeatMs <= 0 {
		return 0, false
	}
	return max(0, float64(now.UnixMilli()-lastHeartbeatMs)/1000), true
}
