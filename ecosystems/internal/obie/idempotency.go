package obie

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"time"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

// UK RW v3.1.11 Read/Write Data API Profile, Idempotency:
//   - a key longer than 40 characters is 400;
//   - the same key from the same TPP within 24 hours creates nothing and
//     answers 201 with the current state of the original resource;
//   - the TPP must not change the body under the same key. The
//     specification leaves the answer open: we answer 400
//     UK.OBIE.Header.Invalid on x-idempotency-key (see errors.go), because
//     the operations we serve define no 409 and v3.1.11 has no
//     Rules.ResourceAlreadyExists code.
//
// The engine stores the key with the consent in the same transaction
// (consent.Store.CreateConsent), so the rule holds across instances.

const (
	headerIdempotency  = "x-idempotency-key"
	idempotencyKeyMax  = 40
	idempotencyHashSep = "\x00"
)

// idempotencyKeyPattern is the RE2 form of the regulator's
// ^(?!\s)(.*)(\S)$: no leading and no trailing white space, not empty.
var idempotencyKeyPattern = regexp.MustCompile(`^\S(.*\S)?$`)

// idempotency checks the key and returns the engine's record: the body
// hash covers the consent kind and the exact bytes received (which the
// request's JWS also covers), so the same key reused on another resource
// type or with a changed body is refused.
func idempotency(key string, kind consent.Kind, body []byte, now time.Time, ttl time.Duration) (*consent.Idempotency, error) {
	switch {
	case key == "":
		return nil, badRequest(gen.UKOBIEHeaderMissing, headerIdempotency, "the header "+headerIdempotency+" is required")
	case len(key) > idempotencyKeyMax:
		return nil, badRequest(gen.UKOBIEHeaderInvalid, headerIdempotency, "the idempotency key must be at most 40 characters")
	case !idempotencyKeyPattern.MatchString(key):
		return nil, badRequest(gen.UKOBIEHeaderInvalid, headerIdempotency, "the idempotency key must not start or end with white space")
	}
	h := sha256.New()
	h.Write([]byte(string(kind) + idempotencyHashSep))
	h.Write(body)
	return &consent.Idempotency{Key: key, RequestHash: hex.EncodeToString(h.Sum(nil)), ExpiresAt: now.Add(ttl)}, nil
}
