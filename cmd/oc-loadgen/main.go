// Command oc-loadgen is a small HTTP/1.1 load generator for the token and
// introspection endpoints of an OAuth authorization server on this machine:
// openconsent or a peer (make bench-http compares them, see
// cmd/oc-benchpeer).
//
// Every request is built before the timed phase: client assertions
// (private_key_jwt, RFC 7523) with unique jti values, DPoP proofs (RFC 9449)
// with unique jti values, serialised as raw HTTP/1.1 bytes. During the run
// each of N keep-alive connections writes the next prepared request and
// reads the response, so the generator itself spends a few microseconds per
// request. A warm-up phase runs first; its rate sizes the timed phase's
// batch (rate × duration × 2, bounded by -max), so the DPoP proofs are
// fresh (their iat is at most presign time + duration old; keep that under
// the server's iat window, 60 s for openconsent). The timed phase stops at
// the duration or when the batch is used up, whichever comes first.
//
// It only ever targets loopback addresses (127.0.0.0/8, ::1, localhost).
//
//	oc-loadgen -url https://127.0.0.1:8443/ws/token -cacert ca.pem \
//	    -client-id c1 -key client-es256.pem -kid client-es256 -aud https://127.0.0.1:8443/ws \
//	    -dpop ES256 -c 16 -d 10s
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type config struct {
	target   *url.URL
	workload string // token or introspect

	clientID, keyFile, kid, aud, scope string
	dpopAlg                            string
	certFile, certKeyFile, caFile      string
	token, introspectAuth              string
	form                               string

	conns     int
	duration  time.Duration
	warmup    int
	maxReqs   int
	jsonOut   bool
	label     string
	tlsMaxV12 bool
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	cfg, err := parseFlags(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "oc-loadgen:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := loadTest(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "oc-loadgen:", err)
		return 1
	}
	if cfg.jsonOut {
		_ = json.NewEncoder(os.Stdout).Encode(res)
	} else {
		fmt.Println(res.String())
	}
	if res.Count == 0 || res.Errors > res.Count/100 {
		return 1 // more than 1% errors: the numbers mean nothing
	}
	return 0
}

func parseFlags(args []string) (*config, error) {
	fs := flag.NewFlagSet("oc-loadgen", flag.ContinueOnError)
	c := &config{}
	rawURL := fs.String("url", "", "endpoint URL (loopback only), e.g. https://127.0.0.1:8443/ws/token")
	fs.StringVar(&c.workload, "workload", "token", "token (client_credentials) or introspect")
	fs.StringVar(&c.clientID, "client-id", "", "client_id")
	fs.StringVar(&c.keyFile, "key", "", "client private key (PKCS#8 PEM or private JWKS) for private_key_jwt; ES256 or PS256 from its type")
	fs.StringVar(&c.kid, "kid", "", "kid of the client key (default: the JWKS kid)")
	fs.StringVar(&c.aud, "aud", "", "client assertion aud (the issuer)")
	fs.StringVar(&c.scope, "scope", "", "scope parameter of token requests")
	fs.StringVar(&c.dpopAlg, "dpop", "", "DPoP proof alg (ES256 or PS256; empty: no DPoP)")
	fs.StringVar(&c.certFile, "cert", "", "client certificate PEM presented on every connection (mTLS)")
	fs.StringVar(&c.certKeyFile, "cert-key", "", "private key PEM of -cert")
	fs.StringVar(&c.caFile, "cacert", "", "CA PEM that signed the server certificate (https)")
	fs.StringVar(&c.token, "token", "", "introspect: the token to introspect")
	fs.StringVar(&c.introspectAuth, "introspect-auth", "tls", "introspect: tls (client_id + -cert, tls_client_auth) or pkjwt (a fresh assertion per request)")
	fs.StringVar(&c.form, "form", "", "extra form parameters, URL-encoded (a=b&c=d)")
	fs.IntVar(&c.conns, "c", 16, "connections (one request in flight on each)")
	fs.DurationVar(&c.duration, "d", 10*time.Second, "timed phase duration (at most 5m)")
	fs.IntVar(&c.warmup, "warmup", 2000, "warm-up requests before the timed phase")
	fs.IntVar(&c.maxReqs, "max", 200000, "most requests prepared for the timed phase")
	fs.BoolVar(&c.jsonOut, "json", false, "print the result as one JSON object")
	fs.StringVar(&c.label, "label", "", "label printed with the result")
	fs.BoolVar(&c.tlsMaxV12, "tls12", false, "offer TLS 1.2 only")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	u, err := url.Parse(*rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-url %q: want an absolute http(s) URL", *rawURL)
	}
	if err := checkLoopback(u.Hostname()); err != nil {
		return nil, err
	}
	c.target = u
	switch {
	case c.conns < 1 || c.conns > 1024:
		return nil, errors.New("-c must be between 1 and 1024")
	case c.duration <= 0 || c.duration > 5*time.Minute:
		return nil, errors.New("-d must be between 0 and 5m")
	case c.warmup < 0 || c.maxReqs < 1 || c.maxReqs > 2_000_000:
		return nil, errors.New("-warmup must be >= 0 and -max between 1 and 2000000")
	}
	switch c.workload {
	case "token":
		if c.clientID == "" || c.keyFile == "" || c.aud == "" {
			return nil, errors.New("token: -client-id, -key and -aud are required")
		}
	case "introspect":
		if c.token == "" || c.clientID == "" {
			return nil, errors.New("introspect: -token and -client-id are required")
		}
		switch c.introspectAuth {
		case "tls":
			if c.certFile == "" {
				return nil, errors.New("introspect -introspect-auth tls: -cert is required")
			}
		case "pkjwt":
			if c.keyFile == "" || c.aud == "" {
				return nil, errors.New("introspect -introspect-auth pkjwt: -key and -aud are required")
			}
		default:
			return nil, fmt.Errorf("-introspect-auth %q: want tls or pkjwt", c.introspectAuth)
		}
	default:
		return nil, fmt.Errorf("-workload %q: want token or introspect", c.workload)
	}
	if (c.certFile == "") != (c.certKeyFile == "") {
		return nil, errors.New("-cert and -cert-key go together")
	}
	return c, nil
}

// checkLoopback refuses any host that is not a loopback address: this tool
// must never send load anywhere else.
func checkLoopback(host string) error {
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("host %q is not a loopback address (127.0.0.0/8, ::1, localhost): refused", host)
	}
	return nil
}
