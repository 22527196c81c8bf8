package oauth

import (
	"testing"
	"time"
)

// TestStatelessRecord pins which verified tokens without a row are taken as
// stateless client_credentials tokens, and how a client revocation mark
// revokes them (RFC 7592 §2.3).
func TestStatelessRecord(t *testing.T) {
	iat := time.Unix(1_800_000_000, 0).UTC()
	cc := func() *accessClaims {
		return &accessClaims{Iss: "https://as/ws", Sub: "c1", ClientID: "c1", Scope: "accounts", Jti: "j1",
			Iat: iat.Unix(), Exp: iat.Add(5 * time.Minute).Unix(), Cnf: map[string]string{"jkt": "T"}}
	}
	tests := []struct {
		name        string
		claims      func(c *accessClaims)
		revokedAt   time.Time
		wantNil     bool
		wantRevoked bool
	}{
		{name: "client_credentials token", claims: func(*accessClaims) {}},
		{name: "user token (sub is not the client)", claims: func(c *accessClaims) { c.Sub = "alice" }, wantNil: true},
		{name: "consent-bound token", claims: func(c *accessClaims) { c.Consent = "cons-1" }, wantNil: true},
		{name: "token with auth_time", claims: func(c *accessClaims) { c.AuthTime = iat.Unix() }, wantNil: true},
		{name: "no client_id", claims: func(c *accessClaims) { c.ClientID, c.Sub = "", "" }, wantNil: true},
		{name: "client revoked after issuance", claims: func(*accessClaims) {}, revokedAt: iat.Add(time.Second), wantRevoked: true},
		{name: "client revoked in the second of issuance (fail closed)", claims: func(*accessClaims) {}, revokedAt: iat.Add(500 * time.Millisecond), wantRevoked: true},
		{name: "client revoked before issuance", claims: func(*accessClaims) {}, revokedAt: iat.Add(-time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cc()
			tt.claims(c)
			rec := statelessRecord("ws", c, tt.revokedAt)
			if tt.wantNil {
				if rec != nil {
					t.Fatalf("statelessRecord() = %+v, want nil", rec)
				}
				return
			}
			if rec == nil {
				t.Fatal("statelessRecord() = nil, want a record")
			}
			if rec.Revoked != tt.wantRevoked {
				t.Errorf("Revoked = %v, want %v", rec.Revoked, tt.wantRevoked)
			}
			if rec.ID != "j1" || rec.Kind != KindAccess || rec.ClientID != "c1" || rec.Subject != "" || rec.Scope != "accounts" ||
				rec.JKT != "T" || !rec.IssuedAt.Equal(iat) || !rec.ExpiresAt.Equal(iat.Add(5*time.Minute)) {
				t.Errorf("statelessRecord() = %+v", rec)
			}
			var g Grant
			if err := unmarshalGrant(rec.Data, &g); err != nil || g.ClientID != "c1" || g.Scope != "accounts" || g.Subject != "" {
				t.Errorf("grant = %+v, %v, want client c1, scope accounts, no subject", g, err)
			}
		})
	}
}
