package restschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Validate checks one answer of this Flink version. method is the HTTP
// method, requestPath the concrete path as a client sent it (an optional
// "/v1" prefix and the query are ignored), status the HTTP status and body
// the response body.
//
// With the status the snapshot declares for the endpoint (200 for every GET)
// the body must match the endpoint's response schema, with no key the schema
// does not know; with any other status it must be Flink's error body,
// exactly {"errors":[string, ...]} with at least one message. Endpoints the
// version does not have are an error.
//
// The returned error lists every violation with its JSON path, e.g.
// "$.history[0].checkpointed_size: unknown key", or is nil. Keys the schema
// lists but the body lacks are not violations (unless the schema marks them
// required): Flink omits NON_NULL fields and fields of other versions, and
// the snapshot does not say which keys those are.
func (s *Spec) Validate(method, requestPath string, status int, body []byte) error {
	c := s.match(method, requestPath)
	if c == nil {
		return fmt.Errorf("%s %s: no such endpoint in Flink %s", method, requestPath, s.version)
	}
	where := fmt.Sprintf("%s %s (%s, Flink %s, status %d)", method, requestPath, c.template, s.version, status)
	val, err := decodeBody(body)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	v := &validation{spec: s, call: c}
	switch {
	case status != c.status:
		v.errorBody(val)
	case s.rules.metrics[c.template] == metricList:
		v.metricList(val)
	case s.rules.metrics[c.template] == metricAggregates:
		v.metricAggregates(val)
	default:
		v.value("$", c.response, val)
	}
	if len(v.violations) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %d violation(s):\n\t%s", where, len(v.violations), strings.Join(v.violations, "\n\t"))
}

// decodeBody decodes exactly one JSON value, keeping numbers as json.Number
// so that int64 values such as Long.MAX_VALUE survive and integers can be
// told from fractions.
func decodeBody(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var val any
	if err := dec.Decode(&val); err != nil {
		return nil, fmt.Errorf("decode body: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode body: data after the JSON value")
	}
	return val, nil
}

// validation collects the violations of one answer.
type validation struct {
	spec       *Spec
	call       *call
	violations []string
}

// addf records a violation at path.
func (v *validation) addf(path, format string, args ...any) {
	v.violations = append(v.violations, path+": "+fmt.Sprintf(format, args...))
}

// value checks val against schema n at path.
func (v *validation) value(path string, n *node, val any) {
	if o := v.spec.rules.overrideFor(v.call.method, v.call.template, path); o != nil {
		n = o
	}
	n = v.spec.resolve(n)
	if val == nil && n.nullable {
		return
	}
	switch n.Type {
	case "any":
	case "object":
		v.object(path, n, val)
	case "array":
		v.array(path, n, val)
	case "string":
		v.text(path, n, val)
	case "integer":
		v.integer(path, val)
	case "number":
		v.number(path, val)
	case "boolean":
		if _, ok := val.(bool); !ok {
			v.addf(path, "want boolean, got %s", describe(val))
		}
	default:
		v.addf(path, "schema type %q is not supported", n.Type)
	}
}

// object checks a JSON object. null passes: Jackson writes null for every
// nullable object field not annotated NON_NULL. An object schema with
// neither properties nor additionalProperties belongs to a class with a
// custom serializer (raw JSON, resource requirements, ...) and says nothing
// about the keys, so any object passes it.
func (v *validation) object(path string, n *node, val any) {
	if val == nil {
		return
	}
	m, ok := val.(map[string]any)
	if !ok {
		v.addf(path, "want object, got %s", describe(val))
		return
	}
	if n.Properties == nil && n.AdditionalProperties == nil {
		return
	}
	poly := v.spec.rules.polymorphicFor(n.ID)
	kind := ""
	if poly != nil {
		kind = v.discriminator(path, poly, m)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p := childPath(path, k)
		if pn, ok := n.Properties[k]; ok {
			v.value(p, pn, m[k])
			continue
		}
		if poly != nil {
			if k == v.spec.rules.discriminator {
				continue
			}
			if f := poly.field(k); f != nil {
				if kind != "" && !slices.Contains(f.kinds, kind) {
					v.addf(p, "key only sent by %s %s, not %s", v.spec.rules.discriminator, strings.Join(f.kinds, "|"), kind)
				}
				v.value(p, f.node, m[k])
				continue
			}
		}
		if n.AdditionalProperties != nil {
			v.value(p, n.AdditionalProperties, m[k])
			continue
		}
		if poly != nil && k == v.spec.rules.other {
			v.addf(p, "unknown key (Flink %s writes the type discriminator as %q)", v.spec.version, v.spec.rules.discriminator)
			continue
		}
		v.addf(p, "unknown key")
	}
	for _, k := range slices.Sorted(maps.Keys(n.Properties)) {
		if _, ok := m[k]; !ok && n.Properties[k].Required {
			v.addf(childPath(path, k), "missing required key")
		}
	}
}

