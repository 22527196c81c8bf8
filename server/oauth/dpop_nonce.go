package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

const (
	// dpopNonceDefaultPeriod is used when NewDPoPNonces gets a zero period.
	dpopNonceDefaultPeriod = 5 * time.Minute
	// dpopNonceMACLen is the truncated MAC length: 128 bits cannot be guessed.
	dpopNonceMACLen = 16
	// dpopNonceMinSecret is the shortest accepted HMAC-SHA256 key.
	dpopNonceMinSecret = 32
	// dpopNonceLabel separates these MACs from any other use of the secret.
	dpopNonceLabel = "openconsent/dpop-nonce/v1"
)

// dpopNonceLen is the length of an issued nonce: base64url of the MAC.
var dpopNonceLen = base64.RawURLEncoding.EncodedLen(dpopNonceMACLen)

// DPoPNonces issues and checks server-provided DPoP nonces (RFC 9449 §8)
// without state: a nonce is base64url(HMAC-SHA256(secret, time bucket)),
// truncated to 128 bits, so every instance holding the same secret issues
// and accepts the same nonces without a database. A nonce carries no secret
// and no readable data. It is accepted during its own bucket and the next,
// so it lives between one and two periods. Safe for concurrent use.
type DPoPNonces struct {
	secret []byte
	period time.Duration
}

// NewDPoPNonces returns a nonce source keyed by secret (use a secret derived
// for this purpose only, e.g. Keys.Secret("dpop-nonce"), shared by every
// instance). A zero or negative period means 5 minutes. It fails if secret
// is shorter than 32 bytes: short keys would make nonces predictable, and
// this is a wiring error caught at start-up.
func NewDPoPNonces(secret []byte, period time.Duration) (*DPoPNonces, error) {
	if len(secret) < dpopNonceMinSecret {
		return nil, errors.New("oauth: DPoP nonce secret must be at least 32 bytes")
	}
	if period <= 0 {
		period = dpopNonceDefaultPeriod
	}
	return &DPoPNonces{secret: append([]byte(nil), secret...), period: period}, nil
}

// Issue returns the nonce of the bucket holding now, for the DPoP-Nonce
// response header (RFC 9449 §8, §9).
func (n *DPoPNonces) Issue(now time.Time) string {
	mac := n.mac(n.bucket(now))
	return base64.RawURLEncoding.EncodeToString(mac[:dpopNonceMACLen])
}

// Valid reports whether nonce was issued in the current or the previous
// bucket (RFC 9449 §4.3 item 10). The comparison is constant-time.
func (n *DPoPNonces) Valid(nonce string, now time.Time) bool {
	if len(nonce) != dpopNonceLen {
		return false
	}
	got := make([]byte, dpopNonceMACLen)
	if _, err := base64.RawURLEncoding.Decode(got, []byte(nonce)); err != nil {
		return false
	}
	b := n.bucket(now)
	cur, prev := n.mac(b), n.mac(b-1)
	// Both compares run, so timing does not tell which bucket matched.
	ok := subtle.ConstantTimeCompare(got, cur[:dpopNonceMACLen]) |
		subtle.ConstantTimeCompare(got, prev[:dpopNonceMACLen])
	return ok == 1
}

// bucket numbers the period holding now; every instance agrees on it as
// long as their clocks do.
func (n *DPoPNonces) bucket(now time.Time) int64 {
	ns := now.UnixNano()
	b := ns / int64(n.period)
	if ns < 0 && ns%int64(n.period) != 0 {
		b-- // floor, not truncation
	}
	return b
}

func (n *DPoPNonces) mac(bucket int64) [sha256.Size]byte {
	h := hmac.New(sha256.New, n.secret)
	h.Write([]byte(dpopNonceLabel))
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(bucket))
	h.Write(buf[:])
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}
