// Package wire holds the small JSON helpers the platform decoders share:
// values that one vendor example shows as a number and another as a string,
// and a strict-enough decoder for login answers.
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// FlexString decodes a JSON string or number (or null) into a string.
// Numbers keep their literal form, so 20635 becomes "20635".
type FlexString struct {
	Value string
	Set   bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = FlexString{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString{Value: s, Set: true}
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		// A *json.UnmarshalTypeError lets encoding/json add the field's
		// path, so that DecodeJSON can name it; Value is only the JSON
		// kind, never the value itself.
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[string]()}
	}
	*f = FlexString{Value: n.String(), Set: true}
	return nil
}

// jsonKind names the kind of a JSON value by its first byte.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case '"':
		return "string"
	}
	return "number"
}

// FlexInt decodes a JSON number or a string holding an integer.
type FlexInt struct {
	Value int64
	Set   bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *FlexInt) UnmarshalJSON(b []byte) error {
	var s FlexString
	if err := s.UnmarshalJSON(b); err != nil {
		return err
	}
	if !s.Set {
		*f = FlexInt{}
		return nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s.Value), 10, 64)
	if err != nil {
		fv, ferr := strconv.ParseFloat(strings.TrimSpace(s.Value), 64)
		if ferr != nil || fv != float64(int64(fv)) {
			return &json.UnmarshalTypeError{Value: jsonKind(bytes.TrimSpace(b)), Type: reflect.TypeFor[int64]()}
		}
		v = int64(fv)
	}
	*f = FlexInt{Value: v, Set: true}
	return nil
}

// DecodeJSON decodes a response body into v, returning a KindMalformed
// error that says what was wrong (never quoting the body, which may hold
// secrets).
func DecodeJSON(body []byte, contentType string, v any) error {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return platform.Malformed("", "the answer is empty")
	}
	if trimmed[0] != '{' && trimmed[0] != '[' {
		// The content type is shown only as sent and when it is a plain
		// type/subtype (see MediaType): never lower-cased or cut.
		mt := MediaType(contentType)
		if mt == "" {
			mt = "not shown"
			if strings.TrimSpace(contentType) == "" {
				mt = "unknown"
			}
		}
		return platform.Malformed("", fmt.Sprintf("the answer is not JSON (content type %s)", mt))
	}
	if err := json.Unmarshal(trimmed, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "(top level)"
			} else if FieldPath(field) == "" {
				field = "(name not shown)"
			}
			// te.Value is "number 123" for a number out of range: keep
			// only the kind, never a value from the body.
			kind, _, _ := strings.Cut(te.Value, " ")
			if !jsonKinds[kind] {
				kind = "value"
			}
			return platform.Malformed(field, fmt.Sprintf("field %q has the wrong type (got JSON %s)", field, kind))
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return platform.Malformed("", fmt.Sprintf("the answer is not valid JSON (syntax error at byte %d)", se.Offset))
		}
		// Any other decoder error may quote the answer (a strconv error
		// does): its text is not kept.
		return platform.Malformed("", "the answer could not be decoded")
	}
	return nil
}

// jsonKinds are the JSON kinds a type error may name.
var jsonKinds = map[string]bool{"string": true, "number": true, "bool": true, "array": true, "object": true, "null": true, "nothing": true}

// HeaderSafe reports whether v, a value a platform sent, may be put into a
// header that a consumer will send: not empty, and without control
// characters (a CR or LF would let the platform add headers of its own).
func HeaderSafe(v string) bool {
	if v == "" {
		return false
	}
	for i := range len(v) {
		if b := v[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

// Token returns the token a login answer holds in the JSON field called
// field (v is nil when the field is missing or null), trimmed of white
// space. An empty token is a malformed answer. (clients.Manager checks every
// header value of a session for control characters, the token's included.)
func Token(field string, v *string) (string, error) {
	if v == nil {
		return "", platform.Malformed(field, fmt.Sprintf("the answer has no %q field", field))
	}
	t := strings.TrimSpace(*v)
	if t == "" {
		return "", platform.Malformed(field, fmt.Sprintf("the %q field is empty", field))
	}
	return t, nil
}

// AccessToken reads the access_token and token_type fields of an OAuth 2.0
// token answer (RFC 6749, section 5.1): the token, and its type, "Bearer"
// when the answer names none (or "bearer", in any case), the answer's own
// otherwise. The type is the first word of the Authorization header, so it
// must be one word without control characters.
func AccessToken(token *string, tokenType string) (string, string, error) {
	t, err := Token("access_token", token)
	if err != nil {
		return "", "", err
	}
	switch tt := strings.TrimSpace(tokenType); {
	case tt == "" || strings.EqualFold(tt, "bearer"):
		return t, "Bearer", nil
	case strings.ContainsAny(tt, " \t"):
		return "", "", platform.Malformed("token_type", "the \"token_type\" field is not a single word")
	default:
		return t, tt, nil
	}
}
