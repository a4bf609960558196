package jwtclaims

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// seedToken reads the BienPort vendor example token (seed 003).
func seedToken(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("testdata/seed003_token.txt")
	if err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// seed001Token is Monogoto's documented example token: JWT-shaped, but its
// parts are not valid base64 JSON, so its expiry is unknown.
const seed001Token = "eyJhb6IkpXVCJ9.eyJSb2xlIjoiVXN4lclByb2ZpbGVJZF9kZGM2MThhNC0wNTI1LTQ2MmUtYWN3NzhhMGQxYmbSI6Im4zgFkbWluIiwiQ3VzdG9tsbCwiVXNlcklkIjoiVklkXzg5Yj5Y2OGEyUtNDQThhLTEzZjA0MzJhZDE3YyINTAzgZmUtZGI51My00ZjRiLTktN2U5Yjc0ZWU1ZThlIiwiaWNzM3MjI5L2MDY3NTE2Mjl9.99aSLzP7kTgK6TZGW-xalrMu0GkW6viunt3XxbNng"

func TestParseSignedHS512(t *testing.T) {
	exp := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS512, jwt.MapClaims{
		"sub":   "user-42",
		"exp":   exp.Unix(),
		"iat":   1756140817,
		"big":   int64(9007199254740993), // 2^53+1: float64 would lose it
		"roles": []string{"admin", "viewer"},
	})
	signed, err := tok.SignedString([]byte("test-signing-key-not-a-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	claims, err := Parse("  " + signed + "\n")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if claims["sub"] != "user-42" {
		t.Errorf("sub = %#v", claims["sub"])
	}
	if n, ok := claims["big"].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Errorf("big = %#v, want json.Number 9007199254740993", claims["big"])
	}
	if roles, ok := claims["roles"].([]any); !ok || len(roles) != 2 || roles[0] != "admin" {
		t.Errorf("roles = %#v", claims["roles"])
	}
	got, ok := Expiry(claims)
	if !ok || !got.Equal(exp) || got.Location() != time.UTC {
		t.Errorf("Expiry = %v, %v; want %v", got, ok, exp)
	}
	iat, ok := numericDate(claims, "iat")
	if !ok || iat.Unix() != 1756140817 {
		t.Errorf("iat = %v, %v", iat, ok)
	}
	if _, ok := DecodeNestedSubject(claims); ok {
		t.Error("a plain string subject decoded as an object")
	}
}

func TestParseIgnoresSignature(t *testing.T) {
	// The signature is not verified: any key, or none, works.
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"exp": 2000000000})
	signed, err := tok.SignedString([]byte("one key"))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(signed, ".")
	for _, variant := range []string{
		signed,
		parts[0] + "." + parts[1] + ".AAAA",
		parts[0] + "." + parts[1] + ".",
	} {
		claims, err := Parse(variant)
		if err != nil {
			t.Fatalf("Parse(%q): %v", variant, err)
		}
		if exp, ok := Expiry(claims); !ok || exp.Unix() != 2000000000 {
			t.Errorf("Expiry = %v, %v", exp, ok)
		}
	}
}

func TestParseBienportSeed(t *testing.T) {
	claims, err := Parse(seedToken(t))
	if err != nil {
		t.Fatalf("Parse(seed 003): %v", err)
	}
	exp, ok := Expiry(claims)
	if !ok || exp.Unix() != 1763916817 || !exp.Equal(time.Date(2025, 11, 23, 16, 53, 37, 0, time.UTC)) {
		t.Errorf("Expiry = %v, %v; want 2025-11-23T16:53:37Z", exp, ok)
	}
	iat, ok := numericDate(claims, "iat")
	if !ok || iat.Unix() != 1756140817 {
		t.Errorf("iat = %v, %v", iat, ok)
	}
	// Three months between iat and exp: a rememberMe=true token.
	if d := exp.Sub(iat); d != 90*24*time.Hour {
		t.Errorf("lifetime = %v, want 2160h", d)
	}
	sub, ok := claims["sub"].(string)
	if !ok || sub != `{"userid":20641,"screenName":"bienport.flexywatt","rememberMe":true}` {
		t.Fatalf("sub = %#v", claims["sub"])
	}
	obj, ok := DecodeNestedSubject(claims)
	if !ok {
		t.Fatal("DecodeNestedSubject: not an object")
	}
	if n, ok := obj["userid"].(json.Number); !ok || n.String() != "20641" {
		t.Errorf("userid = %#v, want json.Number 20641", obj["userid"])
	}
	if obj["screenName"] != "bienport.flexywatt" || obj["rememberMe"] != true {
		t.Errorf("subject = %#v", obj)
	}
	if len(obj) != 3 {
		t.Errorf("subject has %d keys, want 3", len(obj))
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestParseNotAJWT(t *testing.T) {
	hdr := b64(`{"alg":"HS256","typ":"JWT"}`)
	long := hdr + "." + b64(`{"pad":"`+strings.Repeat("x", 70<<10)+`"}`) + ".sig"
	cases := map[string]struct {
		in     string
		detail string
	}{
		"empty":                  {"", ""},
		"blank":                  {"   ", ""},
		"opaque":                 {"your_access_token", ""},
		"two parts":              {hdr + "." + b64(`{"exp":1}`), ""},
		"four parts":             {hdr + "." + b64(`{"exp":1}`) + ".s.extra", ""},
		"only dots":              {"..", "malformed"},
		"seed 001 token":         {seed001Token, "malformed"},
		"payload not base64":     {hdr + ".!!!.sig", "malformed"},
		"payload not JSON":       {hdr + "." + b64("not json") + ".sig", "malformed"},
		"payload a JSON array":   {hdr + "." + b64(`[1,2]`) + ".sig", "malformed"},
		"payload a JSON string":  {hdr + "." + b64(`"exp"`) + ".sig", "malformed"},
		"header not JSON":        {b64("nope") + "." + b64(`{"exp":1}`) + ".sig", "malformed"},
		"unknown alg":            {b64(`{"alg":"XYZ"}`) + "." + b64(`{"exp":1}`) + ".sig", "unverifiable header"},
		"over the size limit":    {long, ""},
		"bearer prefix included": {"Bearer " + hdr + "." + b64(`{"exp":1}`) + ".sig", "malformed"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			claims, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse = %v, want an error", claims)
			}
			if !errors.Is(err, ErrNotJWT) {
				t.Fatalf("error %v does not wrap ErrNotJWT", err)
			}
			want := ErrNotJWT.Error()
			if tc.detail != "" {
				want += ": " + tc.detail
			}
			if err.Error() != want {
				t.Errorf("error = %q, want %q", err.Error(), want)
			}
		})
	}
}

