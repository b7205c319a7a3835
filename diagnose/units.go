package diagnose

import (
	"fmt"
	"math"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
)

// Units of the values a diagnosis shows, from the metric naming
// conventions (base units in the name).
const (
	unitSeconds        = "s"
	unitBytes          = "B"
	unitBytesPerSecond = "B/s"
	unitRatio          = "ratio"
	unitNone           = ""
)

// unitOfName reads the unit from a metric or recorded series name.
func unitOfName(name string) string {
	switch {
	case strings.Contains(name, "bytes_per_second"):
		return unitBytesPerSecond
	case strings.Contains(name, "_ratio"):
		return unitRatio
	case strings.Contains(name, "_seconds") && !strings.HasSuffix(name, "_total"):
		return unitSeconds
	case strings.Contains(name, "_bytes"):
		return unitBytes
	}
	return unitNone
}

// unitOf is the unit of an alert's value: that of the first series its
// deciding expression reads.
func unitOf(r Rule, expr parser.Expr) string {
	if s := selectors(expr); len(s) > 0 {
		return unitOfName(s[0].Name)
	}
	return unitNone
}

// format writes a value with its unit for people.
func format(v float64, unit string) string {
	switch unit {
	case unitSeconds:
		return seconds(v)
	case unitRatio:
		return percent(v)
	case unitBytes:
		return formatBytes(v)
	case unitBytesPerSecond:
		return formatBytes(v) + "/s"
	}
	return fmt.Sprintf("%.3g", v)
}

func seconds(v float64) string {
	switch {
	case math.Abs(v) >= 120:
		return fmt.Sprintf("%.1f min", v/60)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.0f s", v)
	}
	return fmt.Sprintf("%.2f s", v)
}

func percent(v float64) string { return fmt.Sprintf("%.0f %%", 100*v) }

func formatBytes(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1<<30:
		return fmt.Sprintf("%.1f GiB", v/(1<<30))
	case a >= 1<<20:
		return fmt.Sprintf("%.1f MiB", v/(1<<20))
	case a >= 1<<10:
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}
