package provider

// Faults through Terraform: every platform's login, and Coiote's profile
// call, misbehave in the ways the mock can inject, and the provider either
// recovers (retries counted on the mock) or fails quickly with a
// diagnostic that says which platform, which user, what happened and what
// to do, and holds no secret.

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// faultLimit bounds every failing run, init included. The faults that
// could hang a client (a 60s answer, a 2-minute or 10-minute Retry-After,
// 5xx forever) would each take longer than this if not cut short.
const faultLimit = 40 * time.Second

// slowAnswer is the latency of a "slow" platform: far beyond the 1s
// request timeout and faultLimit.
const slowAnswer = 60 * time.Second

// faultCase is one fault, run against each platform.
type faultCase struct {
	name string
	// settings are the provider's shared settings for the run.
	settings string
	// fault installs the fault just before the step runs.
	fault func(t *testing.T, srv *mock.Server, p platform.Name)
	// want is the expected error after `<Platform> login for user "<user>"
	// failed: ` (a regular expression whose spaces match any white space);
	// "" means the run must succeed.
	want func(p platform.Name) string
	// hint is the start of the diagnostic's advice, literally.
	hint string
	// logins is the exact number of login requests the mock must see.
	logins int64
	// forbid lists texts the diagnostic must not quote.
	forbid []string
	// check makes further assertions.
	check func(t *testing.T, srv *mock.Server, p platform.Name)
	// dataSource runs the case through iotauth_user_profile instead of
	// iotauth_token.
	dataSource bool
	// long cases run only with IOTAUTH_LONG_TESTS=1.
	long bool
}

// fixed returns a want function that ignores the platform.
func fixed(s string) func(platform.Name) string { return func(platform.Name) string { return s } }

// loginFault installs f on platform p's login endpoint.
func loginFault(f mock.Fault) func(*testing.T, *mock.Server, platform.Name) {
	return func(_ *testing.T, srv *mock.Server, p platform.Name) {
		f.Endpoint = mock.EndpointLogin
		srv.SetFault(p, f)
	}
}

// retryThenSuccess: status twice, then the real answer. The step runs two
// plans, each a new provider process: 2 refused + 1 accepted attempt in
// the first, 1 login in the second.
func retryThenSuccess(status int) faultCase {
	return faultCase{
		name:     fmt.Sprintf("HTTP %d twice then success", status),
		settings: "  max_retries    = 3\n  retry_max_wait = \"1s\"\n",
		fault:    loginFault(mock.Fault{Status: status, Times: 2}),
		logins:   4,
		check: func(t *testing.T, srv *mock.Server, p platform.Name) {
			// Without Retry-After the waits are the backoff: 250ms, 500ms
			// (plus up to 25% jitter).
			gaps := requestGaps(srv, p, mock.EndpointLogin)
			if len(gaps) < 2 || gaps[0] < 200*time.Millisecond || gaps[1] < 450*time.Millisecond || gaps[1] > 3*time.Second {
				t.Errorf("retry waits %v, want about 250ms then 500ms", gaps)
			}
		},
	}
}

// notRetried: a login answered with status (a 5xx other than 503) may
// have been processed, so it is not sent again, in this command or any
// later block of it (issue 13, item 4; it used to be retried).
func notRetried(status int) faultCase {
	return faultCase{
		name:     fmt.Sprintf("HTTP %d is not retried", status),
		settings: "  max_retries    = 3\n  retry_max_wait = \"1s\"\n",
		fault:    loginFault(mock.Fault{Status: status, Times: 2}),
		want: fixed(fmt.Sprintf(`server error: HTTP %d while handling the credentials; they are not sent again in this run, `+
			`since the platform may have processed them`, status)),
		hint:   "The platform failed while handling the login. The provider does not send the same credentials again in this run",
		logins: 1,
	}
}

