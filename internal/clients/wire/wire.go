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
	"regexp"
	"strconv"
	"strings"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// FlexString decodes a JSON string or number (or null) into a string.
// A whole number becomes its integer text, whatever form the platform
// wrote it in: 20635, 2.0635e4 and 20635.0 all become "20635" (BienPort
// has sent organization IDs in exponent form). Any other number keeps its
// literal form ("2.5"): whether a fraction is acceptable is the field's
// decoder's call (IsInteger). Strings are kept as sent.
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
	v := n.String()
	if w, ok := wholeNumberText(v); ok {
		v = w
	}
	*f = FlexString{Value: v, Set: true}
	return nil
}

// maxWholeDigits bounds the integer text of a whole number; a longer one
// (1e400) keeps its literal form rather than growing into hundreds of
// digits.
const maxWholeDigits = 40

// wholeNumberText returns the integer text of lit, a valid JSON number,
// when it is a whole number of at most maxWholeDigits digits. It works on
// the decimal digits (no float rounding): 2.0635e4 is "20635", -1.5e3 is
// "-1500", -0 is "0".
func wholeNumberText(lit string) (string, bool) {
	neg := strings.HasPrefix(lit, "-")
	lit = strings.TrimPrefix(lit, "-")
	mant, exp := lit, 0
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		e, err := strconv.Atoi(lit[i+1:])
		if err != nil || e > 1000 || e < -1000 {
			return "", false
		}
		mant, exp = lit[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := intPart + frac
	exp -= len(frac)
	switch {
	case exp < 0 && -exp >= len(digits):
		// Every digit is after the point: whole only when all are zero.
		if strings.Trim(digits, "0") != "" {
			return "", false
		}
		digits = ""
	case exp < 0:
		if strings.Trim(digits[len(digits)+exp:], "0") != "" {
			return "", false
		}
		digits = digits[:len(digits)+exp]
	case strings.Trim(digits, "0") == "":
		digits = ""
	case exp > maxWholeDigits:
		return "", false
	default:
		digits += strings.Repeat("0", exp)
	}
	digits = strings.TrimLeft(digits, "0")
	switch {
	case digits == "":
		return "0", true
	case len(digits) > maxWholeDigits:
		return "", false
	case neg:
		return "-" + digits, true
	}
	return digits, true
}

// numberPattern is the JSON number grammar (RFC 8259, section 6).
var numberPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// NotWhole reports whether s, a FlexString's value, is a number that is
// not a whole number (or too long to be written as one): FlexString has
// already turned every other number into integer text.
func NotWhole(s string) bool { return numberPattern.MatchString(s) && !IsInteger(s) }

// IsInteger reports whether s is the text of an integer: an optional minus
// sign and decimal digits.
func IsInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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

// Lenient decodes an optional field whose value may come in a form the
// decoder cannot read: instead of failing the whole answer, it records that
// the value was there but unreadable (Bad), so that the field is left null
// and the platform package can warn about it. The token and what goes into
// headers are never Lenient.
type Lenient[T any] struct {
	Value T
	// Set: present, not null, and read.
	Set bool
	// Bad: present and not null, but not readable as T.
	Bad bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (l *Lenient[T]) UnmarshalJSON(b []byte) error {
	*l = Lenient[T]{}
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var v T
	// An unreadable value is not an error of the answer: it is recorded
	// (Bad) and the field stays null.
	l.Bad = json.Unmarshal(b, &v) != nil
	if !l.Bad {
		l.Value, l.Set = v, true
	}
	return nil
}

// Warnings collects the warnings of one answer.
type Warnings []platform.Warning

// Check adds a warning when f was unreadable: field is the answer's field
// as the platform names it, want what it should have been ("a number"),
// null the result attributes left null. All three are the caller's
// constants, never text from the answer.
func (w *Warnings) Check(bad bool, field, want string, null ...string) {
	if bad {
		*w = append(*w, platform.Warning{Field: field, Want: want, Null: null})
	}
}
