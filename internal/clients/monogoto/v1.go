package monogoto

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/jwtclaims"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// The v1 API's endpoints.
//
//nolint:gosec // G101: URL paths, not credentials.
const (
	V1TokenPath   = "/v1/auth/token"
	V1RefreshPath = "/v1/auth/refresh"
)

type v1TokenResponse struct {
	TokenType    string  `json:"token_type"`
	AccessToken  *string `json:"access_token"`
	RefreshToken string  `json:"refresh_token"`
}

type v1ErrorResponse struct {
	StatusCode wire.FlexInt `json:"status_code"`
	Message    string       `json:"message"`
	RequestID  string       `json:"request_id"`
}

// LoginV1 signs in with the v1 API. The v1 answer carries no profile: the
// session's profile holds only the user name.
func LoginV1(ctx context.Context, c *httpx.Client, cr platform.Credentials) (*platform.Session, error) {
	body, err := json.Marshal(struct { //nolint:gosec // G117: the login request must carry the password.
		Username string `json:"username"`
		Password string `json:"password"`
	}{cr.Username, cr.Password})
	if err != nil {
		return nil, err
	}
	s, err := v1Call(ctx, c, cr, V1TokenPath, body)
	return s, platform.Annotate(err, platform.Monogoto, cr.Username, "v1 login")
}

// RefreshV1 exchanges a (single-use, rotating) refresh token for a new
// session. The old refresh token must not be used again.
func RefreshV1(ctx context.Context, c *httpx.Client, cr platform.Credentials, refreshToken string) (*platform.Session, error) {
	body, err := json.Marshal(struct { //nolint:gosec // G117: the refresh request must carry the refresh token.
		RefreshToken string `json:"refresh_token"`
	}{refreshToken})
	if err != nil {
		return nil, err
	}
	s, err := v1Call(ctx, c, cr, V1RefreshPath, body)
	return s, platform.Annotate(err, platform.Monogoto, cr.Username, "v1 token refresh")
}

func v1Call(ctx context.Context, c *httpx.Client, cr platform.Credentials, path string, body []byte) (*platform.Session, error) {
	resp, err := c.Do(ctx, &httpx.Request{
		Method: http.MethodPost,
		URL:    platform.NormalizeBaseURL(cr.BaseURL) + path,
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   body,
	})
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusOK {
		return nil, v1Error(resp, path)
	}
	s, err := DecodeV1Token(resp.Body, resp.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	s.BaseURL = platform.NormalizeBaseURL(cr.BaseURL)
	s.Username = cr.Username
	s.Profile.UserName = cr.Username
	return s, nil
}

func v1Error(resp *httpx.Response, path string) error {
	e := &platform.Error{Status: resp.Status, Attempts: resp.Attempts}
	var env v1ErrorResponse
	if err := json.Unmarshal(resp.Body, &env); err == nil && env.RequestID != "" {
		// The request ID helps Monogoto's support; the message is not
		// quoted because it is free text from the server.
		e.Detail = fmt.Sprintf("request ID %s", sanitizeID(env.RequestID))
	}
	switch resp.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		if path == V1RefreshPath {
			e.Kind = platform.KindTokenRejected
			e.Detail = strings.TrimPrefix(e.Detail+"; the refresh token was refused", "; ")
		} else {
			e.Kind = platform.KindBadCredentials
		}
	case http.StatusNotFound:
		e.Kind = platform.KindNotFound
		e.Detail = strings.TrimPrefix(e.Detail+"; the endpoint "+path+" was not found", "; ")
	default:
		e.Kind = platform.KindUnexpectedStatus
	}
	return e
}

// sanitizeID keeps an identifier printable and short.
func sanitizeID(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 64 {
			break
		}
		if r == '-' || r == '_' || r == '.' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DecodeV1Token decodes a v1 token or refresh answer.
func DecodeV1Token(body []byte, contentType string) (*platform.Session, error) {
	var r v1TokenResponse
	if err := wire.DecodeJSON(body, contentType, &r); err != nil {
		return nil, err
	}
	if r.AccessToken == nil || strings.TrimSpace(*r.AccessToken) == "" {
		return nil, platform.Malformed("access_token", "the answer has no \"access_token\"")
	}
	now := time.Now().UTC()
	tt := r.TokenType
	if tt == "" {
		tt = "Bearer"
	}
	s := &platform.Session{
		Platform:     platform.Monogoto,
		Token:        strings.TrimSpace(*r.AccessToken),
		TokenType:    tt,
		ObtainedAt:   now,
		RefreshToken: r.RefreshToken,
		ExpiresAt:    now.Add(V1TokenLifetime),
	}
	if claims, err := jwtclaims.Parse(s.Token); err == nil {
		if exp, ok := jwtclaims.Expiry(claims); ok {
			s.ExpiresAt = exp
		}
	}
	return s, nil
}
