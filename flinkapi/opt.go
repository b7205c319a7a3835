package flinkapi

import (
	"bytes"
	"encoding/json"
)

// Opt is a field that some Flink versions omit, and that the others always
// send, possibly as null. Used with the `omitzero` tag option it lets one Go
// type describe every version: Present=false omits the key, Present=true with
// a nil Value writes null.
type Opt[T any] struct {
	Present bool
	Value   *T
}

// Some returns a present Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{Present: true, Value: &v} }

// Null returns a present Opt that is written as null.
func Null[T any]() Opt[T] { return Opt[T]{Present: true} }

// IsZero reports whether the field is absent, for `omitzero`.
func (o Opt[T]) IsZero() bool { return !o.Present }

// Get returns the value and whether there is one (present and not null).
func (o Opt[T]) Get() (T, bool) {
	if o.Value == nil {
		var zero T
		return zero, false
	}
	return *o.Value, true
}

// MarshalJSON writes the value, or null.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if o.Value == nil {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}

// UnmarshalJSON marks the field present and decodes a value unless it is null.
func (o *Opt[T]) UnmarshalJSON(data []byte) error {
	o.Present = true
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}
