package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const validConfig = `
server:
  base_url: https://as.example.test
secret: 0123456789abcdef0123456789abcdef
workspaces:
  - id: generic
    profile: fapi2-security
    demo_login: true
`

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadValid(t *testing.T) {
	cfg, err := Load(writeConfig(t, validConfig))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := cfg.Database.Driver; got != "sqlite" {
		t.Errorf("Database.Driver = %q, want sqlite (default)", got)
	}
	if got := cfg.Server.GCPercent; got != defaultGCPercent {
		t.Errorf("Server.GCPercent = %d, want %d (default)", got, defaultGCPercent)
	}
	if got := cfg.Workspaces[0].Tokens.CodeLifetime.String(); got != "1m0s" {
		t.Errorf("CodeLifetime = %s, want 1m0s", got)
	}
}

func TestLoadRejectsNamingTheField(t *testing.T) {
	tests := []struct {
		name      string
		give      string
		wantField string
	}{
		{"bad profile", strings.Replace(validConfig, "fapi2-security", "fapi3", 1), "workspaces[0].profile"},
		{"bad ecosystem", strings.Replace(validConfig, "profile: fapi2-security", "profile: fapi2-security\n    ecosystem: mars", 1), "workspaces[0].ecosystem"},
		{"http base url", strings.Replace(validConfig, "https://as.example.test", "http://as.example.test", 1), "server.base_url"},
		{"gc target too low", strings.Replace(validConfig, "base_url: https://as.example.test", "base_url: https://as.example.test\n  gc_percent: 10", 1), "server.gc_percent"},
		{"code lifetime over FAPI 2.0 limit", strings.Replace(validConfig, "demo_login: true", "demo_login: true\n    tokens:\n      code_lifetime: 120s", 1), "[FAPI 2.0 SP"},
		{"short secret", strings.Replace(validConfig, "0123456789abcdef0123456789abcdef", "short", 1), "secret: must be at least 32"},
		{"bad driver", validConfig + "database:\n  driver: mysql\n", "database.driver"},
		{"unknown key", validConfig + "colour: blue\n", "colour"},
		{"duplicate workspace", validConfig + "  - id: generic\n    demo_login: true\n", "workspaces[1].id"},
		{"no login url", strings.Replace(validConfig, "demo_login: true", "name: x", 1), "workspaces[0].login_url"},
		{"client auth not in profile", validConfig + "    clients:\n      - client_id: c1\n        token_endpoint_auth_method: client_secret_basic\n", "workspaces[0].clients[0].token_endpoint_auth_method"},
		{"http redirect uri", validConfig + "    clients:\n      - client_id: c1\n        token_endpoint_auth_method: tls_client_auth\n        tls_client_auth_subject_dn: CN=x\n        redirect_uris: [http://x.test/cb]\n", "workspaces[0].clients[0].redirect_uris[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeConfig(t, tt.give))
			if err == nil {
				t.Fatalf("Load accepted a broken config")
			}
			if !strings.Contains(err.Error(), tt.wantField) {
				t.Errorf("error = %q, want it to name %q", err, tt.wantField)
			}
		})
	}
}

func TestEnvOverrides(t *testing.T) {
	t.Setenv("OPENCONSENT_SERVER_BASE_URL", "https://env.example.test")
	t.Setenv("OPENCONSENT_DATABASE_DRIVER", "postgres")
	t.Setenv("OPENCONSENT_DATABASE_DSN", "postgres://x@127.0.0.1/db")
	t.Setenv("OPENCONSENT_SERVER_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1/32")
	cfg, err := Load(writeConfig(t, validConfig))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Server.BaseURL != "https://env.example.test" {
		t.Errorf("Server.BaseURL = %q, want the env value", cfg.Server.BaseURL)
	}
	if cfg.Database.Driver != "postgres" || cfg.Database.DSN != "postgres://x@127.0.0.1/db" {
		t.Errorf("Database = %+v, want env values", cfg.Database)
	}
	if len(cfg.Server.TrustedProxies) != 2 {
		t.Errorf("TrustedProxies = %v, want 2 CIDRs", cfg.Server.TrustedProxies)
	}
	t.Setenv("OPENCONSENT_SERVER_TRUSTED_PROXIES", "not-a-cidr")
	if _, err := Load(writeConfig(t, validConfig)); err == nil || !strings.Contains(err.Error(), "server.trusted_proxies[0]") {
		t.Errorf("bad CIDR error = %v, want it to name server.trusted_proxies[0]", err)
	}
	t.Setenv("OPENCONSENT_SERVER_TRUSTED_PROXIES", "")
	t.Setenv("OPENCONSENT_SERVER_SHUTDOWN_TIMEOUT", "banana")
	if _, err := Load(writeConfig(t, validConfig)); err == nil || !strings.Contains(err.Error(), "server.shutdown_timeout") {
		t.Errorf("bad env duration error = %v, want it to name server.shutdown_timeout", err)
	}
}

func TestDemoConfigIsValid(t *testing.T) {
	if _, err := Parse("../cmd/openconsent/demo.yaml"); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load("../cmd/openconsent/demo.yaml")
	if err != nil {
		t.Fatalf("demo config: %v", err)
	}
	want := map[string]bool{"cdr": true, "ofb": true, "opin": true, "fdx": true, "uk": true, "ksa": true, "generic": true}
	for _, w := range cfg.Workspaces {
		delete(want, w.ID)
	}
	if len(want) != 0 {
		t.Errorf("demo config lacks workspaces %v", want)
	}
}
