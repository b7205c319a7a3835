// Package restschema checks Flink REST answers against the response schemas
// that Flink's own REST compatibility test records for every release
// (rest_api_v1.snapshot.json, a Jackson JSON schema v3 per call).
//
// It exists so that the simulator and the client can be tested against
// Flink's wire format rather than against themselves: every key of an answer
// must be one the schema of that version knows, every value must have the
// schema's type, and the few places where the wire differs from the schema
// (polymorphic subtypes the snapshot leaves out, lowercase checkpointing
// modes, the job plan, the untyped metrics endpoints) are handled by explicit,
// documented tables in rules.go.
package restschema

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Spec is the REST API of one Flink version: every call of its snapshot with
// its response schema, and the rules for what the snapshot leaves out. A Spec
// is not changed after Load, so one Spec may validate answers concurrently.
type Spec struct {
	version string
	ver     version
	calls   []*call
	types   map[string]*node
	rules   rules
}

// call is one REST call of the snapshot.
type call struct {
	method   string
	template string
	segments []string
	status   int
	response *node
}

// node is one Jackson JSON schema (v3) node as the snapshot writes it.
type node struct {
	Type                 string           `json:"type"`
	ID                   string           `json:"id"`
	Ref                  string           `json:"$ref"`
	Required             bool             `json:"required"`
	Properties           map[string]*node `json:"properties"`
	AdditionalProperties *node            `json:"additionalProperties"`
	Items                *node            `json:"items"`
	Enum                 []string         `json:"enum"`
	// nullable marks a value of a boxed Java type that Jackson writes as
	// null; set only by overrides, the snapshot cannot say it.
	nullable bool
}

// defines reports whether n carries a type's definition rather than only
// naming it.
func (n *node) defines() bool {
	return n.Properties != nil || n.AdditionalProperties != nil || n.Items != nil || n.Enum != nil
}

// snapshot is the file layout of rest_api_v1.snapshot.json.
type snapshot struct {
	Calls []struct {
		URL        string `json:"url"`
		Method     string `json:"method"`
		StatusCode string `json:"status-code"`
		Response   *node  `json:"response"`
	} `json:"calls"`
}

// Load parses the snapshot of one version in specsDir (a directory name that
// Versions lists) and resolves its type references.
func Load(specsDir, ver string) (*Spec, error) {
	v, err := parseVersion(ver)
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	path := filepath.Join(specsDir, ver, snapshotFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load spec %s: %w", ver, err)
	}
	// Only the response side is read; request schemas and parameter lists
	// are of no interest to a response validator.
	var snap snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return nil, fmt.Errorf("load spec %s: decode %s: %w", ver, path, err)
	}
	s := &Spec{version: ver, ver: v, types: map[string]*node{}, rules: newRules(v)}
	for _, c := range snap.Calls {
		if c.Response == nil {
			return nil, fmt.Errorf("load spec %s: %s %s has no response schema", ver, c.Method, c.URL)
		}
		status, err := parseStatus(c.StatusCode)
		if err != nil {
			return nil, fmt.Errorf("load spec %s: %s %s: %w", ver, c.Method, c.URL, err)
		}
		s.calls = append(s.calls, &call{
			method:   c.Method,
			template: c.URL,
			segments: splitPath(c.URL),
			status:   status,
			response: c.Response,
		})
		s.collectTypes(c.Response)
	}
	for _, c := range s.calls {
		if err := s.checkRefs(c.response, map[*node]bool{}); err != nil {
			return nil, fmt.Errorf("load spec %s: %s %s: %w", ver, c.method, c.template, err)
		}
	}
	return s, nil
}

// parseStatus reads the status of a snapshot call ("200 OK").
func parseStatus(s string) (int, error) {
	code, _, _ := strings.Cut(s, " ")
	n, err := strconv.Atoi(code)
	if err != nil {
		return 0, fmt.Errorf("parse status-code %q: %w", s, err)
	}
	return n, nil
}

