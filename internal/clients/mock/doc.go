// Package mock runs local stand-ins for the platforms' login APIs
// (Monogoto, AVSystem Coiote IoT DM, BienPort and ThingsBoard), built from
// ../shared/PLATFORMS.md and the vendor pages it cites, quirks included:
// Monogoto's non-JSON 404 `{ Access denied }`, Coiote's 201 and string
// `expires_in`, BienPort's HS512 JWT whose `sub` is a string holding JSON and
// its organization IDs that are numbers for one account and strings for
// another, ThingsBoard's X-Authorization header, its null UUID for "no
// customer" and its 401 messages for locked and inactive accounts.
//
// The package is plain Go (no Terraform import) and independent of the
// platform client packages, so that tests in any package and the
// cmd/iotauth-mock binary can use it as a stand-in:
//
//	srv, err := mock.Start(mock.DefaultConfig())
//	if err != nil { ... }
//	defer srv.Close()
//	base := srv.BaseURL(mock.Monogoto)
//
// Each platform is one file (monogoto.go, coiote.go, bienport.go,
// thingsboard.go) and one entry of the registry (registry.go); Platforms
// lists their names, and each gets its own listener. DemoLogin is each
// platform's default seeded account. Tests can inject faults (SetFault), rate limits
// (SetLoginRateLimit, SetRateLimit), read per-endpoint request counts
// (Count) and the requests themselves, headers and bodies included
// (ReceivedRequests), expire tokens without sleeping (AdvanceClock,
// RevokeTokens), and list every secret the server ever issued
// (IssuedSecrets) or holds (Passwords) to prove that none of them leaks.
// Opaque secrets start with TokenPrefix and JWTs with JWTHeaderPrefix, so a
// leak search can also look for those.
//
// Every listener also serves unauthenticated admin endpoints, which are
// neither counted nor subject to faults:
//
//	GET    /__mock/counts  JSON object of endpoint name -> request count for
//	                       this platform, plus "total"
//	POST   /__mock/reset   sets this platform's counters to zero and forgets
//	                       its recorded requests (204 No Content)
//	POST   /__mock/fault   installs a fault on this platform (204), from a
//	                       JSON body with Fault's fields in snake case:
//	                       {"endpoint": "login", "times": 2, "status": 503,
//	                       "retry_after": "1"}; "latency" takes "2s" or
//	                       seconds; an unknown key or endpoint is a 400
//	DELETE /__mock/fault   removes this platform's faults (204)
//
// # Seeded accounts
//
// DefaultConfig holds two usable accounts per platform (and a Coiote service
// account; ThingsBoard also has a locked, an inactive and a two-factor
// account, and an API key), exported as Seed* variables, the vendors'
// documented examples among them. Their passwords (Seed*Password,
// SeedCoioteClientSecret, SeedThingsboardAPIKeyValue) are fake, exist only
// in this mock, start with "mockpw-" and are deliberately distinctive so
// that leak tests can search for them.
//
// # Decisions where the public documentation is silent
//
// PLATFORMS.md asks that they be written down:
//   - Paths are case sensitive and methods are exact: `POST /auth` or
//     `GET /Auth` answer 404, like any unknown path. JSON keys are exact too
//     (`{"username": ...}` is not Monogoto's `{"UserName": ...}`: 400), and
//     user names are compared exactly.
//   - Two-factor authentication: an account whose TwoFactorAuthentication
//     flag is true still logs in with user name and password alone; the flag
//     only appears in the answer. There is no lockout.
//   - BienPort requires the `Bearer ` prefix on authorized endpoints, and the
//     OrganizationId header must name one of the user's organizations (any of
//     them).
//   - ThingsBoard checks an account's state before its password: a locked or
//     inactive account gets its message whatever the password (ThingsBoard
//     versions differ here), and a two-factor account gets a
//     pre-verification token only for the right password. Its refresh
//     tokens are single-use (the real ones stay valid until they expire or
//     the session ends): a client must use the new pair. It reads tokens and
//     API keys from X-Authorization only, and reports a bad token as
//     "Invalid username or password", as ThingsBoard does. It serves none of
//     the /api/auth/2fa endpoints.
//   - Rate limits count every attempt (successful or not) per client IP in a
//     sliding window; refused attempts do not count.
//   - Revocation. BienPort's logout (POST /api/user/logout, the User API's
//     "User Logout") needs a valid bearer token, not OrganizationId (the
//     vendor's page lists only Authorization); its body's jwtToken must be
//     a token of the same user and userId that user's ID; appId, whose
//     meaning is not documented, may be any string. Coiote's IAM token
//     revocation (RFC 7009, POST /iam/realms/{realm}/protocol/openid-connect/revoke)
//     authenticates the client as the token endpoint does and revokes
//     only tokens that client obtained, answering 200 with no body for any
//     token, as RFC 7009 asks. A revoked token is refused (401) by every
//     authorized endpoint. Both count as EndpointRevoke. Monogoto and
//     Coiote's password grant document no revocation, and the mock has
//     none for them.
//   - Headers the mock does not need are ignored, never refused: vendor
//     headers such as python-coiote's `API-Client` and `API-Auth`, Monogoto's
//     `apikey`, a bearer token sent along with a login, and any User-Agent or
//     Accept. ReceivedRequests records them all.
//
// # Vendor clients and ours
//
// The mock accepts what the vendors' own public clients send as well as what
// this project's clients send; the replay tests (TestReplay*) send the
// former, bodies and headers as the vendors' code and pages write them.
// Where they differ:
//   - Coiote password login. Our client and the vendor's cURL example send
//     grant_type=password, username, password. AVSystem's Python SDK
//     (python-coiote coiote/auth.py, Authenticator) sends username and
//     password only, without grant_type, expects exactly 201, and from its
//     second login on also sends `Authorization: Bearer <previous token>`,
//     `API-Client: coiote-python` and `API-Auth: CREDENTIALS`. The mock takes
//     a missing grant_type as the password grant, accepts grant_type=password,
//     refuses any other (an empty one included) with 400
//     unsupported_grant_type, and answers 201.
//   - Coiote service accounts. Both send grant_type=client_credentials,
//     client_id and client_secret as form fields (the SDK escapes them with
//     %20 where Go writes +; both decode the same) and expect 200 with a
//     numeric expires_in; the SDK adds `API-Auth: SERVICE_ACCOUNT` on API
//     calls. HTTP Basic client authentication is accepted too.
//   - Monogoto. The documentation's cURL sends the same JSON keys as our
//     client, indented over several lines, with `Accept: */*`; ours sends
//     `Accept: application/json`. Consumers of our `headers` output send
//     `apikey: <CustomerId>` beside the bearer token; GET /things ignores it
//     (the real platform wants it only on some endpoints, which the mock does
//     not serve).
//   - BienPort. The documentation's example and our client both send
//     screenName, password and rememberMe; the mock takes a missing
//     rememberMe as false. API calls carry `Authorization: Bearer` and
//     `OrganizationId`, from the vendor's pages and our `headers` output
//     alike.
//   - ThingsBoard. Its Java REST client (thingsboard rest-client, RestClient)
//     posts {"username","password"} with Spring's RestTemplate (Accept:
//     application/json, application/*+json; key order its HashMap's),
//     refreshes with {"refreshToken"} and sends `X-Authorization: Bearer`
//     on every call, GET /api/auth/user included; our client sends the same
//     bodies and header, or `X-Authorization: ApiKey <key>` with an API key.
//   - Every client of ours sends its own User-Agent; the mock ignores it.
package mock
