package mock

import (
	"encoding/json"
)

// The seeded passwords. They are fake, exist only in this mock, and are
// deliberately distinctive so that leak tests can search for them.
const (
	SeedMonogotoDemoPassword   = "mockpw-monogoto-demo-7Qx2"
	SeedMonogotoViewerPassword = "mockpw-monogoto-viewer-3Kd9"
	SeedCoioteOpsPassword      = "mockpw-coiote-ops-8Hn4"
	SeedCoioteAdminPassword    = "mockpw-coiote-admin-5Vb1"
	SeedCoioteClientSecret     = "mockpw-coiote-client-2Wt6"
	SeedBienportDemoPassword   = "mockpw-bienport-demo-6Jr3"
	SeedBienportPhonePassword  = "mockpw-bienport-phone-9Pe5"
)

// SeedCoioteRealm is the realm of the seeded Coiote IAM client (the public
// realm name).
const SeedCoioteRealm = "coiote-cloud"

// SeedMonogotoDemo is the demo account of Monogoto's login documentation
// (seed 001), field for field, with its full permission set. The vendor
// example's "Search": ["view7", ...] typo is kept on purpose: clients must
// pass unknown actions through.
var SeedMonogotoDemo = MonogotoAccount{
	UserName:                "demo@monogoto.io",
	Password:                SeedMonogotoDemoPassword,
	CustomerID:              "cid_ecs1d3a5-f5e62a1-fe8af468wf",
	UserID:                  "UserId_a76ty5a5-489a-4b87-9b9u-455f451d99fb",
	Role:                    "UserProfileId_40e0998a-ef5c-4bbd-a18bc-2864y6100d1",
	Realm:                   "customer",
	OrganizationID:          "OrganizationId_235348d7d-dd99-4111-ab2b-1ec612d9b11a",
	TwoFactorAuthentication: false,
	ThingsGroupIDs:          []string{},
	Profile: MonogotoUserProfile{
		Permissions: map[string][]string{
			"API":                       {"view"},
			"AlertsTasksSettings":       {"view", "edit", "delete"},
			"ApnAllowedToCustomer":      {"view", "edit", "delete"},
			"AuditLogs":                 {"view"},
			"AuditLogsOwned":            {"view"},
			"BillingReports":            {"view"},
			"CurrencyCodes":             {"view"},
			"Dashboard":                 {"view", "edit", "delete"},
			"ExternalHLR":               {"view"},
			"GlobalSettings":            {"view"},
			"IpPools":                   {"view", "edit", "delete"},
			"MobileSubscriber":          {"view", "edit", "delete"},
			"NetwSecSettings":           {"view", "edit", "delete"},
			"NetworkProvider":           {"view"},
			"NetworkProviderDetails":    {"view", "edit", "delete"},
			"PortalAlertsTasksSettings": {"view"},
			"PortalAuditLogs":           {"view"},
			"PortalBillingReports":      {"view"},
			"PortalDashboard":           {"view"},
			"PortalIpPools":             {"view"},
			"PortalLogin":               {"view"},
			"PortalMobileIdentities":    {"view"},
			"PortalNetwork":             {"view"},
			"PortalPricePlanDetails":    {"view"},
			"PortalRealtimeDashboard":   {"view"},
			"PortalRoamingOwned":        {"view"},
			"PortalSecurity":            {"view"},
			"PortalSettings":            {"view"},
			"PortalThings":              {"view"},
			"PortalThingsGroups":        {"view"},
			"PortalUsers":               {"view"},
			"PricePlanDetails":          {"view", "edit", "delete"},
			"RoamingOwned":              {"view", "edit", "delete"},
			"Settings":                  {"view"},
			"Tags":                      {"view", "edit", "delete"},
			"TagsOwned":                 {"view", "edit", "delete"},
			"Things":                    {"view", "edit", "delete"},
			"ThingsGroup":               {"view", "edit", "delete"},
			"ThingsGroupOwned":          {"view", "edit", "delete"},
			"ThingsSensitiveData":       {"view", "edit", "delete"},
			"UserProfile":               {"view"},
			"Users":                     {"view", "edit", "delete"},
			"PortalReports":             {"view"},
			"ReportTemplate":            {"view", "edit", "delete"},
			"ReportHistory":             {"view", "edit", "delete"},
			"DownloadReportInPdf":       {"view", "edit", "delete"},
			"Scheduler":                 {"view", "edit", "delete"},
			"PortalScheduler":           {"view"},
			"Search":                    {"view7", "edit", "delete"},
			"DownloadPCAPFile":          {"view"},
			"DataLocationService":       {"view"},
			"Bundle":                    {"view", "edit", "delete"},
		},
		DateCreated:   1550396272390,
		DateModified:  1606904198590,
		Name:          "Customer Admin",
		Realm:         "customer",
		Type:          "USER_PROFILE",
		UserProfileID: "UserProfileId_40e0998a-ef5c-4bbd-a18bc-2864y6100d1",
		CAS:           "160777788521644",
	},
}

