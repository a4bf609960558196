package provider

// Values a platform sends in an unexpected but readable form (issue 13,
// items 6 and 7).

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// TestAccUserProfile_BienportOrganizationIDInExponentForm: a numeric
// organization ID that BienPort writes in exponent form (2.0635e4) is the
// organization "20635" everywhere it is shown, not "2.0635e4".
func TestAccUserProfile_BienportOrganizationIDInExponentForm(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	const body = `{"token":"mockiot_exponent_form","screenName":"bienport.demo","userId":20641,` +
		`"organizationIds":[2.0635e4],"organizations":[{"name":"Bimetri","id":2.0635e4}]}`
	const addr = "data.iotauth_user_profile.bienport"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories(),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				srv.SetFault(mock.Bienport, mock.Fault{Endpoint: mock.EndpointLogin, Status: http.StatusOK, Body: body})
			},
			Config: testConfig(mockProvider(srv) + profileBlock(mock.Bienport)),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("organization_id"), knownvalue.StringExact("20635")),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("organization_ids"), stringsExact([]string{"20635"})),
				statecheck.ExpectKnownValue(addr, tfjsonpath.New("bienport").AtMapKey("organizations").AtSliceIndex(0).AtMapKey("id"),
					knownvalue.StringExact("20635")),
			},
		}},
	})
}

// TestAccLenientOptionalFields: an optional profile field in a form the
// provider cannot read (BienPort's userId "abc" and roles as a string, a
// Monogoto permission list sent as a string, Coiote's superUser "yes") no
// longer fails the login: the attribute is null, Terraform shows a warning
// naming the field and the attribute, and everything else works, through a
// real CLI (warnings are not visible to the test framework). A fractional
// Coiote expires_in is rounded down instead of failing the login.
func TestAccLenientOptionalFields(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	faults := map[platform.Name][]mock.Fault{
		mock.Monogoto: {{Endpoint: mock.EndpointLogin, Status: http.StatusOK,
			Body: `{"token":"mockiot_lenient_m","UserName":"demo@monogoto.io","UserId":"u1","CustomerId":"c1",` +
				`"UserProfile":{"Name":"Admin","Permissions":{"API":"view"}}}`}},
		mock.Bienport: {{Endpoint: mock.EndpointLogin, Status: http.StatusOK,
			Body: `{"token":"mockiot_lenient_b","screenName":"bienport.demo","userId":"abc","roles":"admin","organizationIds":[20635]}`}},
		mock.Coiote: {
			{Endpoint: mock.EndpointLogin, Status: http.StatusCreated, Body: `{"access_token":"mockiot_lenient_c","expires_in":300.5}`},
			{Endpoint: mock.EndpointProfile, Status: http.StatusOK, Body: `{"login":"ops@acme.example","superUser":"yes","userId":7}`},
		},
	}
	for p, fs := range faults {
		for _, f := range fs {
			srv.SetFault(p, f)
		}
	}
	config := cliHeader + everyPlatform(tokenBlock) + everyPlatform(profileBlock) + `
output "monogoto_permissions_null" { value = data.iotauth_user_profile.monogoto.permissions == null }
output "monogoto_roles"            { value = data.iotauth_user_profile.monogoto.roles }
output "monogoto_customer_id"      { value = data.iotauth_user_profile.monogoto.customer_id }
output "bienport_user_id_null"     { value = data.iotauth_user_profile.bienport.user_id == null }
output "bienport_roles_null"       { value = data.iotauth_user_profile.bienport.roles == null }
output "bienport_extra_roles_null" { value = data.iotauth_user_profile.bienport.bienport.roles == null }
output "bienport_organization_id"  { value = data.iotauth_user_profile.bienport.organization_id }
output "coiote_super_user_null"    { value = data.iotauth_user_profile.coiote.coiote.super_user == null }
output "coiote_user_id"            { value = data.iotauth_user_profile.coiote.user_id }
`
	plugin := buildProvider(t)
	cli := newTFCLI(t, plugin, config, mockEnv(srv))
	out := cli.must("apply", "-auto-approve", "-input=false")
	for _, want := range []string{
		`Warning: BienPort sent an unreadable "userId"`,
		`BienPort answered a "userId" that is not a number; user_id is null.`,
		`BienPort answered a "roles" that is not a list of roles; roles and bienport.roles are null.`,
		`Monogoto answered a "UserProfile.Permissions" that is not an object of permission names to lists of actions; permissions is null.`,
		`Coiote IoT DM answered a "superUser" that is not a boolean; coiote.super_user is null.`,
	} {
		if !exactly(want).MatchString(out) {
			t.Errorf("the apply output lacks %q:\n%s", want, out)
		}
	}
	// A token block alone shows the warning about its own result, and
	// none about attributes it does not have.
	tokens := newTFCLI(t, plugin, strings.SplitN(config, "data \"", 2)[0], mockEnv(srv))
	plan := tokens.must("plan", "-input=false")
	if !regexp.MustCompile(`(?s)Warning: BienPort sent an unreadable "userId"\s+with ephemeral\.iotauth_token\.bienport`).MatchString(plan) ||
		strings.Contains(plan, "roles") || strings.Contains(plan, "superUser") {
		t.Errorf("want only the userId warning on the token block:\n%s", plan)
	}
	var outputs map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal([]byte(cli.must("output", "-json")), &outputs); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"monogoto_permissions_null": true, "monogoto_roles": []any{"Admin"}, "monogoto_customer_id": "c1",
		"bienport_user_id_null": true, "bienport_roles_null": true, "bienport_extra_roles_null": true,
		"bienport_organization_id": "20635", "coiote_super_user_null": true, "coiote_user_id": "7",
	}
	for k, v := range want {
		if got := outputs[k].Value; !reflect.DeepEqual(got, v) {
			t.Errorf("output %s = %#v, want %#v", k, got, v)
		}
	}
}
