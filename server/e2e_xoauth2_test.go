package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"

	"golang.org/x/oauth2"
)

// TestXOAuth2CodeFlow redeems a code and calls /userinfo with
// golang.org/x/oauth2, a client library we did not write: the "mtls" client
// authenticates with its certificate (tls_client_auth, RFC 8705 §2), which
// also binds the token (§3), so the library's HTTP client must present it.
func TestXOAuth2CodeFlow(t *testing.T) {
	e := newEnv(t)
	hc := e.httpClient("mtls")
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
	conf := &oauth2.Config{
		ClientID:    "mtls",
		RedirectURL: redirectURI,
		Scopes:      []string{"openid", "accounts"},
		Endpoint: oauth2.Endpoint{
			AuthURL:   e.issuer + "/authorize",
			TokenURL:  e.issuer + "/token",
			AuthStyle: oauth2.AuthStyleInParams, // client_id in the body, no secret
		},
	}

	t.Run("wrong verifier", func(t *testing.T) {
		f := e.newFlow("mtls", "mtls", nil)
		code := f.code()
		_, err := conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || re.Response.StatusCode != http.StatusBadRequest {
			t.Fatalf("Exchange = %v, want a 400 invalid_grant RetrieveError", err)
		}
	})

	t.Run("without the certificate", func(t *testing.T) {
		f := e.newFlow("mtls", "mtls", nil)
		code := f.code()
		bare := context.WithValue(context.Background(), oauth2.HTTPClient, e.httpClient(""))
		_, err := conf.Exchange(bare, code, oauth2.VerifierOption(f.verifier))
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_client" || re.Response.StatusCode != http.StatusUnauthorized {
			t.Fatalf("Exchange = %v, want a 401 invalid_client RetrieveError", err)
		}
	})

	t.Run("code flow", func(t *testing.T) {
		f := e.newFlow("mtls", "mtls", nil)
		code := f.code()
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(f.verifier))
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		if tok.TokenType != "Bearer" || tok.RefreshToken == "" || tok.Expiry.IsZero() {
			t.Errorf("token = %s, refresh %t, expiry %v; want a Bearer token with a refresh token and an expiry", tok.TokenType, tok.RefreshToken != "", tok.Expiry)
		}
		if idt, _ := tok.Extra("id_token").(string); idt == "" {
			t.Error("no id_token")
		}
		resp, err := conf.Client(ctx, tok).Get(e.issuer + "/userinfo")
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var ui map[string]any
		_ = json.Unmarshal(b, &ui)
		if resp.StatusCode != http.StatusOK || ui["sub"] != "alice" {
			t.Fatalf("userinfo = %d %s, want 200 for alice", resp.StatusCode, b)
		}

		// The same token through a client without the certificate: the
		// binding refuses it (RFC 8705 §3).
		bare := context.WithValue(context.Background(), oauth2.HTTPClient, e.httpClient(""))
		resp2, err := conf.Client(bare, tok).Get(e.issuer + "/userinfo")
		must(t, err)
		resp2.Body.Close()
		if resp2.StatusCode != http.StatusUnauthorized {
			t.Errorf("userinfo without the certificate = %d, want 401", resp2.StatusCode)
		}
	})
}
