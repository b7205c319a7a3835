package perf

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine describes where the numbers were measured.
type Machine struct {
	CPUs       int    // runtime.NumCPU
	GOMAXPROCS int    // runtime.GOMAXPROCS(0)
	CPUModel   string // "model name" of /proc/cpuinfo
	MemTotal   string // MemTotal of /proc/meminfo
	Kernel     string // /proc/sys/kernel/osrelease
	GoVersion  string
	OS, Arch   string
}

// DescribeMachine reads the machine's description; what Linux does not
// tell is left empty.
func DescribeMachine() Machine {
	return Machine{
		CPUs:       runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		CPUModel:   procField("/proc/cpuinfo", "model name"),
		MemTotal:   memTotal(),
		Kernel:     strings.TrimSpace(readFile("/proc/sys/kernel/osrelease")),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS,
		Arch:       runtime.GOARCH,
	}
}

// procField returns the value of the first "key : value" line of a /proc
// file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// memTotal is MemTotal of /proc/meminfo in GiB.
func memTotal() string {
	fields := strings.Fields(procField("/proc/meminfo", "MemTotal"))
	if len(fields) == 0 {
		return ""
	}
	kib, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return ""
	}
	return strconv.FormatFloat(kib/(1<<20), 'f', 1, 64) + " GiB"
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}