// SeedMonogotoViewer is a second Monogoto account in another customer: a
// read-only profile, two things groups and two-factor authentication on.
var SeedMonogotoViewer = MonogotoAccount{
	UserName:                "fleet.viewer@example.com",
	Password:                SeedMonogotoViewerPassword,
	CustomerID:              "cid_7b2e41c0-9d3f-4e1a-b8c2-5f6a7d8e9c01",
	UserID:                  "UserId_3f9c2d1e-7a6b-4c5d-8e9f-0a1b2c3d4e5f",
	Role:                    "UserProfileId_8d7c6b5a-4f3e-2d1c-0b9a-8f7e6d5c4b3a",
	Realm:                   "customer",
	OrganizationID:          "OrganizationId_5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
	TwoFactorAuthentication: true,
	ThingsGroupIDs: []string{
		"ThingsGroupId_0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5",
		"ThingsGroupId_9f8e7d6c-5b4a-3f2e-1d0c-b9a8f7e6d5c4",
	},
	Profile: MonogotoUserProfile{
		Permissions: map[string][]string{
			"API":          {"view"},
			"Dashboard":    {"view"},
			"PortalLogin":  {"view"},
			"PortalThings": {"view"},
			"Things":       {"view"},
			"ThingsGroup":  {"view"},
		},
		DateCreated:   1672531200000,
		DateModified:  1704067200000,
		Name:          "Customer Viewer",
		Realm:         "customer",
		Type:          "USER_PROFILE",
		UserProfileID: "UserProfileId_8d7c6b5a-4f3e-2d1c-0b9a-8f7e6d5c4b3a",
		CAS:           "170406720000001",
	},
}

// SeedCoioteOps is a regular Coiote user whose login contains `@`.
var SeedCoioteOps = CoioteAccount{
	Login:          "ops@acme.example",
	Password:       SeedCoioteOpsPassword,
	UserID:         "5d2f8a64-3b1e-4c7a-9f0d-2e6b8c1a4f73",
	Active:         true,
	SuperUser:      false,
	Staff:          false,
	Domain:         "/IoT/acme/",
	ExpirationDate: "",
	CreationDate:   "2023-03-14T09:26:53Z",
	Roles:          []string{"Developer", "DeviceManager"},
	Permissions: []string{
		"GET devices", "GET devices/{id}", "POST devices", "PUT devices/{id}",
		"GET groups", "GET domains", "GET users/{id}",
	},
	FullName:         "Acme Operations",
	Email:            "ops@acme.example",
	Properties:       map[string]string{"department": "operations", "timezone": "Europe/Warsaw"},
	AccessSchedule:   json.RawMessage(`{"enabled":false,"timeZone":"UTC","entries":[]}`),
	SecurityPolicyID: "default",
}

// SeedCoioteAdmin is a plain-login Coiote super user in a parent domain.
var SeedCoioteAdmin = CoioteAccount{
	Login:            "acmeadmin",
	Password:         SeedCoioteAdminPassword,
	UserID:           "a1c4e7f0-2b5d-4e8a-b1c3-d5e7f9a0b2c4",
	Active:           true,
	SuperUser:        true,
	Staff:            true,
	Domain:           "/IoT/",
	ExpirationDate:   "2030-12-31T23:59:59Z",
	CreationDate:     "2021-06-01T12:00:00Z",
	Roles:            []string{"Administrator"},
	Permissions:      []string{"*"},
	FullName:         "Acme Administrator",
	Email:            "admin@acme.example",
	Properties:       map[string]string{},
	AccessSchedule:   json.RawMessage(`{"enabled":true,"timeZone":"UTC","entries":[{"days":["MON","TUE","WED","THU","FRI"],"from":"06:00","to":"22:00"}]}`),
	SecurityPolicyID: "strict",
}

// SeedCoioteClient is the IAM service account in the public realm.
var SeedCoioteClient = CoioteClient{
	ClientID:     "iotauth-ci",
	ClientSecret: SeedCoioteClientSecret,
	Realm:        SeedCoioteRealm,
}

