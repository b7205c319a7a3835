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

// dataDir is where the repository keeps Flink's REST schema snapshots,
// captured and constructed responses and the reference notes, relative to
// the module root (testdata/flink-rest/README.md says where they come from
// and how to refresh them).
const dataDir = "testdata/flink-rest"

// Dir finds testdata/flink-rest in the module: it walks up from the working
// directory to the directory holding go.mod, so that a test of any package
// finds the data without a path relative to its own directory. It returns
// an error when there is no go.mod above the working directory or the
// module has no such directory.
func Dir() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, filepath.FromSlash(dataDir))
	if err := isDir(dir); err != nil {
		return "", fmt.Errorf("Flink REST data of module %s: %w", root, err)
	}
	return dir, nil
}

// SpecsDir returns testdata/flink-rest/specs, one directory per Flink
// version, each with the rest_api_v1.snapshot.json of that version.
func SpecsDir() (string, error) { return subDir("specs") }

// SamplesDir returns testdata/flink-rest/samples: responses captured from
// real clusters (real/) and built from Flink's message classes
// (constructed/<version>/).
func SamplesDir() (string, error) { return subDir("samples") }

// ReferenceFile returns testdata/flink-rest/REFERENCE.md, the notes on
// Flink's REST API and configuration keys that the code's comments cite by
// section (REFERENCE.md §n).
func ReferenceFile() (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "REFERENCE.md")
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("Flink REST reference: %w", err)
	}
	return path, nil
}

// subDir returns the directory name below testdata/flink-rest.
func subDir(name string) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	sub := filepath.Join(dir, name)
	if err := isDir(sub); err != nil {
		return "", fmt.Errorf("Flink REST %s: %w", name, err)
	}
	return sub, nil
}

// isDir returns nil when dir exists and is a directory.
func isDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
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
