package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx": create and drop the bench database

	"github.com/openconsent/openconsent/server/oauthtest"
)

type binaries struct{ openconsent, loadgen, self string }

// buildBinaries builds bin/openconsent and the load generator.
func buildBinaries(ctx context.Context, o *options) (binaries, error) {
	b := binaries{openconsent: filepath.Join(o.repo, "bin", "openconsent"), loadgen: filepath.Join(o.work, "oc-loadgen")}
	for _, t := range []struct{ out, pkg string }{{b.openconsent, "./cmd/openconsent"}, {b.loadgen, "./cmd/oc-loadgen"}} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", t.out, t.pkg)
		cmd.Dir, cmd.Stdout, cmd.Stderr = o.repo, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return b, fmt.Errorf("go build %s: %w", t.pkg, err)
		}
	}
	self, err := os.Executable()
	b.self = self
	return b, err
}

// preparePeer copies the peer into work/peer; with the peer it runs npm
// install and genkeys.mjs there, without it writes keys of the same form.
func preparePeer(ctx context.Context, o *options, keys string) error {
	dst := filepath.Join(o.work, "peer")
	if err := os.CopyFS(dst, os.DirFS(o.peerDir)); err != nil {
		return fmt.Errorf("copy peer: %w", err)
	}
	_ = filepath.WalkDir(dst, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			mode := os.FileMode(0o600)
			if d.IsDir() {
				mode = 0o700
			}
			_ = os.Chmod(p, mode)
		}
		return nil
	})
	if o.noPeer {
		return goGenKeys(keys)
	}
	for _, argv := range [][]string{{"npm", "install", "--no-audit", "--no-fund", "--loglevel=error"}, {"node", "genkeys.mjs"}} {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = dst, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("peer: %s: %w", strings.Join(argv, " "), err)
		}
	}
	return nil
}

// goGenKeys writes what genkeys.mjs writes for the client: PKCS#8 PEMs
// and the public JWKS (kids client-ps256, client-es256).
func goGenKeys(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	es, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	ps, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	var set jose.JSONWebKeySet
	for _, k := range []struct {
		alg  string
		priv any
	}{{"PS256", ps}, {"ES256", es}} {
		der, err := x509.MarshalPKCS8PrivateKey(k.priv)
		if err != nil {
			return err
		}
		kid := "client-" + strings.ToLower(k.alg)
		if err := writePEM(filepath.Join(dir, kid+".pem"), "PRIVATE KEY", der); err != nil {
			return err
		}
		jwk := jose.JSONWebKey{Key: k.priv, KeyID: kid, Algorithm: k.alg, Use: "sig"}
		set.Keys = append(set.Keys, jwk.Public())
	}
	b, err := json.Marshal(set)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "client-jwks.json"), b, 0o600)
}

// procSet stops every process it started: SIGTERM to its process group,
// SIGKILL after 10 s.
type procSet struct {
	mu    sync.Mutex
	procs map[*exec.Cmd]chan struct{} // closed when the process has exited
}

func (s *procSet) start(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.mu.Lock()
	if s.procs == nil {
		s.procs = map[*exec.Cmd]chan struct{}{}
	}
	s.procs[cmd] = done
	s.mu.Unlock()
	return nil
}

// exited is closed when cmd has exited.
func (s *procSet) exited(cmd *exec.Cmd) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.procs[cmd]
}

