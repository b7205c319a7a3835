package flinkapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Float is a double as Flink's Jackson serializer writes it: a JSON number, or
// one of the strings "NaN", "Infinity" and "-Infinity" (Jackson's
// WRITE_NAN_AS_STRINGS default). Percentiles of checkpoint summaries without
// completed checkpoints and aggregated metric values are sent this way.
type Float float64

// NewFloat returns a pointer to f, for optional Float fields.
func NewFloat(f float64) *Float {
	v := Float(f)
	return &v
}

// MarshalJSON writes f as Jackson does: non-finite values as strings, finite
// values as numbers with at least one decimal digit ("34.0").
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if math.Abs(v) >= 1e21 || (v != 0 && math.Abs(v) < 1e-6) {
		s = strconv.FormatFloat(v, 'E', -1, 64)
	} else if !bytes.ContainsAny([]byte(s), ".") {
		s += ".0"
	}
	return []byte(s), nil
}

// UnmarshalJSON accepts a JSON number, a numeric string or one of Jackson's
// non-finite strings.
func (f *Float) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		*f = Float(math.NaN())
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("decode float string: %w", err)
		}
		v, err := parseFlinkFloat(s)
		if err != nil {
			return err
		}
		*f = Float(v)
		return nil
	}
	v, err := strconv.ParseFloat(string(data), 64)
	if err != nil {
		return fmt.Errorf("decode float %q: %w", data, err)
	}
	*f = Float(v)
	return nil
}

// parseFlinkFloat parses a number as Flink renders it in a string: Jackson's
// non-finite names or anything strconv accepts.
func parseFlinkFloat(s string) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("decode float %q: %w", s, err)
	}
	return v, nil
}

// Value returns f as a float64; a nil pointer is NaN, so absent optional
// values never pass for zero.
func (f *Float) Value() float64 {
	if f == nil {
		return math.NaN()
	}
	return float64(*f)
}
