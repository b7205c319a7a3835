package flinkapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// schemaNode is the part of a Jackson JSON schema node the test reads.
type schemaNode struct {
	Type       string                 `json:"type"`
	ID         string                 `json:"id"`
	Ref        string                 `json:"$ref"`
	Properties map[string]*schemaNode `json:"properties"`
	Items      *schemaNode            `json:"items"`
}

// TestShapesMatchTheSnapshots checks the validity contract against Flink's
// own REST schema snapshots: every key a shape requires is a key of that
// answer in every Flink version under testdata/flink-rest/specs, so that
// the contract never refuses what some Flink version legitimately omits
// for want of the key.
func TestShapesMatchTheSnapshots(t *testing.T) {
	shapes := map[string]any{
		EndpointConfig:           configShape{},
		EndpointOverview:         overviewShape{},
		EndpointJobsOverview:     jobsOverviewShape{},
		EndpointJob:              jobDetailsShape{},
		EndpointTaskManagers:     taskManagersShape{},
		EndpointCheckpoints:      checkpointsShape{},
		EndpointCheckpointConfig: checkpointConfigShape{},
		EndpointVertex:           vertexShape{},
	}
	specs, err := filepath.Glob(filepath.Join("..", "testdata", "flink-rest", "specs", "*", "rest_api_v1.snapshot.json"))
	if err != nil || len(specs) < 10 {
		t.Fatalf("found %d snapshots (%v), want the 10 versions 1.13 to 2.1", len(specs), err)
	}
	for _, path := range specs {
		version := filepath.Base(filepath.Dir(path))
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var snap struct {
			Calls []struct {
				URL      string      `json:"url"`
				Method   string      `json:"method"`
				Response *schemaNode `json:"response"`
			} `json:"calls"`
		}
		if err := json.Unmarshal(data, &snap); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		ids := map[string]*schemaNode{}
		for _, c := range snap.Calls {
			indexSchema(c.Response, ids)
		}
		seenEndpoints := map[string]bool{}
		for _, c := range snap.Calls {
			shape, ok := shapes[c.URL]
			if !ok || c.Method != "GET" {
				continue
			}
			seenEndpoints[c.URL] = true
			checkShape(t, version+" "+c.URL, reflect.TypeOf(shape), c.Response, ids)
		}
		for ep := range shapes {
			if !seenEndpoints[ep] {
				t.Errorf("%s: the snapshot has no GET %s", version, ep)
			}
		}
	}
}

// indexSchema records every node that defines an id, for $ref.
func indexSchema(n *schemaNode, ids map[string]*schemaNode) {
	if n == nil {
		return
	}
	if n.ID != "" && (n.Properties != nil || n.Items != nil) {
		ids[n.ID] = n
	}
	for _, p := range n.Properties {
		indexSchema(p, ids)
	}
	indexSchema(n.Items, ids)
}

func resolve(n *schemaNode, ids map[string]*schemaNode) *schemaNode {
	if n != nil && n.Ref != "" && ids[n.Ref] != nil {
		return ids[n.Ref]
	}
	return n
}

// checkShape checks that every json key of shape type st is a property of
// node n, recursing into nested shapes.
func checkShape(t *testing.T, at string, st reflect.Type, n *schemaNode, ids map[string]*schemaNode) {
	t.Helper()
	for st.Kind() == reflect.Pointer || st.Kind() == reflect.Slice {
		st = st.Elem()
		if n = resolve(n, ids); n != nil && n.Items != nil && st.Kind() != reflect.Pointer {
			n = n.Items
		}
	}
	n = resolve(n, ids)
	if st.Kind() != reflect.Struct {
		return
	}
	if n != nil && n.Type == "any" {
		// Written by a custom serializer (jobs of /jobs/overview before
		// 1.17): the snapshot cannot list the keys; REFERENCE.md §3.4 does.
		return
	}
	if n == nil || n.Properties == nil {
		t.Errorf("%s: the snapshot has no properties here", at)
		return
	}
	for i := range st.NumField() {
		f := st.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		prop, ok := n.Properties[name]
		if !ok {
			t.Errorf("%s: required key %q is not in the snapshot", at, name)
			continue
		}
		if f.Type != reflect.TypeOf(seen(false)) {
			checkShape(t, at+"."+name, f.Type, prop, ids)
		}
	}
}