func (s *procSet) stop(cmd *exec.Cmd) {
	s.mu.Lock()
	done, ok := s.procs[cmd]
	delete(s.procs, cmd)
	s.mu.Unlock()
	if !ok {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

func (s *procSet) stopAll() {
	s.mu.Lock()
	ps := make([]*exec.Cmd, 0, len(s.procs))
	for c := range s.procs {
		ps = append(ps, c)
	}
	s.mu.Unlock()
	for _, c := range ps {
		s.stop(c)
	}
}

// ourServer is openconsent with its bench configuration.
// pid is the running server's process id (taskset execs it: the same
// process), 0 when stopped.
func (s *ourServer) pid() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

type ourServer struct {
	o       *options
	bins    binaries
	procs   *procSet
	cfgPath string
	base    string
	cmd     *exec.Cmd
	pg      *pgProxy
	dropDB  func()
}

func newOurServer(ctx context.Context, o *options, bins binaries, keys string, procs *procSet) (*ourServer, error) {
	s := &ourServer{o: o, bins: bins, procs: procs, base: "https://127.0.0.1:" + strconv.Itoa(o.ourPort)}
	db := map[string]any{"driver": "sqlite", "dsn": filepath.Join(o.work, "oc.db")}
	if o.db == "postgres" {
		dsn, err := s.createDatabase(ctx)
		if err != nil {
			return nil, err
		}
		db = map[string]any{"driver": "postgres", "dsn": dsn}
	}
	secret := make([]byte, 36)
	_, _ = rand.Read(secret)
	jwks := filepath.Join(keys, "client-jwks.json")
	clients := []map[string]any{
		{"client_id": "bench-client", "token_endpoint_auth_method": "private_key_jwt", "jwks_file": jwks,
			"grant_types": []string{"client_credentials"}, "scope": "openid accounts payments"},
		{"client_id": "bench-client-dpop", "token_endpoint_auth_method": "private_key_jwt", "jwks_file": jwks,
			"grant_types": []string{"client_credentials"}, "scope": "openid accounts payments", "dpop_bound_access_tokens": true},
		{"client_id": "bench-rs", "token_endpoint_auth_method": "tls_client_auth", "tls_client_auth_subject_dn": "CN=bench-rs,O=Bench",
			"grant_types": []string{"client_credentials"}, "scope": "accounts", "system": true},
	}
	ws := func(id, format string) map[string]any {
		return map[string]any{"id": id, "ecosystem": "generic", "profile": "fapi2-security", "demo_login": true,
			"scopes": []string{"openid", "accounts", "payments"}, "trusted_ca_files": []string{filepath.Join(o.work, "ca.pem")},
			"tokens":  map[string]any{"signing_alg": "ES256", "access_token_format": format, "access_token_lifetime": "1h"},
			"clients": clients}
	}
	cfg := map[string]any{
		"server": map[string]any{"base_url": s.base, "https_addr": "127.0.0.1:" + strconv.Itoa(o.ourPort),
			"tls": map[string]any{"cert_file": filepath.Join(o.work, "server.pem"), "key_file": filepath.Join(o.work, "server.key")}},
		"secret":   base64.RawURLEncoding.EncodeToString(secret),
		"database": db,
		// One log line per request would be a write(2) per request; the
		// peer logs nothing per request either.
		"log":        map[string]any{"level": "warn", "format": "json"},
		"workspaces": []any{ws("bench", "jwt"), ws("benchop", "opaque")},
	}
	b, err := json.MarshalIndent(cfg, "", " ") // JSON is YAML
	if err != nil {
		return nil, err
	}
	s.cfgPath = filepath.Join(o.work, "openconsent.yaml")
	if err := os.WriteFile(s.cfgPath, b, 0o600); err != nil {
		return nil, err
	}
	if o.profileDir == "" {
		if err := s.start(ctx, ""); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// createDatabase creates a fresh database (dropped at the end) and, when
// counting, returns a DSN through the counting proxy.
func (s *ourServer) createDatabase(ctx context.Context) (string, error) {
	admin, err := sql.Open("pgx", s.o.pgDSN)
	if err != nil {
		return "", err
	}
	name := "oc_bench_" + strconv.Itoa(os.Getpid())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", fmt.Errorf("postgres: %w", err)
	}
	s.dropDB = func() {
		_, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		if err != nil {
			fmt.Fprintln(os.Stderr, "oc-benchpeer: drop database:", err)
		}
		admin.Close()
	}
	u, err := url.Parse(s.o.pgDSN)
	if err != nil {
		return "", err
	}
	p, err := startPGProxy(u.Host)
	if err != nil {
		return "", err
	}
	s.pg = p
	u.Host, u.Path = p.addr(), "/"+name
	q := u.Query()
	q.Set("sslmode", "disable")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (s *ourServer) close() {
	if s.cmd != nil {
		s.procs.stop(s.cmd)
	}
	if s.pg != nil {
		s.pg.close()
		s.pg = nil
	}
	if s.dropDB != nil {
		s.dropDB()
		s.dropDB = nil
	}
}

// start runs openconsent pinned to the server CPU; with profile set, the
// same server runs inside this binary ("oc-benchpeer serve") writing a CPU
// profile when it stops.
func (s *ourServer) start(ctx context.Context, profile string) error {
	argv := []string{"taskset", "-c", s.o.serverCPU, s.bins.openconsent, "serve", "--config", s.cfgPath}
	if profile != "" {
		argv = []string{"taskset", "-c", s.o.serverCPU, s.bins.self, "serve", "-config", s.cfgPath, "-cpuprofile", profile}
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := s.procs.start(cmd); err != nil {
		return err
	}
	s.cmd = cmd
	return waitReady(ctx, s.o, s.base+"/healthz", s.procs.exited(cmd))
}

func (s *ourServer) stop() {
	if s.cmd != nil {
		s.procs.stop(s.cmd)
		s.cmd = nil
	}
}

// peerServer is the node oidc-provider.
type peerServer struct {
	base string
	pid  int
}

func startPeer(ctx context.Context, o *options, procs *procSet) (*peerServer, error) {
	p := &peerServer{base: "https://127.0.0.1:" + strconv.Itoa(o.peerPort)}
	cmd := exec.CommandContext(ctx, "taskset", "-c", o.serverCPU, "node", "server.mjs")
	cmd.Dir = filepath.Join(o.work, "peer")
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(o.peerPort), "AT_FORMAT=jwt", "AT_ALG=ES256", "NODE_ENV=production",
		"TLS_CERT="+filepath.Join(o.work, "server.pem"), "TLS_KEY="+filepath.Join(o.work, "server.key"))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := procs.start(cmd); err != nil {
		return nil, err
	}
	p.pid = cmd.Process.Pid // taskset execs node: the same process
	return p, waitReady(ctx, o, p.base+"/.well-known/openid-configuration", procs.exited(cmd))
}

// httpClient trusts the bench CA and presents certName's certificate.
func httpClient(o *options, certName string) (*http.Client, error) {
	pemCA, err := os.ReadFile(filepath.Join(o.work, "ca.pem"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemCA)
	tc := &tls.Config{RootCAs: pool}
	if certName != "" {
		c, err := tls.LoadX509KeyPair(filepath.Join(o.work, certName+".pem"), filepath.Join(o.work, certName+".key"))
		if err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{c}
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}, nil
}

func waitReady(ctx context.Context, o *options, u string, exited <-chan struct{}) error {
	hc, err := httpClient(o, "")
	if err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := hc.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exited:
			return fmt.Errorf("the server for %s exited", u)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not become ready in 60s", u)
}

// opaqueToken gets an mTLS-bound opaque access token of bench-client at
// workspace benchop and checks that bench-rs sees it active.
func (s *ourServer) opaqueToken(keys string) (string, error) {
	hc, err := httpClient(s.o, "bench-client")
	if err != nil {
		return "", err
	}
	pemKey, err := os.ReadFile(filepath.Join(keys, "client-es256.pem"))
	if err != nil {
		return "", err
	}
	blk, _ := pem.Decode(pemKey)
	if blk == nil {
		return "", errors.New("client-es256.pem: no PEM block")
	}
	priv, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return "", err
	}
	k, err := oauthtest.FromJWK(jose.JSONWebKey{Key: priv, KeyID: "client-es256", Algorithm: "ES256"})
	if err != nil {
		return "", err
	}
	iss := s.base + "/benchop"
	a, err := k.Assertion("bench-client", iss)
	if err != nil {
		return "", err
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := postForm(hc, iss+"/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}, "client_id": {"bench-client"},
		"client_assertion_type": {oauthtestAssertionType}, "client_assertion": {a}}, &tr); err != nil {
		return "", err
	}
	rs, err := httpClient(s.o, "bench-rs")
	if err != nil {
		return "", err
	}
	var in struct {
		Active bool `json:"active"`
	}
	if err := postForm(rs, iss+"/introspect", url.Values{"client_id": {"bench-rs"}, "token": {tr.AccessToken}}, &in); err != nil {
		return "", err
	}
	if !in.Active {
		return "", errors.New("introspection of the fresh opaque token: active false")
	}
	return tr.AccessToken, nil
}

const oauthtestAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

func postForm(hc *http.Client, u string, form url.Values, out any) error {
	resp, err := hc.PostForm(u, form)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("POST %s: %d %v", u, resp.StatusCode, e)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
