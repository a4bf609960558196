package provider

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// Expected values, built from the mock's seeded accounts field by field.

func stringsExact(v []string) knownvalue.Check {
	checks := make([]knownvalue.Check, 0, len(v))
	for _, s := range v {
		checks = append(checks, knownvalue.StringExact(s))
	}
	return knownvalue.ListExact(checks)
}

func stringOrNullExact(s string) knownvalue.Check {
	if s == "" {
		return knownvalue.Null()
	}
	return knownvalue.StringExact(s)
}

func millisExact(ms int64) knownvalue.Check {
	return knownvalue.StringExact(time.UnixMilli(ms).UTC().Format(time.RFC3339))
}

func permissionsExact(perms map[string][]string) knownvalue.Check {
	m := make(map[string]knownvalue.Check, len(perms))
	for k, v := range perms {
		m[k] = stringsExact(v)
	}
	return knownvalue.MapExact(m)
}

func expectMonogoto(a mock.MonogotoAccount) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{
		"id":               knownvalue.StringExact("monogoto/" + a.UserID),
		"user_id":          knownvalue.StringExact(a.UserID),
		"user_name":        knownvalue.StringExact(a.UserName),
		"email":            knownvalue.StringExact(a.UserName),
		"customer_id":      knownvalue.StringExact(a.CustomerID),
		"organization_id":  knownvalue.StringExact(a.OrganizationID),
		"organization_ids": stringsExact([]string{a.OrganizationID}),
		"roles":            stringsExact([]string{a.Profile.Name}),
		"permissions":      permissionsExact(a.Profile.Permissions),
		"monogoto": knownvalue.ObjectExact(map[string]knownvalue.Check{
			"realm":                     knownvalue.StringExact(a.Realm),
			"role_profile_id":           knownvalue.StringExact(a.Role),
			"profile_name":              knownvalue.StringExact(a.Profile.Name),
			"profile_type":              knownvalue.StringExact(a.Profile.Type),
			"two_factor_authentication": knownvalue.Bool(a.TwoFactorAuthentication),
			"things_group_ids":          stringsExact(a.ThingsGroupIDs),
			"profile_created":           millisExact(a.Profile.DateCreated),
			"profile_modified":          millisExact(a.Profile.DateModified),
		}),
		"coiote":   knownvalue.Null(),
		"bienport": knownvalue.Null(),
	}
}

func expectCoiote(a mock.CoioteAccount) map[string]knownvalue.Check {
	perms := map[string][]string{}
	for _, p := range a.Permissions {
		perms[p] = nil
	}
	props := map[string]knownvalue.Check{}
	for k, v := range a.Properties {
		props[k] = knownvalue.StringExact(v)
	}
	return map[string]knownvalue.Check{
		"id":               knownvalue.StringExact("coiote/" + a.UserID),
		"user_id":          knownvalue.StringExact(a.UserID),
		"user_name":        knownvalue.StringExact(a.Login),
		"email":            knownvalue.StringExact(a.Email),
		"customer_id":      knownvalue.Null(),
		"organization_id":  knownvalue.Null(),
		"organization_ids": stringsExact(nil),
		"roles":            stringsExact(a.Roles),
		"permissions":      permissionsExact(perms),
		"monogoto":         knownvalue.Null(),
		"coiote": knownvalue.ObjectExact(map[string]knownvalue.Check{
			"login":              knownvalue.StringExact(a.Login),
			"domain":             knownvalue.StringExact(a.Domain),
			"active":             knownvalue.Bool(a.Active),
			"super_user":         knownvalue.Bool(a.SuperUser),
			"staff":              knownvalue.Bool(a.Staff),
			"full_name":          knownvalue.StringExact(a.FullName),
			"expiration_date":    stringOrNullExact(a.ExpirationDate),
			"creation_date":      knownvalue.StringExact(a.CreationDate),
			"security_policy_id": knownvalue.StringExact(a.SecurityPolicyID),
			"properties":         knownvalue.MapExact(props),
		}),
		"bienport": knownvalue.Null(),
	}
}

