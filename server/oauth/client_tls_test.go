package oauth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server/oauth"
)

// caPKI is a test CA with an intermediate.
type caPKI struct {
	root, inter       *x509.Certificate
	rootKey, interKey crypto.Signer
	pool              *x509.CertPool
}

func caECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func caCreate(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatalf("CreateCertificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("ParseCertificate: %v", err)
	}
	return cert
}

func caTemplate(cn string) *x509.Certificate {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		panic(err)
	}
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    caNow.Add(-time.Hour),
		NotAfter:     caNow.Add(24 * time.Hour),
	}
}

func newCAPKI(t testing.TB) *caPKI {
	t.Helper()
	p := &caPKI{rootKey: caECKey(t), interKey: caECKey(t)}
	rt := caTemplate("Test Root CA")
	rt.IsCA, rt.BasicConstraintsValid, rt.KeyUsage = true, true, x509.KeyUsageCertSign
	p.root = caCreate(t, rt, rt, p.rootKey.Public(), p.rootKey)
	it := caTemplate("Test Issuing CA")
	it.IsCA, it.BasicConstraintsValid, it.KeyUsage = true, true, x509.KeyUsageCertSign
	p.inter = caCreate(t, it, p.root, p.interKey.Public(), p.rootKey)
	p.pool = x509.NewCertPool()
	p.pool.AddCert(p.root)
	return p
}

// caLeafSpec describes a client certificate.
type caLeafSpec struct {
	cn         string
	rawSubject []byte
	dns        []string
	uris       []string
	ips        []string
	emails     []string
	eku        []x509.ExtKeyUsage // default clientAuth
	notAfter   time.Time
	key        crypto.Signer
}

