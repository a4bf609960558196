package bienport

import (
	"context"
	"net/http"
	"strconv"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/httpx"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/wire"
)

// logoutPath is BienPort's User API "User Logout", relative to the base URL
// (which ends in /api). It is under /user, not /auth.
const logoutPath = "/user/logout"

// AppID is the logout's appId. BienPort does not document what the field
// must hold. The one other place its API uses an appId is the Push
// Notification API's "Add or Update Device Token" (POST /devicetoken/addorupdate),
// where appId is "the unique id of the device" a mobile app registers its
// push token under; the logout presumably names the device whose push
// registration ends with the session. The provider registers no device,
// so it sends a fixed identifier that names none and says who sent it,
// rather than an empty string that a server might refuse as missing.
const AppID = "terraform-provider-iotauth"

// logoutRequest is the logout's body, keys as the vendor documents them.
type logoutRequest struct {
	AppID    string `json:"appId"`
	JWTToken string `json:"jwtToken"`
	UserID   int64  `json:"userId"`
}

// Revoke logs the session out: POST {base}/user/logout with the session's
// headers (Authorization and OrganizationId) and {"appId", "jwtToken",
// "userId"}; BienPort answers {"message", "success": true}. The platform's
// message is not read: only its success flag.
func (Platform) Revoke(ctx context.Context, c *httpx.Client, cr platform.Credentials, s *platform.Session) error {
	base := s.BaseURL
	if base == "" {
		base = cr.BaseURLOr(defaultBaseURL)
	}
	userID, err := strconv.ParseInt(s.Profile.UserID, 10, 64)
	if err != nil {
		return platform.Malformed("userId", "the login answer had no numeric user ID, which the logout needs")
	}
	header := http.Header{}
	for k, v := range s.Headers {
		header.Set(k, v)
	}
	resp, err := c.PostJSON(ctx, base+logoutPath, logoutRequest{AppID: AppID, JWTToken: s.Token, UserID: userID}, header)
	if err != nil {
		return err
	}
	if resp.Status == http.StatusUnauthorized {
		return resp.Error(platform.KindTokenRejected, "the logout endpoint refused the token (HTTP 401)")
	}
	if err := resp.Check(httpx.Expect{Path: logoutPath, NotFound: "BienPort's base URL ends in /api"}); err != nil {
		return err
	}
	var answer struct {
		Success *bool `json:"success"`
	}
	if err := wire.DecodeJSON(resp.Body, resp.Header.Get("Content-Type"), &answer); err != nil {
		return err
	}
	if answer.Success == nil || !*answer.Success {
		return resp.Error(platform.KindUnexpectedStatus, "the logout answered without \"success\": true")
	}
	return nil
}
