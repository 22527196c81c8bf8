package oauth_test

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/openconsent/openconsent/server/oauth"
)

// Self-signed test certificates; the expected x5t#S256 was computed
// independently with
// `openssl x509 -outform DER | openssl dgst -sha256 -binary | basenc --base64url`.
const (
	clientCertPEM = `-----BEGIN CERTIFICATE-----
MIIBxTCCAWugAwIBAgIUBvIOjKoiEYiKT3hiTuAHgBMjJbgwCgYIKoZIzj0EAwIw
ODEbMBkGA1UEAwwSY2xpZW50LmV4YW1wbGUuY29tMRkwFwYDVQQKDBBvcGVuY29u
c2VudCB0ZXN0MB4XDTI2MTEyMjExMjgwMVoXDTM2MTExOTExMjgwMVowODEbMBkG
A1UEAwwSY2xpZW50LmV4YW1wbGUuY29tMRkwFwYDVQQKDBBvcGVuY29uc2VudCB0
ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEThZpZb2VSPBnDgnz9TTqyHpV
5O3WVd+0GhbaUZMN+e4AfjcvSpMAb2r/86mtWnL3iI8eg8tJDOx6kl+lKDWZbaNT
MFEwHQYDVR0OBBYEFC+WuRSPXkerQ7UGrDFkAqD8NPX3MB8GA1UdIwQYMBaAFC+W
uRSPXkerQ7UGrDFkAqD8NPX3MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID
SAAwRQIgVp6AuJqwDTpgDO8I+PFQ05mebFQQ7OeRvgyJLoBHd8ECIQDvghEBDpxM
iPf+AygHnukwOdfeumpYDiCCSjrk9HY1sg==
-----END CERTIFICATE-----`
	clientCertX5T = "1YcfsitivjnPmB2Go-ck3Sg92_lKAe84oUkkeF07dd4"

	otherCertPEM = `-----BEGIN CERTIFICATE-----
MIIBjTCCATOgAwIBAgIUZZ4hx2xxU17pIHl7pV58upZe31AwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRb3RoZXIuZXhhbXBsZS5jb20wHhcNMjYxMTIyMTEyODAxWhcN
MzYxMTE5MTEyODAxWjAcMRowGAYDVQQDDBFvdGhlci5leGFtcGxlLmNvbTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABBCCSouJbWzGHpGzYIdpxmYCqZkStLKFiJok
QEdBydY+MYgZFXG3xnf/JBZdAz+OzHXQj6g7HXgViXBgNS5W206jUzBRMB0GA1Ud
DgQWBBR1SLkpXVAOAP8lZsZWGYqK8alz+TAfBgNVHSMEGDAWgBR1SLkpXVAOAP8l
ZsZWGYqK8alz+TAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCy
FTxt+lLEsXUUdNpdns3PRTVUOO6BmQYUKGSSCudJWAIgRfvZL1B/IQ9qmMY5tGrU
K7MMI51vNUO8iSCFo/4A/Bc=
-----END CERTIFICATE-----`
)

func parseCert(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		t.Fatal("no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestCertThumbprint checks RFC 8705 §3.1 x5t#S256.
func TestCertThumbprint(t *testing.T) {
	if got := oauth.CertThumbprint(parseCert(t, clientCertPEM)); got != clientCertX5T {
		t.Errorf("CertThumbprint() = %q, want %q", got, clientCertX5T)
	}
	if got := oauth.CertThumbprint(nil); got != "" {
		t.Errorf("CertThumbprint(nil) = %q, want \"\"", got)
	}
}

// TestCertBindingThumbprint checks RFC 8705 §3: the presented certificate
// must be the one the token is bound to.
func TestCertBindingThumbprint(t *testing.T) {
	client, other := parseCert(t, clientCertPEM), parseCert(t, otherCertPEM)
	const (
		descMismatch = "client certificate does not match the access token binding"
		descNoCert   = "no client certificate was presented for a certificate-bound access token"
		descNotBound = "access token is not bound to a client certificate"
	)
	tests := []struct {
		name          string
		giveX5T       string
		givePresented *x509.Certificate
		wantDesc      string // "" means no error
	}{
		{name: "bound certificate", giveX5T: clientCertX5T, givePresented: client},
		{name: "other certificate", giveX5T: clientCertX5T, givePresented: other, wantDesc: descMismatch},
		{name: "no certificate", giveX5T: clientCertX5T, givePresented: nil, wantDesc: descNoCert},
		{name: "token not bound", giveX5T: "", givePresented: client, wantDesc: descNotBound},
		{name: "neither binding nor certificate", giveX5T: "", givePresented: nil, wantDesc: descNotBound},
		{name: "padded thumbprint", giveX5T: clientCertX5T + "=", givePresented: client, wantDesc: descMismatch},
		{name: "standard base64 thumbprint", giveX5T: "1YcfsitivjnPmB2Go+ck3Sg92/lKAe84oUkkeF07dd4", givePresented: client, wantDesc: descMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := oauth.CheckCertBinding(tt.giveX5T, tt.givePresented)
			if tt.wantDesc == "" {
				if err != nil {
					t.Fatalf("CheckCertBinding() error = %v, want nil", err)
				}
				return
			}
			var oe *oauth.Error
			if !errors.As(err, &oe) || oe.Code != oauth.CodeInvalidToken || oe.Description != tt.wantDesc {
				t.Fatalf("CheckCertBinding() error = %v, want %s: %s", err, oauth.CodeInvalidToken, tt.wantDesc)
			}
			if oe.HTTPStatus() != 401 {
				t.Errorf("HTTPStatus() = %d, want 401", oe.HTTPStatus())
			}
		})
	}
}