// leaf issues a client certificate from the intermediate.
func (p *caPKI) leaf(t testing.TB, s caLeafSpec) *x509.Certificate {
	t.Helper()
	tmpl := caTemplate(s.cn)
	tmpl.RawSubject = s.rawSubject
	tmpl.DNSNames, tmpl.EmailAddresses = s.dns, s.emails
	for _, u := range s.uris {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = append(tmpl.URIs, pu)
	}
	for _, ip := range s.ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	tmpl.ExtKeyUsage = s.eku
	if tmpl.ExtKeyUsage == nil {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	if !s.notAfter.IsZero() {
		tmpl.NotAfter = s.notAfter
	}
	key := s.key
	if key == nil {
		key = caECKey(t)
	}
	return caCreate(t, tmpl, p.inter, key.Public(), p.interKey)
}

func (p *caPKI) chain(leaf *x509.Certificate) []*x509.Certificate {
	return []*x509.Certificate{leaf, p.inter}
}

// caSubject encodes an RDN sequence in the given (ASN.1) order; each inner
// slice is one RDN, so multi-valued RDNs are possible.
func caSubject(t testing.TB, rdns ...[]pkix.AttributeTypeAndValue) []byte {
	t.Helper()
	seq := pkix.RDNSequence{}
	for _, r := range rdns {
		seq = append(seq, pkix.RelativeDistinguishedNameSET(r))
	}
	der, err := asn1.Marshal(seq)
	if err != nil {
		t.Fatalf("asn1.Marshal: %v", err)
	}
	return der
}

// caUTF8 is an attribute value forced to UTF8String.
func caUTF8(s string) asn1.RawValue {
	der, _ := asn1.MarshalWithParams(s, "utf8")
	return asn1.RawValue{FullBytes: der}
}

func caATV(oid asn1.ObjectIdentifier, v any) pkix.AttributeTypeAndValue {
	return pkix.AttributeTypeAndValue{Type: oid, Value: v}
}

var (
	oidC        = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidO        = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU       = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidCN       = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSerial   = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidBusiness = asn1.ObjectIdentifier{2, 5, 4, 15}
	oidOrgID    = asn1.ObjectIdentifier{2, 5, 4, 97}
	oidUID      = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
)

// caOFBSubject is an Open Finance Brasil style subject, in ASN.1 order:
// C, O, OU, CN, organizationIdentifier (UTF8String), UID (UTF8String), and a
// multi-valued RDN {businessCategory, serialNumber}.
func caOFBSubject(t testing.TB) []byte {
	return caSubject(t,
		[]pkix.AttributeTypeAndValue{caATV(oidC, "BR")},
		[]pkix.AttributeTypeAndValue{caATV(oidO, "Bank, Org")},
		[]pkix.AttributeTypeAndValue{caATV(oidOU, "Payments")},
		[]pkix.AttributeTypeAndValue{caATV(oidCN, "client.example")},
		[]pkix.AttributeTypeAndValue{caATV(oidOrgID, caUTF8("OFBBR-1234"))},
		[]pkix.AttributeTypeAndValue{caATV(oidUID, caUTF8("abc-123"))},
		[]pkix.AttributeTypeAndValue{caATV(oidBusiness, "Private Organization"), caATV(oidSerial, "12345678000199")},
	)
}

func caTLSAuthenticator(t testing.TB, roots *x509.CertPool, clients ...*oauth.Client) *oauth.ClientAuthenticator {
	return &oauth.ClientAuthenticator{
		Clients:    caSource(clients...),
		JWKS:       oauth.NewJWKSCache(nil, oauth.JWKSCacheOptions{}),
		TrustedCAs: roots,
		Issuer:     caIssuer,
		Profile:    caProfile(t, oauth.FAPI2Security),
	}
}

func caTLSClient(edit func(*oauth.Client)) *oauth.Client {
	c := &oauth.Client{
		ID: caClientID, Workspace: caWorkspace, Status: oauth.ClientApproved,
		TokenEndpointAuthMethod: oauth.AuthTLSClientAuth,
	}
	edit(c)
	return c
}

func TestTLSClientAuth(t *testing.T) {
	pki := newCAPKI(t)
	other := newCAPKI(t)
	ofb := pki.leaf(t, caLeafSpec{rawSubject: caOFBSubject(t)})
	sans := pki.leaf(t, caLeafSpec{cn: "sans", dns: []string{"Client.Example.com"},
		uris: []string{"https://client.example.com/id"}, ips: []string{"10.1.2.3"}, emails: []string{"ops@Client.Example.com"}})
	untrusted := other.leaf(t, caLeafSpec{rawSubject: caOFBSubject(t)})
	expired := pki.leaf(t, caLeafSpec{rawSubject: caOFBSubject(t), notAfter: caNow.Add(-time.Minute)})
	serverOnly := pki.leaf(t, caLeafSpec{rawSubject: caOFBSubject(t), eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	const ofbDN = "businessCategory=Private Organization+serialNumber=12345678000199,UID=abc-123," +
		"organizationIdentifier=OFBBR-1234,CN=client.example,OU=Payments,O=Bank\\, Org,C=BR"
	dn := func(s string) func(*oauth.Client) { return func(c *oauth.Client) { c.TLSClientAuthSubjectDN = s } }

	tests := []struct {
		name       string
		giveClient func(*oauth.Client)
		giveChain  []*x509.Certificate
		giveRoots  *x509.CertPool
		wantDesc   string // empty: accepted
	}{
		{name: "subject DN", giveClient: dn(ofbDN), giveChain: pki.chain(ofb)},
		{name: "wrong DN", giveClient: dn("CN=other.example,OU=Payments,O=Bank\\, Org,C=BR"), giveChain: pki.chain(ofb),
			wantDesc: "client certificate subject DN does not match tls_client_auth_subject_dn"},
		{name: "untrusted CA", giveClient: dn(ofbDN), giveChain: other.chain(untrusted),
			wantDesc: "client certificate is not trusted"},
		{name: "intermediate missing", giveClient: dn(ofbDN), giveChain: []*x509.Certificate{ofb},
			wantDesc: "client certificate is not trusted"},
		{name: "expired certificate", giveClient: dn(ofbDN), giveChain: pki.chain(expired),
			wantDesc: "client certificate is not trusted"},
		{name: "serverAuth-only certificate", giveClient: dn(ofbDN), giveChain: pki.chain(serverOnly),
			wantDesc: "client certificate is not trusted"},
		{name: "no certificate", giveClient: dn(ofbDN),
			wantDesc: "a client certificate is required for tls_client_auth"},
		{name: "no trusted CAs", giveClient: dn(ofbDN), giveChain: pki.chain(ofb), giveRoots: x509.NewCertPool(),
			wantDesc: "client certificate is not trusted"},
		{name: "SAN DNS", giveClient: func(c *oauth.Client) { c.TLSClientAuthSANDNS = "client.example.com" }, giveChain: pki.chain(sans)},
		{name: "SAN DNS mismatch", giveClient: func(c *oauth.Client) { c.TLSClientAuthSANDNS = "evil.example.com" }, giveChain: pki.chain(sans),
			wantDesc: "client certificate has no SAN matching tls_client_auth_san_dns"},
		{name: "SAN URI", giveClient: func(c *oauth.Client) { c.TLSClientAuthSANURI = "https://client.example.com/id" }, giveChain: pki.chain(sans)},
		{name: "SAN URI mismatch", giveClient: func(c *oauth.Client) { c.TLSClientAuthSANURI = "https://client.example.com/other" }, giveChain: pki.chain(sans),
			wantDesc: "client certificate has no SAN matching tls_client_auth_san_uri"},
		{name: "SAN IP", giveClient: func(c *oauth.Client) { c.TLSClientAuthSANIP = "::ffff:10.1.2.3" }, giveChain: pki.chain(sans)},
		{name: "SAN IP mismatch", giveClient: func(c *oauth.Client) { c.TLSClientAuthSANIP = "10.1.2.4" }, giveChain: pki.chain(sans),
			wantDesc: "client certificate has no SAN matching tls_client_auth_san_ip"},
		{name: "SAN email", giveClient: func(c *oauth.Client) { c.TLSClientAuthSANEmail = "ops@client.example.com" }, giveChain: pki.chain(sans)},
		{name: "SAN email local part is case-sensitive", giveClient: func(c *oauth.Client) { c.TLSClientAuthSANEmail = "OPS@client.example.com" },
			giveChain: pki.chain(sans), wantDesc: "client certificate has no SAN matching tls_client_auth_san_email"},
		{name: "two metadata values", giveClient: func(c *oauth.Client) {
			c.TLSClientAuthSANDNS, c.TLSClientAuthSubjectDN = "client.example.com", ofbDN
		}, giveChain: pki.chain(sans), wantDesc: "client authentication failed"},
		{name: "no metadata value", giveClient: func(*oauth.Client) {}, giveChain: pki.chain(sans),
			wantDesc: "client authentication failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roots := pki.pool
			if tt.giveRoots != nil {
				roots = tt.giveRoots
			}
			a := caTLSAuthenticator(t, roots, caTLSClient(tt.giveClient))
			got, err := a.Authenticate(caRequest(t, url.Values{"client_id": {caClientID}}, tt.giveChain), caWorkspace, caTokenURL, caNow)
			if tt.wantDesc != "" {
				caWantErr(t, err, oauth.CodeInvalidClient, tt.wantDesc)
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if got.Method != oauth.AuthTLSClientAuth || got.Cert != tt.giveChain[0] || len(got.Once) != 0 {
				t.Errorf("got Method %q, Cert %v, Once %v; want tls_client_auth, the leaf, none", got.Method, got.Cert != nil, got.Once)
			}
		})
	}
}

func TestTLSClientAuthNilRoots(t *testing.T) {
	pki := newCAPKI(t)
	leaf := pki.leaf(t, caLeafSpec{cn: "client.example"})
	a := caTLSAuthenticator(t, nil, caTLSClient(func(c *oauth.Client) { c.TLSClientAuthSubjectDN = "CN=client.example" }))
	_, err := a.Authenticate(caRequest(t, url.Values{"client_id": {caClientID}}, pki.chain(leaf)), caWorkspace, caTokenURL, caNow)
	caWantErr(t, err, oauth.CodeInvalidClient, "client certificate is not trusted")
}

// TestTLSClientAuthVerifiedChainExpires: a chain remembered as verified is
// refused once a certificate of it has expired, and another client's
// metadata is still checked against the remembered chain.
func TestTLSClientAuthVerifiedChainExpires(t *testing.T) {
	pki := newCAPKI(t)
	leaf := pki.leaf(t, caLeafSpec{cn: "client.example", notAfter: caNow.Add(time.Hour)})
	a := caTLSAuthenticator(t, pki.pool, caTLSClient(func(c *oauth.Client) { c.TLSClientAuthSubjectDN = "CN=client.example" }))
	req := func() *http.Request { return caRequest(t, url.Values{"client_id": {caClientID}}, pki.chain(leaf)) }
	if _, err := a.Authenticate(req(), caWorkspace, caTokenURL, caNow); err != nil {
		t.Fatalf("Authenticate (first) = %v", err)
	}
	if _, err := a.Authenticate(req(), caWorkspace, caTokenURL, caNow.Add(30*time.Minute)); err != nil {
		t.Fatalf("Authenticate (remembered) = %v", err)
	}
	_, err := a.Authenticate(req(), caWorkspace, caTokenURL, caNow.Add(2*time.Hour))
	caWantErr(t, err, oauth.CodeInvalidClient, "client certificate is not trusted")

	other := caTLSAuthenticator(t, pki.pool, caTLSClient(func(c *oauth.Client) { c.TLSClientAuthSubjectDN = "CN=other.example" }))
	for range 2 {
		_, err = other.Authenticate(req(), caWorkspace, caTokenURL, caNow)
		caWantErr(t, err, oauth.CodeInvalidClient, "client certificate subject DN does not match tls_client_auth_subject_dn")
	}
}

// TestTLSClientAuthSubjectDN: RFC 4514 strings are parsed and compared with
// the certificate's RDN sequence, not with Go's pkix.Name.String().
func TestTLSClientAuthSubjectDN(t *testing.T) {
	pki := newCAPKI(t)
	ofb := pki.leaf(t, caLeafSpec{rawSubject: caOFBSubject(t)})
	// Non-standard attributes first in ASN.1 order: Go's Name.String()
	// then prints them last, as OIDs with #hex values, in the real order.
	goOrder := pki.leaf(t, caLeafSpec{rawSubject: caSubject(t,
		[]pkix.AttributeTypeAndValue{caATV(oidOrgID, caUTF8("PSDGB-OB-0015800001HQQrZAAX"))},
		[]pkix.AttributeTypeAndValue{caATV(oidUID, caUTF8("0015800001HQQrZAAX"))},
		[]pkix.AttributeTypeAndValue{caATV(oidC, "GB")},
		[]pkix.AttributeTypeAndValue{caATV(oidO, "OpenBanking")},
		[]pkix.AttributeTypeAndValue{caATV(oidCN, "tpp")},
	)})

	tests := []struct {
		name     string
		giveCert *x509.Certificate
		giveDN   string
		wantOK   bool
	}{
		{name: "names", giveCert: ofb, wantOK: true,
			giveDN: `businessCategory=Private Organization+serialNumber=12345678000199,UID=abc-123,organizationIdentifier=OFBBR-1234,CN=client.example,OU=Payments,O=Bank\, Org,C=BR`},
		{name: "dotted OIDs", giveCert: ofb, wantOK: true,
			giveDN: `2.5.4.15=Private Organization+2.5.4.5=12345678000199,0.9.2342.19200300.100.1.1=abc-123,2.5.4.97=OFBBR-1234,2.5.4.3=client.example,2.5.4.11=Payments,2.5.4.10=Bank\2C Org,2.5.4.6=BR`},
		{name: "hex BER values of another string type", giveCert: ofb, wantOK: true,
			// 2.5.4.97 as UTF8String, UID as PrintableString (the cert has UTF8String).
			giveDN: `2.5.4.15=Private Organization+2.5.4.5=12345678000199,0.9.2342.19200300.100.1.1=#13076162632d313233,2.5.4.97=#0c0a4f464242522d31323334,CN=client.example,OU=Payments,O=Bank\, Org,C=BR`},
		{name: "OID. prefix, spaces, case, multi-valued RDN order", giveCert: ofb, wantOK: true,
			giveDN: `SERIALNUMBER=12345678000199 + businessCategory=private  organization, uid=ABC-123, OID.2.5.4.97=ofbbr-1234, cn=Client.Example, ou=Payments, o=Bank\, Org, c=br`},
		{name: "Go Name.String() of a certificate in Go's order", giveCert: goOrder, wantOK: true,
			giveDN: goOrder.Subject.String()},
		{name: "RDN order matters", giveCert: ofb,
			giveDN: `C=BR,O=Bank\, Org,OU=Payments,CN=client.example,organizationIdentifier=OFBBR-1234,UID=abc-123,businessCategory=Private Organization+serialNumber=12345678000199`},
		{name: "multi-valued RDN flattened", giveCert: ofb,
			giveDN: `businessCategory=Private Organization,serialNumber=12345678000199,UID=abc-123,organizationIdentifier=OFBBR-1234,CN=client.example,OU=Payments,O=Bank\, Org,C=BR`},
		{name: "attribute missing", giveCert: ofb,
			giveDN: `UID=abc-123,organizationIdentifier=OFBBR-1234,CN=client.example,OU=Payments,O=Bank\, Org,C=BR`},
		{name: "organizationIdentifier differs", giveCert: ofb,
			giveDN: `businessCategory=Private Organization+serialNumber=12345678000199,UID=abc-123,organizationIdentifier=OFBBR-9999,CN=client.example,OU=Payments,O=Bank\, Org,C=BR`},
		{name: "UID is not x500UniqueIdentifier", giveCert: ofb,
			giveDN: `businessCategory=Private Organization+serialNumber=12345678000199,2.5.4.45=abc-123,organizationIdentifier=OFBBR-1234,CN=client.example,OU=Payments,O=Bank\, Org,C=BR`},
		{name: "unescaped comma splits the value", giveCert: ofb,
			giveDN: `businessCategory=Private Organization+serialNumber=12345678000199,UID=abc-123,organizationIdentifier=OFBBR-1234,CN=client.example,OU=Payments,O=Bank, Org,C=BR`},
		{name: "unknown attribute name", giveCert: ofb, giveDN: `FOO=bar,C=BR`},
	}
	// The second pass answers from the remembered comparisons
	// (subjectMatches): they must give the same results.
	for pass := range 2 {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/pass %d", tt.name, pass+1), func(t *testing.T) {
				a := caTLSAuthenticator(t, pki.pool, caTLSClient(func(c *oauth.Client) { c.TLSClientAuthSubjectDN = tt.giveDN }))
				_, err := a.Authenticate(caRequest(t, url.Values{"client_id": {caClientID}}, pki.chain(tt.giveCert)), caWorkspace, caTokenURL, caNow)
				if tt.wantOK {
					if err != nil {
						t.Fatalf("Authenticate(%q): %v", tt.giveDN, err)
					}
					return
				}
				caWantErr(t, err, oauth.CodeInvalidClient, "")
			})
		}
	}
}

