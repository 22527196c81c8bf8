package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
)

// CertThumbprint is the RFC 8705 §3.1 x5t#S256 of cert: base64url without
// padding of the SHA-256 of its DER encoding. It is "" for a nil cert.
func CertThumbprint(cert *x509.Certificate) string {
	if cert == nil {
		return ""
	}
	sum := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CheckCertBinding checks that the client certificate presented on this
// connection is the one a certificate-bound token names in its cnf
// x5t#S256 (RFC 8705 §3, §3.1). It returns invalid_token when the binding or
// the certificate is missing, or when they do not match.
func CheckCertBinding(x5t string, presented *x509.Certificate) error {
	switch {
	case x5t == "":
		return InvalidToken("access token is not bound to a client certificate")
	case presented == nil:
		// RFC 8705 §3: a bound token needs the mutual-TLS connection.
		return InvalidToken("no client certificate was presented for a certificate-bound access token")
	}
	if subtle.ConstantTimeCompare([]byte(x5t), []byte(CertThumbprint(presented))) != 1 {
		return InvalidToken("client certificate does not match the access token binding")
	}
	return nil
}
