package server

import (
	"errors"
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole typed configuration, loaded once from a YAML file plus
// OPENCONSENT_* environment overrides, validated at start and passed down.
type Config struct {
	Server     ServerConfig      `yaml:"server"`
	Database   DatabaseConfig    `yaml:"database"`
	Secret     string            `yaml:"secret"`      // system secret; prefer OPENCONSENT_SECRET
	SecretFile string            `yaml:"secret_file"` // created (0600) with a random secret when missing
	Log        LogConfig         `yaml:"log"`
	Workspaces []WorkspaceConfig `yaml:"workspaces"`
}

// ServerConfig is the listeners, public URLs and proxy trust.
type ServerConfig struct {
	// BaseURL is the public https base URL; each workspace's issuer is BaseURL/{id}.
	BaseURL string `yaml:"base_url"`
	// MTLSBaseURL, when set, is a separate host for the RFC 8705 §5
	// mtls_endpoint_aliases; when empty the aliases are the normal endpoints.
	MTLSBaseURL string `yaml:"mtls_base_url"`
	// HTTPSAddr is the TLS listener; it asks for, but does not require, a client certificate.
	HTTPSAddr string `yaml:"https_addr"`
	// HTTPAddr is an optional plain-HTTP listener for use behind a TLS-terminating proxy.
	HTTPAddr string    `yaml:"http_addr"`
	TLS      TLSConfig `yaml:"tls"`
	// TrustedProxies are CIDRs whose ClientCertHeader is believed.
	TrustedProxies   []string      `yaml:"trusted_proxies"`
	ClientCertHeader string        `yaml:"client_cert_header"`
	ShutdownTimeout  time.Duration `yaml:"shutdown_timeout"`
	// GCPercent is the garbage collector's target (Go's GOGC) while
	// serving. The GOGC environment variable, when set, wins (gc.go).
	GCPercent int `yaml:"gc_percent"`
}

// TLSConfig names the server certificate; when both files are empty a local
// development CA and certificate are created under DevDir.
type TLSConfig struct {
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	DevDir   string `yaml:"dev_dir"`
}

// DatabaseConfig selects the store.
type DatabaseConfig struct {
	Driver         string `yaml:"driver"` // sqlite or postgres
	DSN            string `yaml:"dsn"`
	MigrateOnStart *bool  `yaml:"migrate_on_start"`
}

// LogConfig configures log/slog.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // json or text
}

// Load reads a YAML file, applies environment overrides and defaults, and
// validates. The returned error names the offending field.
func Load(path string) (*Config, error) {
	cfg, err := Parse(path)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Parse reads the file, applies env overrides and defaults, without validating.
func Parse(path string) (*Config, error) {
	var cfg Config
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytesReader(b))
		dec.KnownFields(true) // an unknown key is a typo: refuse it
		if err := dec.Decode(&cfg); err != nil && !errors.Is(err, errEOF) {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	if err := applyEnv(&cfg, os.LookupEnv); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	return &cfg, nil
}

func (c *Config) setDefaults() {
	s := &c.Server
	if s.HTTPSAddr == "" && s.HTTPAddr == "" {
		s.HTTPSAddr = ":8443"
	}
	if s.BaseURL == "" {
		s.BaseURL = "https://localhost:8443"
	}
	if s.TLS.DevDir == "" {
		s.TLS.DevDir = "./var/tls"
	}
	if s.ClientCertHeader == "" {
		s.ClientCertHeader = "X-SSL-Client-Cert"
	}
	if s.ShutdownTimeout == 0 {
		s.ShutdownTimeout = 15 * time.Second
	}
	if s.GCPercent == 0 {
		s.GCPercent = defaultGCPercent
	}
	if c.Database.Driver == "" {
		c.Database.Driver = "sqlite"
	}
	if c.Database.DSN == "" && c.Database.Driver == "sqlite" {
		c.Database.DSN = "./var/openconsent.db"
	}
	if c.Database.MigrateOnStart == nil {
		t := true
		c.Database.MigrateOnStart = &t
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Log.Format == "" {
		c.Log.Format = "json"
	}
	for i := range c.Workspaces {
		c.Workspaces[i].setDefaults()
	}
}

// ApplyDefaults fills defaults into a Config built in code (Load does this
// for files).
func ApplyDefaults(c *Config) { c.setDefaults() }
