package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/openconsent/openconsent/server"
)

// The UK benchmarks drive the real echo handler of server.New (SQLite
// store, every middleware) in process, like the other benchmarks: the
// request goes through Handler().ServeHTTP with the client certificate set
// as crypto/tls would, without sockets. Everything the TPP signs is signed
// before the timer starts.

// newUKBench is a server with the UK workspaces of the end-to-end tests.
func newUKBench(b *testing.B) (*ukConn, http.Handler) {
	b.Helper()
	f := newUKFixture(b)
	cfg := &server.Config{
		Server:     server.ServerConfig{BaseURL: "https://as.bench.test"},
		Database:   server.DatabaseConfig{Driver: "sqlite", DSN: filepath.Join(b.TempDir(), "uk.db")},
		Secret:     testSecret,
		Workspaces: f.workspaces(),
	}
	server.ApplyDefaults(cfg)
	ukMust(b, cfg.Validate())
	srv, err := server.New(context.Background(), cfg, server.Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ukMust(b, err)
	b.Cleanup(srv.Close)
	h := srv.Handler()
	return &ukConn{tb: b, f: f, base: cfg.Server.BaseURL, send: ukInProcess(h, f)}, h
}

// ukBenchReq is one prepared request.
type ukBenchReq struct {
	method, path string
	header       http.Header
	body         []byte
}

// serve sends r as cert and fails unless the status is want.
func (c *ukConn) serve(r ukBenchReq, cert string, want int) {
	req, err := http.NewRequest(r.method, c.base+r.path, bytes.NewReader(r.body))
	if err != nil {
		c.tb.Fatal(err)
	}
	req.Header = r.header.Clone()
	if status, _, raw := c.send(req, cert); status != want {
		c.tb.Fatalf("%s %s = %d %s, want %d", r.method, r.path, status, raw, want)
	}
}

func ukReportOps(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkUKCreateConsent: POST of a consent by a TPP with an
// mTLS-bound client_credentials token: an account-access consent
// (validation, permission rules, one insert), and a domestic payment
// consent (plus the PS256 request signature check, the idempotency record
// and the PS256 response signature).
func BenchmarkUKCreateConsent(b *testing.B) {
	c, _ := newUKBench(b)
	acc := c.ccToken("uk", ukTPP, "accounts")
	pay := c.ccToken("uk", ukTPP, "payments")
	b.Run("account-access", func(b *testing.B) {
		c.tb = b
		body := ukAACBody([]string{"ReadAccountsDetail", "ReadBalances"}, time.Now().Add(90*24*time.Hour))
		h := http.Header{"Authorization": {"Bearer " + acc}, "Content-Type": {"application/json"}}
		r := ukBenchReq{method: http.MethodPost, path: "/uk/open-banking/v3.1/aisp/account-access-consents", header: h, body: body}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			c.serve(r, ukTPP, http.StatusCreated)
		}
		b.StopTimer()
		ukReportOps(b)
	})
	b.Run("domestic-payment-signed", func(b *testing.B) {
		c.tb = b
		reqs := make([]ukBenchReq, b.N)
		for i := range reqs {
			body := ukPaymentBody(strconv.Itoa(i))
			h := c.signedHeaders(ukTPP, body, uuid.NewString())
			h.Set("Authorization", "Bearer "+pay)
			h.Set("Content-Type", "application/json")
			reqs[i] = ukBenchReq{method: http.MethodPost, path: "/uk/open-banking/v3.1/pisp/domestic-payment-consents", header: h, body: body}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			c.serve(reqs[i], ukTPP, http.StatusCreated)
		}
		b.StopTimer()
		ukReportOps(b)
	})
}

// BenchmarkResourceCheck: the bank's resource server checks a PSU access
// token bound to an authorised UK consent (POST /system/resource-check:
// token, consent and granted accounts in one answer), with an mTLS-bound
// system token.
func BenchmarkResourceCheck(b *testing.B) {
	c, _ := newUKBench(b)
	acc := c.ccToken("uk", ukTPP, "accounts")
	mk := c.api("uk", http.MethodPost, "/aisp/account-access-consents", ukTPP, acc, ukAACBody([]string{"ReadAccountsBasic"}, time.Time{}), nil)
	if mk.status != http.StatusCreated {
		b.Fatalf("POST consent = %d %s", mk.status, mk.raw)
	}
	g := c.authorise("uk", ukTPP, mk.body["Data"].(map[string]any)["ConsentId"].(string), "openid accounts", []string{"acc-1", "acc-2"})
	if rc := c.resourceCheck("uk", g.access); rc.body["active"] != true || rc.body["consent"] == nil {
		b.Fatalf("resource check = %d %s, want active with the consent", rc.status, rc.raw)
	}
	sys := c.ccToken("uk", ukSys, "manage_consents")
	body, _ := json.Marshal(map[string]string{"token": g.access})
	r := ukBenchReq{method: http.MethodPost, path: "/uk/system/resource-check", body: body,
		header: http.Header{"Authorization": {"Bearer " + sys}, "Content-Type": {"application/json"}}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		c.serve(r, ukSys, http.StatusOK)
	}
	b.StopTimer()
	ukReportOps(b)
}