// faultCases returns fresh cases (some keep per-run state).
func faultCases() []faultCase {
	var retryAt time.Time // the HTTP-date of the Retry-After case
	return []faultCase{
		{
			// A login that timed out after it was sent may have been
			// processed: it is not sent again (issue 13, item 4; it used
			// to be sent max_retries + 1 times).
			name:     "slower than request_timeout",
			settings: "  request_timeout = \"1s\"\n  max_retries     = 1\n  retry_max_wait  = \"0s\"\n",
			fault:    loginFault(mock.Fault{Latency: slowAnswer}),
			want: fixed(`timeout: no complete answer within the 1s request timeout; the credentials are not sent again ` +
				`in this run, since the platform may have processed them`),
			hint: "The platform did not answer within request_timeout after receiving the login. The provider does not " +
				"send the same credentials again in this run",
			logins: 1,
		},
		notRetried(http.StatusInternalServerError),
		notRetried(http.StatusBadGateway),
		retryThenSuccess(http.StatusServiceUnavailable),
		{
			name:     "429 with Retry-After in seconds is honoured",
			settings: "  max_retries    = 2\n  retry_max_wait = \"5s\"\n",
			fault:    loginFault(mock.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 1}),
			logins:   3,
			check: func(t *testing.T, srv *mock.Server, p platform.Name) {
				// The backoff alone would wait about 250ms.
				if gaps := requestGaps(srv, p, mock.EndpointLogin); len(gaps) == 0 || gaps[0] < 950*time.Millisecond || gaps[0] > 3*time.Second {
					t.Errorf("waited %v after the 429, want about the 1s Retry-After asked for", gaps)
				}
			},
		},
		{
			name:     "429 with Retry-After as an HTTP date is honoured",
			settings: "  max_retries    = 2\n  retry_max_wait = \"10s\"\n",
			fault: func(_ *testing.T, srv *mock.Server, p platform.Name) {
				retryAt = time.Now().Add(4 * time.Second).Truncate(time.Second)
				srv.SetFault(p, mock.Fault{Endpoint: mock.EndpointLogin, Status: http.StatusTooManyRequests,
					RetryAfter: retryAt.UTC().Format(http.TimeFormat), Times: 1})
			},
			logins: 3,
			check: func(t *testing.T, srv *mock.Server, p platform.Name) {
				var logins []mock.Request
				for _, r := range srv.ReceivedRequests(p) {
					if r.Endpoint == mock.EndpointLogin {
						logins = append(logins, r)
					}
				}
				if len(logins) < 2 {
					t.Fatalf("%d login requests", len(logins))
				}
				first, second := logins[0].Time, logins[1].Time
				// The retry comes at the date, not after the ~250ms backoff.
				if second.Before(retryAt.Add(-10*time.Millisecond)) || second.Sub(first) < 500*time.Millisecond || second.After(retryAt.Add(3*time.Second)) {
					t.Errorf("first attempt %s, retry %s: want the retry at %s (the Retry-After date)",
						first.Format(time.StampMilli), second.Format(time.StampMilli), retryAt.Format(time.StampMilli))
				}
			},
		},
		{
			name:     "429 with Retry-After in seconds over retry_max_wait",
			settings: "  max_retries    = 3\n  retry_max_wait = \"2s\"\n",
			fault:    loginFault(mock.Fault{Status: http.StatusTooManyRequests, RetryAfter: "120"}),
			want:     fixed(`rate limited: the platform asked to wait 2m0s before retrying, more than the 2s cap \(HTTP 429\)`),
			hint:     "The platform limits logins; it asked to wait 2m0s. Run again later, or raise retry_max_wait to let the provider wait that long.",
			logins:   1,
		},
		{
			name:     "429 with Retry-After as an HTTP date over retry_max_wait",
			settings: "  max_retries    = 3\n  retry_max_wait = \"2s\"\n",
			fault: func(t *testing.T, srv *mock.Server, p platform.Name) {
				loginFault(mock.Fault{Status: http.StatusTooManyRequests,
					RetryAfter: time.Now().Add(10 * time.Minute).UTC().Format(http.TimeFormat)})(t, srv, p)
			},
			want:   fixed(`rate limited: the platform asked to wait (9m5\ds|10m0s) before retrying, more than the 2s cap \(HTTP 429\)`),
			hint:   "The platform limits logins; it asked to wait",
			logins: 1,
		},
		{
			// A Retry-After beyond int64 is a wait over any cap, not an
			// absent header (issue 13: it was retried after the backoff).
			name:     "429 with Retry-After beyond 64 bits",
			settings: "  max_retries    = 3\n  retry_max_wait = \"2s\"\n",
			fault:    loginFault(mock.Fault{Status: http.StatusTooManyRequests, RetryAfter: "99999999999999999999999"}),
			want:     fixed(`rate limited: the platform asked to wait 24h0m0s before retrying, more than the 2s cap \(HTTP 429\)`),
			hint:     "The platform limits logins; it asked to wait 24h0m0s. Run again later, or raise retry_max_wait",
			logins:   1,
		},
		{
			name:     "503 forever",
			settings: "  max_retries    = 2\n  retry_max_wait = \"1s\"\n",
			fault:    loginFault(mock.Fault{Status: http.StatusServiceUnavailable}),
			want:     fixed(`server error \(HTTP 503\) after 3 attempts`),
			hint:     "The platform is failing. Try again later; max_retries controls how often the provider retries.",
			logins:   3,
		},
		{
			// The most retries the provider allows, with the longest
			// backoff this setting gives: still bounded (about 16s).
			name:     "503 forever with max_retries = 10",
			settings: "  max_retries    = 10\n  retry_max_wait = \"2s\"\n",
			fault:    loginFault(mock.Fault{Status: http.StatusServiceUnavailable}),
			want:     fixed(`server error \(HTTP 503\) after 11 attempts`),
			hint:     "The platform is failing.",
			logins:   11,
			long:     true,
		},
		{
			name:       "503 forever through the data source",
			settings:   "  max_retries    = 2\n  retry_max_wait = \"1s\"\n",
			fault:      loginFault(mock.Fault{Status: http.StatusServiceUnavailable}),
			want:       fixed(`server error \(HTTP 503\) after 3 attempts`),
			hint:       "The platform is failing.",
			logins:     3,
			dataSource: true,
		},
		{
			// The platform answered 200: it processed the login. Not
			// sent again (it used to be retried like a network error).
			name:     "connection closed mid-response",
			settings: "  max_retries    = 1\n  retry_max_wait = \"0s\"\n",
			fault:    loginFault(mock.Fault{CloseMidResponse: true}),
			want: fixed(`platform unreachable: the connection closed before the answer was complete \(HTTP 200\); ` +
				`the credentials are not sent again in this run, since the platform may have processed them`),
			hint:   "The connection failed after the login was sent. The provider does not send the same credentials again",
			logins: 1,
			forbid: []string{mock.TokenPrefix + "partial"},
		},
		{
			name:     "malformed JSON",
			settings: "  max_retries = 3\n",
			fault:    loginFault(mock.Fault{MalformedJSON: true}),
			want:     fixed(`malformed response: the answer is not valid JSON \(syntax error at byte \d+\)`),
			hint:     "The answer was not what this platform's login API returns.",
			logins:   1,
			forbid:   []string{`{"status":"ok"`},
		},
		{
			name:     "HTML page with 200",
			settings: "  max_retries = 3\n",
			fault:    loginFault(mock.Fault{HTML: true, Status: http.StatusOK}),
			want:     fixed(`malformed response: the answer is not JSON \(content type text/html\)`),
			hint:     "The answer was not what this platform's login API returns.",
			logins:   1,
			forbid:   []string{"nginx", "<html"},
		},
		{
			name:     "HTML error page with 502",
			settings: "  max_retries    = 1\n  retry_max_wait = \"0s\"\n",
			fault:    loginFault(mock.Fault{HTML: true}),
			want:     fixed(`server error: HTTP 502 while handling the credentials; they are not sent again in this run`),
			hint:     "The platform failed while handling the login.",
			logins:   1,
			forbid:   []string{"nginx", "<html"},
		},
		{
			name:     "HTML error page with 503",
			settings: "  max_retries    = 1\n  retry_max_wait = \"0s\"\n",
			fault:    loginFault(mock.Fault{HTML: true, Status: http.StatusServiceUnavailable}),
			want:     fixed(`server error \(HTTP 503\) after 2 attempts`),
			hint:     "The platform is failing.",
			logins:   2,
			forbid:   []string{"nginx", "<html"},
		},
		{
			name:     "200 without a token",
			settings: "  max_retries = 3\n",
			fault:    loginFault(mock.Fault{NoToken: true}),
			// Each platform names its own token field.
			want:   fixed(`malformed response: the answer has no "(access_)?token" field`),
			hint:   "The answer was not what this platform's login API returns.",
			logins: 1,
		},
		{
			name:       "200 without a token through the data source",
			settings:   "  max_retries = 3\n",
			fault:      loginFault(mock.Fault{NoToken: true}),
			want:       fixed(`malformed response: the answer has no "(access_)?token"`),
			hint:       "The answer was not what this platform's login API returns.",
			logins:     1,
			dataSource: true,
		},
		{
			name:     "oversized body",
			settings: "  max_retries = 3\n",
			fault:    loginFault(mock.Fault{OversizedBytes: 3 << 20}),
			// Coiote's login answers 201.
			want:   fixed(`response too large: the answer is larger than the 1048576-byte limit \(HTTP 20[01]\)`),
			hint:   "The answer exceeded the response size limit.",
			logins: 1,
			forbid: []string{"xxxxxxxx"},
		},
	}
}

