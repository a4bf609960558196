package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// blockOverrides are the per-block settings of an iotauth_token block that
// replace the provider's. The data source has none: its credentials come
// from the provider only.
type blockOverrides struct {
	BaseURL      types.String
	Username     types.String
	Password     types.String
	ClientID     types.String
	ClientSecret types.String
	RememberMe   types.Bool
}

// secrets lists the block's own secrets.
func (o blockOverrides) secrets() []string {
	return []string{o.Password.ValueString(), o.ClientSecret.ValueString()}
}

// credentialState says whether credentials could be put together.
type credentialState int

const (
	// credentialsReady: the credentials are complete.
	credentialsReady credentialState = iota
	// credentialsUnknown: a provider setting is not known until apply.
	credentialsUnknown
	// credentialsInvalid: a diagnostic was added.
	credentialsInvalid
)

// credentials puts together the credentials for platform p from the
// provider settings and the block's overrides. Diagnostics about a missing
// account go on the attribute at (the block's platform attribute).
func (d *providerData) credentials(p platform.Name, o blockOverrides, at path.Path, perBlock bool, diags *diag.Diagnostics) (platform.Credentials, credentialState) {
	s := d.settings(p)
	if !o.BaseURL.IsNull() && !o.BaseURL.IsUnknown() {
		s.BaseURL = platform.NormalizeBaseURL(o.BaseURL.ValueString())
	}
	switch {
	case !o.ClientID.IsNull():
		s.ClientID, s.ClientSecret = o.ClientID.ValueString(), o.ClientSecret.ValueString()
		s.Username, s.Password = "", ""
	case !o.Username.IsNull():
		s.Username, s.Password = o.Username.ValueString(), o.Password.ValueString()
		s.ClientID, s.ClientSecret = "", ""
	}
	if !o.RememberMe.IsNull() && !o.RememberMe.IsUnknown() {
		s.RememberMe = o.RememberMe.ValueBool()
	}
	if s.Unknown || d.manager == nil {
		return platform.Credentials{}, credentialsUnknown
	}
	if !s.Configured() {
		addNotConfiguredError(diags, at, p, perBlock)
		return platform.Credentials{}, credentialsInvalid
	}
	if s.ClientID == "" && s.Password == "" {
		addMissingPasswordError(diags, at, p, s.Username)
		return platform.Credentials{}, credentialsInvalid
	}
	return s.Credentials(), credentialsReady
}

// session logs in (or reuses the cached session) and masks the session's
// secrets in the returned context's loggers. A failure is added to diags.
func (d *providerData) session(ctx context.Context, cr platform.Credentials, diags *diag.Diagnostics) (context.Context, *platform.Session) {
	s, err := d.manager.Session(ctx, cr)
	if err != nil {
		addPlatformError(diags, cr.Platform, err, cr.Password, cr.ClientSecret)
		return ctx, nil
	}
	return maskSecrets(ctx, sessionSecrets(s)...), s
}

// stringOrNull is a string value, null when empty.
func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}