// discriminator checks the type property of a polymorphic object and returns
// its value, or "" when it is missing or wrong.
func (v *validation) discriminator(path string, poly *polymorphicType, m map[string]any) string {
	key := v.spec.rules.discriminator
	raw, ok := m[key]
	if !ok {
		v.addf(path, "missing type discriminator %q", key)
		return ""
	}
	s, ok := raw.(string)
	if !ok || !slices.Contains(poly.kinds, s) {
		v.addf(childPath(path, key), "want one of %s, got %s", strings.Join(poly.kinds, "|"), describe(raw))
		return ""
	}
	return s
}

// array checks a JSON array and its items.
func (v *validation) array(path string, n *node, val any) {
	a, ok := val.([]any)
	if !ok {
		v.addf(path, "want array, got %s", describe(val))
		return
	}
	if n.Items == nil {
		return
	}
	for i, item := range a {
		v.value(fmt.Sprintf("%s[%d]", path, i), n.Items, item)
	}
}

// text checks a JSON string against the enum, if any. null passes, as for
// objects.
func (v *validation) text(path string, n *node, val any) {
	if val == nil {
		return
	}
	s, ok := val.(string)
	if !ok {
		v.addf(path, "want string, got %s", describe(val))
		return
	}
	if n.Enum != nil && !slices.Contains(n.Enum, s) {
		v.addf(path, "want one of %s, got %q", strings.Join(n.Enum, "|"), s)
	}
}

// integer checks a JSON number without fraction or exponent that fits in
// int64 (Java's long; Long.MAX_VALUE marks a disabled checkpoint interval).
func (v *validation) integer(path string, val any) {
	num, ok := val.(json.Number)
	if !ok {
		v.addf(path, "want integer, got %s", describe(val))
		return
	}
	if strings.ContainsAny(num.String(), ".eE") {
		v.addf(path, "want integer, got number %s", num)
		return
	}
	if _, err := strconv.ParseInt(num.String(), 10, 64); err != nil {
		v.addf(path, "integer %s does not fit in int64", num)
	}
}

// number checks a double: a JSON number, or one of the strings Jackson
// writes for non-finite values (WRITE_NAN_AS_STRINGS, REFERENCE.md §2).
func (v *validation) number(path string, val any) {
	if isNumber(val) {
		return
	}
	v.addf(path, "want number, got %s", describe(val))
}

// isNumber reports whether val is a double as Jackson writes it.
func isNumber(val any) bool {
	switch x := val.(type) {
	case json.Number:
		return true
	case string:
		return x == "NaN" || x == "Infinity" || x == "-Infinity"
	}
	return false
}

// errorBody checks Flink's error answer: exactly {"errors":[string,...]}
// with at least one message (ErrorResponseBody, REFERENCE.md §2).
func (v *validation) errorBody(val any) {
	m, ok := val.(map[string]any)
	if !ok {
		v.addf("$", "want error object {\"errors\":[...]}, got %s", describe(val))
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k != "errors" {
			v.addf(childPath("$", k), "unknown key")
		}
	}
	raw, ok := m["errors"]
	if !ok {
		v.addf("$", "missing required key \"errors\"")
		return
	}
	msgs, ok := raw.([]any)
	if !ok {
		v.addf("$.errors", "want array of strings, got %s", describe(raw))
		return
	}
	if len(msgs) == 0 {
		v.addf("$.errors", "want at least one message, got none")
	}
	for i, msg := range msgs {
		if _, ok := msg.(string); !ok {
			v.addf(fmt.Sprintf("$.errors[%d]", i), "want string, got %s", describe(msg))
		}
	}
}

// childPath appends an object key to a JSON path, in brackets when the key
// would be ambiguous after a dot.
func childPath(path, key string) string {
	if key == "" || strings.ContainsAny(key, ".[]\" ") {
		return path + "[" + strconv.Quote(key) + "]"
	}
	return path + "." + key
}

// describe names a decoded JSON value for a violation message.
func describe(val any) string {
	switch x := val.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean " + strconv.FormatBool(x)
	case json.Number:
		return "number " + x.String()
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		return "string " + strconv.Quote(x)
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", val)
}