// errorPattern is the whole expected diagnostic: summary, the typed
// error's message and the start of its hint.
func errorPattern(p platform.Name, op, user, what, hint string) *regexp.Regexp {
	title := regexp.QuoteMeta(mock.Title(p))
	return wrapped(`(?s)Error: ` + title + ` ` + op + ` failed.*` + title + ` ` + op + ` for user "` +
		regexp.QuoteMeta(user) + `" failed: ` + what + `.*` + regexp.QuoteMeta(hint))
}

// TestAccReliabilityFaults runs each fault against the three platforms at
// once: one configuration with a block per platform, the fault installed on
// every platform, and each platform's diagnostic and request count checked
// on its own.
func TestAccReliabilityFaults(t *testing.T) {
	t.Parallel()
	for _, c := range faultCases() {
		t.Run(c.name, func(t *testing.T) {
			if c.long && !longTests() {
				t.Skip("set " + longTestsEnv + "=1 to run the long variant")
			}
			t.Parallel()
			srv := startMock(t)
			blocks := everyPlatform(tokenBlock)
			if c.dataSource {
				blocks = everyPlatform(profileBlock)
			}
			res := planOnly(t, providerWith(t, srv, c.settings)+blocks, func() {
				for _, p := range mock.Platforms() {
					c.fault(t, srv, p)
				}
			})
			if c.want == nil {
				if res.errText != "" {
					t.Fatalf("want success, got:\n%s", res.errText)
				}
			} else {
				var wants []*regexp.Regexp
				for _, p := range mock.Platforms() {
					wants = append(wants, errorPattern(p, "login", seedUsers[p], c.want(p), c.hint))
				}
				expectFailure(t, srv, res, wants...)
				if n := errorCount(res.errText); n != len(mock.Platforms()) {
					t.Errorf("%d error diagnostics, want one per platform", n)
				}
			}
			for _, f := range c.forbid {
				if strings.Contains(res.errText, f) {
					t.Errorf("the diagnostic quotes the answer (%q)", f)
				}
			}
			for _, p := range mock.Platforms() {
				if n := srv.Count(p, mock.EndpointLogin); n != c.logins {
					t.Errorf("%s: the mock saw %d login requests, want %d", p, n, c.logins)
				}
				if c.check != nil {
					c.check(t, srv, p)
				}
			}
			t.Logf("%s in %s", c.name, res.elapsed.Round(time.Millisecond))
		})
	}
}

