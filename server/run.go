package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Run serves until ctx is cancelled (SIGTERM in main), then shuts down
// gracefully within the configured timeout.
func (s *Server) Run(ctx context.Context) error {
	s.setGC()
	var servers []*http.Server
	errc := make(chan error, 2)
	sc := s.cfg.Server
	if sc.HTTPSAddr != "" {
		tc, err := s.tlsConfig()
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", sc.HTTPSAddr)
		if err != nil {
			return err
		}
		hs := &http.Server{Handler: s.echo, TLSConfig: tc, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, hs)
		s.log.Info("listening", "addr", ln.Addr().String(), "tls", true)
		go func() { errc <- hs.Serve(tls.NewListener(ln, tc)) }()
	}
	if sc.HTTPAddr != "" {
		ln, err := net.Listen("tcp", sc.HTTPAddr)
		if err != nil {
			return err
		}
		hs := &http.Server{Handler: s.echo, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, hs)
		s.log.Info("listening", "addr", ln.Addr().String(), "tls", false)
		go func() { errc <- hs.Serve(ln) }()
	}
	s.printIssuers()
	bctx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	go s.background(bctx)
	go s.notifyLoop(bctx)
	var runErr error
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			runErr = err
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), sc.ShutdownTimeout)
	defer cancel()
	for _, hs := range servers {
		_ = hs.Shutdown(sctx)
	}
	s.Close()
	s.log.Info("stopped")
	return runErr
}

// tlsConfig asks for, but does not require, a client certificate: each
// endpoint decides (RFC 8705 §2 client auth, §3 binding). Chains are verified
// per workspace against its trusted CAs, not here.
func (s *Server) tlsConfig() (*tls.Config, error) {
	tc := s.cfg.Server.TLS
	var cert tls.Certificate
	var err error
	if tc.CertFile != "" {
		cert, err = tls.LoadX509KeyPair(tc.CertFile, tc.KeyFile)
	} else {
		var caPath string
		cert, caPath, err = DevCertificate(tc.DevDir, s.cfg.Server.BaseURL)
		if err == nil {
			s.log.Warn("using a development TLS certificate; trust its CA to avoid warnings",
				"ca", caPath, "curl", "curl --cacert "+caPath+" "+s.cfg.Server.BaseURL+"/healthz")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequestClientCert,
		MinVersion:   tls.VersionTLS12,
		// FAPI 2.0 SP §5.2.1: TLS 1.2 only with these four suites.
		CipherSuites: []uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		},
	}, nil
}

func (s *Server) printIssuers() {
	ids := make([]string, 0, len(s.workspaces))
	for id := range s.workspaces {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		w := s.workspaces[id]
		s.log.Info("workspace", "id", id, "ecosystem", w.Config.Ecosystem, "profile", w.Config.Profile,
			"issuer", w.Issuer, "discovery", w.Issuer+"/.well-known/openid-configuration")
	}
}

func createSecretFile(path string) ([]byte, error) {
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	sec := []byte(base64.RawURLEncoding.EncodeToString(b))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("secret_file: %w", err)
	}
	if err := os.WriteFile(path, sec, 0o600); err != nil {
		return nil, fmt.Errorf("secret_file: %w", err)
	}
	return sec, nil
}