func TestParseNullPayload(t *testing.T) {
	// "null" decodes to no claims at all, which is not an error.
	claims, err := Parse(b64(`{"alg":"none"}`) + "." + b64(`null`) + ".")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := Expiry(claims); ok {
		t.Error("expiry found in empty claims")
	}
}

func TestNumericDate(t *testing.T) {
	cases := []struct {
		name string
		v    any
		want time.Time
		ok   bool
	}{
		{"json.Number integer", json.Number("1763916817"), time.Unix(1763916817, 0), true},
		{"json.Number fraction", json.Number("1700000000.25"), time.Unix(1700000000, 250000000), true},
		{"json.Number exponent", json.Number("1.7e9"), time.Unix(1700000000, 0), true},
		{"float64", float64(1763916817), time.Unix(1763916817, 0), true},
		{"float64 fraction", 1700000000.5, time.Unix(1700000000, 500000000), true},
		{"int64", int64(1763916817), time.Unix(1763916817, 0), true},
		{"string", "1763916817", time.Unix(1763916817, 0), true},
		{"string padded", " 1763916817 ", time.Unix(1763916817, 0), true},
		{"upper bound", json.Number("1e11"), time.Unix(1e11, 0), true},
		{"under a second after the epoch", json.Number("0.804"), time.Unix(0, 804000000), true},
		{"just over the upper bound", json.Number("100000000000.5"), time.Time{}, false},
		{"string not a number", "soon", time.Time{}, false},
		{"empty string", "", time.Time{}, false},
		{"json.Number garbage", json.Number("12abc"), time.Time{}, false},
		{"zero", json.Number("0"), time.Time{}, false},
		{"negative", float64(-1), time.Time{}, false},
		{"milliseconds by mistake", json.Number("1763916817000"), time.Time{}, false},
		{"NaN", math.NaN(), time.Time{}, false},
		{"+Inf", math.Inf(1), time.Time{}, false},
		{"bool", true, time.Time{}, false},
		{"nil", nil, time.Time{}, false},
		{"int (not a JSON type)", 5, time.Time{}, false},
		{"object", map[string]any{"t": 1}, time.Time{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := numericDate(map[string]any{"exp": tc.v}, "exp")
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (got %v)", ok, tc.ok, got)
			}
			if !got.Equal(tc.want) {
				t.Errorf("time = %v, want %v", got, tc.want)
			}
			if ok && got.Location() != time.UTC {
				t.Errorf("location = %v, want UTC", got.Location())
			}
		})
	}
	if _, ok := numericDate(map[string]any{}, "exp"); ok {
		t.Error("missing claim reported as present")
	}
	if _, ok := numericDate(nil, "exp"); ok {
		t.Error("nil claims reported as present")
	}
}

func TestDecodeNestedSubject(t *testing.T) {
	cases := []struct {
		name string
		sub  any
		want map[string]any
	}{
		{"bienport", `{"userid":20641,"screenName":"bienport.demo","rememberMe":false}`,
			map[string]any{"userid": json.Number("20641"), "screenName": "bienport.demo", "rememberMe": false}},
		{"padded", "  {\"a\":\"b\"}\n", map[string]any{"a": "b"}},
		{"empty object", `{}`, map[string]any{}},
		{"plain string", "user-42", nil},
		{"json array", `[{"a":1}]`, nil},
		{"json string", `"x"`, nil},
		{"broken object", `{"userid":`, nil},
		{"trailing value", `{"a":1} {"b":2}`, nil},
		{"trailing brace", `{"a":1}}`, nil},
		{"trailing bracket", `{"a":1}]`, nil},
		{"trailing garbage", `{"a":1}x`, nil},
		{"number subject", json.Number("20641"), nil},
		{"object subject", map[string]any{"userid": 1}, nil},
		{"missing", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			claims := map[string]any{}
			if tc.sub != nil {
				claims["sub"] = tc.sub
			}
			got, ok := DecodeNestedSubject(claims)
			if ok != (tc.want != nil) {
				t.Fatalf("ok = %v, got %#v", ok, got)
			}
			if !ok {
				return
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %#v, want %#v", k, got[k], v)
				}
			}
		})
	}
}

func TestTokenExpiry(t *testing.T) {
	if exp, ok := TokenExpiry(seedToken(t)); !ok || exp.Unix() != 1763916817 {
		t.Errorf("seed 003: %v, %v", exp, ok)
	}
	for _, tok := range []string{seed001Token, "opaque", "", "a." + b64(`{"sub":"x"}`) + ".", "a." + b64(`{"exp":"soon"}`) + "."} {
		if exp, ok := TokenExpiry(tok); ok || !exp.IsZero() {
			t.Errorf("%q: %v, %v; want no expiry", tok, exp, ok)
		}
	}
}
