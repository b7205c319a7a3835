package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Render encodes a dashboard as the files in dashboards/ hold it: every
// object's keys sorted, two-space indent, no HTML escaping (PromQL's < and
// > stay readable), and a trailing newline. The same dashboard always
// renders to the same bytes.
func Render(d Dashboard) ([]byte, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode dashboard %s: %w", d.UID, err)
	}
	// Decoding into maps and encoding again sorts the keys of every
	// object; UseNumber keeps numbers exactly as written.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("decode dashboard %s: %w", d.UID, err)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(tree); err != nil {
		return nil, fmt.Errorf("encode dashboard %s: %w", d.UID, err)
	}
	return out.Bytes(), nil
}

// Files renders every dashboard, keyed by its file name in dashboards/.
func Files() (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, d := range All() {
		b, err := Render(d)
		if err != nil {
			return nil, err
		}
		files[FileName(d.UID)] = b
	}
	return files, nil
}
