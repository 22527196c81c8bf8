package oauth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/openconsent/openconsent/server/oauth"
)

func TestDPoPNonces(t *testing.T) {
	const period = 2 * time.Minute
	secret := []byte(strings.Repeat("s", 32))
	n := mustNonces(t, secret, period)
	now := time.Unix(1_700_000_000, 0) // not on a bucket edge
	tests := []struct {
		name      string
		giveNonce string
		want      bool
	}{
		{name: "current bucket", giveNonce: n.Issue(now), want: true},
		{name: "earlier in the current bucket", giveNonce: n.Issue(now.Truncate(period)), want: true},
		{name: "previous bucket", giveNonce: n.Issue(now.Add(-period)), want: true},
		{name: "start of the previous bucket", giveNonce: n.Issue(now.Truncate(period).Add(-period)), want: true},
		{name: "two buckets old", giveNonce: n.Issue(now.Add(-2 * period)), want: false},
		{name: "end of the bucket before previous", giveNonce: n.Issue(now.Truncate(period).Add(-period - time.Nanosecond)), want: false},
		{name: "next bucket", giveNonce: n.Issue(now.Add(period)), want: false},
		{name: "another instance, same secret", giveNonce: mustNonces(t, secret, period).Issue(now), want: true},
		{name: "another secret", giveNonce: mustNonces(t, []byte(strings.Repeat("x", 32)), period).Issue(now), want: false},
		{name: "another period", giveNonce: mustNonces(t, secret, period+time.Second).Issue(now), want: false},
		{name: "empty", giveNonce: "", want: false},
		{name: "truncated", giveNonce: n.Issue(now)[:21], want: false},
		{name: "extended", giveNonce: n.Issue(now) + "A", want: false},
		{name: "not base64url", giveNonce: strings.Repeat("*", 22), want: false},
		{name: "one character changed", giveNonce: flipFirst(n.Issue(now)), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := n.Valid(tt.giveNonce, now); got != tt.want {
				t.Errorf("Valid(%q) = %v, want %v", tt.giveNonce, got, tt.want)
			}
		})
	}
}

func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestDPoPNoncesIssue(t *testing.T) {
	secret := []byte(strings.Repeat("s", 32))
	n := mustNonces(t, secret, time.Minute)
	now := time.Unix(1_700_000_000, 0)
	got := n.Issue(now)
	if len(got) != 22 {
		t.Errorf("len(Issue()) = %d, want 22 (128-bit MAC, base64url)", len(got))
	}
	if strings.Contains(got, string(secret)) || strings.ContainsAny(got, "=+/") {
		t.Errorf("Issue() = %q, want unpadded base64url with no secret", got)
	}
	if next := n.Issue(now.Add(time.Minute)); next == got {
		t.Errorf("Issue() is the same in consecutive buckets: %q", got)
	}
	// Zero period means the 5 minute default, not "disabled".
	if d, want := mustNonces(t, secret, 0).Issue(now), mustNonces(t, secret, 5*time.Minute).Issue(now); d != want {
		t.Errorf("Issue() with zero period = %q, want the 5m default %q", d, want)
	}
	// The secret is copied: changing the caller's slice changes nothing.
	mut := []byte(strings.Repeat("s", 32))
	m := mustNonces(t, mut, time.Minute)
	mut[0] = 'x'
	if got2 := m.Issue(now); got2 != got {
		t.Errorf("Issue() after the caller changed its secret = %q, want %q", got2, got)
	}
}

func TestDPoPNoncesShortSecret(t *testing.T) {
	if _, err := oauth.NewDPoPNonces(make([]byte, 31), time.Minute); err == nil {
		t.Errorf("NewDPoPNonces(31-byte secret) succeeded")
	}
	if _, err := oauth.NewDPoPNonces(make([]byte, 32), time.Minute); err != nil {
		t.Errorf("NewDPoPNonces(32-byte secret) = %v", err)
	}
}

// mustNonces builds a nonce source for tests.
func mustNonces(t testing.TB, secret []byte, period time.Duration) *oauth.DPoPNonces {
	t.Helper()
	n, err := oauth.NewDPoPNonces(secret, period)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
