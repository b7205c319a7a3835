package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	hrefRE   = regexp.MustCompile(`href="([^"]*)"`)
	actionRE = regexp.MustCompile(`<form action="([^"]*)"`)
)

// TestLandingPageLinksAnswer: in each mode the landing page shows only
// what answers: every link answers 200, the /probe form is shown exactly
// when /probe has something to scrape and answers 200 for a valid target,
// and there are no profiling links (the exporter serves no /debug/pprof).
func TestLandingPageLinksAnswer(t *testing.T) {
	bin := buildExporter(t)
	flink := flinkStandIn(t, nil)
	cfg := writeFile(t, t.TempDir(), "flink_exporter.yml", "clusters:\n  prod:\n    url: "+flink.URL+"\n")
	for _, tc := range []struct {
		name   string
		args   []string
		target string // a valid /probe target; "" when no form is expected
	}{
		{"flink.url", []string{"--flink.url=" + flink.URL}, ""},
		{"config.file", []string{"--config.file=" + cfg}, "prod"},
		{"arbitrary targets", []string{"--flink.url=", "--probe.allow-arbitrary-targets"}, flink.URL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := startExporterProcess(t, bin, okAt("/"), tc.args...)
			_, page := get(t, p.base+"/")
			var links []string
			for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
				links = append(links, m[1])
			}
			if want := []string{"/metrics", "/-/healthy", "/diagnose"}; !slices.Equal(links, want) {
				t.Errorf("links %q, want %q", links, want)
			}
			if strings.Contains(page, "debug/pprof") {
				t.Error("the landing page offers profiling, which the exporter does not serve")
			}
			for _, link := range links {
				if status, body := get(t, p.base+link); status != http.StatusOK {
					t.Errorf("link %s: %d %s", link, status, body)
				}
			}
			forms := actionRE.FindAllStringSubmatch(page, -1)
			if tc.target == "" {
				if len(forms) != 0 {
					t.Errorf("a form for %v, which has nothing to probe", forms)
				}
				return
			}
			if len(forms) != 1 || forms[0][1] != "/probe" || !strings.Contains(page, `name="target"`) {
				t.Fatalf("no /probe form with a target field:\n%s", page)
			}
			status, body := get(t, p.base+forms[0][1]+"?target="+url.QueryEscape(tc.target))
			if status != http.StatusOK || !strings.Contains(body, "flink_up 1") {
				t.Errorf("the form's /probe?target=%s: %d\n%s", tc.target, status, body)
			}
		})
	}
}

// TestLogLinesShareTimeKey: every log line of the process, the exporter's
// and exporter-toolkit's alike, carries its timestamp under the key time,
// in RFC 3339 and UTC, in both log formats; none uses ts.
func TestLogLinesShareTimeKey(t *testing.T) {
	bin := buildExporter(t)
	for _, format := range []string{"logfmt", "json"} {
		t.Run(format, func(t *testing.T) {
			p := startExporterProcess(t, bin, okAt("/"), "--flink.url=http://127.0.0.1:1", "--log.format="+format)
			waitFor(t, 10*time.Second, func() bool { return strings.Contains(p.stderr.String(), "Listening on") },
				func() string { return "exporter-toolkit logged nothing:\n" + p.stderr.String() })
			lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
			for _, line := range lines {
				fields := logFields(t, format, line)
				if _, ok := fields["ts"]; ok {
					t.Errorf("a line with ts: %s", line)
				}
				ts, err := time.Parse(time.RFC3339Nano, fields["time"])
				if err != nil || ts.Location() != time.UTC {
					t.Errorf("time %q is not RFC 3339 in UTC (%v): %s", fields["time"], err, line)
				}
				if fields["level"] == "" || fields["caller"] == "" || fields["msg"] == "" {
					t.Errorf("a line without level, caller or msg: %s", line)
				}
			}
			if len(lines) < 3 {
				t.Errorf("too few lines to tell: %q", lines)
			}
		})
	}
}

// logFields reads one log line's keys and values (string values only).
func logFields(t *testing.T, format, line string) map[string]string {
	t.Helper()
	fields := map[string]string{}
	if format == "json" {
		var raw map[string]any
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		for k, v := range raw {
			if s, ok := v.(string); ok {
				fields[k] = s
			}
		}
		return fields
	}
	for _, m := range regexp.MustCompile(`(\w+)=("(?:[^"\\]|\\.)*"|\S*)`).FindAllStringSubmatch(line, -1) {
		fields[m[1]] = strings.Trim(m[2], `"`)
	}
	return fields
}

// TestDemoWarnsWhenItOverridesFlinkURL: --demo scrapes the simulated
// cluster whatever --flink.url says, and says so.
func TestDemoWarnsWhenItOverridesFlinkURL(t *testing.T) {
	p := startExporterProcess(t, buildExporter(t), okAt("/"), "--demo", "--flink.url=http://127.0.0.1:1")
	if logs := p.stderr.String(); !strings.Contains(logs, "level=warn") || !strings.Contains(logs, "--demo overrides --flink.url") {
		t.Errorf("no warning that --demo overrides --flink.url:\n%s", logs)
	}
}
