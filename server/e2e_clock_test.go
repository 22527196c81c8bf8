package server_test

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/openconsent/openconsent/server"
	"github.com/openconsent/openconsent/server/oauth"
)

// testClock is the server's clock in expiry tests: real time plus an offset
// the test advances, so nothing sleeps.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the server's clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// newClockEnv is newEnv with the server's clock under the test's control.
// newEnv does not take server.Deps, so this captures the configuration it
// builds, points it at a second TLS listener, and serves that listener with
// a server built from the same configuration (its own database) and the
// test clock. Client keys, certificates and the CA are newEnv's.
func newClockEnv(t *testing.T, opts ...envOption) (*env, *testClock) {
	t.Helper()
	clk := &testClock{}
	ts := httptest.NewUnstartedServer(nil)
	ts.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	base := "https://" + ts.Listener.Addr().String()
	var cfg *server.Config
	capture := func(c *server.Config) {
		c.Server.BaseURL = base
		cfg = c
	}
	e := newEnv(t, append(opts, capture)...)
	unused, unusedSrv := e.ts, e.srv
	t.Cleanup(func() { unused.Close(); unusedSrv.Close() })
	cfg.Database.DSN = filepath.Join(t.TempDir(), "clock.db")
	srv, err := server.New(context.Background(), cfg, server.Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clk.Now})
	if err != nil {
		ts.Close()
		t.Fatal(err)
	}
	ts.Config.Handler = srv.Handler()
	ts.StartTLS()
	// newEnv's cleanup closes e.ts and e.srv: now this listener and server.
	e.ts, e.srv, e.base, e.issuer = ts, srv, base, base+"/ws"
	return e, clk
}

// directCode runs the front channel like flow.code, but accepts the login
// through the provider instead of the system API. It sends no client
// assertion or DPoP proof of its own, so it works where the server's clock
// is ahead of the test's, or where DPoP nonces are required.
func (f *flow) directCode() string {
	t := f.e.t
	t.Helper()
	r := f.par()
	if r.status != http.StatusCreated {
		t.Fatalf("PAR = %d %s", r.status, r.raw)
	}
	loginID, ar := f.authorize(r.body["request_uri"].(string))
	if loginID == "" {
		t.Fatalf("authorize = %d %s", ar.status, ar.raw)
	}
	_, err := f.e.provider().AcceptLogin(context.Background(), loginID, oauth.LoginAccept{Subject: "alice", ACR: "urn:test:sca"})
	must(t, err)
	u := f.resume(loginID)
	if u.Query().Get("state") != f.state || u.Query().Get("code") == "" {
		t.Fatalf("redirect = %s, want a code and state %s", u, f.state)
	}
	return u.Query().Get("code")
}
