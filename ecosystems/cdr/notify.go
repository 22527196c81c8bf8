package cdr

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/server/oauth"
)

const notificationKind = "cdr.arrangement_revoked"

// jwtLifetime bounds the JWTs sent to a recipient.
const jwtLifetime = 5 * time.Minute

// ConsentHooks implements ecosystems.ConsentHooker: when an arrangement is
// revoked by the bank or the customer (not by the recipient itself, and not
// at natural expiry, which is no revocation), the recipient is notified at
// recipient_base_uri/arrangements/revoke (CDS "CDR Arrangement Revocation
// End Point", data recipient side). The notification is written in the same
// transaction as the revocation.
func (e *Ecosystem) ConsentHooks(clients oauth.ClientSource) consent.Hooks {
	return consent.Hooks{OnChange: func(c *consent.Consent, to consent.Status, origin string) []consent.Notification {
		if c.Kind != consent.KindArrangement || to != consent.StatusRevoked || origin == originRecipient {
			return nil
		}
		target := ""
		if cl, err := clients.Client(context.Background(), c.Workspace, c.ClientID); err == nil {
			if base, ok := cl.Metadata["recipient_base_uri"].(string); ok && base != "" {
				target = strings.TrimRight(base, "/") + recipientRevocationPath
			}
		}
		body, _ := json.Marshal(map[string]string{"cdr_arrangement_id": c.ID})
		return []consent.Notification{{Kind: notificationKind, ClientID: c.ClientID, Target: target, Payload: body}}
	}}
}

// Deliver implements ecosystems.Notifier: POST to the recipient with
// Authorization: Bearer a self-signed JWT (iss = sub = the data holder brand
// id, aud = the full endpoint URL, iat, exp, unique jti; PS256 with the
// workspace key) and the form parameter cdr_arrangement_jwt (a signed JWT
// carrying cdr_arrangement_id). Only 204 counts as delivered.
func (e *Ecosystem) Deliver(ctx context.Context, n consent.Notification) error {
	if n.Target == "" {
		return fmt.Errorf("the client registered no recipient_base_uri")
	}
	var p struct {
		ID string `json:"cdr_arrangement_id"`
	}
	if err := json.Unmarshal(n.Payload, &p); err != nil || p.ID == "" {
		return fmt.Errorf("malformed notification payload")
	}
	bearer, err := e.selfSigned(n.Target, nil)
	if err != nil {
		return err
	}
	arrJWT, err := e.selfSigned(n.Target, map[string]any{"cdr_arrangement_id": p.ID})
	if err != nil {
		return err
	}
	form := url.Values{"cdr_arrangement_jwt": {arrJWT}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.Target, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := e.http.Do(req)
	if err != nil {
		return fmt.Errorf("recipient unreachable: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("recipient answered %d", resp.StatusCode)
	}
	return nil
}

// selfSigned signs a JWT from the data holder brand for aud.
func (e *Ecosystem) selfSigned(aud string, extra map[string]any) (string, error) {
	brand := e.cfg.BrandID
	if brand == "" {
		brand = e.deps.Issuer
	}
	now := e.now()
	claims := map[string]any{"iss": brand, "sub": brand, "aud": aud, "iat": now.Unix(), "exp": now.Add(jwtLifetime).Unix(), "jti": randomJTI()}
	for k, v := range extra {
		claims[k] = v
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	s, ok := e.deps.Keys.Signer(jose.PS256, "")
	if !ok {
		return "", fmt.Errorf("no PS256 signing key")
	}
	jws, err := s.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func randomJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
