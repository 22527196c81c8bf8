package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/openconsent/openconsent/server/authctx"
)

func selfSigned(t *testing.T, cn string) *x509.Certificate {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientCertHeaderTrust(t *testing.T) {
	cert := selfSigned(t, "tpp")
	pemCert := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	e := newClientCertExtractor("X-SSL-Client-Cert", []string{"10.1.0.0/16"})
	tests := []struct {
		name       string
		giveRemote string
		giveHeader string
		wantCN     string
	}{
		{"trusted proxy, escaped PEM", "10.1.2.3:5555", url.QueryEscape(pemCert), "tpp"},
		{"untrusted peer is ignored", "192.0.2.7:5555", url.QueryEscape(pemCert), ""},
		{"loopback not trusted unless listed", "127.0.0.1:5555", url.QueryEscape(pemCert), ""},
		{"trusted proxy, garbage header", "10.1.2.3:5555", "garbage", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/x/token", nil)
			r.RemoteAddr = tt.giveRemote
			r.Header.Set("X-SSL-Client-Cert", tt.giveHeader)
			got := authctx.ClientCert(e.wrap(r).Context())
			switch {
			case tt.wantCN == "" && got != nil:
				t.Fatalf("ClientCert = %q, want none", got.Subject.CommonName)
			case tt.wantCN != "" && (got == nil || got.Subject.CommonName != tt.wantCN):
				t.Fatalf("ClientCert = %v, want CN %q", got, tt.wantCN)
			}
		})
	}
}

func TestClientCertFromTLSWinsOverHeader(t *testing.T) {
	tlsCert := selfSigned(t, "from-tls")
	hdr := selfSigned(t, "from-header")
	e := newClientCertExtractor("X-SSL-Client-Cert", []string{"0.0.0.0/0"})
	r := httptest.NewRequest("POST", "/x/token", nil)
	r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{tlsCert}}
	r.Header.Set("X-SSL-Client-Cert", url.QueryEscape(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hdr.Raw}))))
	w := e.wrap(r)
	if got := authctx.ClientCert(w.Context()); got == nil || got.Subject.CommonName != "from-tls" {
		t.Fatalf("ClientCert = %v, want the TLS certificate", got)
	}
	if w.Header.Get("X-SSL-Client-Cert") != "" {
		t.Error("header still readable by handlers")
	}
}