// TestAccReliabilityFaults_RedirectToAnotherHost: a login answered with a
// 307 to another host is not followed, so the password never reaches it;
// nor is a redirect of Coiote's profile call, which carries the token.
func TestAccReliabilityFaults_RedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		platforms []platform.Name
		endpoint  mock.Endpoint
		op        string
	}{
		"login":          {mock.Platforms(), mock.EndpointLogin, "login"},
		"coiote profile": {[]platform.Name{mock.Coiote}, mock.EndpointProfile, "profile request"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startMock(t)
			sink := newSinkServer(t)
			var wants []*regexp.Regexp
			var blocks string
			host := strings.TrimPrefix(sink.URL, "http://")
			for _, p := range c.platforms {
				srv.SetFault(p, mock.Fault{Endpoint: c.endpoint, RedirectTo: sink.URL})
				blocks += tokenBlock(p)
				wants = append(wants, errorPattern(p, c.op, seedUsers[p],
					`redirect refused: the platform redirected to "`+regexp.QuoteMeta(host)+
						`", another host or a downgrade to http; not followed \(HTTP 307\)`,
					"The provider does not follow redirects to another host, so that credentials never leave the configured host."))
			}
			res := planOnly(t, providerWith(t, srv, "  max_retries = 3\n")+blocks, nil)
			expectFailure(t, srv, res, wants...)
			if got := sink.received(); len(got) != 0 {
				t.Errorf("the other host received %d request(s)", len(got))
			}
			for _, p := range c.platforms {
				if n := srv.Count(p, c.endpoint); n != 1 {
					t.Errorf("%s: %d requests to the redirecting endpoint, want 1 (a redirect is not retried)", p, n)
				}
			}
		})
	}
}

