package flinksim

import (
	"encoding/json"
	"strconv"
)

// planNode is one node of a job's plan.
type planNode struct {
	ID                  string         `json:"id"`
	Parallelism         int            `json:"parallelism"`
	Operator            string         `json:"operator"`
	OperatorStrategy    string         `json:"operator_strategy"`
	Description         string         `json:"description"`
	Inputs              []planInput    `json:"inputs,omitempty"`
	OptimizerProperties map[string]any `json:"optimizer_properties"`
}

// planInput is one input edge of a plan node.
type planInput struct {
	Num          int    `json:"num"`
	ID           string `json:"id"`
	ShipStrategy string `json:"ship_strategy"`
	Exchange     string `json:"exchange"`
}

// plan renders the job's JSON plan: a chain of vertices, each hash-
// partitioned from the previous one.
func (m *model) plan(j *job) json.RawMessage {
	nodes := make([]planNode, len(j.vertices))
	for v, vx := range j.vertices {
		nodes[v] = planNode{
			ID: vx.id, Parallelism: j.parallelism, Description: vx.name,
			OptimizerProperties: map[string]any{},
		}
		if v > 0 {
			nodes[v].Inputs = []planInput{{Num: 0, ID: j.vertices[v-1].id, ShipStrategy: "HASH", Exchange: "pipelined_bounded"}}
		}
	}
	typ := "STREAMING"
	if j.kind == jobFinished {
		typ = "BATCH"
	}
	raw, _ := encodeJSON(struct {
		JID   string     `json:"jid"`
		Name  string     `json:"name"`
		Type  string     `json:"type"`
		Nodes []planNode `json:"nodes"`
	}{j.id, j.name, typ, nodes})
	return raw
}

// streamGraph renders the job's stream graph (2.0+) with one node per
// vertex.
func (m *model) streamGraph(j *job) json.RawMessage {
	type node struct {
		ID          string `json:"id"`
		Parallelism int    `json:"parallelism"`
		Operator    string `json:"operator"`
		Description string `json:"description"`
	}
	nodes := make([]node, len(j.vertices))
	for v, vx := range j.vertices {
		nodes[v] = node{ID: strconv.Itoa(v + 1), Parallelism: j.parallelism, Operator: vx.name, Description: vx.name}
	}
	raw, _ := encodeJSON(struct {
		Nodes []node `json:"nodes"`
	}{nodes})
	return raw
}
