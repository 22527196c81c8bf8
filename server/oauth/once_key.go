package oauth

import (
	"strconv"
	"time"
)

// timeOrderedKey prefixes a single-use value with the fixed-width Unix time
// of a claim of the JWT it comes from (the assertion's exp, the DPoP proof's
// iat). These values are random and arrive thousands per second; unprefixed,
// each insert lands on a random page of the store's unique index, and every
// such page is written again at commit. Prefixed, concurrent inserts share
// the index's last pages.
//
// Replay detection is unchanged: a replayed JWT carries the same claims, so
// the same key (RFC 7523 §3 item 7 and RFC 9449 §11.1 ask for the jti to be
// remembered while the JWT would be accepted, which its exp or iat fixes). A
// new JWT that reuses a jti with another exp or iat is a new signature by
// the key holder, not a replay.
func timeOrderedKey(t time.Time, value string) string {
	const width = 11 // seconds up to the year 5138
	b := make([]byte, 0, width+1+len(value))
	s := strconv.FormatInt(max(t.Unix(), 0), 10)
	for range width - len(s) {
		b = append(b, '0')
	}
	b = append(b, s...)
	b = append(b, '|')
	return string(append(b, value...))
}
