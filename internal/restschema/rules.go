package restschema

import "slices"

// This file holds every place where the validator knowingly departs from the
// snapshot schema. Each rule says why, with the section of
// testdata/flink-rest/REFERENCE.md that records the wire behaviour. The tables
// are built per Spec (newRules), filtered for its version, so that there is
// no package-level state.

// rules are the departures from the snapshot schema for one Flink version.
type rules struct {
	// discriminator is the key of the polymorphic type property: "@class"
	// up to 1.14, "className" from 1.15 (FLINK-25808; REFERENCE.md §3.6,
	// §4). other is the key the version does NOT write, to explain the
	// violation when it appears.
	discriminator, other string
	polymorphic          []polymorphicType
	overrides            []override
	metrics              map[string]metricsShape
	aggregates           []string
}

// polymorphicType is a Jackson type with @JsonTypeInfo subtypes. The
// snapshot schema lists only the declared type's own properties: it omits the
// type property and the fields of the subtypes (REFERENCE.md §1), which Flink
// nevertheless sends wherever the declared type is the base class.
type polymorphicType struct {
	// idSuffix is matched against the end of the schema's type id, so that
	// a renamed package does not break the rule.
	idSuffix string
	// kinds are the discriminator values allowed where this type is
	// declared.
	kinds []string
	// fields are the subtype-only keys.
	fields []subtypeField
}

// subtypeField is a key only some subtypes of a polymorphic type send.
type subtypeField struct {
	key   string
	kinds []string // discriminator values whose subtype has the key
	since string   // first version that sends it; "" for all
	node  *node
}

// field returns the subtype field called key, or nil.
func (p *polymorphicType) field(key string) *subtypeField {
	for i := range p.fields {
		if p.fields[i].key == key {
			return &p.fields[i]
		}
	}
	return nil
}

// override replaces the schema of one value of one endpoint where the
// wire is known to differ from the snapshot.
type override struct {
	method, template string
	path             string // JSON path of the value, as violations print it
	until            string // last version the override applies to; "" for all
	node             *node
}

// metricsShape is the wire shape of a metrics endpoint whose response the
// snapshot only types as "any" (the bodies have custom serializers).
type metricsShape int

// The two shapes of Flink's metrics answers (REFERENCE.md §3.15).
const (
	// metricList is MetricCollectionResponseBody: [{"id":..}] or
	// [{"id":..,"value":"<string>"}].
	metricList metricsShape = iota + 1
	// metricAggregates is AggregatedMetricsResponseBody:
	// [{"id":..,"min":<number|"NaN">,...}].
	metricAggregates
)

// newRules builds the rules that apply to version v.
func newRules(v version) rules {
	r := rules{discriminator: "className", other: "@class"}
	if !v.atLeast("1.15") {
		r.discriminator, r.other = "@class", "className"
	}
	for _, p := range polymorphicTypes() {
		fields := p.fields[:0:0]
		for _, f := range p.fields {
			if f.since == "" || v.atLeast(f.since) {
				fields = append(fields, f)
			}
		}
		p.fields = fields
		r.polymorphic = append(r.polymorphic, p)
	}
	for _, o := range overrides() {
		if o.until == "" || mustVersion(o.until).compare(v) >= 0 {
			r.overrides = append(r.overrides, o)
		}
	}
	r.metrics = metricsEndpoints()
	r.aggregates = []string{"min", "max", "avg", "sum"}
	if v.atLeast("1.20") {
		// FLINK-33597 added the skew aggregation in 1.20 (REFERENCE.md §4).
		r.aggregates = append(r.aggregates, "skew")
	}
	return r
}

// polymorphicFor returns the polymorphic type whose id ends in the rule's
// suffix, or nil.
func (r *rules) polymorphicFor(id string) *polymorphicType {
	if id == "" {
		return nil
	}
	for i := range r.polymorphic {
		if hasSuffixAfterColon(id, r.polymorphic[i].idSuffix) {
			return &r.polymorphic[i]
		}
	}
	return nil
}

// hasSuffixAfterColon reports whether id ends in suffix at a ':' boundary,
// so that "TaskCheckpointStatistics" does not match "CheckpointStatistics".
func hasSuffixAfterColon(id, suffix string) bool {
	if len(id) < len(suffix) || id[len(id)-len(suffix):] != suffix {
		return false
	}
	return len(id) == len(suffix) || id[len(id)-len(suffix)-1] == ':'
}

// overrideFor returns the schema that replaces the snapshot's at path of
// method template, or nil.
func (r *rules) overrideFor(method, template, path string) *node {
	for _, o := range r.overrides {
		if o.method == method && o.template == template && o.path == path {
			return o.node
		}
	}
	return nil
}

// isAggregate reports whether key is an aggregation this version sends.
func (r *rules) isAggregate(key string) bool { return slices.Contains(r.aggregates, key) }

// Checkpoint kinds, the values of the discriminator of CheckpointStatistics
// (REFERENCE.md §3.6) and of SubtaskCheckpointStatistics (§3.9).
const (
	kindCompleted  = "completed"
	kindFailed     = "failed"
	kindInProgress = "in_progress"
	kindPending    = "pending"
)

