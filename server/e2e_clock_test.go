package server_test

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/openconsent/openconsent/server"
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
