package collector

import (
	"fmt"
	"unicode/utf8"
)

// maxLogText bounds the error text of one log line. A collector's error
// joins the errors of every job it read, which on a cluster of thousands of
// jobs would make a line of megabytes.
const maxLogText = 4096

// logText renders err for a log line, cut to maxLogText bytes (on a rune
// boundary) with the size of the whole noted when cut.
func logText(err error) string {
	s := err.Error()
	if len(s) <= maxLogText {
		return s
	}
	cut := maxLogText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (truncated, %d bytes in all)", s[:cut], len(s))
}
