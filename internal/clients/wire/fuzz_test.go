package wire_test

import (
	"bytes"
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// FuzzFlexString checks FlexString (and FlexInt, which builds on it) against
// encoding/json on arbitrary input, and that DecodeJSON of an object holding
// the input never panics and fails only with a KindMalformed error that does
// not quote the input.
func FuzzFlexString(f *testing.F) {
	for _, s := range []string{
		`"20635"`, `20635`, `null`, `"300"`, `300`, `"cas"`, `160777788521644`, `1550396272390`,
		`-0`, `1e400`, `99999999999999999999`, `"NaN"`, `true`, `{}`, `[]`, ``, ` `, `"`, `"\u0000"`,
		`"\ud800"`, `0x10`, `"  42  "`, `4.2e1`, `"eyJhbGciOiJIUzUxMiJ9.e30.sig"`,
		`2.0635e4`, `-1.5e3`, `2.5`, `1e40`, `1e41`, `0.000e-3`, `1e1001`, `-0.0`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fs wire.FlexString
		err := fs.UnmarshalJSON(b)
		trimmed := bytes.TrimSpace(b)

		// Compare with encoding/json's own reading of the value.
		var generic any
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		validOne := json.Valid(trimmed) && dec.Decode(&generic) == nil
		if validOne {
			switch g := generic.(type) {
			case nil:
				if err != nil || fs.Set {
					t.Fatalf("null: %+v, %v", fs, err)
				}
			case string:
				if err != nil || !fs.Set || fs.Value != g {
					t.Fatalf("string %q: got %+v, %v", g, fs, err)
				}
			case json.Number:
				if want := wholeOrLiteral(g.String()); err != nil || !fs.Set || fs.Value != want {
					t.Fatalf("number %s: got %+v, %v; want %q", g, fs, err, want)
				}
			default:
				if err == nil {
					t.Fatalf("%T accepted as %+v", g, fs)
				}
			}
		}
		if err != nil && len(trimmed) >= 8 && strings.Contains(err.Error(), string(trimmed)) {
			t.Fatalf("error %q quotes the input", err)
		}

		var fi wire.FlexInt
		ierr := fi.UnmarshalJSON(b)
		if ierr == nil && fi.Set {
			// An accepted integer must be what the text says.
			if n, perr := strconv.ParseInt(strings.TrimSpace(fs.Value), 10, 64); perr == nil && n != fi.Value {
				t.Fatalf("FlexInt(%s) = %d, want %d", b, fi.Value, n)
			}
		}
		if ierr == nil && !fi.Set && (err != nil || fs.Set) {
			t.Fatalf("FlexInt(%s) unset but FlexString = %+v, %v", b, fs, err)
		}

		// Inside an object, through DecodeJSON.
		body := append(append([]byte(`{"v":`), b...), '}')
		var v struct {
			V wire.FlexString `json:"v"`
			W wire.FlexInt    `json:"w"`
		}
		derr := wire.DecodeJSON(body, "application/json", &v)
		if derr != nil {
			e, ok := platform.AsError(derr)
			if !ok || e.Kind != platform.KindMalformed {
				t.Fatalf("DecodeJSON error %T %v", derr, derr)
			}
			if len(trimmed) >= 8 && strings.Contains(e.Error(), string(trimmed)) {
				t.Fatalf("DecodeJSON error %q quotes the input", e)
			}
		} else if validOne && (v.V != fs) {
			t.Fatalf("DecodeJSON gave %+v, UnmarshalJSON gave %+v", v.V, fs)
		}
	})
}

// wholeOrLiteral is what FlexString should make of the JSON number lit, by
// exact rational arithmetic: the integer text of a whole number of at most
// 40 digits, the literal otherwise (and for exponents beyond ±1000, which
// are not expanded).
func wholeOrLiteral(lit string) string {
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		if e, err := strconv.Atoi(lit[i+1:]); err != nil || e > 1000 || e < -1000 {
			return lit
		}
	}
	r, ok := new(big.Rat).SetString(lit)
	if !ok || !r.IsInt() {
		return lit
	}
	n := r.Num()
	if len(new(big.Int).Abs(n).String()) > 40 {
		return lit
	}
	return n.String()
}
