package server_test

import (
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // database/sql driver "sqlite" for raw row checks

	"github.com/openconsent/openconsent/server"
)

const testSecret = "test-secret-0123456789abcdef0123456789"

func testConfig(t *testing.T, dsn string) *server.Config {
	t.Helper()
	cfg := &server.Config{
		Server:   server.ServerConfig{BaseURL: "https://as.test"},
		Database: server.DatabaseConfig{Driver: "sqlite", DSN: dsn},
		Secret:   testSecret,
		Workspaces: []server.WorkspaceConfig{
			{ID: "alpha", Ecosystem: "generic", Profile: "fapi2-security", DemoLogin: true},
			{ID: "beta", Ecosystem: "uk", Profile: "fapi1-advanced", DemoLogin: true},
		},
	}
	server.ApplyDefaults(cfg)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func startServer(t *testing.T) (*server.Server, *httptest.Server, string) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "oc.db")
	cfg := testConfig(t, dsn)
	s, err := server.New(context.Background(), cfg, server.Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(s.Handler())
	ts.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	ts.StartTLS()
	t.Cleanup(func() { ts.Close(); s.Close() })
	return s, ts, dsn
}

func getJSON(t *testing.T, c *http.Client, url string) map[string]any {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", url, resp.StatusCode)
	}
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDiscoveryAndJWKSPerWorkspace(t *testing.T) {
	_, ts, _ := startServer(t)
	c := ts.Client()
	kids := map[string]string{}
	for _, ws := range []string{"alpha", "beta"} {
		for _, wk := range []string{"openid-configuration", "oauth-authorization-server"} {
			d := getJSON(t, c, ts.URL+"/"+ws+"/.well-known/"+wk)
			if got, want := d["issuer"], "https://as.test/"+ws; got != want {
				t.Errorf("%s issuer = %v, want %v", ws, got, want)
			}
			if got, want := d["jwks_uri"], "https://as.test/"+ws+"/jwks"; got != want {
				t.Errorf("%s jwks_uri = %v, want %v", ws, got, want)
			}
		}
		jwks := getJSON(t, c, ts.URL+"/"+ws+"/jwks")
		keys, _ := jwks["keys"].([]any)
		if len(keys) != 3 {
			t.Fatalf("%s jwks has %d keys, want 3 (PS256, ES256, RSA-OAEP-256)", ws, len(keys))
		}
		for _, k := range keys {
			km := k.(map[string]any)
			if _, ok := km["d"]; ok {
				t.Fatalf("%s jwks publishes a private key", ws)
			}
			kids[km["kid"].(string)] = ws
		}
	}
	if len(kids) != 6 {
		t.Errorf("workspaces share keys: %v", kids)
	}
}

func TestDiscoveryAdvertisesOnlyServedEndpoints(t *testing.T) {
	_, ts, _ := startServer(t)
	d := getJSON(t, ts.Client(), ts.URL+"/alpha/.well-known/openid-configuration")
	for k, v := range d {
		s, ok := v.(string)
		if !ok || !strings.HasSuffix(k, "_endpoint") {
			continue
		}
		path := strings.TrimPrefix(s, "https://as.test")
		resp, err := ts.Client().Head(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			t.Errorf("%s = %s is advertised but not served", k, s)
		}
	}
}

func TestUnknownWorkspaceIs404(t *testing.T) {
	_, ts, _ := startServer(t)
	resp, err := ts.Client().Get(ts.URL + "/gamma/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status = %d, want 404", resp.StatusCode)
	}
}

func TestKeyRowsHoldNoPlaintextPrivateKey(t *testing.T) {
	_, _, dsn := startServer(t)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, private_enc, public_jwk FROM workspace_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		var priv, pub []byte
		if err := rows.Scan(&id, &priv, &pub); err != nil {
			t.Fatal(err)
		}
		n++
		if json.Valid(priv) || strings.Contains(string(priv), `"d"`) || strings.Contains(string(priv), "PRIVATE KEY") {
			t.Errorf("key %s: private_enc looks like plaintext", id)
		}
		if strings.Contains(string(pub), `"d"`) {
			t.Errorf("key %s: public_jwk holds a private part", id)
		}
	}
	if n != 6 {
		t.Errorf("found %d key rows, want 6", n)
	}
}

func TestHealthAndReady(t *testing.T) {
	_, ts, _ := startServer(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := ts.Client().Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s = %d, want 200", p, resp.StatusCode)
		}
		if resp.Header.Get("x-fapi-interaction-id") == "" {
			t.Errorf("%s: no x-fapi-interaction-id", p)
		}
	}
	req, _ := http.NewRequest("GET", ts.URL+"/healthz", nil)
	req.Header.Set("x-fapi-interaction-id", "93bac548-d2de-4546-b106-880a5018460d")
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("x-fapi-interaction-id"); got != "93bac548-d2de-4546-b106-880a5018460d" {
		t.Errorf("interaction id = %q, want it echoed", got)
	}
}
