package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// ReadSkips reads the skips recorded in the file at path; none when the
// file does not exist, because no test skipped.
func ReadSkips(path string) ([]Skip, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read skip log: %w", err)
	}
	defer f.Close()
	var skips []Skip
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 4 {
			return nil, fmt.Errorf("skip log %s:%d: %d fields, want 4", path, n, len(fields))
		}
		skips = append(skips, Skip{Package: fields[0], Test: fields[1], Tool: fields[2], Install: fields[3]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read skip log %s: %w", path, err)
	}
	return skips, nil
}

// Summary says in one line how many tests skipped and what installs their
// tools, grouped by install command (in their sorted order): "skipped 3
// tests for missing tools: prometheus, promtool (apt-get install -y
// prometheus prometheus-alertmanager), node_modules (cd
// dashboards/schema-check && npm ci)". It returns "" when nothing skipped. A test recorded twice (it
// needs two tools, or ran twice) counts once.
func Summary(skips []Skip) string {
	if len(skips) == 0 {
		return ""
	}
	tests := map[[2]string]bool{}
	tools := map[string][]string{} // install command → tools
	var installs []string
	for _, s := range skips {
		tests[[2]string{s.Package, s.Test}] = true
		if _, ok := tools[s.Install]; !ok {
			installs = append(installs, s.Install)
		}
		if !slices.Contains(tools[s.Install], s.Tool) {
			tools[s.Install] = append(tools[s.Install], s.Tool)
		}
	}
	slices.Sort(installs)
	groups := make([]string, 0, len(installs))
	for _, install := range installs {
		slices.Sort(tools[install])
		groups = append(groups, fmt.Sprintf("%s (%s)", strings.Join(tools[install], ", "), install))
	}
	noun := "tests"
	if len(tests) == 1 {
		noun = "test"
	}
	return fmt.Sprintf("skipped %d %s for missing tools: %s", len(tests), noun, strings.Join(groups, ", "))
}
