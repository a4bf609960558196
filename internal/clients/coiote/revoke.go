package coiote

import (
	"context"
	"net/http"
	"net/url"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// revokePath is the IAM (Keycloak) token revocation endpoint of a realm
// (OAuth 2.0 Token Revocation, RFC 7009). Coiote does not document it;
// Keycloak serves it beside the token endpoint the service accounts use,
// so it is the likely path: best effort.
func revokePath(realm string) string {
	return "/iam/realms/" + escapeSegment(realm) + "/protocol/openid-connect/revoke"
}

// Revoke revokes a service account's access token (RFC 7009): a form with
// token, token_type_hint=access_token and the client's credentials. The
// server answers 200 whether or not the token was still valid. Tokens of
// the password grant have no documented revocation endpoint, and Info
// does not declare them revocable.
func (Platform) Revoke(ctx context.Context, c *httpx.Client, cr platform.Credentials, s *platform.Session) error {
	if cr.Kind() != platform.ClientCredentials {
		return &platform.Error{Kind: platform.KindInvalidConfig, Detail: "only service-account tokens can be revoked"}
	}
	realm := cr.Option(realmSetting)
	if realm == "" {
		realm = defaultRealm
	}
	form := url.Values{
		"token": {s.Token}, "token_type_hint": {"access_token"},
		"client_id": {cr.ClientID}, "client_secret": {cr.ClientSecret},
	}
	path := revokePath(realm)
	resp, err := c.PostForm(ctx, cr.BaseURLOr(defaultBaseURL)+path, form, nil)
	if err != nil {
		return err
	}
	return resp.Check(httpx.Expect{ //nolint:gosec // G101: Credentials names what was refused; it holds none.
		Path:        path,
		Refused:     func(status int) bool { return status == http.StatusUnauthorized },
		Credentials: "client ID and secret",
	})
}
