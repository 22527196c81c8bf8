package registration

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/server/authctx"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/oauthtest"
)

func TestInitialAccessTokenVerify(t *testing.T) {
	k, err := oauthtest.NewKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := oauthtest.NewCA("ca")
	if err != nil {
		t.Fatal(err)
	}
	leaf := func(cn string) tls.Certificate {
		c, err := ca.ClientCert(pkix.Name{CommonName: cn})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mine, theirs := leaf("mine"), leaf("theirs")
	now := time.Now()
	keys := NewKeys([]Issuer{{Issuer: "https://iat.test", JWKS: k.JWKS()}}, oauth.NewJWKSCache(nil, oauth.JWKSCacheOptions{}))
	sign := func(mod func(map[string]any)) string {
		c := map[string]any{"iss": "https://iat.test", "sub": "ops", "aud": "https://as.test/register", "exp": now.Add(time.Hour).Unix()}
		if mod != nil {
			mod(c)
		}
		s, err := k.Sign(c, "", false)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	bound := func(c map[string]any) {
		c["cnf"] = map[string]string{"x5t#S256": oauth.CertThumbprint(mine.Leaf)}
	}
	tests := []struct {
		name      string
		give      *InitialAccessTokens
		giveToken string
		giveCert  *tls.Certificate
		wantErr   bool
		wantSub   string
	}{
		{name: "not configured", give: nil, giveToken: "anything"},
		{name: "optional and absent", give: &InitialAccessTokens{Issuer: "https://iat.test", Keys: keys}},
		{name: "required and absent", give: &InitialAccessTokens{Required: true, Issuer: "https://iat.test", Keys: keys}, wantErr: true},
		{name: "audience checked", give: &InitialAccessTokens{Issuer: "https://iat.test", Keys: keys, Audiences: []string{"https://other.test"}}, giveToken: sign(nil), wantErr: true},
		{name: "audience check off", give: &InitialAccessTokens{Issuer: "https://iat.test", Keys: keys}, giveToken: sign(nil), wantSub: "ops"},
		{name: "bound, matching", give: &InitialAccessTokens{Issuer: "https://iat.test", Keys: keys, RequireBinding: true}, giveToken: sign(bound), giveCert: &mine, wantSub: "ops"},
		{name: "bound, other certificate", give: &InitialAccessTokens{Issuer: "https://iat.test", Keys: keys}, giveToken: sign(bound), giveCert: &theirs, wantErr: true},
		{name: "bound, no certificate", give: &InitialAccessTokens{Issuer: "https://iat.test", Keys: keys}, giveToken: sign(bound), wantErr: true},
		{name: "unbound where binding is required", give: &InitialAccessTokens{Issuer: "https://iat.test", Keys: keys, RequireBinding: true}, giveToken: sign(nil), giveCert: &mine, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/register", nil)
			if tt.giveToken != "" {
				r.Header.Set("Authorization", "Bearer "+tt.giveToken)
			}
			if tt.giveCert != nil {
				r = r.WithContext(authctx.WithClientCert(r.Context(), []*x509.Certificate{tt.giveCert.Leaf}))
			}
			sub, err := tt.give.verify(r.Context(), r, now)
			if tt.wantErr {
				if !errors.Is(err, &dcr.Error{Code: dcr.CodeInvalidToken}) {
					t.Fatalf("verify() error = %v, want invalid_token", err)
				}
				return
			}
			if err != nil || sub != tt.wantSub {
				t.Fatalf("verify() = %q, %v; want %q", sub, err, tt.wantSub)
			}
		})
	}
}
