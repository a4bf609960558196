package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients"
)

// subsystemHTTP is the tflog subsystem of the HTTP request log. Its level
// follows TF_LOG_PROVIDER unless TF_LOG_PROVIDER_IOTAUTH_HTTP is set.
const subsystemHTTP = "http"

// sensitiveLogKeys are log field keys whose values are always masked,
// whatever they hold.
var sensitiveLogKeys = []string{
	"password", "client_secret", "token", "access_token", "refresh_token",
	"authorization", "Authorization", "mqtt_password", "headers",
}

// logContext prepares an RPC's context for logging: it creates the HTTP
// subsystem logger and masks, in the root logger and in the subsystem, the
// sensitive field keys and every given secret. Every RPC entry point that
// sees a secret calls it before anything logs.
func logContext(ctx context.Context, secrets ...string) context.Context {
	ctx = tflog.NewSubsystem(ctx, subsystemHTTP, tflog.WithLevelFromEnv("TF_LOG_PROVIDER_IOTAUTH_HTTP"))
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, sensitiveLogKeys...)
	ctx = tflog.SubsystemMaskFieldValuesWithFieldKeys(ctx, subsystemHTTP, sensitiveLogKeys...)
	return maskSecrets(ctx, secrets...)
}

// maskSecrets adds secrets to the masks of the root logger and of the HTTP
// subsystem, for messages and field values alike. Empty strings are
// skipped: masking "" would put asterisks between every character.
func maskSecrets(ctx context.Context, secrets ...string) context.Context {
	seen := make(map[string]bool, len(secrets))
	list := make([]string, 0, len(secrets))
	for _, s := range secrets {
		if s != "" && !seen[s] {
			seen[s] = true
			list = append(list, s)
		}
	}
	if len(list) == 0 {
		return ctx
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, list...)
	ctx = tflog.MaskMessageStrings(ctx, list...)
	ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, subsystemHTTP, list...)
	return tflog.SubsystemMaskMessageStrings(ctx, subsystemHTTP, list...)
}

// logHTTP is the HTTP client's log hook: one DEBUG line per attempt in the
// "http" subsystem, with no header, body or query string.
func logHTTP(ctx context.Context, e clients.LogEntry) {
	tflog.SubsystemDebug(ctx, subsystemHTTP, "HTTP request", map[string]any{
		"method":      e.Method,
		"host":        e.Host,
		"path":        e.Path,
		"status":      e.Status,
		"duration_ms": e.Duration.Milliseconds(),
		"attempt":     e.Attempt,
		"outcome":     e.Outcome,
	})
}
