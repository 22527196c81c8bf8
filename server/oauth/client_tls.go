package oauth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
)

// verifyTLSClientAuth authenticates a tls_client_auth client (RFC 8705
// §2.1): the presented leaf must chain to the workspace's trusted CAs and
// match the client's single registered subject DN or SAN (§2.1.2).
//
// The chain is verified for ExtKeyUsageClientAuth, as crypto/tls does for
// client certificates: a certificate whose EKU extension lists only other
// purposes (serverAuth) is refused, while one without the extension is
// accepted (RFC 5280 §4.2.1.12, Go's x509 rules). Intermediates come only
// from the presented chain; roots only from roots.
//
// A successful verification is remembered in verified (nil: not at all)
// for the presented chain, until the earliest NotAfter of the chain that
// was built: a keep-alive connection presents the same chain on every
// request, and building it costs a signature verification per link.
func verifyTLSClientAuth(chain []*x509.Certificate, c *Client, roots *x509.CertPool, now time.Time, verified *chainCache) *Error {
	if len(chain) == 0 || chain[0] == nil {
		return InvalidClient("a client certificate is required for tls_client_auth")
	}
	if roots == nil {
		return InvalidClient("client certificate is not trusted").
			WithCause(errors.New("oauth: workspace has no trusted client CAs"))
	}
	leaf := chain[0]
	key := chainKey(chain)
	if !verified.valid(key, now) {
		inter := x509.NewCertPool()
		for _, ic := range chain[1:] {
			inter.AddCert(ic)
		}
		built, err := leaf.Verify(x509.VerifyOptions{
			Roots:         roots,
			Intermediates: inter,
			CurrentTime:   now,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		})
		if err != nil {
			return InvalidClient("client certificate is not trusted").WithCause(err)
		}
		verified.add(key, built)
	}
	return matchTLSClientMetadata(leaf, c)
}

// chainCacheSize bounds the remembered chains; when full, the cache is
// emptied (a flood of distinct certificates costs verification, as before).
const chainCacheSize = 4096

// chainCache remembers presented chains that verified against one
// workspace's trusted CAs (it must not be shared between root sets), with
// the window in which the built chain stays valid. Safe for concurrent use;
// the zero value is ready.
type chainCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]validity
}

type validity struct{ notBefore, notAfter time.Time }

