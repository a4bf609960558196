package wire_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/clienttest"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

func TestFlexString(t *testing.T) {
	cases := []struct {
		in      string
		want    wire.FlexString
		wantErr bool
	}{
		{in: `"20635"`, want: wire.FlexString{Value: "20635", Set: true}},
		{in: `20635`, want: wire.FlexString{Value: "20635", Set: true}},
		{in: ` 20635 `, want: wire.FlexString{Value: "20635", Set: true}},
		// A whole number in any form becomes its integer text (issue 13,
		// item 6: BienPort's 2.0635e4 is the organization 20635); -1.5e3
		// used to keep its literal form.
		{in: `-1.5e3`, want: wire.FlexString{Value: "-1500", Set: true}},
		{in: `2.0635e4`, want: wire.FlexString{Value: "20635", Set: true}},
		{in: `2.0635E+4`, want: wire.FlexString{Value: "20635", Set: true}},
		{in: `20635.000`, want: wire.FlexString{Value: "20635", Set: true}},
		{in: `206350e-1`, want: wire.FlexString{Value: "20635", Set: true}},
		{in: `0.5e1`, want: wire.FlexString{Value: "5", Set: true}},
		{in: `-0`, want: wire.FlexString{Value: "0", Set: true}},
		{in: `0e-5`, want: wire.FlexString{Value: "0", Set: true}},
		{in: `1e39`, want: wire.FlexString{Value: "1" + strings.Repeat("0", 39), Set: true}},
		{in: `1e40`, want: wire.FlexString{Value: "1e40", Set: true}},
		// Not whole, or too long as an integer: the literal is kept.
		{in: `2.5`, want: wire.FlexString{Value: "2.5", Set: true}},
		{in: `2.0635e3`, want: wire.FlexString{Value: "2.0635e3", Set: true}},
		{in: `1e-2`, want: wire.FlexString{Value: "1e-2", Set: true}},
		{in: `1e400`, want: wire.FlexString{Value: "1e400", Set: true}},
		{in: `1e99999999999999999999`, want: wire.FlexString{Value: "1e99999999999999999999", Set: true}},
		// A string is kept as sent.
		{in: `"2.0635e4"`, want: wire.FlexString{Value: "2.0635e4", Set: true}},
		{in: `160777788521644`, want: wire.FlexString{Value: "160777788521644", Set: true}},
		// Larger than any int64 or float64 mantissa: the literal is kept.
		{in: `123456789012345678901234567890`, want: wire.FlexString{Value: "123456789012345678901234567890", Set: true}},
		{in: `""`, want: wire.FlexString{Value: "", Set: true}},
		{in: `"a\u00e9\"b"`, want: wire.FlexString{Value: "a\u00e9\"b", Set: true}},
		{in: `null`, want: wire.FlexString{}},
		{in: `true`, wantErr: true},
		{in: `false`, wantErr: true},
		{in: `{}`, wantErr: true},
		{in: `[1]`, wantErr: true},
		{in: ``, wantErr: true},
		{in: `"unterminated`, wantErr: true},
		{in: `0x10`, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got := wire.FlexString{Value: "stale", Set: true}
			err := got.UnmarshalJSON([]byte(tc.in))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("UnmarshalJSON(%s) = %+v, want an error", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("UnmarshalJSON(%s): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("UnmarshalJSON(%s) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestIsInteger(t *testing.T) {
	for in, want := range map[string]bool{"0": true, "-20635": true, "20635": true, "": false, "-": false, "2.5": false, "1e3": false, " 1": false, "+1": false} {
		if got := wire.IsInteger(in); got != want {
			t.Errorf("IsInteger(%q) = %v", in, got)
		}
	}
}

func TestFlexInt(t *testing.T) {
	cases := []struct {
		in      string
		want    wire.FlexInt
		wantErr bool
	}{
		{in: `300`, want: wire.FlexInt{Value: 300, Set: true}},
		{in: `"300"`, want: wire.FlexInt{Value: 300, Set: true}},
		{in: `" 300 "`, want: wire.FlexInt{Value: 300, Set: true}},
		{in: `-7`, want: wire.FlexInt{Value: -7, Set: true}},
		{in: `1550396272390`, want: wire.FlexInt{Value: 1550396272390, Set: true}},
		{in: `3e2`, want: wire.FlexInt{Value: 300, Set: true}},
		{in: `300.0`, want: wire.FlexInt{Value: 300, Set: true}},
		{in: `9223372036854775807`, want: wire.FlexInt{Value: 9223372036854775807, Set: true}},
		{in: `null`, want: wire.FlexInt{}},
		{in: `300.5`, wantErr: true},
		{in: `"abc"`, wantErr: true},
		{in: `""`, wantErr: true},
		{in: `true`, wantErr: true},
		{in: `[]`, wantErr: true},
		{in: `1e400`, wantErr: true},
		{in: `99999999999999999999`, wantErr: true},
		{in: `"NaN"`, wantErr: true},
		{in: `"Inf"`, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got := wire.FlexInt{Value: 42, Set: true}
			err := got.UnmarshalJSON([]byte(tc.in))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("UnmarshalJSON(%s) = %+v, want an error", tc.in, got)
				}
				if strings.Contains(err.Error(), strings.Trim(tc.in, `"`)) && len(tc.in) > 4 {
					t.Errorf("error %q echoes the input", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("UnmarshalJSON(%s): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("UnmarshalJSON(%s) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

type nested struct {
	Name  string          `json:"name"`
	ID    wire.FlexString `json:"id"`
	Count wire.FlexInt    `json:"count"`
	Inner struct {
		Flag  bool            `json:"flag"`
		Label wire.FlexString `json:"label"`
		List  []wire.FlexInt  `json:"list"`
	} `json:"inner"`
	Perms map[string][]string `json:"perms"`
	N     int64               `json:"n"`
}

var malformed = clienttest.Malformed

func TestDecodeJSONSuccess(t *testing.T) {
	var v nested
	body := ` {"name":"n","id":20635,"count":"7","inner":{"flag":true,"label":"x","list":[1,"2",null]},"perms":{"API":["view"]},"unknown":{"ignored":1}} `
	if err := wire.DecodeJSON([]byte(body), "application/json", &v); err != nil {
		t.Fatal(err)
	}
	if v.Name != "n" || v.ID.Value != "20635" || v.Count.Value != 7 || !v.Inner.Flag || v.Inner.Label.Value != "x" ||
		len(v.Inner.List) != 3 || v.Inner.List[1].Value != 2 || v.Inner.List[2].Set || v.Perms["API"][0] != "view" {
		t.Errorf("decoded %+v", v)
	}
}

func TestDecodeJSONNotJSON(t *testing.T) {
	const html = `<!DOCTYPE html><html><body>Login page; session=SECRET-COOKIE-VALUE</body></html>`
	cases := []struct {
		name, body, ctype, wantDetail string
	}{
		{"html", html, "text/html; charset=utf-8", "the answer is not JSON (content type text/html)"},
		{"html without content type", html, "", "the answer is not JSON (content type unknown)"},
		{"monogoto access denied", "{\n    Access denied\n}", "application/json", "the answer is not valid JSON (syntax error at byte 7)"},
		{"plain text", "Access denied SECRET-COOKIE-VALUE", "text/plain", "the answer is not JSON (content type text/plain)"},
		{"empty", "", "application/json", "the answer is empty"},
		{"white space", " \r\n\t ", "application/json", "the answer is empty"},
		{"truncated", `{"token":"SECRET-COOKIE-VALUE`, "application/json", "the answer is not valid JSON (syntax error at byte 29)"},
		{"trailing comma", `{"token":"SECRET-COOKIE-VALUE",}`, "application/json", "the answer is not valid JSON (syntax error at byte 32)"},
		{"two values", `{"a":1} {"token":"SECRET-COOKIE-VALUE"}`, "application/json", "the answer is not valid JSON (syntax error at byte 9)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v nested
			e := malformed(t, wire.DecodeJSON([]byte(tc.body), tc.ctype, &v))
			if e.Detail != tc.wantDetail {
				t.Errorf("Detail = %q, want %q", e.Detail, tc.wantDetail)
			}
			if strings.Contains(e.Error(), "SECRET-COOKIE-VALUE") || strings.Contains(e.Error(), "Login page") {
				t.Errorf("error echoes the body: %q", e.Error())
			}
		})
	}
}

func TestDecodeJSONWrongTypesNameTheField(t *testing.T) {
	cases := []struct {
		name, body, field string
	}{
		{"string field given a number", `{"name":12345}`, "name"},
		{"string field given an object", `{"name":{"secret":"SECRET-VALUE-123"}}`, "name"},
		{"nested bool given a string", `{"inner":{"flag":"SECRET-VALUE-123"}}`, "inner.flag"},
		{"flex string given a bool", `{"id":true}`, "id"},
		{"flex string given an object", `{"id":{"v":"SECRET-VALUE-123"}}`, "id"},
		{"nested flex string given an array", `{"inner":{"label":["SECRET-VALUE-123"]}}`, "inner.label"},
		{"flex int given text", `{"count":"SECRET-VALUE-123"}`, "count"},
		{"flex int given a fraction", `{"count":1.5}`, "count"},
		{"flex int in a list", `{"inner":{"list":[1,"SECRET-VALUE-123"]}}`, "inner.list"},
		{"map of lists given a string", `{"perms":{"API":"SECRET-VALUE-123"}}`, "perms"},
		{"int out of range", `{"n":123456789012345678901234567890}`, "n"},
		{"top-level array", `["SECRET-VALUE-123"]`, "(top level)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v nested
			e := malformed(t, wire.DecodeJSON([]byte(tc.body), "application/json", &v))
			if e.Field != tc.field {
				t.Errorf("Field = %q, want %q (%v)", e.Field, tc.field, e)
			}
			msg := e.Error()
			if !strings.Contains(msg, `"`+tc.field+`"`) {
				t.Errorf("message %q does not name the field %q", msg, tc.field)
			}
			for _, leak := range []string{"SECRET-VALUE-123", "12345", "123456789012345678901234567890"} {
				if strings.Contains(msg, leak) {
					t.Errorf("message %q echoes the body value %q", msg, leak)
				}
			}
		})
	}
}

func TestDecodeJSONIntoMap(t *testing.T) {
	var m map[string]any
	if err := wire.DecodeJSON([]byte(`[1,2]`), "", &m); err == nil {
		t.Fatal("array into map: no error")
	}
	var list []int
	if err := wire.DecodeJSON([]byte(`[1,2]`), "", &list); err != nil || len(list) != 2 {
		t.Fatalf("array into slice: %v %v", list, err)
	}
}

func TestFlexInStructViaStdlib(t *testing.T) {
	// The types also work through plain encoding/json.
	var v struct {
		A wire.FlexString `json:"a"`
		B wire.FlexInt    `json:"b"`
		C wire.FlexString `json:"c"`
	}
	if err := json.Unmarshal([]byte(`{"a":1,"b":"2","c":null}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A.Value != "1" || !v.A.Set || v.B.Value != 2 || !v.B.Set || v.C.Set {
		t.Errorf("decoded %+v", v)
	}
}

func TestHeaderSafe(t *testing.T) {
	for v, want := range map[string]bool{
		"Bearer abc": true, "cid_ecs1d3a5-f5e62a1": true, "20635": true, "a\tb": true, "Sayaç": true,
		"": false, "a\r\nX-Evil: 1": false, "a\nb": false, "a\x00b": false, "a\x7fb": false,
	} {
		if got := wire.HeaderSafe(v); got != want {
			t.Errorf("HeaderSafe(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestTokenAndAccessToken(t *testing.T) {
	str := func(s string) *string { return &s }
	if tok, err := wire.Token("token", str("  abc \t")); err != nil || tok != "abc" {
		t.Errorf("Token = %q, %v", tok, err)
	}
	for _, v := range []*string{nil, str(""), str(" \t ")} {
		if _, err := wire.Token("token", v); !platform.IsKind(err, platform.KindMalformed) || malformed(t, err).Field != "token" {
			t.Errorf("Token(%v) = %v, want Malformed field token", v, err)
		}
	}
	cases := []struct{ tokenType, want string }{{"", "Bearer"}, {"bearer", "Bearer"}, {" BEARER ", "Bearer"}, {"MAC", "MAC"}}
	for _, tc := range cases {
		if tok, tt, err := wire.AccessToken(str("a"), tc.tokenType); err != nil || tok != "a" || tt != tc.want {
			t.Errorf("AccessToken(a, %q) = %q, %q, %v; want type %q", tc.tokenType, tok, tt, err, tc.want)
		}
	}
	for _, tt := range []string{"Bearer x", "a\tb"} {
		if _, _, err := wire.AccessToken(str("a"), tt); malformed(t, err).Field != "token_type" {
			t.Errorf("AccessToken(a, %q) = %v", tt, err)
		}
	}
	if _, _, err := wire.AccessToken(nil, "Bearer"); malformed(t, err).Field != "access_token" {
		t.Errorf("AccessToken(nil) = %v", err)
	}
}

func TestLenient(t *testing.T) {
	var v struct {
		N wire.Lenient[wire.FlexInt] `json:"n"`
		S wire.Lenient[string]       `json:"s"`
		L wire.Lenient[[]string]     `json:"l"`
		M wire.Lenient[bool]         `json:"m"`
		A wire.Lenient[string]       `json:"absent"`
	}
	if err := wire.DecodeJSON([]byte(`{"n":"abc","s":"ok","l":"x","m":null}`), "", &v); err != nil {
		t.Fatal(err)
	}
	if !v.N.Bad || v.N.Set || v.S.Value != "ok" || !v.S.Set || v.S.Bad || !v.L.Bad || v.M.Set || v.M.Bad || v.A.Set || v.A.Bad {
		t.Errorf("%+v", v)
	}
	var w wire.Warnings
	w.Check(false, "s", "a string", "x")
	w.Check(true, "n", "a number", "user_id")
	if len(w) != 1 || w[0].Field != "n" || w[0].Null[0] != "user_id" {
		t.Errorf("%+v", w)
	}
}