func expectBienport(a mock.BienportAccount) map[string]knownvalue.Check {
	var orgIDs []string
	for _, id := range a.OrganizationIDs {
		orgIDs = append(orgIDs, fmt.Sprint(id))
	}
	var roleNames []string
	var roles, orgs, res []knownvalue.Check
	for _, r := range a.Roles {
		roleNames = append(roleNames, r.RoleName)
		roles = append(roles, knownvalue.ObjectExact(map[string]knownvalue.Check{
			"role_id":   knownvalue.Int64Exact(r.RoleID),
			"role_name": knownvalue.StringExact(r.RoleName),
			"type":      knownvalue.Int64Exact(r.Type),
			"inherited": knownvalue.Bool(r.Inherited),
			"type_pk":   knownvalue.Int64Exact(r.TypePK),
			"type_name": stringOrNullExact(r.TypeName),
		}))
	}
	for _, o := range a.Organizations {
		orgs = append(orgs, knownvalue.ObjectExact(map[string]knownvalue.Check{
			"id":   knownvalue.StringExact(fmt.Sprint(o.ID)),
			"name": knownvalue.StringExact(o.Name),
		}))
	}
	for _, r := range a.Resources {
		res = append(res, knownvalue.ObjectExact(map[string]knownvalue.Check{
			"resource_id":     knownvalue.Int64Exact(r.ResourceID),
			"network_id":      knownvalue.StringExact(r.NetworkID),
			"resource_name":   knownvalue.StringExact(r.ResourceName),
			"enabled":         knownvalue.Bool(r.Enabled),
			"tree_path":       knownvalue.StringExact(r.TreePath),
			"org_id":          knownvalue.Int64Exact(r.OrgID),
			"resource_type":   knownvalue.StringExact(r.ResourceType),
			"device_sub_type": knownvalue.StringExact(r.DeviceSubType),
		}))
	}
	return map[string]knownvalue.Check{
		"id":               knownvalue.StringExact(fmt.Sprintf("bienport/%d", a.UserID)),
		"user_id":          knownvalue.StringExact(fmt.Sprint(a.UserID)),
		"user_name":        knownvalue.StringExact(a.ScreenName),
		"email":            knownvalue.StringExact(a.EmailAddress),
		"customer_id":      knownvalue.Null(),
		"organization_id":  knownvalue.StringExact(orgIDs[0]),
		"organization_ids": stringsExact(orgIDs),
		"roles":            stringsExact(roleNames),
		"permissions":      knownvalue.MapExact(map[string]knownvalue.Check{}),
		"monogoto":         knownvalue.Null(),
		"coiote":           knownvalue.Null(),
		"bienport": knownvalue.ObjectExact(map[string]knownvalue.Check{
			"screen_name":   knownvalue.StringExact(a.ScreenName),
			"locale_id":     knownvalue.StringExact(a.LocaleID),
			"organizations": knownvalue.ListExact(orgs),
			"resources":     knownvalue.ListExact(res),
			"roles":         knownvalue.ListExact(roles),
		}),
	}
}

// profileChecks turns expectations into state checks on one data source.
func profileChecks(addr, platformName string, want map[string]knownvalue.Check) []statecheck.StateCheck {
	names := make([]string, 0, len(want))
	for k := range want {
		names = append(names, k)
	}
	sort.Strings(names)
	out := []statecheck.StateCheck{
		statecheck.ExpectKnownValue(addr, tfjsonpath.New("platform"), knownvalue.StringExact(platformName)),
	}
	for _, k := range names {
		out = append(out, statecheck.ExpectKnownValue(addr, tfjsonpath.New(k), want[k]))
	}
	return out
}

// TestAccUserProfile reads every seeded account's profile and compares it
// with the seed field for field. The second accounts come in a second step:
// in-process test providers serve every provider configuration from one
// server, whose last Configure wins, so aliases cannot be tested here.
func TestAccUserProfile(t *testing.T) {
	t.Parallel()
	srv := startMock(t)
	blocks := `
data "iotauth_user_profile" "m" { platform = "monogoto" }
data "iotauth_user_profile" "c" { platform = "coiote" }
data "iotauth_user_profile" "b" { platform = "bienport" }
`
	checks := func(m mock.MonogotoAccount, c mock.CoioteAccount, b mock.BienportAccount) []statecheck.StateCheck {
		var out []statecheck.StateCheck
		out = append(out, profileChecks("data.iotauth_user_profile.m", "monogoto", expectMonogoto(m))...)
		out = append(out, profileChecks("data.iotauth_user_profile.c", "coiote", expectCoiote(c))...)
		return append(out, profileChecks("data.iotauth_user_profile.b", "bienport", expectBienport(b))...)
	}
	acceptanceTest(t,
		resource.TestStep{
			Config:            testConfig(mockProvider(srv) + blocks),
			ConfigStateChecks: checks(mock.SeedMonogotoDemo, mock.SeedCoioteOps, mock.SeedBienportDemo),
		},
		resource.TestStep{
			Config: testConfig(mockProviderAs(srv, map[platform.Name]mock.Login{
				mock.Monogoto: {User: mock.SeedMonogotoViewer.UserName, Password: mock.SeedMonogotoViewer.Password},
				mock.Coiote:   {User: mock.SeedCoioteAdmin.Login, Password: mock.SeedCoioteAdmin.Password},
				mock.Bienport: {User: mock.SeedBienportPhone.ScreenName, Password: mock.SeedBienportPhone.Password},
			}) + blocks),
			ConfigStateChecks: checks(mock.SeedMonogotoViewer, mock.SeedCoioteAdmin, mock.SeedBienportPhone),
		},
	)
}

// TestAccUserProfile_NotConfigured: the data source takes its credentials
// from the provider only, and says where to put them.
func TestAccUserProfile_NotConfigured(t *testing.T) {
	clearIotauthEnv(t)
	acceptanceTest(t, resource.TestStep{
		Config: testConfig(`data "iotauth_user_profile" "p" { platform = "coiote" }`),
		ExpectError: wrapped(`(?s)Error: Coiote IoT DM is not configured.*No credentials for Coiote IoT DM: set coiote.username and ` +
			`coiote.password in the provider "iotauth" block, or IOTAUTH_COIOTE_USERNAME and IOTAUTH_COIOTE_PASSWORD\. ` +
			`Or use coiote.client_id and coiote.client_secret`),
	})
}
