package wire

import (
	"mime"
	"regexp"
	"strings"
)

// Text a platform sends reaches a diagnostic or a log only through the
// functions below: each accepts a value that matches a strict grammar and
// returns it exactly as sent, or rejects it. Nothing is transformed
// (trimmed of characters, lower-cased, unescaped), so that the provider's
// redaction, which runs on the final text of a diagnostic and compares it
// with the configured secrets, still finds a secret that a platform echoed.

// requestIDPattern is a short request or correlation ID.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// RequestIDNotShown stands for a request ID that did not match the pattern.
const RequestIDNotShown = "(request ID not shown: unexpected characters)"

// RequestID returns "request ID <id>" for an ID of 1 to 64 letters, digits,
// dots, underscores and hyphens, RequestIDNotShown for any other non-empty
// value, and "" for an empty one.
func RequestID(id string) string {
	switch {
	case id == "":
		return ""
	case requestIDPattern.MatchString(id):
		return "request ID " + id
	}
	return RequestIDNotShown
}

// mediaTypePattern is type/subtype with a registered top-level type and a
// short subtype of RFC 6838 "restricted-name" characters.
var mediaTypePattern = regexp.MustCompile(
	`^(?i:application|audio|font|image|message|model|multipart|text|video)/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$`)

// MediaType returns the media type of a Content-Type header (without its
// parameters) as sent, when the header parses (mime.ParseMediaType) and the
// type matches a strict type/subtype grammar; otherwise "".
func MediaType(contentType string) string {
	if _, _, err := mime.ParseMediaType(contentType); err != nil {
		return ""
	}
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt) // white space around the type is not part of it
	if !mediaTypePattern.MatchString(mt) {
		return ""
	}
	return mt
}

// hostPattern is a host name or IPv4 address, or a bracketed IPv6
// address, with an optional port.
var hostPattern = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(:[0-9]{1,5})?$`)

// Host returns host (the host[:port] of a URL a platform sent) when it
// matches a strict host grammar and appears, byte for byte, in raw (the
// header it came from: url.Parse unescapes), otherwise "".
func Host(host, raw string) string {
	if !hostPattern.MatchString(host) || !strings.Contains(raw, host) {
		return ""
	}
	return host
}

// fieldPattern is the path of a JSON field as encoding/json names it
// (dotted struct field names).
var fieldPattern = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,7}$`)

// FieldPath returns a decoder's field path when it is a dotted path of
// plain names, otherwise "".
func FieldPath(field string) string {
	if !fieldPattern.MatchString(field) {
		return ""
	}
	return field
}