// SeedBienportDemo is the account of BienPort's login documentation (seed
// 003): its organization (id a number) and its two gateways. The vendor's
// e-mail address is redacted in the seed; the mock uses an example.com one.
var SeedBienportDemo = BienportAccount{
	ScreenName:   "bienport.demo",
	Password:     SeedBienportDemoPassword,
	UserID:       20641,
	EmailAddress: "bienport.demo@example.com",
	LocaleID:     "tr_TR",
	MQUser:       "mqttuser",
	Roles: []BienportRole{
		{RoleID: 20166, RoleName: "User", Type: 1, Inherited: false, TypePK: 1},
	},
	Organizations:   []BienportOrganization{{Name: "Bimetri", ID: 20635}},
	OrganizationIDs: []int64{20635},
	Resources: []BienportResource{
		{
			ResourceID: 17305, NetworkID: "26:AA:E0:23:23:5E", ResourceName: "Bimetri Demo Konsantratör",
			Enabled: false, TreePath: "/17305/", OrgID: 20635, ResourceType: "Gateway", DeviceSubType: "gateway",
		},
		{
			ResourceID: 17354, NetworkID: "26:AA:09:0B:6D:FB", ResourceName: "Bimetri Demo Pano",
			Enabled: true, TreePath: "/17354/", OrgID: 20635, ResourceType: "Gateway", DeviceSubType: "gateway",
		},
	},
}

// SeedBienportPhone is a user whose screen name is a phone number, with two
// organizations whose ids the answer writes as strings.
var SeedBienportPhone = BienportAccount{
	ScreenName:   "905554447788",
	Password:     SeedBienportPhonePassword,
	UserID:       20702,
	EmailAddress: "field.tech@example.com",
	LocaleID:     "tr_TR",
	MQUser:       "mqtt905554447788",
	Roles: []BienportRole{
		{RoleID: 20167, RoleName: "Technician", Type: 2, Inherited: true, TypePK: 20650, TypeName: "Organization"},
		{RoleID: 20166, RoleName: "User", Type: 1, Inherited: false, TypePK: 1},
	},
	Organizations: []BienportOrganization{
		{Name: "Flexywatt", ID: 20650, IDAsString: true},
		{Name: "Bimetri Saha", ID: 20651, IDAsString: true},
	},
	OrganizationIDs: []int64{20650, 20651},
	Resources: []BienportResource{
		{
			ResourceID: 18010, NetworkID: "26:AA:11:4C:7E:02", ResourceName: "Flexywatt Trafo 1",
			Enabled: true, TreePath: "/18010/", OrgID: 20650, ResourceType: "Gateway", DeviceSubType: "gateway",
		},
		{
			ResourceID: 18011, NetworkID: "26:AA:11:4C:7E:03", ResourceName: "Flexywatt Sayaç 1",
			Enabled: true, TreePath: "/18010/18011/", OrgID: 20650, ResourceType: "Device", DeviceSubType: "meter",
		},
	},
}

// seedAccounts returns deep copies of the seeded accounts, so that a caller
// that edits its Config cannot change the exported seeds.
func seedAccounts() Config {
	return Config{
		Monogoto:      []MonogotoAccount{SeedMonogotoDemo, SeedMonogotoViewer},
		Coiote:        []CoioteAccount{SeedCoioteOps, SeedCoioteAdmin},
		Bienport:      []BienportAccount{SeedBienportDemo, SeedBienportPhone},
		CoioteClients: []CoioteClient{SeedCoioteClient},
	}.cloneAccounts()
}

// accountLists is the JSON form of Config's account lists.
type accountLists struct {
	Monogoto      []MonogotoAccount `json:"monogoto"`
	Coiote        []CoioteAccount   `json:"coiote"`
	Bienport      []BienportAccount `json:"bienport"`
	CoioteClients []CoioteClient    `json:"coiote_clients"`
}

// cloneAccounts deep-copies the account lists (every account field has a
// JSON key, so a JSON round trip is a faithful copy).
func (c Config) cloneAccounts() Config {
	var out accountLists
	b, err := json.Marshal(accountLists{c.Monogoto, c.Coiote, c.Bienport, c.CoioteClients})
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		// Plain structs, maps and slices always round-trip; this cannot
		// happen, and a shallow copy is still a working configuration.
		return c
	}
	c.Monogoto, c.Coiote, c.Bienport, c.CoioteClients = out.Monogoto, out.Coiote, out.Bienport, out.CoioteClients
	return c
}
