package perf

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/flinksim"
)

// workerEnv holds the workerSpec that turns this program into a worker of
// the child-process pass.
const workerEnv = "FLINK_PERFBENCH_WORKER"

// workerSpec is what one worker measures.
type workerSpec struct {
	Size     Size
	Latency  time.Duration
	Flinksim string        // the built cmd/flinksim
	Gap      time.Duration // real time between the starts of two scrapes
	// Speed is how many times as fast as real time the simulator's and
	// the exporter's clocks run (flinksim --clock-speed): interval / Gap,
	// so that 15 s pass on both between two scrapes.
	Speed float64
}

// ChildResult is the child-process pass of one size at one latency: the
// exporter alone in its process, the simulator in another.
type ChildResult struct {
	// ColdCPU and WarmCPU are the user plus system CPU time of the
	// exporter's process per scrape (getrusage RUSAGE_SELF deltas).
	ColdCPU, WarmCPU []time.Duration
	// ColdRequests and WarmRequests are the REST requests per scrape.
	ColdRequests, WarmRequests []int
	// Failed counts scrapes in which flink_up was 0 or a collector failed.
	Failed int
	// PeakHeap is the largest Go heap in use, goroutine stacks included
	// (runtime/metrics heap objects, unused and stacks), sampled every
	// 5 ms.
	PeakHeap uint64
	// MaxRSS is the worker's peak resident set size (VmHWM).
	MaxRSS int64
	// Series is what the last warm scrape returned: the peaks are measured
	// once the exporter has filled every series in.
	Series int
}

// IsWorker reports whether this process was started as a worker of the
// child-process pass; main (and TestMain) then call WorkerMain instead.
func IsWorker() bool { return os.Getenv(workerEnv) != "" }

// WorkerMain runs the worker the environment describes, writes its
// ChildResult as JSON to stdout and returns the exit code.
func WorkerMain(stdout, stderr io.Writer) int {
	var spec workerSpec
	if err := json.Unmarshal([]byte(os.Getenv(workerEnv)), &spec); err != nil {
		fmt.Fprintf(stderr, "perfbench worker: %v\n", err)
		return 2
	}
	res, err := runWorker(context.Background(), spec)
	if err != nil {
		fmt.Fprintf(stderr, "perfbench worker: %v\n", err)
		return 1
	}
	if err := json.NewEncoder(stdout).Encode(res); err != nil {
		fmt.Fprintf(stderr, "perfbench worker: %v\n", err)
		return 1
	}
	return 0
}

// measureInChild starts this program again as a worker for spec and
// returns what it measured.
func measureInChild(ctx context.Context, spec workerSpec) (*ChildResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), workerEnv+"="+string(js))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("worker: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	var res ChildResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("worker answer: %w", err)
	}
	return &res, nil
}

// runWorker starts cmd/flinksim, scrapes it spec.Size.CPUCold times cold
// and spec.Size.CPUWarm times warm (with the exporter of the last cold
// scrape), and measures this process. The simulator and the exporter run
// on clocks spec.Speed times as fast as real time, and the warm scrapes
// start spec.Gap of real time apart: 15 s pass on both clocks between two
// scrapes (the simulator completes new checkpoints, the exporter's caches
// expire), and the JobManager's clock stays a fixed offset from the
// exporter's, as between real machines.
func runWorker(ctx context.Context, spec workerSpec) (*ChildResult, error) {
	if spec.Speed <= 0 {
		spec.Speed = 1
	}
	sim, err := startFlinksim(ctx, spec)
	if err != nil {
		return nil, err
	}
	defer sim.stop()

	t, err := newTarget("http://"+sim.addr, flinksim.FastClock(time.Now(), spec.Speed))
	if err != nil {
		return nil, err
	}
	peak := sampleHeap()
	res := &ChildResult{}
	var reg *prometheus.Registry
	var started time.Time
	for range max(spec.Size.CPUCold, 1) {
		started = time.Now()
		if reg, err = t.exporter(); err != nil {
			return nil, err
		}
		before := cpuTime()
		sr, err := t.scrape(reg)
		if err != nil {
			return nil, err
		}
		if spec.Size.CPUCold == 0 {
			break
		}
		res.ColdCPU = append(res.ColdCPU, cpuTime()-before)
		res.ColdRequests = append(res.ColdRequests, sr.requests)
		if sr.failed {
			res.Failed++
		}
	}
	for range spec.Size.CPUWarm {
		time.Sleep(time.Until(started.Add(spec.Gap)))
		started = time.Now()
		before := cpuTime()
		sr, err := t.scrape(reg)
		if err != nil {
			return nil, err
		}
		res.WarmCPU = append(res.WarmCPU, cpuTime()-before)
		res.WarmRequests = append(res.WarmRequests, sr.requests)
		res.Series = sr.series
		if sr.failed {
			res.Failed++
		}
	}
	res.PeakHeap = peak()
	res.MaxRSS = maxRSS()
	return res, nil
}

