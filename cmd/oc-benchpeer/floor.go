package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/labstack/echo/v4"
)

// The floor is what a workload costs on this machine when nothing but its
// unavoidable part is done: echo over the same TLS (server certificate,
// client certificates requested), the client assertion parsed and its
// ES256 signature verified with the registered key, the DPoP proof (when
// sent) parsed and verified with its embedded key, and an ES256 JWT access
// token signed; introspection answers a constant response. No store, no
// client registry, no single-use records, no claim checks, no logging.
// A real server cannot be faster than the floor, so its rate bounds every
// ratio a target can ask for: the table reports openconsent's rate as a
// share of it. It runs only with -floor and is never a server to deploy.

// floorMain is "oc-benchpeer floor -addr ADDR -cert F -key F -jwks F -issuer URL".
func floorMain(args []string) int {
	fs := flag.NewFlagSet("oc-benchpeer floor", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:18444", "HTTPS listen address")
	cert := fs.String("cert", "", "server certificate (PEM)")
	key := fs.String("key", "", "server key (PEM)")
	jwks := fs.String("jwks", "", "the client's public JWKS (kid client-es256 is used)")
	issuer := fs.String("issuer", "", "iss of the access tokens")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	f, err := newFloor(*jwks, *issuer)
	if err == nil {
		err = f.serve(*addr, *cert, *key)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "oc-benchpeer floor:", err)
		return 1
	}
	return 0
}

type floor struct {
	client *ecdsa.PublicKey // parsed once, as openconsent does
	signer jose.Signer
	issuer string
}

func newFloor(jwksPath, issuer string) (*floor, error) {
	b, err := os.ReadFile(jwksPath)
	if err != nil {
		return nil, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, err
	}
	ks := set.Key("client-es256")
	if len(ks) != 1 {
		return nil, errors.New("jwks: no key client-es256")
	}
	pub, ok := ks[0].Key.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("jwks: client-es256 is not an EC key")
	}
	priv, err := ecdsaKey()
	if err != nil {
		return nil, err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: priv},
		(&jose.SignerOptions{}).WithType("at+jwt").WithHeader("kid", "floor"))
	if err != nil {
		return nil, err
	}
	return &floor{client: pub, signer: signer, issuer: issuer}, nil
}

func (f *floor) serve(addr, certFile, keyFile string) error {
	// The same GC target as openconsent's default (server.gc_percent).
	debug.SetGCPercent(400)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/healthz", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	e.POST("/bench/token", f.token)
	e.POST("/benchop/introspect", f.introspect)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: e, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return srv.ListenAndServeTLS("", "")
}

var floorAlgs = []jose.SignatureAlgorithm{jose.ES256}

// floorClaims are the RFC 9068 claims of the floor's access tokens. They
// are not server/oauth's accessClaims on purpose: the floor uses nothing
// of the server, so that it bounds the server rather than shares its costs.
type floorClaims struct {
	Iss      string            `json:"iss"`
	Sub      string            `json:"sub"`
	Aud      string            `json:"aud"`
	Exp      int64             `json:"exp"`
	Iat      int64             `json:"iat"`
	Jti      string            `json:"jti"`
	ClientID string            `json:"client_id"`
	Scope    string            `json:"scope"`
	Cnf      map[string]string `json:"cnf,omitempty"`
}

func (f *floor) token(c echo.Context) error {
	jws, err := jose.ParseSigned(c.FormValue("client_assertion"), floorAlgs)
	if err != nil {
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "invalid_client"})
	}
	if _, err := jws.Verify(f.client); err != nil {
		return c.JSON(http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
	}
	tokenType := "Bearer"
	var cnf map[string]string
	if proof := c.Request().Header.Get("DPoP"); proof != "" {
		p, err := jose.ParseSigned(proof, floorAlgs)
		if err != nil || p.Signatures[0].Protected.JSONWebKey == nil {
			return c.JSON(http.StatusBadRequest, map[string]string{"error": "invalid_dpop_proof"})
		}
		jwk := p.Signatures[0].Protected.JSONWebKey
		if _, err := p.Verify(jwk); err != nil {
			return c.JSON(http.StatusBadRequest, map[string]string{"error": "invalid_dpop_proof"})
		}
		tp, err := jwk.Thumbprint(crypto.SHA256)
		if err != nil {
			return c.JSON(http.StatusBadRequest, map[string]string{"error": "invalid_dpop_proof"})
		}
		tokenType, cnf = "DPoP", map[string]string{"jkt": base64.RawURLEncoding.EncodeToString(tp)}
	}
	id := make([]byte, 18)
	_, _ = rand.Read(id)
	now := time.Now()
	client := c.FormValue("client_id")
	payload, err := json.Marshal(floorClaims{Iss: f.issuer, Sub: client, Aud: f.issuer, Exp: now.Add(time.Hour).Unix(), Iat: now.Unix(),
		Jti: base64.RawURLEncoding.EncodeToString(id), ClientID: client, Scope: c.FormValue("scope"), Cnf: cnf})
	if err != nil {
		return err
	}
	sig, err := f.signer.Sign(payload)
	if err != nil {
		return err
	}
	tok, err := sig.CompactSerialize()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"access_token": tok, "token_type": tokenType, "expires_in": 3600, "scope": c.FormValue("scope")})
}

func (f *floor) introspect(c echo.Context) error {
	if c.FormValue("token") == "" {
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "invalid_request"})
	}
	return c.JSON(http.StatusOK, map[string]any{"active": true, "client_id": "bench-client", "scope": "accounts", "token_type": "Bearer",
		"exp": time.Now().Add(time.Hour).Unix()})
}

// ecdsaKey is a fresh P-256 key for the floor's access tokens.
func ecdsaKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// floorServer is the floor process, pinned to the server CPU like the
// others.
type floorServer struct {
	base string
	pid  int
}

func startFloor(ctx context.Context, o *options, bins binaries, keys string, procs *procSet) (*floorServer, error) {
	f := &floorServer{base: "https://127.0.0.1:" + strconv.Itoa(o.floorPort)}
	cmd := exec.CommandContext(ctx, "taskset", "-c", o.serverCPU, bins.self, "floor", "-addr", "127.0.0.1:"+strconv.Itoa(o.floorPort),
		"-cert", filepath.Join(o.work, "server.pem"), "-key", filepath.Join(o.work, "server.key"),
		"-jwks", filepath.Join(keys, "client-jwks.json"), "-issuer", f.base+"/bench")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := procs.start(cmd); err != nil {
		return nil, err
	}
	f.pid = cmd.Process.Pid
	return f, waitReady(ctx, o, f.base+"/healthz", procs.exited(cmd))
}