// tlsMock starts the mock platforms with HTTPS and a self-signed
// certificate.
func tlsMock(t *testing.T) *mock.Server {
	return startMock(t, func(c *mock.Config) { c.TLS = true })
}

// TestAccReliabilityFaults_TLSSelfSigned: platforms behind a self-signed
// certificate are refused by default, before any request (so before any
// password) is sent, with a diagnostic that points at ca_cert_pem; they
// work with that CA in ca_cert_pem, and with insecure = true (whose warning
// TestAccReliabilityFaults_TLSInsecureWarning shows).
func TestAccReliabilityFaults_TLSSelfSigned(t *testing.T) {
	t.Parallel()
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		srv := tlsMock(t)
		res := planOnly(t, providerWith(t, srv, "  max_retries = 3\n")+everyPlatform(tokenBlock), nil)
		var wants []*regexp.Regexp
		for _, p := range mock.Platforms() {
			wants = append(wants, errorPattern(p, "login", seedUsers[p],
				`TLS failure: the server's certificate is not signed by a trusted authority: .*certificate signed by unknown authority`,
				"The platform's certificate could not be verified. If the installation uses a private CA, set ca_cert_pem to it;"))
		}
		expectFailure(t, srv, res, wants...)
		for _, p := range mock.Platforms() {
			if n := srv.Count(p, ""); n != 0 {
				t.Errorf("%s received %d request(s) over an unverified connection", p, n)
			}
		}
	})
	for name, settings := range map[string]func(*mock.Server) string{
		"ca_cert_pem": func(srv *mock.Server) string {
			return fmt.Sprintf("  max_retries = 0\n  ca_cert_pem = %q\n", srv.CACertPEM())
		},
		"insecure": func(*mock.Server) string { return "  max_retries = 0\n  insecure    = true\n" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := tlsMock(t)
			cfg := providerWith(t, srv, settings(srv)) + everyPlatform(tokenBlock) + profileBlock(mock.Coiote)
			if res := planOnly(t, cfg, nil); res.errText != "" {
				t.Fatalf("want success, got:\n%s", res.errText)
			}
			for _, p := range mock.Platforms() {
				// Two plans, one login each.
				if n := srv.Count(p, mock.EndpointLogin); n != 2 {
					t.Errorf("%s: %d logins over TLS, want 2", p, n)
				}
			}
		})
	}
}