// polymorphicTypes lists the polymorphic types of the checkpoint endpoints
// with their subtype-only fields, from the Java message classes as
// REFERENCE.md §3.6 and §3.9 record them.
func polymorphicTypes() []polymorphicType {
	completed := []string{kindCompleted}
	failed := []string{kindFailed}
	// CompletedCheckpointStatistics and FailedCheckpointStatistics add these
	// to CheckpointStatistics. Where the snapshot declares the subtype
	// (latest.completed, latest.savepoint, latest.failed) it lists them
	// itself; where it declares the base type (history[], details) it does
	// not.
	checkpointFields := []subtypeField{
		{key: "external_path", kinds: completed, node: scalar("string")},
		{key: "discarded", kinds: completed, node: scalar("boolean")},
		{key: "failure_timestamp", kinds: failed, node: scalar("integer")},
		{key: "failure_message", kinds: failed, node: scalar("string")},
	}
	return []polymorphicType{
		{
			// history[] entries and GET .../checkpoints/details/:checkpointid.
			idSuffix: "checkpoints:CheckpointStatistics",
			kinds:    []string{kindCompleted, kindFailed, kindInProgress},
			fields:   checkpointFields,
		},
		{
			// latest.completed and latest.savepoint.
			idSuffix: "CheckpointStatistics:CompletedCheckpointStatistics",
			kinds:    completed,
		},
		{
			// latest.failed.
			idSuffix: "CheckpointStatistics:FailedCheckpointStatistics",
			kinds:    failed,
		},
		{
			// subtasks[] of GET .../checkpoints/details/:checkpointid/subtasks/:vertexid:
			// the snapshot lists only index and status; completed entries
			// (CompletedSubtaskCheckpointStatistics) add the rest, pending
			// ones (PendingSubtaskCheckpointStatistics) nothing.
			idSuffix: "checkpoints:SubtaskCheckpointStatistics",
			kinds:    []string{kindCompleted, kindPending},
			fields: []subtypeField{
				{key: "ack_timestamp", kinds: completed, node: scalar("integer")},
				{key: "end_to_end_duration", kinds: completed, node: scalar("integer")},
				{key: "checkpointed_size", kinds: completed, since: "1.15", node: scalar("integer")},
				{key: "state_size", kinds: completed, node: scalar("integer")},
				{key: "checkpoint", kinds: completed, node: object(map[string]*node{
					"sync":  scalar("integer"),
					"async": scalar("integer"),
				})},
				{key: "alignment", kinds: completed, node: object(map[string]*node{
					"buffered":  scalar("integer"),
					"processed": scalar("integer"),
					"persisted": scalar("integer"),
					"duration":  scalar("integer"),
				})},
				{key: "start_delay", kinds: completed, node: scalar("integer")},
				{key: "unaligned_checkpoint", kinds: completed, node: scalar("boolean")},
				{key: "aborted", kinds: completed, node: scalar("boolean")},
			},
		},
	}
}

// overrides lists the values whose wire format differs from the snapshot.
func overrides() []override {
	return []override{
		{
			// CheckpointConfigInfo.ProcessingMode is serialized in lower
			// case ("exactly_once", "at_least_once") by its own serializer,
			// although the Java enum constants are upper case; the snapshot
			// types it "any" (an enum in upper case in the OpenAPI spec).
			// Accept exactly the lowercase names, nothing else
			// (REFERENCE.md §3.7).
			method: "GET", template: "/jobs/:jobid/checkpoints/config", path: "$.mode",
			node: stringEnum("exactly_once", "at_least_once"),
		},
		{
			// JobDetailsInfo.plan is raw JSON written with @JsonRawValue: an
			// object on the wire, although the snapshot says "string" up to
			// 1.17 (REFERENCE.md §3.5; the real 1.15 capture has an object).
			// From 1.18 the snapshot types it as an object itself.
			method: "GET", template: "/jobs/:jobid", path: "$.plan", until: "1.17",
			node: &node{Type: "object"},
		},
		{
			// JobExceptionsInfoWithHistory.timestamp (1.x; gone in 2.0) is
			// a boxed Long: a job that never failed has no root exception
			// and Flink writes "timestamp":null.
			method: "GET", template: "/jobs/:jobid/exceptions", path: "$.timestamp", until: "1.20",
			node: &node{Type: "integer", nullable: true},
		},
	}
}

// metricsEndpoints maps the metrics endpoints to their shape. The snapshot
// types all of them "any" because their bodies have custom serializers
// (REFERENCE.md §3.15).
func metricsEndpoints() map[string]metricsShape {
	return map[string]metricsShape{
		"/jobmanager/metrics":                                            metricList,
		"/taskmanagers/:taskmanagerid/metrics":                           metricList,
		"/jobs/:jobid/metrics":                                           metricList,
		"/jobs/:jobid/vertices/:vertexid/metrics":                        metricList,
		"/jobs/:jobid/vertices/:vertexid/subtasks/:subtaskindex/metrics": metricList,
		// JobManagerOperatorMetricsHandler (1.20+) extends
		// AbstractMetricsHandler, so it answers MetricCollectionResponseBody
		// like the other unaggregated handlers (REFERENCE.md §3.15 lists it
		// with the aggregated ones, which the handler's source contradicts).
		"/jobs/:jobid/vertices/:vertexid/jm-operator-metrics": metricList,
		// JobVertexWatermarksHandler answers MetricCollectionResponseBody
		// too ("<subtask>.currentInputWatermark" ids with string values).
		"/jobs/:jobid/vertices/:vertexid/watermarks":       metricList,
		"/taskmanagers/metrics":                            metricAggregates,
		"/jobs/metrics":                                    metricAggregates,
		"/jobs/:jobid/vertices/:vertexid/subtasks/metrics": metricAggregates,
	}
}

// scalar returns a schema node of a plain type.
func scalar(typ string) *node { return &node{Type: typ} }

// stringEnum returns a schema node for a string with allowed values.
func stringEnum(values ...string) *node { return &node{Type: "string", Enum: values} }

// object returns a schema node for an object with fixed keys.
func object(props map[string]*node) *node { return &node{Type: "object", Properties: props} }
