package flinksim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// contentType is what Flink's REST server sends with every answer.
const contentType = "application/json; charset=UTF-8"

// encodeJSON renders v compactly as Jackson does: no HTML escaping (Flink
// sends "->" and "<Exception on server side" verbatim) and no trailing
// newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeReply writes an answer with the body faults applied.
func writeReply(w http.ResponseWriter, rp reply, f Faults) {
	body := rp.raw
	if body == nil {
		var err error
		if body, err = encodeJSON(rp.body); err != nil {
			rp.status = http.StatusInternalServerError
			body, _ = encodeJSON(internalError("java.lang.IllegalStateException: " + err.Error()).body)
		}
	}
	status := rp.status
	if status == 0 {
		status = http.StatusOK
	}
	if status == http.StatusOK {
		body = f.corrupt(body)
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
