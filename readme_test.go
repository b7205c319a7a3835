package main

import (
	"os"
	"os/exec"
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
