package server

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/openconsent/openconsent/server/authctx"
)

// clientCertExtractor finds the client certificate of a request: from the TLS
// connection, or, only when the peer is a trusted proxy, from a header. A
// header from any other peer is ignored (and removed, so no handler can read it).
type clientCertExtractor struct {
	header  string
	proxies []*net.IPNet
}

func newClientCertExtractor(header string, cidrs []string) *clientCertExtractor {
	e := &clientCertExtractor{header: header}
	for _, c := range cidrs {
		if _, n, err := net.ParseCIDR(c); err == nil {
			e.proxies = append(e.proxies, n)
		}
	}
	return e
}

func (e *clientCertExtractor) trusted(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	for _, n := range e.proxies {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// wrap returns r with the client certificate chain in its context.
func (e *clientCertExtractor) wrap(r *http.Request) *http.Request {
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		r.Header.Del(e.header)
		return r.WithContext(authctx.WithClientCert(r.Context(), r.TLS.PeerCertificates))
	}
	v := r.Header.Get(e.header)
	if v == "" {
		return r
	}
	if !e.trusted(r.RemoteAddr) {
		r.Header.Del(e.header)
		return r
	}
	cert := parseHeaderCert(v)
	if cert == nil {
		return r
	}
	return r.WithContext(authctx.WithClientCert(r.Context(), []*x509.Certificate{cert}))
}

// parseHeaderCert accepts the forms proxies use: URL-escaped PEM (nginx
// $ssl_client_escaped_cert), PEM with spaces for newlines, or bare base64 DER
// (Envoy/AWS style).
func parseHeaderCert(v string) *x509.Certificate {
	if u, err := url.QueryUnescape(v); err == nil {
		v = u
	}
	if strings.Contains(v, "-----BEGIN") {
		body := v
		if !strings.Contains(body, "\n") {
			body = strings.ReplaceAll(body, "-----BEGIN CERTIFICATE----- ", "-----BEGIN CERTIFICATE-----\n")
			body = strings.ReplaceAll(body, " -----END CERTIFICATE-----", "\n-----END CERTIFICATE-----")
			parts := strings.SplitN(body, "\n", 3)
			if len(parts) == 3 {
				body = parts[0] + "\n" + strings.ReplaceAll(parts[1], " ", "\n") + "\n" + parts[2]
			}
		}
		if b, _ := pem.Decode([]byte(body)); b != nil {
			if c, err := x509.ParseCertificate(b.Bytes); err == nil {
				return c
			}
		}
		return nil
	}
	der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil {
		return nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return c
}
