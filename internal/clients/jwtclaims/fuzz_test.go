package jwtclaims

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that Parse, Expiry, numericDate and DecodeNestedSubject
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
		ErrNotJWT.Error():                           true,
		ErrNotJWT.Error() + ": malformed":           true,
		ErrNotJWT.Error() + ": unverifiable header": true,
		ErrNotJWT.Error() + ": unreadable":          true,
	}
	epoch, upper := time.Unix(0, 0), time.Unix(1e11, 0)
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := Parse(token)
		if err != nil {
			if !errors.Is(err, ErrNotJWT) {
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
			if ts, ok := numericDate(claims, name); ok {
				// numericDate accepts (0, 1e11] seconds, fractions included,
				// so compare times: ts.Unix() would truncate 0.804 s to 0.
				if ts.Location().String() != "UTC" || !ts.After(epoch) || ts.After(upper) {
					t.Fatalf("%s = %v out of range", name, ts)
				}
			}
		}
		_, _ = Expiry(claims)
		if sub, ok := DecodeNestedSubject(claims); ok {
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
