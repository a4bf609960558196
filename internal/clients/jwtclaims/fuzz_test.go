package jwtclaims_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/jwtclaims"
)

// FuzzParse checks that Parse, Expiry, NumericDate and DecodeNestedSubject
// never panic, that every failure is one of Parse's fixed, token-free
// messages, and that a decoded expiry is a sane UTC time.
func FuzzParse(f *testing.F) {
	f.Add(seedToken(f))
	f.Add(seed001Token)
	for _, s := range []string{
		"", ".", "..", "a.b.c", "your_access_token",
		b64(`{"alg":"HS512"}`) + "." + b64(`{"sub":"{\"userid\":1}","exp":1763916817}`) + ".sig",
		b64(`{"alg":"none"}`) + "." + b64(`{"exp":"1763916817"}`) + ".",
		b64(`{"alg":"none"}`) + "." + b64(`{"exp":1e300,"sub":"{}}"}`) + ".",
		b64(`{"alg":"none"}`) + "." + b64(`{"exp":-1,"sub":{"userid":1}}`) + ".",
		b64(`{"alg":"none"}`) + "." + b64(`null`) + ".",
		// Found by CI's fuzzing: less than a second after the epoch.
		b64(`{"alg":"none"}`) + "." + b64(`{"exp":0.804}`) + ".",
		b64(`{"alg":"XYZ"}`) + "." + b64(`{}`) + ".",
		b64(`{"alg":"HS256"}`) + "." + b64(`[]`) + ".x",
	} {
		f.Add(s)
	}
	allowed := map[string]bool{
		jwtclaims.ErrNotJWT.Error():                           true,
		jwtclaims.ErrNotJWT.Error() + ": malformed":           true,
		jwtclaims.ErrNotJWT.Error() + ": unverifiable header": true,
		jwtclaims.ErrNotJWT.Error() + ": unreadable":          true,
	}
	epoch, upper := time.Unix(0, 0), time.Unix(1e11, 0)
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := jwtclaims.Parse(token)
		if err != nil {
			if !errors.Is(err, jwtclaims.ErrNotJWT) {
				t.Fatalf("error %v does not wrap ErrNotJWT", err)
			}
			// A fixed message can hold no part of the token.
			if !allowed[err.Error()] {
				t.Fatalf("unexpected error message %q", err.Error())
			}
			if claims != nil {
				t.Fatalf("claims %v returned with an error", claims)
			}
			return
		}
		if claims == nil {
			t.Fatal("nil claims without an error")
		}
		if strings.Count(strings.TrimSpace(token), ".") != 2 {
			t.Fatalf("accepted %q, which has not three parts", token)
		}
		for _, name := range []string{"exp", "iat", "nbf", "sub"} {
			if ts, ok := jwtclaims.NumericDate(claims, name); ok {
				// NumericDate accepts (0, 1e11] seconds, fractions included,
				// so compare times: ts.Unix() would truncate 0.804 s to 0.
				if ts.Location().String() != "UTC" || !ts.After(epoch) || ts.After(upper) {
					t.Fatalf("%s = %v out of range", name, ts)
				}
			}
		}
		_, _ = jwtclaims.Expiry(claims)
		if sub, ok := jwtclaims.DecodeNestedSubject(claims); ok {
			if sub == nil {
				t.Fatal("nested subject ok but nil")
			}
			s, _ := claims["sub"].(string)
			if !json.Valid([]byte(s)) {
				t.Fatalf("nested subject accepted from invalid JSON %q", s)
			}
		}
	})
}