// cpuTime is the user plus system CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// maxRSS is this process's peak resident set size in bytes: VmHWM of
// /proc/self/status. getrusage's ru_maxrss would not do: Linux carries the
// peak of the process image that called exec over into it, and os/exec
// starts a child in the address space of its parent (vfork), so the worker
// would report the harness's peak.
func maxRSS() int64 {
	fields := strings.Fields(procField("/proc/self/status", "VmHWM"))
	if len(fields) != 2 || fields[1] != "kB" {
		return 0
	}
	kib, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return 0
	}
	return kib * 1024
}

// sampleHeap samples the heap in use, goroutine stacks included, every
// 5 ms until the returned function is called, which returns the largest
// sample. runtime/metrics reads it without stopping the world, unlike
// runtime.ReadMemStats.
func sampleHeap() (stop func() uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}, {Name: "/memory/classes/heap/stacks:bytes"}}
	var mu sync.Mutex
	var peak uint64
	read := func() {
		metrics.Read(samples)
		var v uint64
		for _, s := range samples {
			v += s.Value.Uint64()
		}
		mu.Lock()
		peak = max(peak, v)
		mu.Unlock()
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				read()
			case <-done:
				return
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		read()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// flinksimProcess is a running cmd/flinksim.
type flinksimProcess struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

// listenLine finds the address in flinksim's "Serving simulated Flink REST
// API" log line.
var listenLine = regexp.MustCompile(`msg="Serving simulated Flink REST API" address=(\S+)`)

// startFlinksim starts the simulator of spec on a free loopback port and
// waits until it serves.
func startFlinksim(ctx context.Context, spec workerSpec) (*flinksimProcess, error) {
	z := spec.Size
	cmd := exec.CommandContext(ctx, spec.Flinksim,
		"--web.listen-address=127.0.0.1:0",
		"--jobs="+strconv.Itoa(z.Jobs), "--vertices="+strconv.Itoa(z.Vertices),
		"--parallelism="+strconv.Itoa(z.Parallelism), "--taskmanagers="+strconv.Itoa(z.TaskManagers),
		"--rest-latency="+spec.Latency.String(), "--seed=1",
		"--clock-speed="+strconv.FormatFloat(spec.Speed, 'g', -1, 64))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start flinksim: %w", err)
	}
	p := &flinksimProcess{cmd: cmd, done: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	select {
	case p.addr = <-found:
		return p, nil
	case <-p.done:
		cmd.Wait()
		return nil, errors.New("flinksim exited before serving")
	case <-time.After(2 * time.Minute):
		p.stop()
		return nil, errors.New("flinksim did not start serving within 2 minutes")
	}
}

// stop ends the simulator: SIGINT, then SIGKILL if it lingers.
func (p *flinksimProcess) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd.Wait()
}

// builtFlinksim is cmd/flinksim built into a temporary directory.
type builtFlinksim struct {
	dir, binary string
}

// buildFlinksim builds cmd/flinksim with the go command on PATH.
func buildFlinksim(ctx context.Context) (*builtFlinksim, error) {
	dir, err := os.MkdirTemp("", "perfbench-")
	if err != nil {
		return nil, err
	}
	b := &builtFlinksim{dir: dir, binary: filepath.Join(dir, "flinksim")}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", b.binary, "github.com/flink-exporter/flink_exporter/cmd/flinksim")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("build cmd/flinksim: %w: %s", err, bytes.TrimSpace(out.Bytes()))
	}
	return b, nil
}

func removeAll(b *builtFlinksim) { os.RemoveAll(b.dir) }
