// Command oc-demo is a tiny FAPI 2.0 client for trying `make run` in a
// browser: `oc-demo` pushes an authorization request (PAR, private_key_jwt,
// DPoP) and prints the URL to open; the demo login page sends the browser to
// the demo callback, which shows the code; `oc-demo token CODE` redeems it
// with the PKCE verifier and a DPoP proof and calls userinfo.
// Demo only: the keys it uses are public in testdata/.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauthtest"
)

type state struct {
	Verifier string          `json:"verifier"`
	State    string          `json:"state"`
	DPoPKey  json.RawMessage `json:"dpop_key"`
}

type opts struct {
	base, ws, client, keys, ca, redirect, stateFile string
}

func main() {
	var o opts
	fs := flag.NewFlagSet("oc-demo", flag.ExitOnError)
	fs.StringVar(&o.base, "base", "https://localhost:8443", "server base URL")
	fs.StringVar(&o.ws, "workspace", "generic", "workspace id")
	fs.StringVar(&o.client, "client", "demo-client", "client id")
	fs.StringVar(&o.keys, "keys", "testdata/demo/client.private.jwks.json", "client private JWKS")
	fs.StringVar(&o.ca, "ca", "var/tls/ca.pem", "CA to trust (the development CA of make run)")
	fs.StringVar(&o.redirect, "redirect", "", "redirect_uri (default: the workspace's demo callback)")
	fs.StringVar(&o.stateFile, "state", "var/oc-demo.json", "where the PKCE verifier and DPoP key are kept between the two steps")
	args := os.Args[1:]
	cmd := "authorize"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	_ = fs.Parse(args)
	if o.redirect == "" {
		o.redirect = o.base + "/" + o.ws + "/demo/callback"
	}
	var err error
	switch cmd {
	case "authorize":
		err = authorize(o)
	case "token":
		if fs.NArg() != 1 {
			err = fmt.Errorf("usage: oc-demo token CODE")
			break
		}
		err = token(o, fs.Arg(0))
	default:
		err = fmt.Errorf("usage: oc-demo [authorize] | oc-demo token CODE")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "oc-demo:", err)
		os.Exit(1)
	}
}

func httpClient(caFile string) (*http.Client, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("%w (start the server with make run first)", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}, nil
}

func post(hc *http.Client, u string, form url.Values, dpop string) (map[string]any, error) {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if dpop != "" {
		req.Header.Set("DPoP", dpop)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%s: %d %s", u, resp.StatusCode, body)
	}
	return m, nil
}

func authorize(o opts) error {
	hc, err := httpClient(o.ca)
	if err != nil {
		return err
	}
	key, err := oauthtest.LoadPrivateJWKS(o.keys, jose.ES256)
	if err != nil {
		return err
	}
	dk, err := oauthtest.NewKey(jose.ES256)
	if err != nil {
		return err
	}
	issuer := o.base + "/" + o.ws
	verifier, challenge := oauthtest.PKCE()
	st := state{Verifier: verifier, State: oauthtest.RandomString(8)}
	if st.DPoPKey, err = dk.JWK.MarshalJSON(); err != nil {
		return err
	}
	a, err := key.Assertion(o.client, issuer)
	if err != nil {
		return err
	}
	proof, err := dk.DPoP(http.MethodPost, issuer+"/par", "", "")
	if err != nil {
		return err
	}
	form := url.Values{
		"client_id": {o.client}, "response_type": {"code"}, "redirect_uri": {o.redirect}, "scope": {"openid accounts"},
		"state": {st.State}, "code_challenge": {challenge}, "code_challenge_method": {"S256"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a},
	}
	par, err := post(hc, issuer+"/par", form, proof)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(st)
	if err := os.MkdirAll(filepath.Dir(o.stateFile), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(o.stateFile, b, 0o600); err != nil {
		return err
	}
	fmt.Printf("Open this URL in a browser (trust %s first, or accept the warning):\n\n  %s/authorize?%s\n\n", o.ca, issuer,
		url.Values{"client_id": {o.client}, "request_uri": {par["request_uri"].(string)}}.Encode())
	fmt.Println("Then run: go run ./cmd/oc-demo token <code shown on the callback page>")
	return nil
}

func token(o opts, code string) error {
	hc, err := httpClient(o.ca)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(o.stateFile)
	if err != nil {
		return fmt.Errorf("%w (run oc-demo authorize first)", err)
	}
	var st state
	if err := json.Unmarshal(raw, &st); err != nil {
		return err
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(st.DPoPKey); err != nil {
		return err
	}
	dk, err := oauthtest.FromJWK(jwk)
	if err != nil {
		return err
	}
	key, err := oauthtest.LoadPrivateJWKS(o.keys, jose.ES256)
	if err != nil {
		return err
	}
	issuer := o.base + "/" + o.ws
	a, err := key.Assertion(o.client, issuer)
	if err != nil {
		return err
	}
	proof, err := dk.DPoP(http.MethodPost, issuer+"/token", "", "")
	if err != nil {
		return err
	}
	tok, err := post(hc, issuer+"/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {o.redirect}, "code_verifier": {st.Verifier},
		"client_id": {o.client}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {a},
	}, proof)
	if err != nil {
		return err
	}
	out, _ := json.MarshalIndent(tok, "", "  ")
	fmt.Printf("token response:\n%s\n", out)
	at, _ := tok["access_token"].(string)
	uproof, err := dk.DPoP(http.MethodGet, issuer+"/userinfo", at, "")
	if err != nil {
		return err
	}
	req, _ := http.NewRequest(http.MethodGet, issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "DPoP "+at)
	req.Header.Set("DPoP", uproof)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("userinfo: %d %s\n", resp.StatusCode, body)
	return nil
}