func TestTLSClientCheckSubjectDN(t *testing.T) {
	tests := []struct {
		giveDN  string
		wantErr bool
	}{
		{giveDN: `CN=a,O=b\, c,C=BR`},
		{giveDN: `2.5.4.97=#0c0a4f464242522d31323334`},
		{giveDN: `OID.0.9.2342.19200300.100.1.1=x+CN=y`},
		{giveDN: `CN=a\`, wantErr: true},
		{giveDN: `CN=a\zz`, wantErr: true},
		{giveDN: `CN`, wantErr: true},
		{giveDN: `NOPE=a`, wantErr: true},
		{giveDN: `2.5..4=a`, wantErr: true},
		{giveDN: `CN=#zz`, wantErr: true},
		{giveDN: `CN=#0c01 x`, wantErr: true},
		{giveDN: "CN=\xff", wantErr: true},
	}
	for _, tt := range tests {
		if err := oauth.CheckSubjectDN(tt.giveDN); (err != nil) != tt.wantErr {
			t.Errorf("CheckSubjectDN(%q) = %v, wantErr %v", tt.giveDN, err, tt.wantErr)
		}
	}
}

func TestTLSClientSelfSigned(t *testing.T) {
	pki := newCAPKI(t)
	key := caECKey(t)
	// Self-signed: issuer is itself, so no CA is involved.
	tmpl := caTemplate("self")
	tmpl.NotAfter = caNow.Add(-time.Hour) // expired: with this method the key is the credential
	cert := caCreate(t, tmpl, tmpl, key.Public(), key)
	thumb := sha256.Sum256(cert.Raw)
	caIssued := pki.leaf(t, caLeafSpec{cn: "x", key: key})

	tests := []struct {
		name     string
		giveJWKS []jose.JSONWebKey
		giveCert *x509.Certificate
		wantDesc string
	}{
		{name: "public key in JWKS", giveJWKS: []jose.JSONWebKey{caJWK(caKeys().ec, "other"), caJWK(key, "tls")}, giveCert: cert},
		{name: "x5c in JWKS", giveJWKS: []jose.JSONWebKey{{Key: key.Public(), KeyID: "tls", Certificates: []*x509.Certificate{cert}}}, giveCert: cert},
		{name: "x5t#S256 in JWKS", giveJWKS: []jose.JSONWebKey{{Key: caKeys().ec.Public(), KeyID: "t", CertificateThumbprintSHA256: thumb[:]}}, giveCert: cert},
		{name: "CA-issued certificate with a registered key", giveJWKS: []jose.JSONWebKey{caJWK(key, "tls")}, giveCert: caIssued},
		{name: "key not in JWKS", giveJWKS: []jose.JSONWebKey{caJWK(caKeys().ec, "other")}, giveCert: cert,
			wantDesc: "client certificate does not match a registered client key"},
		{name: "matching key marked enc", giveJWKS: []jose.JSONWebKey{{Key: key.Public(), KeyID: "tls", Use: "enc"}}, giveCert: cert,
			wantDesc: "client certificate does not match a registered client key"},
		{name: "no certificate", giveJWKS: []jose.JSONWebKey{caJWK(key, "tls")},
			wantDesc: "a client certificate is required for self_signed_tls_client_auth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := caTLSClient(func(c *oauth.Client) {
				c.TokenEndpointAuthMethod = oauth.AuthSelfSignedTLSClientAuth
				c.JWKS = &jose.JSONWebKeySet{Keys: tt.giveJWKS}
			})
			var chain []*x509.Certificate
			if tt.giveCert != nil {
				chain = []*x509.Certificate{tt.giveCert}
			}
			a := caTLSAuthenticator(t, nil, c)
			got, err := a.Authenticate(caRequest(t, url.Values{"client_id": {caClientID}}, chain), caWorkspace, caTokenURL, caNow)
			if tt.wantDesc != "" {
				caWantErr(t, err, oauth.CodeInvalidClient, tt.wantDesc)
				return
			}
			if err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
			if got.Method != oauth.AuthSelfSignedTLSClientAuth || got.Cert != tt.giveCert {
				t.Errorf("Method = %q, Cert set %v; want self_signed_tls_client_auth and the certificate", got.Method, got.Cert != nil)
			}
		})
	}
}
