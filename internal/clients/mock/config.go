package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// DefaultListenHost is the address every listener binds by default.
const DefaultListenHost = "127.0.0.1"

// Config describes the accounts and behaviour of a mock server. Zero values
// mean the defaults. LoadConfigFile reads the same shape from JSON; the JSON
// key of every field is given in its comment.
//
// Each platform's settings are its section, embedded here: MonogotoConfig,
// CoioteConfig, BienportConfig, ThingsboardConfig. Their fields are Config's own
// (cfg.Monogoto, cfg.CoioteTokenLifetime) and their JSON keys are top-level
// keys.
type Config struct {
	MonogotoConfig
	CoioteConfig
	BienportConfig
	ThingsboardConfig

	// TLS ("tls") serves HTTPS with a self-signed certificate generated at
	// start for 127.0.0.1, ::1, localhost and ListenHost; see CACertPEM.
	TLS bool `json:"tls"`
	// ListenHost ("listen_host", default "127.0.0.1") is the address every
	// listener binds.
	ListenHost string `json:"listen_host"`
	// Ports ("ports", e.g. {"monogoto": 18080}) fixes listener ports; a
	// missing entry or 0 picks a free port. The keys are Platforms().
	Ports map[platform.Name]int `json:"ports"`
	// Latency ("latency", e.g. "20ms") is added to every request (not to
	// the /__mock admin endpoints), for benchmarks.
	Latency time.Duration `json:"-"`
}

// DefaultConfig returns the seeded accounts of every platform with the
// default lifetimes, plain HTTP on 127.0.0.1 and free ports. The accounts
// are copies: editing them does not change the exported seeds.
func DefaultConfig() Config {
	var c Config
	for _, l := range c.accountLists() {
		l.seed()
	}
	return c.withDefaults()
}

// accountLists lists every account list of c, platform by platform.
func (c *Config) accountLists() []accountList {
	var out []accountList
	for _, m := range registry {
		out = append(out, m.section(c).accounts()...)
	}
	return out
}

// durationSettings lists every duration field of c: the shared latency,
// then each platform's.
func (c *Config) durationSettings() []durationSetting {
	out := []durationSetting{{key: "latency", value: &c.Latency}}
	for _, m := range registry {
		out = append(out, m.section(c).durations()...)
	}
	return out
}

// withDefaults fills zero durations, limits and the listen host.
func (c Config) withDefaults() Config {
	for _, d := range c.durationSettings() {
		if *d.value <= 0 && d.def > 0 {
			*d.value = d.def
		}
	}
	for _, m := range registry {
		m.section(&c).setDefaults()
	}
	if c.ListenHost == "" {
		c.ListenHost = DefaultListenHost
	}
	return c
}

// cloneAccounts deep-copies every account list and the ports.
func (c Config) cloneAccounts() Config {
	for _, l := range c.accountLists() {
		l.clone()
	}
	c.Ports = maps.Clone(c.Ports)
	return c
}

// validate rejects configurations the server cannot serve unambiguously.
func (c Config) validate() error {
	for _, l := range c.accountLists() {
		if err := l.validate(); err != nil {
			return err
		}
	}
	if err := checkPorts(c.Ports); err != nil {
		return fmt.Errorf("mock config: %w in Ports", err)
	}
	if strings.ContainsAny(c.ListenHost, "[]") {
		return errors.New("mock config: write an IPv6 listen host without brackets")
	}
	return nil
}

func checkPorts(ports map[platform.Name]int) error {
	for name := range ports {
		if _, ok := lookup(name); !ok {
			return fmt.Errorf("unknown platform %q", name)
		}
	}
	return nil
}

// AccountNames lists platform p's accounts in c by name (user names, and
// client IDs with their realm), for messages such as cmd/iotauth-mock's
// banner. It never includes a password.
func (c Config) AccountNames(p platform.Name) []string {
	m, ok := lookup(p)
	if !ok {
		return nil
	}
	var out []string
	for _, l := range m.section(&c).accounts() {
		out = append(out, l.names()...)
	}
	return out
}

// secrets lists every configured password and client secret.
func (c Config) secrets() []string {
	var out []string
	for _, l := range c.accountLists() {
		out = append(out, l.secrets()...)
	}
	return out
}

// accountList is one list of accounts in a platform's section. Every list
// gets the same seeding, checks, copies and listings.
type accountList interface {
	// seed sets the seeded accounts (DefaultConfig).
	seed()
	// validate rejects accounts the server cannot tell apart or serve.
	validate() error
	// clone deep-copies the list, so that a caller who edits its Config
	// after Start does not race with the server.
	clone()
	// secrets are the accounts' passwords or client secrets.
	secrets() []string
	// names names the accounts for messages; never a secret.
	names() []string
}

// accounts is the accountList of a []T.
type accounts[T any] struct {
	// kind names the accounts in errors ("monogoto", "coiote client").
	kind  string
	list  *[]T
	seeds []T
	// name is the account's unique, non-empty name.
	name   func(T) string
	secret func(T) string
	// check, when set, rejects an account for reasons of its own.
	check func(T) error
}

