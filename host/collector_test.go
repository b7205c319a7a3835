package host

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
)

var update = flag.Bool("update", false, "rewrite testdata/proc.prom from the collector's output")

// fixture is a copy of this repository's build machine's /proc, taken with
// cat (kernel 6.18, 2 CPUs, PSI enabled, one virtio disk vda).
const fixture = "testdata/proc"

const golden = "testdata/proc.prom"

// TestCollectorGolden compares the whole exposition of the fixture with the
// golden file. Run with -update after changing a metric on purpose; the
// values themselves are checked independently in TestCollectorSources.
func TestCollectorGolden(t *testing.T) {
	c := newTestCollector(t, fixture, log.NewNopLogger())
	if *update {
		writeGolden(t, c)
	}
	want, err := os.Open(golden)
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()
	if err := testutil.CollectAndCompare(c, want); err != nil {
		t.Error(err)
	}
}

// writeGolden writes the exposition of c to the golden file. It encodes the
// gathered families itself because testutil.CollectAndFormat encodes only
// the families it is given names for.
func writeGolden(t *testing.T, c prometheus.Collector) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// allSucceed is the success of every source when nothing is broken.
func allSucceed() map[string]float64 {
	return map[string]float64{
		"stat": 1, "loadavg": 1, "meminfo": 1, "pressure": 1, "diskstats": 1, "netdev": 1, "snmp": 1,
	}
}

// with returns allSucceed with the given sources changed.
func with(changes map[string]float64) map[string]float64 {
	m := allSucceed()
	for k, v := range changes {
		m[k] = v
	}
	return m
}

