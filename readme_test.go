package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/host"
	"github.com/flink-exporter/flink_exporter/jmprobe"
)

// exportedMetricNames lists the name of every metric the exporter
// describes, from the collectors and the REST accounting.
func exportedMetricNames(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, a := range collector.Areas() {
		names = append(names, describedNames(t, a.Name)...)
	}
	hostCollector, err := host.NewCollector(host.Config{ProcPath: "/proc"})
	if err != nil {
		t.Fatal(err)
	}
	prober, err := jmprobe.New(jmprobe.Config{Target: "127.0.0.1:1", RESTURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan *prometheus.Desc, 1000)
	flinkapi.NewInstrumentation(collector.Namespace + "_exporter").Describe(ch)
	hostCollector.Describe(ch)
	prober.Describe(ch)
	newReloader("", nil, nil).Describe(ch)
	close(ch)
	for d := range ch {
		names = append(names, descName(t, d))
	}
	sort.Strings(names)
	return names
}

func describedNames(t *testing.T, area string) []string {
	client, err := flinkapi.NewClient("http://127.0.0.1:1", flinkapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := collector.NewExporter(collector.Config{Client: client, Collectors: []string{area}})
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan *prometheus.Desc, 1000)
	e.Describe(ch)
	close(ch)
	var names []string
	for d := range ch {
		names = append(names, descName(t, d))
	}
	return names
}

var fqNameRE = regexp.MustCompile(`fqName: "([a-zA-Z0-9_:]+)"`)

func descName(t *testing.T, d *prometheus.Desc) string {
	m := fqNameRE.FindStringSubmatch(d.String())
	if m == nil {
		t.Fatalf("no name in %s", d)
	}
	return m[1]
}

// TestReadmeDocumentsEveryMetricAndFlag keeps the README true: every metric
// the exporter describes and every flag it accepts is documented.
func TestReadmeDocumentsEveryMetricAndFlag(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	for _, name := range exportedMetricNames(t) {
		if !strings.Contains(text, "`"+name+"`") {
			t.Errorf("README does not document metric %s", name)
		}
	}
	bin := buildExporter(t)
	out, err := exec.Command(bin, "--help-long").CombinedOutput()
	if err != nil {
		t.Fatalf("--help-long: %v\n%s", err, out)
	}
	flagRE := regexp.MustCompile(`(?m)^\s+(?:-\w, )?--(?:\[no-\])?([a-z0-9][a-z0-9._\-]*[a-z0-9_])(?:=|\s|$)`)
	for _, m := range flagRE.FindAllStringSubmatch(string(out), -1) {
		flag := m[1]
		if flag == "help" || flag == "help-long" || flag == "help-man" || flag == "completion-script-bash" || flag == "completion-script-zsh" {
			continue
		}
		if !strings.Contains(text, "--"+flag) {
			t.Errorf("README does not document flag --%s", flag)
		}
	}
}

// TestReadmeStartsWithRunAndTest checks the first two commands of the
// README: one runs the exporter, the next is the test command of .ci/run.
func TestReadmeStartsWithRunAndTest(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	inBlock := false
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		if inBlock && strings.TrimSpace(line) != "" && !strings.HasPrefix(strings.TrimSpace(line), "#") {
			cmds = append(cmds, strings.TrimSpace(line))
		}
		if len(cmds) == 2 {
			break
		}
	}
	if len(cmds) < 2 || !strings.HasPrefix(cmds[0], "go run .") {
		t.Fatalf("first README commands = %q, want the exporter run first", cmds)
	}
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ci), "\n"+cmds[1]+"\n") {
		t.Errorf(".ci/run does not run the README's test command %q", cmds[1])
	}
}

// readmeCommands returns the non-comment lines of the README's shell code
// blocks, continuation lines joined.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	inShell, cont := false, ""
	for _, line := range strings.Split(string(readme), "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			inShell = true
			continue
		case strings.HasPrefix(line, "```"):
			inShell = false
			continue
		}
		if !inShell {
			continue
		}
		line = strings.TrimSpace(line)
		if i := strings.Index(line, "  #"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cont += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		cmds = append(cmds, cont+line)
		cont = ""
	}
	return cmds
}

