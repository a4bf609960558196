// Package jwtclaims reads the claims of a JSON Web Token WITHOUT verifying
// its signature. The provider only reads what the platform itself issued to
// it over TLS (to learn the expiry), and the jwt_claims function documents
// that its result is unverified. Parsing uses github.com/golang-jwt/jwt/v5's
// ParseUnverified rather than hand-written base64 and JSON handling.
package jwtclaims

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrNotJWT is returned for a string that is not a JWT with a JSON payload.
var ErrNotJWT = errors.New("the token is not a JSON Web Token")

// maxTokenLen bounds the input: real platform tokens are a few KiB.
const maxTokenLen = 64 << 10

// Parse returns a token's claims, unverified. Numbers are json.Number so
// that large integers keep their precision. A `sub` claim that is a string
// holding a JSON object (BienPort's quirk) is left as the string; see
// DecodeNestedSubject.
func Parse(token string) (map[string]any, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxTokenLen || strings.Count(token, ".") != 2 {
		return nil, ErrNotJWT
	}
	claims := jwt.MapClaims{}
	p := jwt.NewParser(jwt.WithJSONNumber())
	if _, _, err := p.ParseUnverified(token, claims); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNotJWT, describe(err))
	}
	return map[string]any(claims), nil
}

// describe keeps the parser's error short and free of token material.
func describe(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "unverifiable header"
	}
	return "unreadable"
}

// Expiry returns the `exp` claim as a time, and whether it was present and
// usable.
func Expiry(claims map[string]any) (time.Time, bool) {
	return numericDate(claims, "exp")
}

// TokenExpiry is the `exp` claim of token, and whether token is a JWT
// with a usable one: the platforms that issue JWTs without documenting
// their lifetime reveal it only there.
func TokenExpiry(token string) (time.Time, bool) {
	claims, err := Parse(token)
	if err != nil {
		return time.Time{}, false
	}
	return Expiry(claims)
}

// numericDate reads a NumericDate claim (seconds since the epoch, integer or
// fractional).
func numericDate(claims map[string]any, name string) (time.Time, bool) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false
	}
	var f float64
	switch n := v.(type) {
	case json.Number:
		x, err := n.Float64()
		if err != nil {
			return time.Time{}, false
		}
		f = x
	case float64:
		f = n
	case int64:
		f = float64(n)
	case string:
		num := json.Number(strings.TrimSpace(n))
		x, err := num.Float64()
		if err != nil {
			return time.Time{}, false
		}
		f = x
	default:
		return time.Time{}, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f <= 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// DecodeNestedSubject returns the `sub` claim as an object when it is a
// string holding a JSON object (BienPort: {"userid":...,"screenName":...}).
func DecodeNestedSubject(claims map[string]any) (map[string]any, bool) {
	s, ok := claims["sub"].(string)
	if !ok {
		return nil, false
	}
	s = strings.TrimSpace(s)
	// json.Valid rejects trailing input such as `{"a":1}}`, which the
	// decoder's More would let through.
	if !strings.HasPrefix(s, "{") || !json.Valid([]byte(s)) {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || dec.More() {
		return nil, false
	}
	return obj, true
}
