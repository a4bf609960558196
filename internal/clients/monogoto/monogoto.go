// Package monogoto logs in to Monogoto: the console API (POST /Auth, the
// seed documentation) and the newer v1 API (POST /v1/auth/token and
// /v1/auth/refresh on api.monogoto.io).
package monogoto

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/jwtclaims"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// V1TokenLifetime is the documented lifetime of a v1 access token, used when
// the token carries no readable `exp` claim.
const V1TokenLifetime = 4 * time.Hour

// LoginPath is the console API's login endpoint. Whether the platform treats
// paths case-insensitively is not documented: we send it exactly as the
// vendor documentation spells it.
const LoginPath = "/Auth"

// loginResponse is the console API's login answer (seed 001).
type loginResponse struct {
	Token           *string         `json:"token"`
	RefreshToken    string          `json:"refreshToken"`
	CustomerID      wire.FlexString `json:"CustomerId"`
	UserID          wire.FlexString `json:"UserId"`
	UserName        string          `json:"UserName"`
	Role            string          `json:"Role"`
	Realm           string          `json:"Realm"`
	OrganizationID  wire.FlexString `json:"OrganizationId"`
	AccountSettings struct {
		TwoFactorAuthentication bool `json:"TwoFactorAuthentication"`
	} `json:"AccountSettings"`
	ThingsGroupIDs []wire.FlexString `json:"ThingsGroupIds"`
	UserProfile    struct {
		Permissions   map[string][]string `json:"Permissions"`
		DateCreated   wire.FlexInt        `json:"DateCreated"`
		DateModified  wire.FlexInt        `json:"DateModified"`
		Name          string              `json:"Name"`
		Realm         string              `json:"Realm"`
		Type          string              `json:"Type"`
		UserProfileID string              `json:"UserProfileId"`
		CAS           wire.FlexString     `json:"cas"`
	} `json:"UserProfile"`
}

// Login signs in with the API that cr.MonogotoAPI selects.
func Login(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	if cr.MonogotoAPI == platform.MonogotoV1 {
		return LoginV1(ctx, c, cr)
	}
	s, err := loginLegacy(ctx, c, cr)
	return s, platform.Annotate(err, platform.Monogoto, cr.Username, "login")
}

func loginLegacy(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	// The login body carries the password by design; it is sent only to
	// the configured base URL and never logged.
	body, err := json.Marshal(struct { //nolint:gosec // G117: the login request must carry the password.
		UserName string `json:"UserName"`
		Password string `json:"Password"`
	}{cr.Username, cr.Password})
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(ctx, &httpx.Request{
		Method: http.MethodPost,
		URL:    platform.NormalizeBaseURL(cr.BaseURL) + LoginPath,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   body,
	})
	if err != nil {
		return nil, err
	}
	switch resp.Status {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden:
		return nil, badCredentials(resp)
	case http.StatusNotFound:
		// The documented bad-credentials answer is a 404 whose body,
		// `{ Access denied }`, is not JSON. A 404 without those words is
		// a missing endpoint: most likely a wrong base_url.
		if bytes.Contains(bytes.ToLower(resp.Body), []byte("access denied")) {
			return nil, badCredentials(resp)
		}
		return nil, &platform.Error{Kind: platform.KindNotFound, Status: resp.Status, Attempts: resp.Attempts,
			Detail: "the login endpoint " + LoginPath + " was not found (HTTP 404)"}
	default:
		return nil, unexpected(resp)
	}
	s, err := DecodeLogin(resp.Body, resp.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	s.BaseURL = platform.NormalizeBaseURL(cr.BaseURL)
	if s.Username == "" {
		s.Username = cr.Username
	}
	return s, nil
}

func badCredentials(resp *httpx.Response) error {
	return &platform.Error{Kind: platform.KindBadCredentials, Status: resp.Status, Attempts: resp.Attempts,
		Detail: "the platform answered \"Access denied\""}
}

func unexpected(resp *httpx.Response) error {
	return &platform.Error{Kind: platform.KindUnexpectedStatus, Status: resp.Status, Attempts: resp.Attempts}
}

// DecodeLogin decodes a console API login answer into a Session. It is
// exported for the fuzz tests.
func DecodeLogin(body []byte, contentType string) (*platform.Session, error) {
	var r loginResponse
	if err := wire.DecodeJSON(body, contentType, &r); err != nil {
		return nil, err
	}
	if r.Token == nil {
		return nil, platform.Malformed("token", "the answer has no \"token\" field")
	}
	token := strings.TrimSpace(*r.Token)
	if token == "" {
		return nil, platform.Malformed("token", "the \"token\" field is empty")
	}
	now := time.Now().UTC()
	s := &platform.Session{
		Platform:     platform.Monogoto,
		Username:     r.UserName,
		Token:        token,
		TokenType:    "Bearer",
		ObtainedAt:   now,
		RefreshToken: r.RefreshToken,
	}
	// The console token is JWT-shaped but its claims are not documented:
	// the expiry is known only when it decodes with an `exp` claim.
	if claims, err := jwtclaims.Parse(token); err == nil {
		if exp, ok := jwtclaims.Expiry(claims); ok {
			s.ExpiresAt = exp
		}
	}
	perms := make(map[string][]string, len(r.UserProfile.Permissions))
	for k, v := range r.UserProfile.Permissions {
		actions := make([]string, 0, len(v))
		actions = append(actions, v...)
		perms[k] = actions
	}
	groups := make([]string, 0, len(r.ThingsGroupIDs))
	for _, g := range r.ThingsGroupIDs {
		if g.Set {
			groups = append(groups, g.Value)
		}
	}
	ex := &platform.MonogotoExtras{
		Realm:                   r.Realm,
		RoleProfileID:           r.Role,
		ProfileName:             r.UserProfile.Name,
		ProfileType:             r.UserProfile.Type,
		TwoFactorAuthentication: r.AccountSettings.TwoFactorAuthentication,
		ThingsGroupIDs:          groups,
	}
	if r.UserProfile.DateCreated.Set {
		ex.ProfileCreated = time.UnixMilli(r.UserProfile.DateCreated.Value).UTC()
	}
	if r.UserProfile.DateModified.Set {
		ex.ProfileModified = time.UnixMilli(r.UserProfile.DateModified.Value).UTC()
	}
	var roles []string
	if r.UserProfile.Name != "" {
		roles = []string{r.UserProfile.Name}
	}
	s.Profile = platform.Profile{
		UserID:         r.UserID.Value,
		UserName:       r.UserName,
		Email:          r.UserName, // Monogoto's UserName is the e-mail address.
		CustomerID:     r.CustomerID.Value,
		OrganizationID: r.OrganizationID.Value,
		Roles:          roles,
		Permissions:    perms,
		Monogoto:       ex,
	}
	if r.OrganizationID.Value != "" {
		s.Profile.OrganizationIDs = []string{r.OrganizationID.Value}
	}
	return s, nil
}
