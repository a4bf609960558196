package provider

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// bienportSeedToken is the token from the vendor's login example (seed 003):
// HS512, `sub` a string holding JSON, iat 1756140817, exp 1763916817.
const bienportSeedToken = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ7XCJ1c2VyaWRcIjoyMDY0MSxcInNjcmVlbk5hbWVcIjpcImJpZW5wb3J0LmZsZXh5d2F0dFwiLFwicmVtZW1iZXJNZVwiOnRydWV9IiwiaWF0IjoxNzU2MTQwODE3LCJleHAiOjE3NjM5MTY4MTd9.Vg9gAG1dn8v8c8f0J6H08NW2Bomwsyqk8LfDnc7WZFlX2zZrhZMoC-ru3oZL0wg0TuYaqTJ2cr9Hky4ddsGR9A"

var functionVersionChecks = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)}

// functionTest runs step as a unit test of the provider's functions
// (Terraform 1.8 or later).
func functionTest(t *testing.T, step resource.TestStep) {
	t.Helper()
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   functionVersionChecks,
		ProtoV6ProviderFactories: providerFactories(),
		Steps:                    []resource.TestStep{step},
	})
}

// claimOutput is an output of testJWTClaims: its name, its value (an
// expression of local.claims) and the value it must have.
type claimOutput struct {
	name, value string
	want        knownvalue.Check
}

// testJWTClaims decodes token with jwt_claims into local.claims and checks
// each output.
func testJWTClaims(t *testing.T, token string, outputs []claimOutput) {
	t.Helper()
	config := "locals {\n  claims = provider::iotauth::jwt_claims(\"" + token + "\")\n}\n"
	var checks []statecheck.StateCheck
	for _, o := range outputs {
		config += fmt.Sprintf("output %q { value = %s }\n", o.name, o.value)
		checks = append(checks, statecheck.ExpectKnownOutputValue(o.name, o.want))
	}
	functionTest(t, resource.TestStep{Config: testConfig(config), ConfigStateChecks: checks})
}

func TestFunctionJWTClaims_BienportSeed(t *testing.T) {
	testJWTClaims(t, bienportSeedToken, []claimOutput{
		{"exp", "local.claims.exp", knownvalue.Int64Exact(1763916817)},
		{"iat", "local.claims.iat", knownvalue.Int64Exact(1756140817)},
		{"userid", "local.claims.sub.userid", knownvalue.Int64Exact(20641)},
		{"screen_name", "local.claims.sub.screenName", knownvalue.StringExact("bienport.flexywatt")},
		{"remember_me", "local.claims.sub.rememberMe", knownvalue.Bool(true)},
	})
}

func TestFunctionJWTClaims_Types(t *testing.T) {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub":   "plain-subject",
		"exp":   1893456000,
		"aud":   []any{"a", "b"},
		"ratio": 0.5,
		"ok":    false,
		"none":  nil,
		"obj":   map[string]any{"k": "v", "n": 12345678901234},
		"iat":   time.Unix(1700000000, 0).Unix(),
	})
	signed, err := tok.SignedString([]byte("function-test-key"))
	if err != nil {
		t.Fatal(err)
	}
	testJWTClaims(t, signed, []claimOutput{
		{"sub", "local.claims.sub", knownvalue.StringExact("plain-subject")},
		{"exp", "local.claims.exp", knownvalue.Int64Exact(1893456000)},
		{"aud", "local.claims.aud", knownvalue.ListExact([]knownvalue.Check{
			knownvalue.StringExact("a"), knownvalue.StringExact("b"),
		})},
		{"ratio", "local.claims.ratio", knownvalue.Float64Exact(0.5)},
		{"ok", "local.claims.ok", knownvalue.Bool(false)},
		{"none_is_null", "local.claims.none == null", knownvalue.Bool(true)},
		{"obj_n", "local.claims.obj.n", knownvalue.Int64Exact(12345678901234)},
		{"obj_k", "local.claims.obj.k", knownvalue.StringExact("v")},
	})
}

func TestFunctionJWTClaims_NotAJWT(t *testing.T) {
	for name, arg := range map[string]string{
		"empty":           ``,
		"opaque":          `mockiot_mgt_0123456789abcdef`,
		"two segments":    `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0`,
		"payload not b64": `eyJhbGciOiJIUzI1NiJ9.@@@.sig`,
	} {
		t.Run(name, func(t *testing.T) {
			functionTest(t, resource.TestStep{
				Config:      testConfig(`output "x" { value = provider::iotauth::jwt_claims("` + arg + `") }`),
				ExpectError: regexp.MustCompile(`not a JSON Web Token with a\s+JSON\s+object\s+as\s+its\s+payload`),
			})
		})
	}
}
