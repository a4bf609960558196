package monogoto

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/jwtclaims"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// v1TokenLifetime is the documented lifetime of a v1 access token, used
// when the token carries no readable `exp` claim.
const v1TokenLifetime = 4 * time.Hour

// The v1 API's endpoints.
//
//nolint:gosec // G101: URL paths, not credentials.
const (
	v1TokenPath   = "/v1/auth/token"
	v1RefreshPath = "/v1/auth/refresh"
)

type v1TokenResponse struct {
	TokenType    string  `json:"token_type"`
	AccessToken  *string `json:"access_token"`
	RefreshToken string  `json:"refresh_token"`
}

// loginV1 signs in with the v1 API. Its answer carries no profile: the
// session's profile holds only the user name, and no extras.
func loginV1(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	s, err := v1Call(ctx, c, cr, v1TokenPath, struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}{cr.Username, cr.Password})
	return s, platform.Annotate(err, "", "", "v1 login")
}

// Refresh exchanges the (single-use, rotating) refresh token of a v1
// session for a new session; the old refresh token must not be used again.
// The console API documents no refresh: a legacy session is replaced by a
// new login.
func (p Platform) Refresh(ctx context.Context, c *httpx.Client, cr platform.Credentials, prev *platform.Session) (*platform.Session, error) {
	if cr.Option(apiVersion) != v1API {
		return p.Login(ctx, c, cr)
	}
	s, err := v1Call(ctx, c, cr, v1RefreshPath, struct {
		RefreshToken string `json:"refresh_token"`
	}{prev.RefreshToken})
	return s, platform.Annotate(err, "", "", "v1 token refresh")
}

func v1Call(ctx context.Context, c *httpx.Client, cr platform.Credentials, path string, body any) (*platform.Session, error) {
	base := cr.BaseURLOr(defaultV1BaseURL)
	resp, err := c.PostJSON(ctx, base+path, body, nil)
	if err != nil {
		return nil, err
	}
	refresh := path == v1RefreshPath
	x := httpx.Expect{Path: path, Refused: func(status int) bool {
		// Not documented for a login; a reused refresh token gets 401.
		return status == 400 || status == 401 || status == 403
	}}
	if refresh {
		x.Credentials = "refresh token"
	}
	if err := resp.Check(x); err != nil {
		if e, ok := platform.AsError(err); ok {
			if refresh && e.Kind == platform.KindBadCredentials {
				// A used or expired refresh token: the clients package
				// logs in again with the password.
				e.Kind = platform.KindTokenRejected
			}
			if id := wire.RequestID(requestID(resp.Body)); id != "" {
				// The request ID helps Monogoto's support. It is shown as
				// sent when it looks like an ID, and not at all otherwise
				// (never altered); the envelope's message is not quoted:
				// it is free text from the server.
				e.Detail = strings.TrimPrefix(e.Detail+"; "+id, "; ")
			}
		}
		return nil, err
	}
	s, err := decodeV1Token(resp.Body, resp.Header.Get("Content-Type"), time.Now().UTC())
	if err != nil {
		return nil, err
	}
	s.BaseURL = base
	s.Username = cr.Username
	s.Profile.UserName = cr.Username
	return s, nil
}

// requestID is the request_id of a v1 error answer
// ({"status_code", "message", "request_id"}), as sent; wire.RequestID
// decides whether it may be shown.
func requestID(body []byte) string {
	var env struct {
		RequestID string `json:"request_id"`
	}
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	return env.RequestID
}

// decodeV1Token decodes a v1 token or refresh answer.
func decodeV1Token(body []byte, contentType string, now time.Time) (*platform.Session, error) {
	var r v1TokenResponse
	if err := wire.DecodeJSON(body, contentType, &r); err != nil {
		return nil, err
	}
	token, tt, err := wire.AccessToken(r.AccessToken, r.TokenType)
	if err != nil {
		return nil, err
	}
	s := &platform.Session{
		Platform:     info.Name,
		Token:        token,
		TokenType:    tt,
		ObtainedAt:   now,
		RefreshToken: r.RefreshToken,
		ExpiresAt:    now.Add(v1TokenLifetime),
	}
	if exp, ok := jwtclaims.TokenExpiry(token); ok {
		s.ExpiresAt = exp
	}
	s.Headers = map[string]string{"Authorization": s.AuthorizationHeader()}
	return s, nil
}
