package provider

// Text a platform sends reaches a diagnostic only when it is an
// allow-listed, strictly validated field, exactly as sent, and the
// provider's redaction runs on the final text (issue 13, item 5). Before,
// a Monogoto v1 request_id echoing the password appeared with its spaces
// and punctuation removed, and a Content-Type echoing it lower-cased:
// altered copies that redaction could not find.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// echoPassword is the password the platforms echo; it matches the
// request-ID pattern, so that only redaction keeps it out.
const echoPassword = "pw-Q7z9abc"

func TestAccReliabilitySecrets_ServerTextEchoingThePassword(t *testing.T) {
	t.Parallel()
	v1Envelope := func(id string) string {
		return fmt.Sprintf(`{"status_code":401,"message":"wrong password %s","request_id":%q}`, echoPassword, id)
	}
	cases := map[string]struct {
		platform platform.Name
		provider func(*mock.Server) string
		fault    mock.Fault
		want     string // in the diagnostic
	}{
		"v1 request_id that is the password": {
			provider: func(srv *mock.Server) string {
				return monogotoV1Provider(srv, mock.SeedMonogotoDemo.UserName, echoPassword)
			},
			platform: mock.Monogoto,
			fault:    mock.Fault{Endpoint: mock.EndpointV1Login, Status: http.StatusUnauthorized, Body: v1Envelope(echoPassword)},
			want:     "the platform refused the user name and password (HTTP 401); request ID ***",
		},
		"v1 request_id that holds the password and a space": {
			provider: func(srv *mock.Server) string {
				return monogotoV1Provider(srv, mock.SeedMonogotoDemo.UserName, echoPassword)
			},
			platform: mock.Monogoto,
			fault:    mock.Fault{Endpoint: mock.EndpointV1Login, Status: http.StatusUnauthorized, Body: v1Envelope("MARKER " + echoPassword + "!")},
			want:     "the platform refused the user name and password (HTTP 401); (request ID not shown: unexpected characters)",
		},
		"content type that is the password": {
			provider: func(srv *mock.Server) string { return mockProviderPassword(srv, mock.Bienport, echoPassword) },
			platform: mock.Bienport,
			fault:    mock.Fault{Endpoint: mock.EndpointLogin, Status: http.StatusOK, Body: "<html>" + echoPassword + "</html>", ContentType: "text/" + echoPassword},
			want:     "malformed response: the answer is not JSON (content type text/***)",
		},
		"content type that is the password in capitals": {
			provider: func(srv *mock.Server) string { return mockProviderPassword(srv, mock.Bienport, echoPassword) },
			platform: mock.Bienport,
			fault: mock.Fault{Endpoint: mock.EndpointLogin, Status: http.StatusOK, Body: "<html></html>",
				ContentType: "TEXT/" + strings.ToUpper(echoPassword) + "; charset=utf-8"},
			want: "malformed response: the answer is not JSON (content type TEXT/***)",
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startMock(t)
			res := planOnly(t, c.provider(srv)+tokenBlock(c.platform), func() { srv.SetFault(c.platform, c.fault) })
			if !exactly(c.want).MatchString(res.errText) {
				t.Errorf("want %q in:\n%s", c.want, res.errText)
			}
			for _, leak := range []string{echoPassword, strings.ToLower(echoPassword), strings.ToUpper(echoPassword),
				strings.ReplaceAll(echoPassword, "-", ""), "MARKERpw", "MARKER"} {
				if strings.Contains(res.errText, leak) {
					t.Errorf("the diagnostic holds %q:\n%s", leak, res.errText)
				}
			}
		})
	}
}

// mockProviderPassword is mockProvider(srv) with platform p's password
// replaced.
func mockProviderPassword(srv *mock.Server, p platform.Name, password string) string {
	return strings.Replace(mockProvider(srv), fmt.Sprintf("password = %q", seedPasswords[p]), fmt.Sprintf("password = %q", password), 1)
}
