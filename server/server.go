// Package server is the composition root: it loads nothing itself, but turns
// a validated Config into a running echo server, building every concrete
// type (store, keys, token issuers, ecosystems) and wiring them together.
package server

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/ecosystems"
	"github.com/openconsent/openconsent/server/keys"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/store"
)

// Deps are the collaborators a caller may supply; zero values get defaults.
type Deps struct {
	// Store, when nil, is opened from cfg.Database.
	Store *store.Store
	// Secret, when nil, is read from cfg.Secret / cfg.SecretFile.
	Secret     []byte
	Logger     *slog.Logger
	Now        func() time.Time
	HTTPClient *http.Client
}

// Server is a running openconsent instance.
type Server struct {
	cfg        *Config
	echo       *echo.Echo
	store      *store.Store
	ownsStore  bool
	keys       *keys.Manager
	log        *slog.Logger
	now        func() time.Time
	certs      *clientCertExtractor
	workspaces map[string]*Workspace
	notifiers  map[string]ecosystems.Notifier
}

// Workspace is one independent authorization server at BaseURL/{ID}.
type Workspace struct {
	Config   WorkspaceConfig
	Issuer   string
	Keys     *keys.Workspace
	Provider *oauth.Provider
	Consents *consent.Service
}

// New builds the server: opens and migrates the store, ensures every
// workspace's keys and mounts every workspace's endpoints.
func New(ctx context.Context, cfg *Config, deps Deps) (*Server, error) {
	s := &Server{cfg: cfg, log: deps.Logger, now: deps.Now, store: deps.Store, workspaces: map[string]*Workspace{}, notifiers: map[string]ecosystems.Notifier{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if deps.HTTPClient == nil {
		deps.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	secret := deps.Secret
	if secret == nil {
		var err error
		if secret, err = LoadSecret(cfg); err != nil {
			return nil, err
		}
	}
	if s.store == nil {
		st, err := store.Open(ctx, cfg.Database.Driver, cfg.Database.DSN)
		if err != nil {
			return nil, fmt.Errorf("database: %w", err)
		}
		s.store, s.ownsStore = st, true
	}
	if *cfg.Database.MigrateOnStart {
		if err := s.store.Migrate(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("migrate: %w", err)
		}
	}
	km, err := keys.NewManager(s.store, secret, s.now)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.keys = km
	s.certs = newClientCertExtractor(cfg.Server.ClientCertHeader, cfg.Server.TrustedProxies)
	s.echo = echo.New()
	s.echo.HideBanner, s.echo.HidePort = true, true
	s.echo.HTTPErrorHandler = s.errorHandler
	s.echo.Use(s.requestContext)
	s.echo.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	s.echo.GET("/readyz", s.readyz)
	for _, wc := range cfg.Workspaces {
		if err := s.addWorkspace(ctx, wc, deps); err != nil {
			s.Close()
			return nil, fmt.Errorf("workspace %s: %w", wc.ID, err)
		}
	}
	return s, nil
}

func (s *Server) addWorkspace(ctx context.Context, wc WorkspaceConfig, deps Deps) error {
	base := strings.TrimRight(s.cfg.Server.BaseURL, "/")
	ws := &Workspace{Config: wc, Issuer: base + "/" + wc.ID}
	kw, err := s.keys.Ensure(ctx, wc.ID, []string{"PS256", "ES256", "RSA-OAEP-256"})
	if err != nil {
		return err
	}
	ws.Keys = kw
	clients := staticClients{}
	for _, cc := range wc.Clients {
		c, err := buildClient(wc.ID, cc)
		if err != nil {
			return err
		}
		clients[wc.ID+"/"+c.ID] = c
	}
	reg := s.prepareRegistration(wc, clients)
	pool, err := loadCAs(wc.TrustedCAFiles)
	if err != nil {
		return err
	}
	eco := s.ecosystemFor(wc, deps.HTTPClient)
	prof, _ := oauth.ProfileFor(oauth.SecurityProfile(wc.Profile))
	prof = eco.OAuthProfile(prof)
	var hooks consent.Hooks
	if h, ok := eco.(ecosystems.ConsentHooker); ok {
		hooks = h.ConsentHooks(reg.clients)
	}
	consents := consent.NewService(s.store, consent.Options{Now: s.now, Hooks: hooks})
	var oauthHooks oauth.Hooks
	var extra []oauth.Route
	if x, ok := eco.(ecosystems.OAuthExtender); ok {
		oauthHooks, extra = x.OAuthHooks(), x.OAuthRoutes()
	}
	mtls := ""
	if s.cfg.Server.MTLSBaseURL != "" {
		mtls = strings.TrimRight(s.cfg.Server.MTLSBaseURL, "/") + "/" + wc.ID
	}
	loginURL := wc.LoginURL
	if wc.DemoLogin && loginURL == "" {
		loginURL = ws.Issuer + "/demo/login"
	}
	t := wc.Tokens
	p, err := oauth.NewProvider(oauth.Options{
		Workspace: wc.ID, Issuer: ws.Issuer, MTLSIssuer: mtls, Profile: prof, Scopes: wc.Scopes,
		Tokens: oauth.TokenOptions{
			AccessTokenLifetime: t.AccessTokenLifetime, RefreshTokenLifetime: t.RefreshTokenLifetime,
			IDTokenLifetime: t.IDTokenLifetime, CodeLifetime: t.CodeLifetime,
			RequestURILifetime: t.RequestURILifetime, LoginLifetime: t.LoginLifetime,
			OpaqueAccessTokens: t.AccessTokenFormat == "opaque", SigningAlg: t.SigningAlg,
			RefreshRotation: t.RefreshTokenRotation, DisableRefresh: t.DisableRefreshTokens,
		},
		DPoPNonce: wc.DPoP.RequireNonce, DPoPNoncePeriod: wc.DPoP.NoncePeriod,
		LoginURL: loginURL, TrustedCAs: pool,
		Clients: reg.clients, Keys: kw, Store: s.store, Consents: eco.ConsentPort(consents), Hooks: oauthHooks, ExtraRoutes: append(extra, reg.routes...),
		HTTPClient: deps.HTTPClient, Logger: s.log, Now: s.now,
	})
	if err != nil {
		return err
	}
	ws.Provider = p
	ws.Consents = consents
	g := s.echo.Group("/" + wc.ID)
	for _, r := range p.Routes() {
		g.Add(r.Method, r.Path, echo.WrapHandler(r.Handler))
	}
	if err := s.mountSystemAPIs(g, ws, reg.clients); err != nil {
		return err
	}
	if err := reg.mount(s, g, ws, prof, deps); err != nil {
		return err
	}
	if err := eco.Mount(g, ecosystems.Deps{
		Workspace: wc.ID, Issuer: ws.Issuer, Provider: p, Consents: consents, Clients: reg.clients,
		Keys: kw, Logger: s.log, Now: s.now,
	}); err != nil {
		return err
	}
	if nf, ok := eco.(ecosystems.Notifier); ok {
		s.notifiers[wc.ID] = nf
	}
	s.workspaces[wc.ID] = ws
	return nil
}

func loadCAs(files []string) (*x509.CertPool, error) {
	if len(files) == 0 {
		return nil, nil
	}
	pool := x509.NewCertPool()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("trusted_ca_files: %w", err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("trusted_ca_files: %s holds no PEM certificate", f)
		}
	}
	return pool, nil
}

func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// Handler returns the HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.echo }

// Workspace returns a workspace by id.
func (s *Server) Workspace(id string) (*Workspace, bool) {
	w, ok := s.workspaces[id]
	return w, ok
}

// Store returns the store (for tests and commands).
func (s *Server) Store() *store.Store { return s.store }

// Close releases the store if the server opened it.
func (s *Server) Close() {
	if s.ownsStore && s.store != nil {
		_ = s.store.Close()
	}
}

// LoadSecret returns the system secret: cfg.Secret, else the secret file,
// which is created with a random secret when missing.
func LoadSecret(cfg *Config) ([]byte, error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), nil
	}
	b, err := os.ReadFile(cfg.SecretFile)
	if errors.Is(err, os.ErrNotExist) {
		return createSecretFile(cfg.SecretFile)
	}
	if err != nil {
		return nil, fmt.Errorf("secret_file: %w", err)
	}
	sec := []byte(strings.TrimSpace(string(b)))
	if len(sec) < 32 {
		return nil, fmt.Errorf("secret_file: %s must hold at least 32 characters", cfg.SecretFile)
	}
	return sec, nil
}
