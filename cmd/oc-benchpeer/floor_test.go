package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/server/oauthtest"
)

// The floor must do the cryptography it stands for, or its rate bounds
// nothing: a forged assertion or DPoP proof is refused, and the token it
// issues is a verifiable ES256 JWT bound to the proof's key.
func TestFloorDoesTheCryptography(t *testing.T) {
	client, err := oauthtest.NewKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	other, err := oauthtest.NewKey(jose.ES256)
	if err != nil {
		t.Fatal(err)
	}
	pub := client.Public()
	pub.KeyID = "client-es256"
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}})
	if err != nil {
		t.Fatal(err)
	}
	jwks := filepath.Join(t.TempDir(), "client-jwks.json")
	if err := os.WriteFile(jwks, b, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := newFloor(jwks, "https://floor.test/bench")
	if err != nil {
		t.Fatal(err)
	}
	good, err := client.Assertion("bench-client", "https://floor.test/bench")
	if err != nil {
		t.Fatal(err)
	}
	forged, err := other.Assertion("bench-client", "https://floor.test/bench")
	if err != nil {
		t.Fatal(err)
	}
	proof, err := client.DPoP(http.MethodPost, "https://floor.test/bench/token", "", "")
	if err != nil {
		t.Fatal(err)
	}
	// A proof whose signature is not by its embedded key.
	parts := strings.Split(proof, ".")
	otherProof, err := other.DPoP(http.MethodPost, "https://floor.test/bench/token", "", "")
	if err != nil {
		t.Fatal(err)
	}
	badProof := parts[0] + "." + parts[1] + "." + strings.Split(otherProof, ".")[2]

	post := func(assertion, dpop string) *httptest.ResponseRecorder {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"bench-client"}, "scope": {"accounts"},
			"client_assertion": {assertion}}
		r := httptest.NewRequest(http.MethodPost, "/bench/token", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if dpop != "" {
			r.Header.Set("DPoP", dpop)
		}
		w := httptest.NewRecorder()
		if err := f.token(echo.New().NewContext(r, w)); err != nil {
			t.Fatal(err)
		}
		return w
	}
	if w := post(forged, ""); w.Code != http.StatusUnauthorized {
		t.Errorf("assertion signed by another key: %d %s, want 401", w.Code, w.Body)
	}
	if w := post("not-a-jwt", ""); w.Code != http.StatusBadRequest {
		t.Errorf("malformed assertion: %d, want 400", w.Code)
	}
	if w := post(good, badProof); w.Code != http.StatusBadRequest {
		t.Errorf("DPoP proof not signed by its jwk: %d %s, want 400", w.Code, w.Body)
	}
	w := post(good, proof)
	if w.Code != http.StatusOK {
		t.Fatalf("good request: %d %s", w.Code, w.Body)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tr); err != nil {
		t.Fatal(err)
	}
	if tr.TokenType != "DPoP" {
		t.Errorf("token_type %q, want DPoP", tr.TokenType)
	}
	at, err := jose.ParseSigned(tr.AccessToken, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	payload := at.UnsafePayloadWithoutVerification()
	var claims struct {
		Cnf struct {
			JKT string `json:"jkt"`
		} `json:"cnf"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Cnf.JKT != client.Thumbprint() {
		t.Errorf("cnf.jkt %q, want the proof key's thumbprint %q", claims.Cnf.JKT, client.Thumbprint())
	}
}
