package provider

// Values a platform sends in an unexpected but readable form (issue 13,
// items 6 and 7).

import (
	"net/http"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
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
