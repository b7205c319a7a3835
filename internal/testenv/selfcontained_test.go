package testenv

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// outsidePaths match the ways code has reached data beside the repository
// rather than in it: the ../shared directory a development machine keeps
// next to the clone, spelled as a path or as filepath.Join elements, and
// that machine's absolute paths. A fresh clone has none of them.
var outsidePaths = regexp.MustCompile(strings.Join([]string{
	`\.\./shared\b`,
	`"\.\."\s*,\s*"shared"`,
	`"shared"\s*,\s*"flink-rest"`,
	`/work/(shared|main)\b`,
}, "|"))

// TestNoPathOutsideRepository fails when a Go file, script or build file
// of the module refers to a path outside the repository: tests and build
// steps must work on a fresh clone with nothing beside it (Flink's REST
// data is in testdata/flink-rest).
func TestNoPathOutsideRepository(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, ok := moduleRoot(wd)
	if !ok {
		t.Fatal("no go.mod above the test")
	}
	self, err := filepath.Abs("selfcontained_test.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata", ".build", "dist":
				return filepath.SkipDir
			}
			return nil
		}
		if path == self || !isCodeOrBuildFile(root, path) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(data), "\n") {
			if m := outsidePaths.FindString(line); m != "" {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d refers to %q, outside the repository: keep the data in the repository (testdata/)", rel, i+1, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d files under %s", checked, root)
	}
}

// isCodeOrBuildFile reports whether path is Go code, a shell script, or a
// file that builds or tests the project.
func isCodeOrBuildFile(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		return false
	}
	rel = filepath.ToSlash(rel)
	switch {
	case strings.HasSuffix(rel, ".go"), strings.HasSuffix(rel, ".sh"):
		return true
	case rel == "Makefile", rel == "Dockerfile", strings.HasPrefix(rel, ".ci/"):
		return true
	}
	return false
}

// TestOutsidePaths checks that the patterns catch the ways the tests once
// reached ../shared, and leave the in-repository data alone.
func TestOutsidePaths(t *testing.T) {
	for line, want := range map[string]bool{
		`filepath.Join(dir, "..", "shared", "flink-rest", "samples")`:                    true,
		`os.ReadFile(filepath.Join("..", "..", "shared", "flink-rest", "REFERENCE.md"))`: true,
		`# runs on a fresh clone with ../shared beside it`:                               true,
		`cat /work/shared/flink-rest/REFERENCE.md`:                                       true,
		`filepath.Join(root, "testdata", "flink-rest", "samples")`:                       false,
		`// shared by every caller that arrives`:                                         false,
	} {
		if got := outsidePaths.MatchString(line); got != want {
			t.Errorf("%s: matched %v, want %v", line, got, want)
		}
	}
}