func (a accounts[T]) seed() { *a.list = deepCopy(a.seeds) }

func (a accounts[T]) validate() error {
	if err := uniqueNames(a.kind, *a.list, a.name); err != nil {
		return err
	}
	if a.check != nil {
		for _, acct := range *a.list {
			if err := a.check(acct); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a accounts[T]) clone() { *a.list = deepCopy(*a.list) }

func (a accounts[T]) secrets() []string { return collect(*a.list, a.secret) }

func (a accounts[T]) names() []string { return collect(*a.list, a.name) }

// Duration is a time.Duration read from JSON as a Go duration string
// ("1m30s") or a number of seconds.
type Duration time.Duration

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return errors.New("a duration must be a string such as \"300s\" or a number of seconds")
	}
	*d = Duration(time.Duration(f * float64(time.Second)))
	return nil
}

// LoadConfigFile reads a JSON configuration. It starts from DefaultConfig:
// a key that is present replaces that part entirely (an account list
// replaces all the seeded accounts of that platform: a listed account does
// not inherit a seed's fields), a missing key keeps the default. Unknown keys
// are an error, to catch typos.
//
// Keys: "tls" (boolean), "listen_host" (string), "ports" (object of
// platform name to port), "latency" (duration), and each platform's: its
// account lists "monogoto", "coiote", "coiote_clients", "bienport",
// "thingsboard", "thingsboard_api_keys" (see the account types for their
// keys), the durations "monogoto_token_lifetime",
// "monogoto_refresh_lifetime", "monogoto_v1_rate_window",
// "coiote_token_lifetime", "bienport_lifetime",
// "bienport_remember_me_lifetime", "thingsboard_token_lifetime",
// "thingsboard_refresh_lifetime", and "monogoto_opaque_tokens" (boolean)
// and "monogoto_v1_rate_limit" (number). A duration is a string such as
// "300s" or a number of seconds.
func LoadConfigFile(path string) (Config, error) {
	b, err := os.ReadFile(path) //nolint:gosec // G304: the path is the operator's own -config flag.
	if err != nil {
		return Config{}, err
	}
	cfg, err := parseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("mock config %s: %w", path, err)
	}
	return cfg, nil
}

// parseConfig lays the file's top-level keys over DefaultConfig's JSON form,
// so that a key present replaces the whole default value (decoding straight
// into DefaultConfig would merge a listed account into the seed at the same
// index), and decodes the result into a zero Config.
func parseConfig(b []byte) (Config, error) {
	var file map[string]json.RawMessage
	if err := json.Unmarshal(b, &file); err != nil {
		return Config{}, err
	}
	if file == nil {
		return Config{}, errors.New("the configuration must be a JSON object")
	}
	var cfg Config
	def := DefaultConfig()
	defDurations := def.durationSettings()
	for i, d := range cfg.durationSettings() {
		*d.value = *defDurations[i].value
		raw, ok := file[d.key]
		if !ok {
			continue
		}
		var v Duration
		if err := json.Unmarshal(raw, &v); err != nil {
			return Config{}, fmt.Errorf("%q: %w", d.key, err)
		}
		*d.value = time.Duration(v)
		delete(file, d.key)
	}

	var merged map[string]json.RawMessage
	defJSON, err := json.Marshal(def)
	if err == nil {
		err = json.Unmarshal(defJSON, &merged)
	}
	if err != nil {
		return Config{}, fmt.Errorf("encoding the defaults: %w", err)
	}
	maps.Copy(merged, file)
	mergedJSON, err := json.Marshal(merged)
	if err != nil {
		return Config{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(mergedJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, err
	}
	if err := checkPorts(cfg.Ports); err != nil {
		return Config{}, fmt.Errorf("%w in \"ports\"", err)
	}
	return cfg.withDefaults(), nil
}

// uniqueNames rejects an empty or repeated account name among list, the
// accounts of one kind.
func uniqueNames[T any](kind string, list []T, name func(T) string) error {
	seen := map[string]bool{}
	for _, a := range list {
		n := name(a)
		if n == "" {
			return fmt.Errorf("mock config: a %s account has an empty name", kind)
		}
		if seen[n] {
			return fmt.Errorf("mock config: duplicate %s account %q", kind, n)
		}
		seen[n] = true
	}
	return nil
}

// collect returns the non-empty values of field over list.
func collect[T any](list []T, field func(T) string) []string {
	var out []string
	for _, a := range list {
		if v := field(a); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// byKey indexes list by key, pointing into list: the started platforms'
// account lookups, over the server's own copy of the configuration.
func byKey[T any](list []T, key func(*T) string) map[string]*T {
	out := make(map[string]*T, len(list))
	for i := range list {
		out[key(&list[i])] = &list[i]
	}
	return out
}

// deepCopy copies v through JSON. The account types are plain structs,
// maps and slices whose every field has a JSON key, so the copy is
// faithful.
func deepCopy[T any](v T) T {
	var out T
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		// Plain structs, maps and slices always round-trip; this cannot
		// happen, and the original still works as a configuration.
		return v
	}
	return out
}
