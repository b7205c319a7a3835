package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"

	"github.com/flink-exporter/flink_exporter/collector"
	"github.com/flink-exporter/flink_exporter/config"
	"github.com/flink-exporter/flink_exporter/flinkapi"
	"github.com/flink-exporter/flink_exporter/host"
	"github.com/flink-exporter/flink_exporter/jmprobe"
)

// metricsDoc is the metric reference the README links to.
const metricsDoc = "docs/metrics.md"

// exportedMetrics returns every metric the exporter describes, from the
// collectors, the REST accounting, the agent's collectors, the
// configuration reloader and the build info, with its labels sorted. The
// host collector is built with a TaskManager id, so its series carry tm_id
// as with --host.taskmanager-id.
func exportedMetrics(t *testing.T) map[string][]string {
	t.Helper()
	client, err := flinkapi.NewClient("http://127.0.0.1:1", flinkapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, a := range collector.Areas() {
		all = append(all, a.Name)
	}
	exporter, err := collector.NewExporter(collector.Config{Client: client, Collectors: all})
	if err != nil {
		t.Fatal(err)
	}
	hostCollector, err := host.NewCollector(host.Config{ProcPath: "/proc", TaskManagerID: "tm"})
	if err != nil {
		t.Fatal(err)
	}
	prober, err := jmprobe.New(jmprobe.Config{Target: "127.0.0.1:1", RESTURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan *prometheus.Desc, 1000)
	for _, c := range []prometheus.Collector{
		exporter,
		flinkapi.NewInstrumentation(collector.Namespace + "_exporter"),
		hostCollector,
		prober,
		config.NewReloader("", nil, nil, nil),
		versioncollector.NewCollector(collector.Namespace + "_exporter"),
	} {
		c.Describe(ch)
	}
	close(ch)
	metrics := map[string][]string{}
	for d := range ch {
		name, labels := descNameAndLabels(t, d)
		metrics[name] = labels
	}
	return metrics
}

var descRE = regexp.MustCompile(`^Desc\{fqName: "([a-zA-Z0-9_:]+)", .*, constLabels: \{(.*)\}, variableLabels: \{(.*)\}\}$`)

// descNameAndLabels returns a descriptor's name and its constant and
// variable label names, sorted.
func descNameAndLabels(t *testing.T, d *prometheus.Desc) (string, []string) {
	t.Helper()
	m := descRE.FindStringSubmatch(d.String())
	if m == nil {
		t.Fatalf("cannot read name and labels of %s", d)
	}
	labels := []string{}
	for _, c := range regexp.MustCompile(`(\w+)="`).FindAllStringSubmatch(m[2], -1) {
		labels = append(labels, c[1])
	}
	if m[3] != "" {
		for _, v := range strings.Split(m[3], ",") {
			labels = append(labels, strings.TrimSuffix(strings.TrimPrefix(v, "c("), ")"))
		}
	}
	slices.Sort(labels)
	return m[1], labels
}

// documentedMetric is one row of a metric table of docs/metrics.md.
type documentedMetric struct {
	typ    string
	labels []string
}

// documentedMetrics reads the metric tables of docs/metrics.md: rows
// "| `name` | type | `label`, `label` | meaning |", "—" for no label.
func documentedMetrics(t *testing.T) map[string]documentedMetric {
	t.Helper()
	b, err := os.ReadFile(metricsDoc)
	if err != nil {
		t.Fatal(err)
	}
	rowRE := regexp.MustCompile("^\\| `(flink_[a-z0-9_]+)` \\| ([a-z]+) \\| ([^|]*) \\| ")
	docs := map[string]documentedMetric{}
	for _, line := range strings.Split(string(b), "\n") {
		m := rowRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if _, dup := docs[m[1]]; dup {
			t.Errorf("%s documents %s twice", metricsDoc, m[1])
		}
		labels := []string{}
		if cell := strings.TrimSpace(m[3]); cell != "—" {
			for _, l := range strings.Split(cell, ",") {
				labels = append(labels, strings.Trim(strings.TrimSpace(l), "`"))
			}
		}
		slices.Sort(labels)
		docs[m[1]] = documentedMetric{typ: m[2], labels: labels}
	}
	if len(docs) < 50 {
		t.Fatalf("%s has %d metric rows: the table parser lost them", metricsDoc, len(docs))
	}
	return docs
}

// TestMetricsDocMatchesTheCode keeps docs/metrics.md true: every metric
// the exporter describes has a row with exactly its labels, no row names a
// metric that does not exist, and the type agrees with the name (_total
// on counters only).
func TestMetricsDocMatchesTheCode(t *testing.T) {
	code := exportedMetrics(t)
	docs := documentedMetrics(t)
	for name, labels := range code {
		d, ok := docs[name]
		if !ok {
			t.Errorf("%s does not document metric %s (labels %v)", metricsDoc, name, labels)
			continue
		}
		if !slices.Equal(d.labels, labels) {
			t.Errorf("%s gives %s the labels %v, the code %v", metricsDoc, name, d.labels, labels)
		}
	}
	for name, d := range docs {
		if _, ok := code[name]; !ok {
			t.Errorf("%s documents %s, which the exporter does not export", metricsDoc, name)
		}
		switch {
		case !slices.Contains([]string{"gauge", "counter", "histogram"}, d.typ):
			t.Errorf("%s: type of %s is %q", metricsDoc, name, d.typ)
		case (d.typ == "counter") != strings.HasSuffix(name, "_total"):
			t.Errorf("%s: %s is a %s; _total belongs to counters only", metricsDoc, name, d.typ)
		}
	}
}

// TestReadmeDocumentsEveryFlag keeps the README true: every flag the
// exporter accepts is documented, and it links the metric reference.
func TestReadmeDocumentsEveryFlag(t *testing.T) {
	text := readFile(t, "README.md")
	if !strings.Contains(text, "("+metricsDoc+")") {
		t.Errorf("README does not link %s", metricsDoc)
	}
	out, err := exec.Command(buildExporter(t), "--help-long").CombinedOutput()
	if err != nil {
		t.Fatalf("--help-long: %v\n%s", err, out)
	}
	flagRE := regexp.MustCompile(`(?m)^\s+(?:-\w, )?--(?:\[no-\])?([a-z0-9][a-z0-9._\-]*[a-z0-9_])(?:=|\s|$)`)
	n := 0
	for _, m := range flagRE.FindAllStringSubmatch(string(out), -1) {
		flag := m[1]
		if slices.Contains([]string{"help", "help-long", "help-man", "completion-script-bash", "completion-script-zsh"}, flag) {
			continue
		}
		n++
		if !strings.Contains(text, "--"+flag) {
			t.Errorf("README does not document flag --%s", flag)
		}
	}
	if n < 20 {
		t.Errorf("found %d flags in --help-long: the parser lost them", n)
	}
}

// TestReadmeStartsWithRunAndTest checks the first two commands of the
// README: one runs the exporter, the next is the test command of .ci/run.
func TestReadmeStartsWithRunAndTest(t *testing.T) {
	var cmds []string
	inBlock := false
	for _, line := range strings.Split(readFile(t, "README.md"), "\n") {
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
	if !strings.Contains(readFile(t, ".ci/run"), "\n"+cmds[1]+"\n") {
		t.Errorf(".ci/run does not run the README's test command %q", cmds[1])
	}
}

// readFile returns a file of the repository as a string.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// shellCommands returns the non-comment lines of a Markdown file's shell
// code blocks, continuation lines joined.
func shellCommands(t *testing.T, path string) []string {
	t.Helper()
	var cmds []string
	inShell, cont := false, ""
	for _, line := range strings.Split(readFile(t, path), "\n") {
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

// buildCommand builds one of the repository's commands into a temporary
// directory.
func buildCommand(t *testing.T, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// markdownDocs returns the README and the documents of docs/ (not the
// runbooks, which rules/ checks).
func markdownDocs(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"README.md"}, docs...)
}

// TestReadmeCommandsMatchTheCode: every command the README and docs/*.md
// show uses flags the binaries have, files and directories that
// exist and make targets the Makefile defines, and every metric name they
// mention is exported or recorded.
func TestReadmeCommandsMatchTheCode(t *testing.T) {
	exporterFlags := helpFlags(t, buildExporter(t))
	commandFlags := map[string]map[string]bool{
		"go run ./cmd/flinksim":    helpFlags(t, buildCommand(t, "./cmd/flinksim")),
		"go run ./cmd/webhookrecv": helpFlags(t, buildCommand(t, "./cmd/webhookrecv")),
	}
	makefile := readFile(t, "Makefile")
	flagRE := regexp.MustCompile(`(?:^|\s)--(?:no-)?([a-z0-9][a-z0-9._\-]*[a-z0-9_])`)
	// The image's entrypoint is the exporter: what follows the image name
	// in a container command is the exporter's arguments.
	imageRE := regexp.MustCompile(`^(?:docker|podman) run .*? (?:localhost/)?flink_exporter(?::\S+)? |^buildah .*run .*? -- /bin/flink_exporter `)
	docs := markdownDocs(t)
	checked := 0
	for _, doc := range docs {
		for _, cmd := range shellCommands(t, doc) {
			fields := strings.Fields(cmd)
			var flags map[string]bool
			for prefix, f := range commandFlags {
				if strings.HasPrefix(cmd, prefix) {
					flags = f
				}
			}
			switch {
			case strings.HasPrefix(cmd, "go run . "), strings.HasPrefix(cmd, "flink_exporter "):
				flags = exporterFlags
			case imageRE.MatchString(cmd):
				flags = exporterFlags
				cmd = cmd[len(imageRE.FindString(cmd)):]
			case strings.HasPrefix(cmd, "make "):
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(fields[1]) + `:`).MatchString(makefile) {
					t.Errorf("%s runs make %s, which the Makefile does not define", doc, fields[1])
				}
				checked++
			}
			for _, f := range fields {
				f = strings.TrimPrefix(f, "--config.file=")
				for _, dir := range []string{"scripts/", "deploy/", "./cmd/", "dashboards/", "examples/", "docs/"} {
					if strings.HasPrefix(f, dir) {
						path := strings.TrimSuffix(strings.TrimPrefix(f, "./"), "/")
						if _, err := os.Stat(path); err != nil {
							t.Errorf("%s command %q names %s, which does not exist", doc, cmd, f)
						}
						checked++
					}
				}
			}
			if flags == nil {
				continue
			}
			for _, m := range flagRE.FindAllStringSubmatch(cmd, -1) {
				if !flags[m[1]] {
					t.Errorf("%s command %q uses --%s, which the binary does not have", doc, cmd, m[1])
				}
				checked++
			}
		}
	}
	if checked < 20 {
		t.Errorf("only %d command parts checked: the parser lost the commands", checked)
	}

	// Every metric name the README and the reference mention exists.
	known := map[string]bool{"flink_exporter": true}
	for n := range exportedMetrics(t) {
		known[n] = true
	}
	rules, err := filepath.Glob("rules/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rules {
		for _, m := range regexp.MustCompile(`record: (\S+)`).FindAllStringSubmatch(readFile(t, f), -1) {
			known[m[1]] = true
		}
	}
	for _, doc := range docs {
		for _, m := range regexp.MustCompile("(?:`|\\n)(flink_[a-z0-9_:]+)").FindAllStringSubmatch(readFile(t, doc), -1) {
			name := m[1]
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")
			if strings.HasSuffix(name, "_") {
				continue // a prefix: flink_host_*
			}
			if !known[name] && !known[base] {
				t.Errorf("%s mentions %s, which the exporter neither exports nor records", doc, name)
			}
		}
	}
}

// TestDocLinksResolve: every relative link of the README and of docs/*.md
// names a file that exists and, with a #fragment, a heading in it.
func TestDocLinksResolve(t *testing.T) {
	linkRE := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	n := 0
	for _, doc := range markdownDocs(t) {
		for _, m := range linkRE.FindAllStringSubmatch(readFile(t, doc), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			n++
			file, frag, _ := strings.Cut(target, "#")
			path := doc
			if file != "" {
				path = filepath.Join(filepath.Dir(doc), file)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links %s, which does not exist", doc, target)
				continue
			}
			if frag != "" && !slices.Contains(headingAnchors(t, path), frag) {
				t.Errorf("%s links %s: %s has no heading with anchor #%s", doc, target, path, frag)
			}
		}
	}
	if n < 5 {
		t.Errorf("found %d relative links: the parser lost them", n)
	}
}

// headingAnchors returns the anchors GitHub gives the headings of a
// Markdown file: lower case, punctuation other than - and _ dropped,
// spaces made -.
func headingAnchors(t *testing.T, path string) []string {
	t.Helper()
	var anchors []string
	inCode := false
	for _, line := range strings.Split(readFile(t, path), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.ToLower(strings.TrimSpace(strings.TrimLeft(line, "#")))
		var b strings.Builder
		for _, r := range title {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				b.WriteRune(r)
			}
		}
		anchors = append(anchors, b.String())
	}
	return anchors
}