// helpFlags returns the long flags a binary's --help-long lists.
func helpFlags(t *testing.T, bin string) map[string]bool {
	t.Helper()
	out, err := exec.Command(bin, "--help-long").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --help-long: %v\n%s", bin, err, out)
	}
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`--(?:\[no-\])?([a-z0-9][a-z0-9._\-]*[a-z0-9_])`).FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = true
	}
	return flags
}

// TestReadmeCommandsMatchTheCode: every command the README shows uses
// flags the binaries have, files and directories that exist and make
// targets the Makefile defines, and every metric name it mentions is
// exported or recorded.
func TestReadmeCommandsMatchTheCode(t *testing.T) {
	exporterFlags := helpFlags(t, buildExporter(t))
	simBin := filepath.Join(t.TempDir(), "flinksim")
	if out, err := exec.Command("go", "build", "-o", simBin, "./cmd/flinksim").CombinedOutput(); err != nil {
		t.Fatalf("build flinksim: %v\n%s", err, out)
	}
	simFlags := helpFlags(t, simBin)
	makefile, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	flagRE := regexp.MustCompile(`(?:^|\s)--(?:no-)?([a-z0-9][a-z0-9._\-]*[a-z0-9_])`)
	checked := 0
	for _, cmd := range readmeCommands(t) {
		fields := strings.Fields(cmd)
		var flags map[string]bool
		switch {
		case strings.HasPrefix(cmd, "go run ./cmd/flinksim"):
			flags = simFlags
		case strings.HasPrefix(cmd, "go run . "), strings.HasPrefix(cmd, "flink_exporter "),
			strings.HasPrefix(cmd, "docker run") && strings.Contains(cmd, " flink_exporter "):
			flags = exporterFlags
			if strings.HasPrefix(cmd, "docker run") {
				cmd = cmd[strings.Index(cmd, " flink_exporter ")+len(" flink_exporter "):]
			}
		case strings.HasPrefix(cmd, "make "):
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(fields[1]) + `:`).Match(makefile) {
				t.Errorf("README runs make %s, which the Makefile does not define", fields[1])
			}
			checked++
		}
		for _, f := range fields {
			if strings.HasPrefix(f, "scripts/") || strings.HasPrefix(f, "deploy/") || strings.HasPrefix(f, "./cmd/") || strings.HasPrefix(f, "dashboards/") {
				path := strings.TrimSuffix(strings.TrimPrefix(f, "./"), "/")
				if _, err := os.Stat(path); err != nil {
					t.Errorf("README command %q names %s, which does not exist", cmd, f)
				}
				checked++
			}
		}
		if flags == nil {
			continue
		}
		for _, m := range flagRE.FindAllStringSubmatch(cmd, -1) {
			if !flags[m[1]] {
				t.Errorf("README command %q uses --%s, which the binary does not have", cmd, m[1])
			}
			checked++
		}
	}
	if checked < 15 {
		t.Errorf("only %d README command parts checked: the parser lost the commands", checked)
	}

	// Every metric name the README mentions exists.
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The build info comes from client_golang's version collector.
	known := map[string]bool{"flink_exporter_build_info": true, "flink_exporter": true}
	for _, n := range exportedMetricNames(t) {
		known[n] = true
	}
	rules, err := filepath.Glob("rules/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rules {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`record: (\S+)`).FindAllStringSubmatch(string(b), -1) {
			known[m[1]] = true
		}
	}
	for _, m := range regexp.MustCompile("`(flink_[a-z0-9_:]+)").FindAllStringSubmatch(string(readme), -1) {
		name := m[1]
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")
		if strings.HasSuffix(name, "_") {
			continue // a prefix: flink_host_*
		}
		if !known[name] && !known[base] {
			t.Errorf("README mentions %s, which the exporter neither exports nor records", name)
		}
	}
}