// TestCollectorSources runs the collector over copies of the fixture, some
// with files removed or replaced, and checks exact values, absent series and
// the success of each source. Values are derived by hand from the fixture
// lines quoted in the comments.
func TestCollectorSources(t *testing.T) {
	tests := []struct {
		name    string
		remove  []string          // paths under the proc root to delete
		replace map[string]string // path under the proc root → new content
		want    map[string]float64
		absent  []string // series keys, or metric names, that must not appear
		success map[string]float64
		logs    []string // substrings the log must contain
	}{
		{
			name: "fixture as copied",
			want: map[string]float64{
				// stat: "cpu  27015 0 15510 171166 328 0 294 0 0 0" in USER_HZ (100).
				`flink_host_cpu_seconds_total{mode="user",tm_id="tm-7"}`:    270.15,
				`flink_host_cpu_seconds_total{mode="nice",tm_id="tm-7"}`:    0,
				`flink_host_cpu_seconds_total{mode="system",tm_id="tm-7"}`:  155.10,
				`flink_host_cpu_seconds_total{mode="idle",tm_id="tm-7"}`:    1711.66,
				`flink_host_cpu_seconds_total{mode="iowait",tm_id="tm-7"}`:  3.28,
				`flink_host_cpu_seconds_total{mode="irq",tm_id="tm-7"}`:     0,
				`flink_host_cpu_seconds_total{mode="softirq",tm_id="tm-7"}`: 2.94,
				`flink_host_cpu_seconds_total{mode="steal",tm_id="tm-7"}`:   0,
				// stat: lines cpu0 and cpu1.
				`flink_host_cpus{tm_id="tm-7"}`: 2,
				// loadavg: "0.32 0.75 0.57 1/84 17535".
				`flink_host_load1{tm_id="tm-7"}`: 0.32,
				`flink_host_load5{tm_id="tm-7"}`: 0.75,
				// meminfo: "MemTotal: 24683620 kB", "MemAvailable: 24286448 kB".
				`flink_host_memory_total_bytes{tm_id="tm-7"}`:     24683620 * 1024,
				`flink_host_memory_available_bytes{tm_id="tm-7"}`: 24286448 * 1024,
				// pressure/cpu "some ... total=115194427", "full ... total=0";
				// pressure/io "some ... total=3173578", "full ... total=2071141";
				// pressure/memory both totals 0. Microseconds.
				`flink_host_pressure_waiting_seconds_total{resource="cpu",tm_id="tm-7"}`:    115.194427,
				`flink_host_pressure_stalled_seconds_total{resource="cpu",tm_id="tm-7"}`:    0,
				`flink_host_pressure_waiting_seconds_total{resource="io",tm_id="tm-7"}`:     3.173578,
				`flink_host_pressure_stalled_seconds_total{resource="io",tm_id="tm-7"}`:     2.071141,
				`flink_host_pressure_waiting_seconds_total{resource="memory",tm_id="tm-7"}`: 0,
				`flink_host_pressure_stalled_seconds_total{resource="memory",tm_id="tm-7"}`: 0,
				// diskstats: "254 0 vda 58858 5963 2141842 22181 3900 24170 1569032 3941 0 7540 ...";
				// times in milliseconds.
				`flink_host_disk_reads_completed_total{device="vda",tm_id="tm-7"}`:    58858,
				`flink_host_disk_read_time_seconds_total{device="vda",tm_id="tm-7"}`:  22.181,
				`flink_host_disk_writes_completed_total{device="vda",tm_id="tm-7"}`:   3900,
				`flink_host_disk_write_time_seconds_total{device="vda",tm_id="tm-7"}`: 3.941,
				`flink_host_disk_io_time_seconds_total{device="vda",tm_id="tm-7"}`:    7.540,
				// net/dev: eth0 has no errors or drops.
				`flink_host_network_receive_errors_total{interface="eth0",tm_id="tm-7"}`:  0,
				`flink_host_network_transmit_errors_total{interface="eth0",tm_id="tm-7"}`: 0,
				`flink_host_network_receive_drops_total{interface="eth0",tm_id="tm-7"}`:   0,
				`flink_host_network_transmit_drops_total{interface="eth0",tm_id="tm-7"}`:  0,
				// net/snmp: "Tcp: 1 200 120000 -1 78 36 0 3 0 3308 3609 0 0 5 0".
				`flink_host_tcp_out_segments_total{tm_id="tm-7"}`:           3609,
				`flink_host_tcp_retransmitted_segments_total{tm_id="tm-7"}`: 0,
				`flink_host_info{hostname="tm-host",tm_id="tm-7"}`:          1,
			},
			absent: []string{
				// loop0-7 and zram0 are not disks; lo never leaves the host.
				`flink_host_disk_io_time_seconds_total{device="loop0",tm_id="tm-7"}`,
				`flink_host_disk_io_time_seconds_total{device="zram0",tm_id="tm-7"}`,
				`flink_host_network_receive_errors_total{interface="lo",tm_id="tm-7"}`,
			},
			success: allSucceed(),
		},
		{
			name:   "old kernel: no pressure directory, no net/snmp",
			remove: []string{"pressure", "net/snmp"},
			absent: []string{
				"flink_host_pressure_waiting_seconds_total",
				"flink_host_pressure_stalled_seconds_total",
				"flink_host_tcp_out_segments_total",
				"flink_host_tcp_retransmitted_segments_total",
			},
			want: map[string]float64{
				`flink_host_load1{tm_id="tm-7"}`: 0.32,
			},
			// Missing PSI is the kernel offering less, not a failure;
			// a missing net/snmp is.
			success: with(map[string]float64{"snmp": 0}),
			logs:    []string{"source=snmp"},
		},
		{
			name:    "cpu pressure without full line (kernel before 5.13)",
			replace: map[string]string{"pressure/cpu": "some avg10=1.00 avg60=2.00 avg300=3.00 total=4500000\n"},
			want: map[string]float64{
				`flink_host_pressure_waiting_seconds_total{resource="cpu",tm_id="tm-7"}`: 4.5,
				`flink_host_pressure_stalled_seconds_total{resource="io",tm_id="tm-7"}`:  2.071141,
			},
			absent:  []string{`flink_host_pressure_stalled_seconds_total{resource="cpu",tm_id="tm-7"}`},
			success: allSucceed(),
		},
		{
			name:    "malformed pressure file fails the source",
			replace: map[string]string{"pressure/io": "some avg10=x\n"},
			absent:  []string{"flink_host_pressure_waiting_seconds_total", "flink_host_pressure_stalled_seconds_total"},
			success: with(map[string]float64{"pressure": 0}),
			logs:    []string{"source=pressure", "pressure/io"},
		},
		{
			name:    "unparseable loadavg fails only loadavg",
			replace: map[string]string{"loadavg": "garbage\n"},
			absent:  []string{"flink_host_load1", "flink_host_load5"},
			want: map[string]float64{
				`flink_host_cpus{tm_id="tm-7"}`: 2,
			},
			success: with(map[string]float64{"loadavg": 0}),
			logs:    []string{"source=loadavg"},
		},
		{
			name:    "meminfo without MemAvailable",
			replace: map[string]string{"meminfo": "MemTotal:       24683620 kB\nMemFree:        24401084 kB\n"},
			absent:  []string{"flink_host_memory_total_bytes", "flink_host_memory_available_bytes"},
			success: with(map[string]float64{"meminfo": 0}),
			logs:    []string{"source=meminfo"},
		},
		{
			name:    "net/snmp without Tcp",
			replace: map[string]string{"net/snmp": "Udp: InDatagrams NoPorts\nUdp: 43 0\n"},
			absent:  []string{"flink_host_tcp_out_segments_total"},
			success: with(map[string]float64{"snmp": 0}),
			logs:    []string{"source=snmp", "Tcp: want a header and a value line"},
		},
		{
			name:    "stat missing",
			remove:  []string{"stat"},
			absent:  []string{"flink_host_cpu_seconds_total", "flink_host_cpus"},
			success: with(map[string]float64{"stat": 0}),
			logs:    []string{"source=stat"},
		},
		{
			name: "distinct counters map to the right series",
			replace: map[string]string{
				"stat": "cpu  100 200 300 400 500 600 700 800 900 1000\ncpu0 100 200 300 400 500 600 700 800 900 1000\n",
				"net/dev": "Inter-|   Receive                                                |  Transmit\n" +
					" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n" +
					"    lo:   78017     429    9    9    0     0          0         0    78017     429    9    9    0     0       0          0\n" +
					"  eth0: 32097519    2928   11   12    0     0          0         0   357220    3202   13   14    0     0       0          0\n",
				"net/snmp": "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n" +
					"Tcp: 1 200 120000 -1 78 36 0 3 0 3308 5000 42 0 5 0\n",
				// Fields: reads, merged, sectors, read ms, writes, merged,
				// sectors, write ms, in flight, io ms, weighted ms.
				"diskstats": "   8       0 sda 10 0 0 20 30 0 0 40 0 50 0\n" +
					"   8       1 sda1 1 0 0 2 3 0 0 4 0 5 0\n" +
					" 259       0 nvme0n1 11 0 0 21 31 0 0 41 0 51 0\n" +
					" 259       1 nvme0n1p1 1 0 0 2 3 0 0 4 0 5 0\n" +
					" 179       0 mmcblk0 1 0 0 2 3 0 0 4 0 5 0\n" +
					" 179       1 mmcblk0p1 1 0 0 2 3 0 0 4 0 5 0\n" +
					" 253       0 dm-0 12 0 0 22 32 0 0 42 0 52 0\n" +
					"   7       0 loop0 1 0 0 2 3 0 0 4 0 5 0\n" +
					"   1       0 ram0 1 0 0 2 3 0 0 4 0 5 0\n" +
					"  11       0 sr0 1 0 0 2 3 0 0 4 0 5 0\n",
			},
			want: map[string]float64{
				`flink_host_cpu_seconds_total{mode="user",tm_id="tm-7"}`:    1,
				`flink_host_cpu_seconds_total{mode="nice",tm_id="tm-7"}`:    2,
				`flink_host_cpu_seconds_total{mode="system",tm_id="tm-7"}`:  3,
				`flink_host_cpu_seconds_total{mode="idle",tm_id="tm-7"}`:    4,
				`flink_host_cpu_seconds_total{mode="iowait",tm_id="tm-7"}`:  5,
				`flink_host_cpu_seconds_total{mode="irq",tm_id="tm-7"}`:     6,
				`flink_host_cpu_seconds_total{mode="softirq",tm_id="tm-7"}`: 7,
				`flink_host_cpu_seconds_total{mode="steal",tm_id="tm-7"}`:   8,
				`flink_host_cpus{tm_id="tm-7"}`:                             1,

				`flink_host_network_receive_errors_total{interface="eth0",tm_id="tm-7"}`:  11,
				`flink_host_network_receive_drops_total{interface="eth0",tm_id="tm-7"}`:   12,
				`flink_host_network_transmit_errors_total{interface="eth0",tm_id="tm-7"}`: 13,
				`flink_host_network_transmit_drops_total{interface="eth0",tm_id="tm-7"}`:  14,

				`flink_host_tcp_out_segments_total{tm_id="tm-7"}`:           5000,
				`flink_host_tcp_retransmitted_segments_total{tm_id="tm-7"}`: 42,

				`flink_host_disk_reads_completed_total{device="sda",tm_id="tm-7"}`:     10,
				`flink_host_disk_read_time_seconds_total{device="sda",tm_id="tm-7"}`:   0.020,
				`flink_host_disk_writes_completed_total{device="sda",tm_id="tm-7"}`:    30,
				`flink_host_disk_write_time_seconds_total{device="sda",tm_id="tm-7"}`:  0.040,
				`flink_host_disk_io_time_seconds_total{device="sda",tm_id="tm-7"}`:     0.050,
				`flink_host_disk_io_time_seconds_total{device="nvme0n1",tm_id="tm-7"}`: 0.051,
				`flink_host_disk_io_time_seconds_total{device="mmcblk0",tm_id="tm-7"}`: 0.005,
				`flink_host_disk_io_time_seconds_total{device="dm-0",tm_id="tm-7"}`:    0.052,
			},
			absent: []string{
				`flink_host_network_receive_errors_total{interface="lo",tm_id="tm-7"}`,
				`flink_host_disk_io_time_seconds_total{device="sda1",tm_id="tm-7"}`,
				`flink_host_disk_io_time_seconds_total{device="nvme0n1p1",tm_id="tm-7"}`,
				`flink_host_disk_io_time_seconds_total{device="mmcblk0p1",tm_id="tm-7"}`,
				`flink_host_disk_io_time_seconds_total{device="loop0",tm_id="tm-7"}`,
				`flink_host_disk_io_time_seconds_total{device="ram0",tm_id="tm-7"}`,
				`flink_host_disk_io_time_seconds_total{device="sr0",tm_id="tm-7"}`,
			},
			success: allSucceed(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := copyFixture(t)
			for _, p := range tt.remove {
				if err := os.RemoveAll(filepath.Join(root, p)); err != nil {
					t.Fatal(err)
				}
			}
			for p, content := range tt.replace {
				if err := os.WriteFile(filepath.Join(root, p), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var logs bytes.Buffer
			got := gather(t, newTestCollector(t, root, log.NewLogfmtLogger(&logs)))

			for key, want := range tt.want {
				v, ok := got[key]
				if !ok {
					t.Errorf("%s missing", key)
					continue
				}
				if !approxEqual(v, want) {
					t.Errorf("%s = %v, want %v", key, v, want)
				}
			}
			for _, a := range tt.absent {
				for key := range got {
					if key == a || strings.HasPrefix(key, a+"{") {
						t.Errorf("%s present, want absent", key)
					}
				}
			}
			for src, want := range tt.success {
				key := fmt.Sprintf(`flink_host_scrape_success{source=%q,tm_id="tm-7"}`, src)
				if got[key] != want {
					t.Errorf("%s = %v, want %v", key, got[key], want)
				}
			}
			for _, l := range tt.logs {
				if !strings.Contains(logs.String(), l) {
					t.Errorf("log lacks %q:\n%s", l, logs.String())
				}
			}
			if len(tt.logs) == 0 && logs.Len() > 0 {
				t.Errorf("unexpected log:\n%s", logs.String())
			}
		})
	}
}

// TestCollectorTaskManagerIDOnEverySeries checks that every series carries
// tm_id, the label that joins host and TaskManager series.
func TestCollectorTaskManagerIDOnEverySeries(t *testing.T) {
	got := gather(t, newTestCollector(t, fixture, log.NewNopLogger()))
	if len(got) == 0 {
		t.Fatal("no series")
	}
	for key := range got {
		if !strings.Contains(key, `tm_id="tm-7"`) {
			t.Errorf("%s lacks tm_id", key)
		}
	}
}

// TestCollectorLive reads this machine's /proc and checks that the sources
// every Linux kernel offers answer with plausible values.
func TestCollectorLive(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux /proc")
	}
	c, err := NewCollector(Config{TaskManagerID: "live"})
	if err != nil {
		t.Fatal(err)
	}
	got := gather(t, c)
	for _, src := range []string{"stat", "loadavg", "meminfo", "pressure", "diskstats", "netdev", "snmp"} {
		key := fmt.Sprintf(`flink_host_scrape_success{source=%q,tm_id="live"}`, src)
		if v := got[key]; v != 1 {
			t.Errorf("%s = %v, want 1", key, v)
		}
	}
	positive := []string{
		`flink_host_cpu_seconds_total{mode="user",tm_id="live"}`,
		`flink_host_cpu_seconds_total{mode="idle",tm_id="live"}`,
		`flink_host_cpus{tm_id="live"}`,
		`flink_host_memory_total_bytes{tm_id="live"}`,
		`flink_host_memory_available_bytes{tm_id="live"}`,
	}
	for _, key := range positive {
		if v := got[key]; !(v > 0) {
			t.Errorf("%s = %v, want > 0", key, v)
		}
	}
	if got[`flink_host_memory_available_bytes{tm_id="live"}`] > got[`flink_host_memory_total_bytes{tm_id="live"}`] {
		t.Error("available memory exceeds total")
	}
}

// TestNewCollectorMissingProc checks that a wrong --host.procfs is reported
// at startup rather than as failed scrapes.
func TestNewCollectorMissingProc(t *testing.T) {
	_, err := NewCollector(Config{ProcPath: filepath.Join(t.TempDir(), "nope"), Hostname: "h"})
	if err == nil {
		t.Fatal("NewCollector succeeded on a missing proc root")
	}
}

func TestWholeDisk(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"sda", true}, {"sda1", false}, {"sdaa", true}, {"sdaa12", false},
		{"vda", true}, {"vda2", false}, {"xvdb", true}, {"xvdb1", false}, {"hda", true},
		{"nvme0n1", true}, {"nvme0n1p1", false}, {"nvme10n2p15", false},
		{"mmcblk0", true}, {"mmcblk0p1", false},
		{"dm-0", true}, {"md0", true},
		{"loop0", false}, {"loop12", false}, {"ram0", false}, {"zram0", false},
		{"fd0", false}, {"sr0", false},
	}
	for _, tt := range tests {
		if got := wholeDisk(tt.name); got != tt.want {
			t.Errorf("wholeDisk(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseSnmpSection(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    map[string]float64
		wantErr string
	}{
		{
			name: "tcp among other protocols",
			data: "Ip: Forwarding DefaultTTL\nIp: 2 64\nTcp: OutSegs RetransSegs MaxConn\nTcp: 3609 7 -1\nUdp: InDatagrams\nUdp: 43\n",
			want: map[string]float64{"OutSegs": 3609, "RetransSegs": 7, "MaxConn": -1},
		},
		{name: "no section", data: "Ip: Forwarding\nIp: 2\n", wantErr: "found 0 lines"},
		{name: "header only", data: "Tcp: OutSegs\n", wantErr: "found 1 lines"},
		{name: "short value line", data: "Tcp: OutSegs RetransSegs\nTcp: 1\n", wantErr: "2 field names but 1 values"},
		{name: "not a number", data: "Tcp: OutSegs\nTcp: x\n", wantErr: "Tcp OutSegs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSnmpSection([]byte(tt.data), "Tcp")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func newTestCollector(t *testing.T, root string, logger log.Logger) *Collector {
	t.Helper()
	c, err := NewCollector(Config{ProcPath: root, TaskManagerID: "tm-7", Hostname: "tm-host", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// copyFixture copies the fixture into a temporary directory the test may
// change.
func copyFixture(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	err := filepath.WalkDir(fixture, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(fixture, path)
		if err != nil {
			return err
		}
		dst := filepath.Join(root, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// gather registers c in a pedantic registry, which also checks the
// descriptors, and returns every sample keyed as name{label="value",...}
// with labels in name order.
func gather(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, lp := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", lp.GetName(), lp.GetValue()))
			}
			sort.Strings(labels)
			key := mf.GetName() + "{" + strings.Join(labels, ",") + "}"
			switch {
			case m.GetCounter() != nil:
				got[key] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				got[key] = m.GetGauge().GetValue()
			default:
				t.Fatalf("%s: unexpected metric type %v", key, mf.GetType())
			}
		}
	}
	return got
}

// approxEqual compares floats that went through a decimal conversion.
func approxEqual(a, b float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= 1e-9*max(1, a, b)
}
