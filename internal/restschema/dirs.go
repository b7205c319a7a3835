package restschema

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// snapshotFile is the name of the Jackson schema file in each version
// directory, as Flink's REST compatibility test writes it.
const snapshotFile = "rest_api_v1.snapshot.json"

// SpecsDir finds the Flink REST specs: it walks up from the working
// directory to the directory holding go.mod and returns
// ../shared/flink-rest/specs next to it, because the repository is cloned
// with shared/ beside it (/work/main and /work/shared). It returns an error
// when there is no go.mod above the working directory or no specs directory
// beside the module.
func SpecsDir() (string, error) {
	return sharedDir("specs")
}

// SamplesDir finds the captured and constructed Flink REST responses,
// ../shared/flink-rest/samples next to the module root, the same way as
// SpecsDir.
func SamplesDir() (string, error) {
	return sharedDir("samples")
}

// sharedDir returns ../shared/flink-rest/<name> next to the module root.
func sharedDir(name string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(filepath.Dir(root), "shared", "flink-rest", name)
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("flink-rest %s beside module root %s: %w", name, root, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("flink-rest %s beside module root %s: %s is not a directory", name, root, dir)
	}
	return dir, nil
}

// moduleRoot walks up from the working directory to the first directory that
// holds a go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		_, err := os.Stat(filepath.Join(dir, "go.mod"))
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("find module root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Versions lists the version directories of specsDir that hold a
// rest_api_v1.snapshot.json, oldest first ("1.13", ..., "2.3-SNAPSHOT").
func Versions(specsDir string) ([]string, error) {
	entries, err := os.ReadDir(specsDir)
	if err != nil {
		return nil, fmt.Errorf("list spec versions: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(specsDir, e.Name(), snapshotFile)); err != nil {
			continue
		}
		if _, err := parseVersion(e.Name()); err != nil {
			continue
		}
		out = append(out, e.Name())
	}
	slices.SortFunc(out, func(a, b string) int {
		va, _ := parseVersion(a)
		vb, _ := parseVersion(b)
		return va.compare(vb)
	})
	return out, nil
}

// version is a Flink release line, major.minor; a -SNAPSHOT suffix is kept
// out of the comparison because the snapshot of a line is that line.
type version struct {
	major, minor int
}

// parseVersion parses "1.15" or "2.3-SNAPSHOT".
func parseVersion(s string) (version, error) {
	base, _, _ := strings.Cut(s, "-")
	maj, min, ok := strings.Cut(base, ".")
	if !ok {
		return version{}, fmt.Errorf("parse Flink version %q: want major.minor", s)
	}
	a, err := strconv.Atoi(maj)
	if err != nil {
		return version{}, fmt.Errorf("parse Flink version %q: %w", s, err)
	}
	b, err := strconv.Atoi(min)
	if err != nil {
		return version{}, fmt.Errorf("parse Flink version %q: %w", s, err)
	}
	return version{a, b}, nil
}

// mustVersion parses a version literal of this package's rule tables.
func mustVersion(s string) version {
	v, err := parseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// compare orders versions like cmp.Compare.
func (v version) compare(o version) int {
	if v.major != o.major {
		return v.major - o.major
	}
	return v.minor - o.minor
}

// atLeast reports whether v is the release line s or a later one.
func (v version) atLeast(s string) bool { return v.compare(mustVersion(s)) >= 0 }
