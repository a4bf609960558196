package mock

import (
	"net/http"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// registry lists the mock platforms, each defined in its own file
// (monogoto.go, coiote.go, bienport.go). The server, the configuration
// loader and cmd/iotauth-mock only iterate over this list, so adding a
// platform's mock means its file, one line here and its section embedded
// in Config (embedded so that its settings stay typed Config fields with a
// flat JSON form).
var registry = []platformMock{monogotoMock{}, coioteMock{}, bienportMock{}, thingsboardMock{}}

// platformMock is one mock platform.
type platformMock interface {
	info() platformInfo
	// section returns the platform's part of c.
	section(c *Config) configSection
	// start makes the platform's handlers, over s's configuration. It runs
	// after every listener is open and before any request is served.
	start(s *Server) handlers
}

// platformInfo is what the rest of the package needs to know about a mock
// platform.
type platformInfo struct {
	// name is the key of Config.Ports, of cmd/iotauth-mock's -<name>-port
	// flag and of its ready file.
	name platform.Name
	// title is the human name, for messages.
	title string
	// apiPrefix is the path the platform's API sits under on its listener,
	// and so the path of its base URL: "/api" for BienPort, as on the real
	// host.
	apiPrefix string
	// aliases are further ready-file keys for the same base URL, for
	// clients that configure two APIs that share the listener.
	aliases []string
	// tokenFields are the fields of a login answer that Fault.NoToken
	// removes.
	tokenFields []string
	// demo is the seeded account that DemoLogin returns.
	demo Login
}

// Login is a user name and password of a seeded account.
type Login struct {
	User, Password string
}

// configSection is one platform's part of Config: a struct embedded in
// Config, whose fields are promoted (cfg.Monogoto, cfg.CoioteTokenLifetime)
// and whose JSON keys are top-level keys of the -config file. It declares
// its settings; config.go does the rest.
type configSection interface {
	// accounts describes the section's account lists.
	accounts() []accountList
	// durations lists the duration settings with their JSON keys and
	// defaults. They are time.Duration fields without JSON keys of their
	// own, because the file writes them as "300s" or as seconds.
	durations() []durationSetting
	// setDefaults fills zero settings other than durations.
	setDefaults()
}

// durationSetting is a duration field of Config, its JSON key and its
// default (0: none).
type durationSetting struct {
	key   string
	value *time.Duration
	def   time.Duration
}

// handlers is a started mock platform.
type handlers interface {
	// route picks the handler for r and the endpoint it is counted and
	// faulted under. A nil handler means no route: 404, EndpointOther.
	route(r *http.Request) (Endpoint, http.HandlerFunc)
	// rateLimit is the limit endpoint ep is subject to, shared with the
	// platform's other endpoints under the same limit, or nil.
	rateLimit(ep Endpoint) *rateLimit
}

// Platforms lists the names of the mock platforms, in a stable order.
func Platforms() []platform.Name {
	out := make([]platform.Name, len(registry))
	for i, m := range registry {
		out[i] = m.info().name
	}
	return out
}

// DemoLogin is mock platform p's default account: a seeded user whose
// user name and password sign in with the platform's usual login. The
// demo, the acceptance tests and the clients' tests against the mock sign
// in as it, so that they need no per-platform code. ok is false for an
// unknown platform.
func DemoLogin(p platform.Name) (l Login, ok bool) {
	m, ok := lookup(p)
	if !ok {
		return Login{}, false
	}
	return m.info().demo, true
}

// Title is the human name of mock platform p ("Coiote IoT DM"), or "" when
// there is no such platform.
func Title(p platform.Name) string {
	if m, ok := lookup(p); ok {
		return m.info().title
	}
	return ""
}

func lookup(p platform.Name) (platformMock, bool) {
	for _, m := range registry {
		if m.info().name == p {
			return m, true
		}
	}
	return nil, false
}