// TestAccReliabilityFaults_TLSInsecureWarning: with insecure = true a plan
// against the self-signed platforms succeeds and Terraform shows the
// warning (the test harness does not expose warnings, so this drives the
// CLI).
func TestAccReliabilityFaults_TLSInsecureWarning(t *testing.T) {
	t.Parallel()
	srv := tlsMock(t)
	cli := newTFCLI(t, buildProvider(t), `terraform {
  required_providers {
    iotauth = { source = "iotauth/iotauth" }
  }
}

provider "iotauth" {
  insecure    = true
  max_retries = 0
}
`+everyPlatform(tokenBlock), mockEnv(srv))
	cli.must("plan", "-input=false")
	for _, p := range mock.Platforms() {
		if n := srv.Count(p, mock.EndpointLogin); n != 1 {
			t.Errorf("%s: %d logins, want 1", p, n)
		}
	}
	want := regexp.MustCompile(`Warning: TLS certificate verification is off\s+` +
		`with provider\["registry\.(terraform\.io|opentofu\.org)/iotauth/iotauth"\],\s+` +
		`on main\.tf line 8, in provider "iotauth":\s+8:\s+insecure\s+= true\s+` +
		exactly(`insecure = true turns off TLS certificate verification for every platform: anyone on the network path `+
			`could read passwords and tokens. Use ca_cert_pem (or IOTAUTH_CA_CERT_PEM) to trust a private CA instead.`).String())
	if out := cli.stdout.String() + cli.stderr.String(); !want.MatchString(out) {
		t.Errorf("the plan output lacks the warning %s:\n%s", want, out)
	}
}

// TestAccReliabilityFaults_CoioteProfile401: Coiote's users endpoint
// refusing the new token once costs one fresh login and succeeds; refusing
// it every time fails after exactly one fresh login with a clear error,
// through the token and through the data source.
func TestAccReliabilityFaults_CoioteProfile401(t *testing.T) {
	t.Parallel()
	p := mock.Coiote
	settings := "  max_retries = 3\n"
	t.Run("once", func(t *testing.T) {
		t.Parallel()
		srv := startMock(t)
		srv.SetFault(p, mock.Fault{Endpoint: mock.EndpointProfile, Status: http.StatusUnauthorized, Times: 1})
		if res := planOnly(t, providerWith(t, srv, settings)+tokenBlock(p), nil); res.errText != "" {
			t.Fatalf("want success, got:\n%s", res.errText)
		}
		// First plan: login, profile (401), login, profile; second plan:
		// login, profile.
		if l, pr := srv.Count(p, mock.EndpointLogin), srv.Count(p, mock.EndpointProfile); l != 3 || pr != 3 {
			t.Errorf("%d logins and %d profile reads, want 3 and 3", l, pr)
		}
		checkFreshTokens(t, srv)
	})
	for name, block := range map[string]string{"always/token": tokenBlock(p), "always/data source": profileBlock(p)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startMock(t)
			srv.SetFault(p, mock.Fault{Endpoint: mock.EndpointProfile, Status: http.StatusUnauthorized})
			res := planOnly(t, providerWith(t, srv, settings)+block, nil)
			expectFailure(t, srv, res, errorPattern(p, "profile request", seedUsers[p],
				`token rejected: the users endpoint refused two freshly issued tokens \(HTTP 401\)`,
				"The platform refused a token it had just issued. Check that base_url points at the same installation for login and API calls, then try again."))
			if l, pr := srv.Count(p, mock.EndpointLogin), srv.Count(p, mock.EndpointProfile); l != 2 || pr != 2 {
				t.Errorf("%d logins and %d profile reads, want 2 and 2 (exactly one fresh login)", l, pr)
			}
			checkFreshTokens(t, srv)
		})
	}
}

// checkFreshTokens: the second profile read used another token than the
// first, the one the second login issued.
func checkFreshTokens(t *testing.T, srv *mock.Server) {
	t.Helper()
	var auth []string
	for _, r := range srv.ReceivedRequests(mock.Coiote) {
		if r.Endpoint == mock.EndpointProfile {
			auth = append(auth, r.Header.Get("Authorization"))
		}
	}
	if len(auth) < 2 || auth[0] == auth[1] || !strings.HasPrefix(auth[1], "Bearer ") {
		t.Errorf("the profile reads did not use two different tokens (%d reads)", len(auth))
	}
}