// collectTypes records every named type under n. Jackson writes a type in
// full the first time a call's schema meets it and only as a $ref after that;
// the definitions of one id are the same in every call, so the first full one
// is kept, and a bare named node only when there is no full one.
func (s *Spec) collectTypes(n *node) {
	if n == nil {
		return
	}
	if n.ID != "" && n.Ref == "" {
		if old, ok := s.types[n.ID]; !ok || (!old.defines() && n.defines()) {
			s.types[n.ID] = n
		}
	}
	for _, p := range n.Properties {
		s.collectTypes(p)
	}
	s.collectTypes(n.AdditionalProperties)
	s.collectTypes(n.Items)
}

// checkRefs makes sure every $ref under n names a collected type, so that
// validation never meets a dangling reference.
func (s *Spec) checkRefs(n *node, seen map[*node]bool) error {
	if n == nil || seen[n] {
		return nil
	}
	seen[n] = true
	if n.Ref != "" {
		if _, ok := s.types[n.Ref]; !ok {
			return fmt.Errorf("unresolved $ref %s", n.Ref)
		}
	}
	for name, p := range n.Properties {
		if err := s.checkRefs(p, seen); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := s.checkRefs(n.AdditionalProperties, seen); err != nil {
		return err
	}
	return s.checkRefs(n.Items, seen)
}

// resolve follows a $ref to the named type's definition.
func (s *Spec) resolve(n *node) *node {
	if n.Ref == "" {
		return n
	}
	return s.types[n.Ref]
}

// Has reports whether the version has this endpoint template (as the
// snapshot spells it, e.g. "/jobs/:jobid/checkpoints"), so that callers can
// skip endpoints a version lacks.
func (s *Spec) Has(method, template string) bool {
	for _, c := range s.calls {
		if c.method == method && c.template == template {
			return true
		}
	}
	return false
}

// splitPath splits a URL path into its segments.
func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// requestSegments turns a concrete request path as a client sent it into
// segments: the query and fragment are dropped, and so is the optional /v1
// prefix every Flink endpoint also answers under.
func requestSegments(requestPath string) []string {
	p, _, _ := strings.Cut(requestPath, "?")
	p, _, _ = strings.Cut(p, "#")
	if p == "/v1" || strings.HasPrefix(p, "/v1/") {
		p = p[len("/v1"):]
	}
	return splitPath(p)
}

// match finds the call serving method and requestPath. ":name" segments of
// a template match any one segment; of several matching templates the one
// with the most literal segments wins ("/jobs/overview" over "/jobs/:jobid"),
// and of those the one whose first literal comes first.
func (s *Spec) match(method, requestPath string) *call {
	segs := requestSegments(requestPath)
	var best *call
	for _, c := range s.calls {
		if c.method != method || !segmentsMatch(c.segments, segs) {
			continue
		}
		if best == nil || moreLiteral(c.segments, best.segments) {
			best = c
		}
	}
	return best
}

// segmentsMatch reports whether template segments match request segments.
func segmentsMatch(template, request []string) bool {
	if len(template) != len(request) {
		return false
	}
	for i, t := range template {
		if isParam(t) {
			if request[i] == "" {
				return false
			}
			continue
		}
		if t != request[i] {
			return false
		}
	}
	return true
}

// moreLiteral reports whether template a is more specific than b.
func moreLiteral(a, b []string) bool {
	la, lb := literals(a), literals(b)
	if la != lb {
		return la > lb
	}
	for i := range a {
		if pa, pb := isParam(a[i]), isParam(b[i]); pa != pb {
			return !pa
		}
	}
	return false
}

// literals counts the segments of a template that are not parameters.
func literals(segs []string) int {
	n := 0
	for _, s := range segs {
		if !isParam(s) {
			n++
		}
	}
	return n
}

// isParam reports whether a template segment is a path parameter.
func isParam(seg string) bool { return strings.HasPrefix(seg, ":") }