// chainKey identifies a presented chain by the hash of its certificates.
func chainKey(chain []*x509.Certificate) [sha256.Size]byte {
	h := sha256.New()
	for _, c := range chain {
		var n [4]byte
		n[0], n[1], n[2], n[3] = byte(len(c.Raw)>>24), byte(len(c.Raw)>>16), byte(len(c.Raw)>>8), byte(len(c.Raw))
		h.Write(n[:])
		h.Write(c.Raw)
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

func (cc *chainCache) valid(key [sha256.Size]byte, now time.Time) bool {
	if cc == nil {
		return false
	}
	cc.mu.Lock()
	v, ok := cc.m[key]
	cc.mu.Unlock()
	return ok && !now.Before(v.notBefore) && now.Before(v.notAfter)
}

// add remembers key for the window in which every certificate of one of the
// built chains is valid (x509 checks each certificate's dates at CurrentTime).
func (cc *chainCache) add(key [sha256.Size]byte, built [][]*x509.Certificate) {
	if cc == nil || len(built) == 0 {
		return
	}
	var v validity
	for i, chain := range built {
		var w validity
		for j, c := range chain {
			if j == 0 || c.NotBefore.After(w.notBefore) {
				w.notBefore = c.NotBefore
			}
			if j == 0 || c.NotAfter.Before(w.notAfter) {
				w.notAfter = c.NotAfter
			}
		}
		if i == 0 || w.notAfter.Before(v.notAfter) {
			v = w // the most conservative of the chains found
		}
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.m == nil || len(cc.m) >= chainCacheSize {
		cc.m = make(map[[sha256.Size]byte]validity)
	}
	cc.m[key] = v
}

// matchTLSClientMetadata compares the leaf with the one tls_client_auth_*
// value the client registered (RFC 8705 §2.1.2: "exactly one").
func matchTLSClientMetadata(leaf *x509.Certificate, c *Client) *Error {
	set := 0
	for _, v := range []string{c.TLSClientAuthSubjectDN, c.TLSClientAuthSANDNS, c.TLSClientAuthSANURI,
		c.TLSClientAuthSANIP, c.TLSClientAuthSANEmail} {
		if v != "" {
			set++
		}
	}
	if set != 1 {
		return InvalidClient("client authentication failed").
			WithCause(fmt.Errorf("oauth: client has %d tls_client_auth metadata values, want exactly one", set))
	}
	switch {
	case c.TLSClientAuthSubjectDN != "":
		key := c.TLSClientAuthSubjectDN + "\x00" + string(leaf.RawSubject)
		match, known := subjectMatches.get(key)
		if !known {
			want, err := parseDNString(c.TLSClientAuthSubjectDN)
			if err != nil {
				return InvalidClient("client authentication failed").WithCause(err)
			}
			got, err := parseDNDER(leaf.RawSubject)
			if err != nil {
				return InvalidClient("client certificate subject is malformed").WithCause(err)
			}
			match = got.equal(want)
			subjectMatches.put(key, match)
		}
		if !match {
			return InvalidClient("client certificate subject DN does not match tls_client_auth_subject_dn")
		}
	case c.TLSClientAuthSANDNS != "":
		// DNS names compare case-insensitively (RFC 4343); no wildcard
		// semantics: a "*.x" SAN matches only a "*.x" registration.
		if !slices.ContainsFunc(leaf.DNSNames, func(n string) bool { return strings.EqualFold(n, c.TLSClientAuthSANDNS) }) {
			return InvalidClient("client certificate has no SAN matching tls_client_auth_san_dns")
		}
	case c.TLSClientAuthSANURI != "":
		if !slices.ContainsFunc(leaf.URIs, func(u *url.URL) bool { return u.String() == c.TLSClientAuthSANURI }) {
			return InvalidClient("client certificate has no SAN matching tls_client_auth_san_uri")
		}
	case c.TLSClientAuthSANIP != "":
		// RFC 8705 §2.1.2: compared as addresses, so "::ffff:10.0.0.1" and
		// "10.0.0.1" are one value.
		want := net.ParseIP(c.TLSClientAuthSANIP)
		if want == nil || !slices.ContainsFunc(leaf.IPAddresses, want.Equal) {
			return InvalidClient("client certificate has no SAN matching tls_client_auth_san_ip")
		}
	case c.TLSClientAuthSANEmail != "":
		if !slices.ContainsFunc(leaf.EmailAddresses, func(e string) bool { return emailEqual(e, c.TLSClientAuthSANEmail) }) {
			return InvalidClient("client certificate has no SAN matching tls_client_auth_san_email")
		}
	}
	return nil
}

// emailEqual compares rfc822Names: the local part exactly, the domain
// case-insensitively (RFC 5280 §4.2.1.6, §7.5).
func emailEqual(a, b string) bool {
	ia, ib := strings.LastIndexByte(a, '@'), strings.LastIndexByte(b, '@')
	if ia < 0 || ib < 0 {
		return a == b
	}
	return a[:ia] == b[:ib] && strings.EqualFold(a[ia:], b[ib:])
}

// verifySelfSignedTLSClientAuth authenticates a self_signed_tls_client_auth
// client (RFC 8705 §2.2): no chain validation; the leaf must be one of the
// client's registered keys (§2.2.2: jwks or jwks_uri). The TLS handshake has
// proved possession of its private key. The certificate's validity dates and
// names are not checked: with this method the registered key, not the
// certificate, is the credential. A key matches by public key or by
// x5t#S256 of the leaf. If nothing matches, a jwks_uri is refetched once
// (subject to MinRefreshInterval) in case the client rotated its keys.
func verifySelfSignedTLSClientAuth(ctx context.Context, leaf *x509.Certificate, c *Client, cache *JWKSCache) *Error {
	if leaf == nil {
		return InvalidClient("a client certificate is required for self_signed_tls_client_auth")
	}
	thumb := sha256.Sum256(leaf.Raw)
	for _, force := range []bool{false, true} {
		if force && c.JWKS != nil {
			break
		}
		set, err := cache.keys(ctx, c, force)
		if err != nil {
			return InvalidClient("client keys could not be obtained").WithCause(err)
		}
		for i := range set.Keys {
			if certMatchesKey(leaf, thumb[:], &set.Keys[i]) {
				return nil
			}
		}
	}
	return InvalidClient("client certificate does not match a registered client key")
}

func certMatchesKey(leaf *x509.Certificate, thumb []byte, k *jose.JSONWebKey) bool {
	if k.Use != "" && k.Use != "sig" {
		return false
	}
	if len(k.CertificateThumbprintSHA256) > 0 && bytes.Equal(k.CertificateThumbprintSHA256, thumb) {
		return true
	}
	pub := k.Public()
	eq, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Valid() && eq.Equal(pub.Key)
}

// CheckSubjectDN reports whether s is an RFC 4514 distinguished name that
// tls_client_auth_subject_dn matching understands, so that registration can
// refuse a value that would never match (RFC 8705 §2.1.2).
func CheckSubjectDN(s string) error {
	_, err := parseDNString(s)
	return err
}

// A distinguishedName is a sequence of RDNs in ASN.1 order (RFC 5280
// §4.1.2.4): the first is the most significant (usually C), the reverse of
// RFC 4514 string order. Each RDN is a set of attributes.
//
// Comparison (a simplified X.501 distinguishedNameMatch) normalises:
//   - attribute types to OIDs: short names (CN, O, OU, C, L, ST, STREET,
//     DC, UID), common long names (serialNumber, organizationIdentifier,
//     businessCategory, jurisdictionC, emailAddress...), dotted OIDs and the
//     "OID." prefix all name the same attribute;
//   - values to strings whatever their ASN.1 string type (PrintableString,
//     UTF8String, IA5String, T61String, BMPString...), whether written
//     plainly, with \-escapes or as #hex BER (the form Go's
//     pkix.Name.String() uses for OIDs it does not know, such as
//     2.5.4.97 organizationIdentifier);
//   - strings: leading and trailing spaces removed, inner whitespace runs
//     collapsed to one space, compared case-insensitively (all the
//     attributes above use caseIgnore matching rules; RFC 4518 §2.6.1
//     insignificant space handling, without Unicode normalisation);
//   - non-string values are compared as DER bytes;
//   - attributes inside a multi-valued RDN compare as a set.
//
// RDN order is significant. Note that Go's pkix.Name.String() prints
// attributes in a fixed order rebuilt from its fields, not the certificate's
// own order, so a value copied from it may not match a certificate whose
// subject is ordered differently; we always compare with the certificate's
// actual RawSubject.
type distinguishedName [][]dnAttr

type dnAttr struct {
	oid   string
	isStr bool
	str   string // normalised, when isStr
	der   []byte // when !isStr
}

func (d distinguishedName) equal(o distinguishedName) bool {
	if len(d) != len(o) {
		return false
	}
	for i := range d {
		if !rdnEqual(d[i], o[i]) {
			return false
		}
	}
	return true
}

func rdnEqual(a, b []dnAttr) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
	for _, x := range a {
		found := false
		for j, y := range b {
			if !used[j] && x.equal(y) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func (a dnAttr) equal(b dnAttr) bool {
	if a.oid != b.oid || a.isStr != b.isStr {
		return false
	}
	if a.isStr {
		return strings.EqualFold(a.str, b.str)
	}
	return bytes.Equal(a.der, b.der)
}

// rawATV and rawRDNSET keep each value's DER; the SET suffix makes
// encoding/asn1 expect a SET OF.
type rawATV struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

type rawRDNSET []rawATV

// parseDNDER parses a DER Name (a certificate's RawSubject).
func parseDNDER(der []byte) (distinguishedName, error) {
	var seq []rawRDNSET
	rest, err := asn1.Unmarshal(der, &seq)
	if err != nil {
		return nil, fmt.Errorf("oauth: subject: %w", err)
	}
	if len(rest) != 0 {
		return nil, errors.New("oauth: subject: trailing data")
	}
	dn := make(distinguishedName, 0, len(seq))
	for _, set := range seq {
		rdn := make([]dnAttr, 0, len(set))
		for _, atv := range set {
			rdn = append(rdn, attrFromDER(atv.Type.String(), atv.Value.FullBytes))
		}
		dn = append(dn, rdn)
	}
	return dn, nil
}

// attrFromDER decodes a value: universal string types become strings
// (encoding/asn1 decodes PrintableString, IA5String, UTF8String, T61String,
// NumericString, GeneralString and BMPString); anything else stays DER.
func attrFromDER(oid string, der []byte) dnAttr {
	var s string
	if rest, err := asn1.Unmarshal(der, &s); err == nil && len(rest) == 0 {
		return dnAttr{oid: oid, isStr: true, str: normaliseDNValue(s)}
	}
	return dnAttr{oid: oid, der: der}
}

// normaliseDNValue trims and collapses whitespace (RFC 4518 §2.6.1).
func normaliseDNValue(s string) string {
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

// dnAttrTypes maps lower-cased attribute names to OIDs: RFC 4514 §3 plus
// names used by open-banking certificate profiles.
var dnAttrTypes = map[string]string{
	"cn": "2.5.4.3", "commonname": "2.5.4.3",
	"sn": "2.5.4.4", "surname": "2.5.4.4",
	"serialnumber": "2.5.4.5",
	"c":            "2.5.4.6", "countryname": "2.5.4.6",
	"l": "2.5.4.7", "localityname": "2.5.4.7",
	"st": "2.5.4.8", "s": "2.5.4.8", "stateorprovincename": "2.5.4.8",
	"street": "2.5.4.9", "streetaddress": "2.5.4.9",
	"o": "2.5.4.10", "organizationname": "2.5.4.10",
	"ou": "2.5.4.11", "organizationalunitname": "2.5.4.11",
	"title":            "2.5.4.12",
	"description":      "2.5.4.13",
	"businesscategory": "2.5.4.15",
	"postalcode":       "2.5.4.17",
	"gn":               "2.5.4.42", "givenname": "2.5.4.42",
	"initials":               "2.5.4.43",
	"generationqualifier":    "2.5.4.44",
	"dnqualifier":            "2.5.4.46",
	"pseudonym":              "2.5.4.65",
	"organizationidentifier": "2.5.4.97",
	"uid":                    "0.9.2342.19200300.100.1.1", "userid": "0.9.2342.19200300.100.1.1",
	"dc": "0.9.2342.19200300.100.1.25", "domaincomponent": "0.9.2342.19200300.100.1.25",
	"emailaddress": "1.2.840.113549.1.9.1", "e": "1.2.840.113549.1.9.1",
	"jurisdictionl": "1.3.6.1.4.1.311.60.2.1.1", "jurisdictionlocalityname": "1.3.6.1.4.1.311.60.2.1.1",
	"jurisdictionst": "1.3.6.1.4.1.311.60.2.1.2", "jurisdictionstateorprovincename": "1.3.6.1.4.1.311.60.2.1.2",
	"jurisdictionc": "1.3.6.1.4.1.311.60.2.1.3", "jurisdictioncountryname": "1.3.6.1.4.1.311.60.2.1.3",
}

// attrOID resolves an RFC 4514 attributeType: a descriptor or a dotted OID.
func attrOID(t string) (string, error) {
	if len(t) > 4 && strings.EqualFold(t[:4], "oid.") {
		t = t[4:]
	}
	if t != "" && t[0] >= '0' && t[0] <= '9' {
		for _, arc := range strings.Split(t, ".") {
			if arc == "" || strings.Trim(arc, "0123456789") != "" {
				return "", fmt.Errorf("oauth: DN: bad OID %q", t)
			}
		}
		return t, nil
	}
	if oid, ok := dnAttrTypes[strings.ToLower(t)]; ok {
		return oid, nil
	}
	return "", fmt.Errorf("oauth: DN: unknown attribute type %q", t)
}

// parseDNString parses an RFC 4514 string. Whitespace around separators is
// ignored; values may use \-escapes (§2.4) or #hex BER (§2.4, §3).
func parseDNString(s string) (distinguishedName, error) {
	p := dnParser{s: s}
	var (
		dn  distinguishedName
		rdn []dnAttr
	)
	for {
		attr, err := p.attr()
		if err != nil {
			return nil, err
		}
		rdn = append(rdn, attr)
		p.skipSpaces()
		if p.i == len(s) {
			dn = append(dn, rdn)
			break
		}
		switch s[p.i] {
		case '+':
		case ',':
			dn = append(dn, rdn)
			rdn = nil
		default:
			return nil, fmt.Errorf("oauth: DN: unexpected %q at %d", s[p.i], p.i)
		}
		p.i++
	}
	slices.Reverse(dn) // RFC 4514 §2.1: the string starts with the last RDN
	return dn, nil
}

type dnParser struct {
	s string
	i int
}

func (p *dnParser) skipSpaces() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *dnParser) attr() (dnAttr, error) {
	eq := strings.IndexByte(p.s[p.i:], '=')
	if eq < 0 {
		return dnAttr{}, errors.New("oauth: DN: missing '='")
	}
	oid, err := attrOID(strings.TrimSpace(p.s[p.i : p.i+eq]))
	if err != nil {
		return dnAttr{}, err
	}
	p.i += eq + 1
	p.skipSpaces()
	if p.i < len(p.s) && p.s[p.i] == '#' {
		j := p.i + 1
		for j < len(p.s) && dnIsHex(p.s[j]) {
			j++
		}
		der, err := hex.DecodeString(p.s[p.i+1 : j])
		if err != nil || len(der) == 0 {
			return dnAttr{}, fmt.Errorf("oauth: DN: bad hex value at %d", p.i)
		}
		p.i = j
		return attrFromDER(oid, der), nil
	}
	v, err := p.value()
	if err != nil {
		return dnAttr{}, err
	}
	return dnAttr{oid: oid, isStr: true, str: normaliseDNValue(v)}, nil
}

// value reads a string value up to an unescaped ',' or '+'.
func (p *dnParser) value() (string, error) {
	var b []byte
	for p.i < len(p.s) {
		ch := p.s[p.i]
		switch {
		case ch == ',' || ch == '+':
			return dnUTF8(b)
		case ch != '\\':
			b = append(b, ch)
			p.i++
		case p.i+2 < len(p.s) && dnIsHex(p.s[p.i+1]) && dnIsHex(p.s[p.i+2]):
			x, _ := hex.DecodeString(p.s[p.i+1 : p.i+3])
			b = append(b, x[0])
			p.i += 3
		case p.i+1 < len(p.s) && strings.IndexByte(` "#+,;<=>\`, p.s[p.i+1]) >= 0:
			b = append(b, p.s[p.i+1])
			p.i += 2
		default:
			return "", fmt.Errorf("oauth: DN: bad escape at %d", p.i)
		}
	}
	return dnUTF8(b)
}

func dnUTF8(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", errors.New("oauth: DN: value is not UTF-8")
	}
	return string(b), nil
}

func dnIsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// subjectMatches remembers whether a registered subject DN (RFC 4514 text)
// and a certificate's DER subject are the same name. Comparing them means
// parsing both, which costs more than the rest of tls_client_auth once the
// chain is cached (chainCache), while the pairs a server sees are few: its
// clients and their certificates. Only successful comparisons are kept;
// the result depends on nothing but the pair, so one cache serves every
// workspace. When full it is emptied, as chainCache is.
var subjectMatches matchCache

type matchCache struct {
	mu sync.Mutex
	m  map[string]bool
}

func (c *matchCache) get(k string) (match, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	match, known = c.m[k]
	return match, known
}

func (c *matchCache) put(k string, match bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= chainCacheSize {
		c.m = make(map[string]bool)
	}
	c.m[k] = match
}
