// Package bienport logs in to BienPort by Bimetri (POST {base}/auth/login).
// The login answer is the whole profile; the token is an HS512 JWT whose
// `exp` gives the expiry and whose `sub` claim is a string holding JSON.
package bienport

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/jwtclaims"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// LoginPath is relative to the base URL, which includes BienPort's /api.
const LoginPath = "/auth/login"

type loginResponse struct {
	Token        *string      `json:"token"`
	MQUser       string       `json:"mqUser"`
	MQPassword   string       `json:"mqPassword"`
	UserID       wire.FlexInt `json:"userId"`
	EmailAddress string       `json:"emailAddress"`
	ScreenName   string       `json:"screenName"`
	LocaleID     string       `json:"localeId"`
	Roles        []struct {
		RoleID    wire.FlexInt `json:"roleId"`
		RoleName  string       `json:"roleName"`
		Type      wire.FlexInt `json:"type"`
		Inherited bool         `json:"inherited"`
		TypePK    wire.FlexInt `json:"typePK"`
		TypeName  string       `json:"typeName"`
	} `json:"roles"`
	Organizations []struct {
		Name string `json:"name"`
		// A number in one vendor example, a string in another.
		ID wire.FlexString `json:"id"`
	} `json:"organizations"`
	OrganizationIDs []wire.FlexString `json:"organizationIds"`
	Resources       []struct {
		ResourceID    wire.FlexInt `json:"resourceId"`
		NetworkID     string       `json:"networkId"`
		ResourceName  string       `json:"resourceName"`
		Enabled       bool         `json:"enabled"`
		TreePath      string       `json:"treePath"`
		OrgID         wire.FlexInt `json:"orgId"`
		ResourceType  string       `json:"resourceType"`
		DeviceSubType string       `json:"deviceSubType"`
	} `json:"resources"`
}

// Login signs in to BienPort.
func Login(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	s, err := login(ctx, c, cr)
	return s, platform.Annotate(err, platform.Bienport, cr.Username, "login")
}

func login(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	body, err := json.Marshal(struct { //nolint:gosec // G117: the login request must carry the password.
		ScreenName string `json:"screenName"`
		Password   string `json:"password"`
		RememberMe bool   `json:"rememberMe"`
	}{cr.Username, cr.Password, cr.RememberMe})
	if err != nil {
		return nil, err
	}
	base := platform.NormalizeBaseURL(cr.BaseURL)
	resp, err := c.Do(ctx, &httpx.Request{
		Method: http.MethodPost,
		URL:    base + LoginPath,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   body,
	})
	if err != nil {
		return nil, err
	}
	switch resp.Status {
	case http.StatusOK:
	case http.StatusUnauthorized, http.StatusForbidden:
		return nil, &platform.Error{Kind: platform.KindBadCredentials, Status: resp.Status, Attempts: resp.Attempts,
			Detail: "the platform answered \"Incorrect username or password\""}
	case http.StatusNotFound:
		return nil, &platform.Error{Kind: platform.KindNotFound, Status: resp.Status, Attempts: resp.Attempts,
			Detail: "the login endpoint " + LoginPath + " was not found (HTTP 404); BienPort's base URL ends in /api"}
	default:
		return nil, &platform.Error{Kind: platform.KindUnexpectedStatus, Status: resp.Status, Attempts: resp.Attempts}
	}
	s, err := DecodeLogin(resp.Body, resp.Header.Get("Content-Type"), time.Now().UTC())
	if err != nil {
		return nil, err
	}
	s.BaseURL = base
	if s.Username == "" {
		s.Username = cr.Username
	}
	return s, nil
}

// DecodeLogin decodes a login answer into a Session.
func DecodeLogin(body []byte, contentType string, now time.Time) (*platform.Session, error) {
	var r loginResponse
	if err := wire.DecodeJSON(body, contentType, &r); err != nil {
		return nil, err
	}
	if r.Token == nil || strings.TrimSpace(*r.Token) == "" {
		return nil, platform.Malformed("token", "the answer has no \"token\"")
	}
	token := strings.TrimSpace(*r.Token)
	// BienPort's token is documented as a bare JWT; whether the platform
	// also accepts it without the "Bearer " prefix is not, so we always
	// send the prefix, and drop one the answer carries (with the white
	// space after it: "Bearer  x" is the token "x", "Bearer" alone none).
	if len(token) >= 6 && strings.EqualFold(token[:6], "Bearer") && (len(token) == 6 || token[6] == ' ' || token[6] == '\t') {
		token = strings.TrimSpace(token[6:])
	}
	if token == "" {
		return nil, platform.Malformed("token", "the \"token\" field holds only the \"Bearer\" prefix")
	}
	s := &platform.Session{
		Platform:     platform.Bienport,
		Username:     r.ScreenName,
		Token:        token,
		TokenType:    "Bearer",
		ObtainedAt:   now,
		MQTTUsername: r.MQUser,
		MQTTPassword: r.MQPassword,
	}
	userID := ""
	if r.UserID.Set {
		userID = strconv.FormatInt(r.UserID.Value, 10)
	}
	if claims, err := jwtclaims.Parse(token); err == nil {
		if exp, ok := jwtclaims.Expiry(claims); ok {
			s.ExpiresAt = exp
		}
		if sub, ok := jwtclaims.DecodeNestedSubject(claims); ok && userID == "" {
			if n, ok := sub["userid"].(json.Number); ok {
				userID = n.String()
			}
		}
	}

	ex := &platform.BienportExtras{ScreenName: r.ScreenName, LocaleID: r.LocaleID}
	var orgIDs []string
	seen := map[string]bool{}
	for _, id := range r.OrganizationIDs {
		if id.Set && !seen[id.Value] {
			seen[id.Value] = true
			orgIDs = append(orgIDs, id.Value)
		}
	}
	for _, o := range r.Organizations {
		ex.Organizations = append(ex.Organizations, platform.BienportOrganization{ID: o.ID.Value, Name: o.Name})
		if o.ID.Set && !seen[o.ID.Value] {
			seen[o.ID.Value] = true
			orgIDs = append(orgIDs, o.ID.Value)
		}
	}
	var roles []string
	for _, rl := range r.Roles {
		roles = append(roles, rl.RoleName)
		ex.RoleDetails = append(ex.RoleDetails, platform.BienportRole{
			RoleID: rl.RoleID.Value, RoleName: rl.RoleName, Type: rl.Type.Value,
			Inherited: rl.Inherited, TypePK: rl.TypePK.Value, TypeName: rl.TypeName,
		})
	}
	for _, res := range r.Resources {
		ex.Resources = append(ex.Resources, platform.BienportResource{
			ResourceID: res.ResourceID.Value, NetworkID: res.NetworkID, ResourceName: res.ResourceName,
			Enabled: res.Enabled, TreePath: res.TreePath, OrgID: res.OrgID.Value,
			ResourceType: res.ResourceType, DeviceSubType: res.DeviceSubType,
		})
	}
	s.Profile = platform.Profile{
		UserID:          userID,
		UserName:        r.ScreenName,
		Email:           r.EmailAddress,
		OrganizationIDs: orgIDs,
		Roles:           roles,
		Permissions:     map[string][]string{},
		Bienport:        ex,
	}
	if len(orgIDs) > 0 {
		s.Profile.OrganizationID = orgIDs[0]
	}
	return s, nil
}
