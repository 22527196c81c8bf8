package oauth

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	// dpopTyp is the required JOSE typ of a proof (RFC 9449 §4.2).
	dpopTyp = "dpop+jwt"
	// dpopHeader is the request header carrying the proof (RFC 9449 §4.1).
	dpopHeader = "DPoP"
	// dpopDefaultWindow is the accepted |now - iat| when none is configured (RFC 9449 §11.1).
	dpopDefaultWindow = 60 * time.Second
	// dpopMaxProofLen bounds the header value before any parsing: a proof
	// holds one public key and a handful of short claims.
	dpopMaxProofLen = 8 << 10
	// dpopMaxJTILen bounds jti: RFC 9449 §4.2 asks for 96 bits of randomness,
	// and a jti is kept by the store until the proof expires.
	dpopMaxJTILen = 256
	// dpopMinRSABits is FAPI 2.0 SP §5.4.1-2: RSA keys of at least 2048 bits.
	dpopMinRSABits = 2048
)

// dpopDefaultAlgs is used when DPoPVerifier.Algs is empty (FAPI 2.0 SP §5.4.1).
var dpopDefaultAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.PS256, jose.EdDSA}

// DPoPVerifier checks DPoP proofs (RFC 9449 §4.3). Safe for concurrent use:
// Verify only reads the fields, which must not change after first use.
type DPoPVerifier struct {
	// Algs are the allowed proof algs. Only asymmetric algs (RS*, PS*, ES*,
	// EdDSA) are ever accepted, whatever this lists: never none or HS*
	// (RFC 9449 §4.3 item 5). Empty means ES256, PS256 and EdDSA.
	Algs []jose.SignatureAlgorithm
	// IATWindow is the accepted |now - iat| (RFC 9449 §11.1); zero means 60s.
	IATWindow time.Duration
	// Nonces, when set, makes a server-provided nonce mandatory (RFC 9449 §8).
	Nonces *DPoPNonces
}

// DPoPProof is a verified proof.
type DPoPProof struct {
	// JKT is the RFC 7638 SHA-256 thumbprint of the proof key, base64url.
	JKT      string
	JTI      string
	IssuedAt time.Time

	window time.Duration
}

// dpopClaims are the RFC 9449 §4.2 claims of a proof.
type dpopClaims struct {
	JTI   string           `json:"jti"`
	HTM   string           `json:"htm"`
	HTU   string           `json:"htu"`
	IAT   *jwt.NumericDate `json:"iat"`
	ATH   string           `json:"ath"`
	Nonce string           `json:"nonce"`
}

// Verify checks the DPoP header of r against the RFC 9449 §4.3 rules for a
// request with method r.Method to the URI htu (the caller passes the
// endpoint's external URI: behind a proxy r.URL is not it). When accessToken
// is not empty (a protected-resource request, RFC 9449 §7) the proof must
// carry its ath. Verify returns (nil, nil) when r has no DPoP header: whether
// DPoP is required is the caller's decision.
//
// Verify does NOT check jti uniqueness (RFC 9449 §11.1): the caller adds
// proof.Once() to the atomic store write of the request. Errors are *Error
// with code invalid_dpop_proof, or use_dpop_nonce carrying a DPoP-Nonce
// header (RFC 9449 §8).
func (v *DPoPVerifier) Verify(r *http.Request, htu string, accessToken string, now time.Time) (*DPoPProof, error) {
	values := r.Header.Values(dpopHeader)
	switch {
	case len(values) == 0:
		return nil, nil
	case len(values) > 1:
		// RFC 9449 §4.3 item 1.
		return nil, InvalidDPoPProof("more than one DPoP header")
	}
	jwk, payload, err := v.verifySignature(values[0])
	if err != nil {
		return nil, err
	}
	var c dpopClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		// RFC 9449 §4.3 item 2: a well-formed JWT.
		return nil, InvalidDPoPProof("DPoP proof claims are malformed").WithCause(err)
	}
	window := v.IATWindow
	if window <= 0 {
		window = dpopDefaultWindow
	}
	if err := v.checkClaims(&c, r.Method, htu, accessToken, window, now); err != nil {
		return nil, err
	}
	jkt, err := DPoPThumbprint(jwk)
	if err != nil {
		return nil, InvalidDPoPProof("DPoP proof jwk has no thumbprint").WithCause(err)
	}
	return &DPoPProof{JKT: jkt, JTI: c.JTI, IssuedAt: c.IAT.Time(), window: window}, nil
}

