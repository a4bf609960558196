// Package clienttest holds helpers shared by the platform clients' tests
// and fuzz targets. Only tests import it.
package clienttest

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Echoed returns a string of body (8 bytes or longer, key or value) that
// decode's error repeats: each in turn is replaced by a marker of the same
// length, and a message holding the marker echoes the body. It checks at
// most 64 strings, to keep the fuzzer fast on large inputs.
func Echoed(body []byte, decode func([]byte) error) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	checked := 0
	for tok, err := dec.Token(); err == nil && checked < 64; tok, err = dec.Token() {
		s, ok := tok.(string)
		quoted := []byte(`"` + s + `"`)
		if !ok || len(s) < 8 || !bytes.Contains(body, quoted) {
			continue
		}
		checked++
		marker := strings.Repeat("Q", len(s))
		if derr := decode(bytes.ReplaceAll(body, quoted, []byte(`"`+marker+`"`))); derr != nil && strings.Contains(derr.Error(), marker) {
			return s
		}
	}
	return ""
}
