package provider

import (
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

func TestFunctionJWTClaims_BienportSeed(t *testing.T) {
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   functionVersionChecks,
		ProtoV6ProviderFactories: providerFactories(),
		Steps: []resource.TestStep{{
			Config: testConfig(`
locals {
  claims = provider::iotauth::jwt_claims("` + bienportSeedToken + `")
}
output "exp" { value = local.claims.exp }
output "iat" { value = local.claims.iat }
output "userid" { value = local.claims.sub.userid }
output "screen_name" { value = local.claims.sub.screenName }
output "remember_me" { value = local.claims.sub.rememberMe }
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("exp", knownvalue.Int64Exact(1763916817)),
				statecheck.ExpectKnownOutputValue("iat", knownvalue.Int64Exact(1756140817)),
				statecheck.ExpectKnownOutputValue("userid", knownvalue.Int64Exact(20641)),
				statecheck.ExpectKnownOutputValue("screen_name", knownvalue.StringExact("bienport.flexywatt")),
				statecheck.ExpectKnownOutputValue("remember_me", knownvalue.Bool(true)),
			},
		}},
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
	resource.UnitTest(t, resource.TestCase{
		TerraformVersionChecks:   functionVersionChecks,
		ProtoV6ProviderFactories: providerFactories(),
		Steps: []resource.TestStep{{
			Config: testConfig(`
locals {
  claims = provider::iotauth::jwt_claims("` + signed + `")
}
output "sub" { value = local.claims.sub }
output "exp" { value = local.claims.exp }
output "aud" { value = local.claims.aud }
output "ratio" { value = local.claims.ratio }
output "ok" { value = local.claims.ok }
output "none_is_null" { value = local.claims.none == null }
output "obj_n" { value = local.claims.obj.n }
output "obj_k" { value = local.claims.obj.k }
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownOutputValue("sub", knownvalue.StringExact("plain-subject")),
				statecheck.ExpectKnownOutputValue("exp", knownvalue.Int64Exact(1893456000)),
				statecheck.ExpectKnownOutputValue("aud", knownvalue.ListExact([]knownvalue.Check{
					knownvalue.StringExact("a"), knownvalue.StringExact("b"),
				})),
				statecheck.ExpectKnownOutputValue("ratio", knownvalue.Float64Exact(0.5)),
				statecheck.ExpectKnownOutputValue("ok", knownvalue.Bool(false)),
				statecheck.ExpectKnownOutputValue("none_is_null", knownvalue.Bool(true)),
				statecheck.ExpectKnownOutputValue("obj_n", knownvalue.Int64Exact(12345678901234)),
				statecheck.ExpectKnownOutputValue("obj_k", knownvalue.StringExact("v")),
			},
		}},
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
			resource.UnitTest(t, resource.TestCase{
				TerraformVersionChecks:   functionVersionChecks,
				ProtoV6ProviderFactories: providerFactories(),
				Steps: []resource.TestStep{{
					Config: testConfig(`
output "x" { value = provider::iotauth::jwt_claims("` + arg + `") }
`),
					ExpectError: regexp.MustCompile(`not a JSON Web Token with a\s+JSON\s+object\s+as\s+its\s+payload`),
				}},
			})
		})
	}
}