// TestAccReliabilityFaults_SlowRefusalSentOnce: a platform that refuses the
// password slowly (a 401 that comes after request_timeout) with retries on
// (max_retries = 3) receives it exactly once per provider process, however
// many blocks use it: the login that timed out after it was sent is not
// repeated, by its block or any other (issue 13, item 4: it used to be sent
// four times per block).
func TestAccReliabilityFaults_SlowRefusalSentOnce(t *testing.T) {
	t.Parallel()
	const n = 20
	srv := startMock(t)
	var blocks strings.Builder
	for _, p := range mock.Platforms() {
		fmt.Fprintf(&blocks, "ephemeral \"iotauth_token\" %[1]q {\n  count    = %[2]d\n  platform = %[1]q\n}\n", p, n)
		fmt.Fprintf(&blocks, "data \"iotauth_user_profile\" %[1]q {\n  count    = %[2]d\n  platform = %[1]q\n}\n", p, n)
	}
	settings := "  request_timeout = \"1s\"\n  max_retries     = 3\n  retry_max_wait  = \"1s\"\n"
	res := planOnly(t, providerWith(t, srv, settings)+blocks.String(), func() {
		for _, p := range mock.Platforms() {
			srv.SetFault(p, mock.Fault{Endpoint: mock.EndpointLogin, Latency: 3 * time.Second, Status: http.StatusUnauthorized})
		}
	})
	var wants []*regexp.Regexp
	for _, p := range mock.Platforms() {
		wants = append(wants, errorPattern(p, "login", seedUsers[p],
			`timeout: no complete answer within the 1s request timeout; the credentials are not sent again in this run`,
			"The platform did not answer within request_timeout after receiving the login."))
	}
	expectFailure(t, srv, res, wants...)
	// Every error is a platform's login failure, and each platform's token
	// and profile blocks failed: one diagnostic per instance up to Terraform
	// 1.12, one per block on Terraform 1.13, which prints identical
	// diagnostics of a block's instances (count) once.
	failed := 0
	for _, p := range mock.Platforms() {
		got := strings.Count(res.errText, "Error: "+mock.Title(p)+" login failed")
		if got < 2 || got > 2*n {
			t.Errorf("%s: %d blocks failed, want between 2 and %d", p, got, 2*n)
		}
		failed += got
	}
	if got := errorCount(res.errText); got != failed {
		t.Errorf("%d error diagnostics, %d of them login failures: want only login failures", got, failed)
	}
	for _, p := range mock.Platforms() {
		if got := srv.Count(p, mock.EndpointLogin); got != 1 {
			t.Errorf("%s received the password %d times in one provider process, want exactly 1", p, got)
		}
	}
}

// TestAccReliabilityFaults_SchemeMismatch: base_url's scheme does not match
// what the platform speaks on that port. Both ways are a TLS failure with a
// hint about the scheme, not about certificates (issue 13), and never a
// refused login (Go's TLS servers answer a plain HTTP request with a 400,
// which Coiote's rules would otherwise read as refused credentials).
func TestAccReliabilityFaults_SchemeMismatch(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		tls            bool
		from, to, what string
		hint           string
	}{
		"http to a TLS port": {true, "https://", "http://",
			`TLS failure: the server answered with TLS to a plain HTTP request \(is the base URL https rather than http\?\)`,
			"base_url starts with http:// but the server speaks TLS on that port: use https:// in base_url."},
		"https to a plain port": {false, "http://", "https://",
			`TLS failure: the server did not answer with TLS \(is the base URL http rather than https\?\)`,
			"base_url starts with https:// but the server speaks plain HTTP on that port."},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startMock(t, func(cfg *mock.Config) { cfg.TLS = c.tls })
			provider := strings.ReplaceAll(providerWith(t, srv, "  max_retries = 3\n"), `"`+c.from, `"`+c.to)
			res := planOnly(t, provider+everyPlatform(tokenBlock), nil)
			var wants []*regexp.Regexp
			for _, p := range mock.Platforms() {
				wants = append(wants, errorPattern(p, "login", seedUsers[p], c.what, c.hint))
			}
			expectFailure(t, srv, res, wants...)
			for _, no := range []string{"invalid credentials", "ca_cert_pem", "Client sent"} {
				if strings.Contains(res.errText, no) {
					t.Errorf("the diagnostic says %q:\n%s", no, res.errText)
				}
			}
		})
	}
}
