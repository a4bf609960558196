// Command iotauth-mock runs the mock platforms' login APIs (Monogoto, Coiote
// IoT DM and BienPort: package internal/clients/mock) as a standalone server,
// for the demo, for benchmarks and for users' own offline pipelines.
//
//	iotauth-mock [-config file.json] [-host 127.0.0.1] [-allow-remote]
//	             [-monogoto-port N] [-coiote-port N] [-bienport-port N]
//	             [-tls] [-latency 20ms] [-ready-file path] [-version]
//
// There is one -<platform>-port flag per mock platform (mock.Platforms).
// Each platform listens on its own port (0, the default, picks a free one).
// Once every listener is up, the base URLs and the account names (never the
// passwords) are printed and, with -ready-file, written atomically as JSON:
// every base URL by name (mock.Server.BaseURLs) and the CA certificate,
//
//	{"monogoto": "http://127.0.0.1:P", "monogoto_v1": "http://127.0.0.1:P",
//	 "coiote": "http://127.0.0.1:P", "bienport": "http://127.0.0.1:P/api",
//	 "ca_cert_pem": "-----BEGIN CERTIFICATE-----..."}
//
// ca_cert_pem is empty without -tls. The ready file is removed on exit.
//
// Every listener also answers GET /__mock/counts (JSON of endpoint name to
// request count, plus "total"), POST /__mock/reset (zero that platform's
// counters), and POST and DELETE /__mock/fault (install a fault, such as
// {"endpoint": "login", "times": 1, "status": 503}, or remove them; see
// package mock's Fault). SIGINT or SIGTERM stops the server gracefully.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/iotauth/terraform-provider-iotauth/internal/clients/mock"
	"github.com/iotauth/terraform-provider-iotauth/internal/clients/platform"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "iotauth-mock:", err)
		}
		stop()
		os.Exit(2)
	}
}

// options are the command-line flags.
type options struct {
	config      string
	host        string
	allowRemote bool
	ports       map[platform.Name]*int
	tls         bool
	latency     time.Duration
	readyFile   string
	version     bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("iotauth-mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{ports: map[platform.Name]*int{}}
	fs.StringVar(&o.config, "config", "", "JSON configuration file (accounts, lifetimes, ports); see package mock's LoadConfigFile")
	fs.StringVar(&o.host, "host", "", "address to listen on (default 127.0.0.1, or the config file's listen_host)")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow a -host that is not a loopback address (the mock has no real security)")
	for _, p := range mock.Platforms() {
		o.ports[p] = fs.Int(string(p)+"-port", 0, mock.Title(p)+" port (0: the config file's, else a free port)")
	}
	fs.BoolVar(&o.tls, "tls", false, "serve HTTPS with a freshly generated self-signed certificate (its PEM goes to the ready file)")
	fs.DurationVar(&o.latency, "latency", 0, "latency added to every request, e.g. 20ms")
	fs.StringVar(&o.readyFile, "ready-file", "", "write the base URLs as JSON to this file once listening")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if o.latency < 0 {
		return nil, errors.New("-latency must not be negative")
	}
	return o, nil
}

func buildConfig(o *options) (mock.Config, error) {
	cfg := mock.DefaultConfig()
	if o.config != "" {
		c, err := mock.LoadConfigFile(o.config)
		if err != nil {
			return mock.Config{}, err
		}
		cfg = c
	}
	if o.host != "" {
		cfg.ListenHost = o.host
	}
	if !isLoopback(cfg.ListenHost) && !o.allowRemote {
		return mock.Config{}, fmt.Errorf("refusing to listen on %q, which is not a loopback address: the mock serves fake credentials to anyone; pass -allow-remote to do it anyway", cfg.ListenHost)
	}
	ports := map[platform.Name]int{}
	for p, n := range cfg.Ports {
		ports[p] = n
	}
	for p, n := range o.ports {
		if *n < 0 || *n > 65535 {
			return mock.Config{}, fmt.Errorf("-%s-port %d is not a port number", p, *n)
		}
		if *n != 0 {
			ports[p] = *n
		}
	}
	cfg.Ports = ports
	if o.tls {
		cfg.TLS = true
	}
	if o.latency > 0 {
		cfg.Latency = o.latency
	}
	return cfg, nil
}

// isLoopback accepts "localhost" and loopback IP addresses.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.version {
		_, err := fmt.Fprintln(stdout, "iotauth-mock", version)
		return err
	}
	cfg, err := buildConfig(o)
	if err != nil {
		return err
	}
	srv, err := mock.Start(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()

	printBanner(stdout, srv, cfg)
	if o.readyFile != "" {
		if err := writeReadyFile(o.readyFile, srv); err != nil {
			return err
		}
		defer os.Remove(o.readyFile)
	}

	<-ctx.Done()
	fmt.Fprintln(stdout, "iotauth-mock: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

func printBanner(w io.Writer, srv *mock.Server, cfg mock.Config) {
	fmt.Fprintln(w, "iotauth-mock: listening")
	for _, p := range mock.Platforms() {
		fmt.Fprintf(w, "  %-14s %s\n", mock.Title(p), srv.BaseURL(p))
		fmt.Fprintf(w, "  %-14s accounts: %s\n", "", strings.Join(cfg.AccountNames(p), ", "))
	}
	if cfg.TLS {
		fmt.Fprintln(w, "  TLS: self-signed certificate (its PEM is in the ready file)")
	}
	fmt.Fprintln(w, "  admin: GET /__mock/counts, POST /__mock/reset, POST/DELETE /__mock/fault on each listener")
}

// readyCACertKey is the ready file's key for the CA certificate; every
// other key is a base URL.
const readyCACertKey = "ca_cert_pem"

// writeReadyFile writes the file through a temporary file in the same
// directory and a rename, so that a reader never sees it half written.
func writeReadyFile(path string, srv *mock.Server) error {
	info := srv.BaseURLs()
	info[readyCACertKey] = srv.CACertPEM()
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".iotauth-mock-ready-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	return nil
}