// verifySignature runs RFC 9449 §4.3 items 2 and 4 to 7 with go-jose and
// returns the proof key and the verified payload.
func (v *DPoPVerifier) verifySignature(proof string) (*jose.JSONWebKey, []byte, error) {
	if len(proof) > dpopMaxProofLen {
		return nil, nil, InvalidDPoPProof("DPoP proof is too large")
	}
	if strings.Count(proof, ".") == 4 {
		// RFC 9449 §4.2: a JWS, never a JWE (five compact parts).
		return nil, nil, InvalidDPoPProof("DPoP proof is a JWE, not a signed JWT")
	}
	algs := v.Algs
	if len(algs) == 0 {
		algs = dpopDefaultAlgs
	}
	jws, err := jose.ParseSignedCompact(proof, algs)
	if err != nil {
		return nil, nil, dpopParseError(proof, err)
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != dpopTyp {
		// RFC 9449 §4.3 item 4.
		return nil, nil, InvalidDPoPProof("DPoP proof typ header must be dpop+jwt")
	}
	if !dpopAsymmetric(jose.SignatureAlgorithm(h.Algorithm)) {
		// RFC 9449 §4.3 item 5, even if Algs was misconfigured.
		return nil, nil, InvalidDPoPProof("DPoP proof alg is not an allowed asymmetric algorithm")
	}
	jwk := h.JSONWebKey
	if jwk == nil {
		// RFC 9449 §4.2: jwk in the protected header.
		return nil, nil, InvalidDPoPProof("DPoP proof has no jwk header")
	}
	if !jwk.IsPublic() {
		// RFC 9449 §4.3 item 7 (go-jose already refuses this at parse time).
		return nil, nil, InvalidDPoPProof("DPoP proof jwk header must be a public key")
	}
	if k, ok := jwk.Key.(*rsa.PublicKey); ok && k.N.BitLen() < dpopMinRSABits {
		return nil, nil, InvalidDPoPProof("DPoP proof RSA key is shorter than 2048 bits")
	}
	payload, err := jws.Verify(jwk)
	if err != nil {
		// RFC 9449 §4.3 item 6.
		return nil, nil, InvalidDPoPProof("DPoP proof signature does not verify with its jwk").WithCause(err)
	}
	return jwk, payload, nil
}

// dpopParseError turns a go-jose parse failure into a specific description.
// go-jose has already rejected the proof; the header is only re-read here to
// say why, never to accept anything.
func dpopParseError(proof string, err error) *Error {
	var algErr *jose.ErrUnexpectedSignatureAlgorithm
	if errors.As(err, &algErr) {
		if strings.EqualFold(string(algErr.Got), "none") {
			// RFC 9449 §4.3 item 5: not none.
			return InvalidDPoPProof("DPoP proof must be signed; alg none is not allowed").WithCause(err)
		}
		return InvalidDPoPProof("DPoP proof alg is not an allowed asymmetric algorithm").WithCause(err)
	}
	head, _, _ := strings.Cut(proof, ".")
	raw, decErr := base64.RawURLEncoding.DecodeString(head)
	var hdr struct {
		JWK *jose.JSONWebKey `json:"jwk"`
	}
	if decErr == nil && json.Unmarshal(raw, &hdr) == nil && hdr.JWK != nil && !hdr.JWK.IsPublic() {
		// RFC 9449 §4.3 item 7.
		return InvalidDPoPProof("DPoP proof jwk header must be a public key").WithCause(err)
	}
	// RFC 9449 §4.3 item 2.
	return InvalidDPoPProof("DPoP proof is not a well-formed compact JWS").WithCause(err)
}

// dpopAsymmetric reports whether alg is a registered asymmetric signature alg
// (RFC 9449 §4.3 item 5).
func dpopAsymmetric(alg jose.SignatureAlgorithm) bool {
	switch alg {
	case jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
		jose.ES256, jose.ES384, jose.ES512, jose.EdDSA:
		return true
	}
	return false
}

// checkClaims runs RFC 9449 §4.3 items 3 and 8 to 12 on verified claims.
// The nonce comes last so that a client told to retry with a nonce has no
// other error to fix.
func (v *DPoPVerifier) checkClaims(c *dpopClaims, method, htu, accessToken string, window time.Duration, now time.Time) *Error {
	// RFC 9449 §4.3 item 3: the §4.2 claims jti, htm, htu, iat.
	switch {
	case c.JTI == "":
		return InvalidDPoPProof("DPoP proof has no jti claim")
	case len(c.JTI) > dpopMaxJTILen:
		return InvalidDPoPProof("DPoP proof jti claim is too long")
	case c.HTM == "":
		return InvalidDPoPProof("DPoP proof has no htm claim")
	case c.HTU == "":
		return InvalidDPoPProof("DPoP proof has no htu claim")
	case c.IAT == nil:
		return InvalidDPoPProof("DPoP proof has no iat claim")
	}
	if c.HTM != method {
		// RFC 9449 §4.3 item 8.
		return InvalidDPoPProof("DPoP proof htm does not match the request method")
	}
	want, ok := htuNormalize(htu)
	if !ok {
		return ServerError(fmt.Errorf("oauth: DPoP htu %q is not an absolute http(s) URI", htu))
	}
	if got, ok := htuNormalize(c.HTU); !ok || got != want {
		// RFC 9449 §4.3 item 9.
		return InvalidDPoPProof("DPoP proof htu does not match the request URI")
	}
	// RFC 9449 §4.3 item 11, §11.1: both past and future.
	if d := now.Sub(c.IAT.Time()); d > window || d < -window {
		return InvalidDPoPProof("DPoP proof iat is outside the accepted window")
	}
	if accessToken != "" {
		// RFC 9449 §4.3 item 12, §4.2 ath.
		if c.ATH == "" {
			return InvalidDPoPProof("DPoP proof has no ath claim")
		}
		sum := sha256.Sum256([]byte(accessToken))
		if subtle.ConstantTimeCompare([]byte(c.ATH), []byte(base64.RawURLEncoding.EncodeToString(sum[:]))) != 1 {
			return InvalidDPoPProof("DPoP proof ath does not match the access token")
		}
	}
	if v.Nonces != nil {
		// RFC 9449 §4.3 item 10, §8: the client retries with the fresh nonce.
		if c.Nonce == "" {
			return UseDPoPNonce("DPoP proof must carry a server-provided nonce").
				WithHeader("DPoP-Nonce", v.Nonces.Issue(now))
		}
		if !v.Nonces.Valid(c.Nonce, now) {
			return UseDPoPNonce("DPoP proof nonce is invalid or expired").
				WithHeader("DPoP-Nonce", v.Nonces.Issue(now))
		}
	}
	return nil
}

// Once returns the proof's jti as a single-use value (RFC 9449 §11.1). The
// value is a hash of JKT and JTI, so it has a fixed, short length whatever the
// client sent, and two keys cannot collide on one jti. It must be remembered
// until the proof stops being acceptable: iat + window.
func (p *DPoPProof) Once() SingleUse {
	sum := sha256.Sum256([]byte(p.JKT + ":" + p.JTI))
	return SingleUse{
		Kind:      OnceDPoPJTI,
		Value:     timeOrderedKey(p.IssuedAt, base64.RawURLEncoding.EncodeToString(sum[:])),
		ExpiresAt: p.IssuedAt.Add(p.window),
	}
}

// DPoPThumbprint is the RFC 7638 §3 SHA-256 thumbprint of an asymmetric key,
// base64url without padding: the jkt of RFC 9449 §6.1 (cnf.jkt) and §10
// (dpop_jkt). Private keys give the thumbprint of their public part.
func DPoPThumbprint(jwk *jose.JSONWebKey) (string, error) {
	if jwk == nil || jwk.Key == nil {
		return "", errors.New("oauth: no key to thumbprint")
	}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("oauth: jwk thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// htuNormalize puts an absolute http(s) URI in the form in which htu is
// compared (RFC 9449 §4.3 item 9): query and fragment dropped, then RFC 3986
// §6.2.2 syntax-based normalisation (lower-case scheme and host, upper-case
// percent-encodings, unreserved characters decoded, dot segments removed) and
// §6.2.3 scheme-based normalisation (default port removed, empty path is "/").
// URIs with userinfo are refused: a request URI never has one.
func htuNormalize(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	switch {
	case scheme == "https" && port == "443", scheme == "http" && port == "80":
		port = ""
	case scheme != "https" && scheme != "http":
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", false
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal
	}
	path := htuRemoveDotSegments(htuNormalizePercent(u.EscapedPath()))
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path, true
}

// htuNormalizePercent upper-cases percent-encoded octets and decodes those that
// encode unreserved characters (RFC 3986 §6.2.2.1, §6.2.2.2).
func htuNormalizePercent(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+2 >= len(s) || !htuIsHex(s[i+1]) || !htuIsHex(s[i+2]) {
			b.WriteByte(s[i])
			continue
		}
		c := htuUnhex(s[i+1])<<4 | htuUnhex(s[i+2])
		if htuUnreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteString(strings.ToUpper(s[i : i+3]))
		}
		i += 2
	}
	return b.String()
}

// htuRemoveDotSegments is RFC 3986 §5.2.4 for an absolute path.
func htuRemoveDotSegments(p string) string {
	if !strings.Contains(p, "/.") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
			continue
		}
		if last {
			out = append(out, "") // "/a/." and "/a/b/.." end in "/"
		}
	}
	return strings.Join(out, "/")
}

func htuIsHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func htuUnhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// htuUnreserved is RFC 3986 §2.3.
func htuUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
