package dcr

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Caller is who manages a registration (RFC 7592 §2).
type Caller struct {
	// RAT is the registration access token presented; "" when the caller
	// authenticated otherwise (the client's own token, or dcr_manage).
	RAT   string
	Actor string
}

// HashRAT is the stored form of a registration access token: SHA-256,
// base64url. The token is 32 random bytes, so a fast hash is enough.
func HashRAT(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// newRAT issues a registration access token for c (RFC 7592 §3),
// replacing any previous one.
func (r *Registrar) newRAT(c *Client, now time.Time) string {
	tok := randomToken(32)
	c.RATHash = HashRAT(tok)
	c.RATExpiresAt = nil
	if r.opt.RATLifetime > 0 {
		exp := now.Add(r.opt.RATLifetime)
		c.RATExpiresAt = &exp
	}
	return tok
}

// Authorize checks a registration access token for client id (RFC 7592
// §2): unknown client, wrong token or expired token are all invalid_token,
// so that a caller cannot tell which (RFC 7592 §2.1: an unknown client is
// 401).
func (r *Registrar) Authorize(ctx context.Context, id, rat string) (*Client, error) {
	c, err := r.opt.Store.Client(ctx, r.opt.Workspace, id)
	if errors.Is(err, ErrNotFound) {
		return nil, InvalidToken("the registration access token is not valid for this client").withCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("dcr: authorize: %w", err)
	}
	if !r.opt.Profile.Management.RAT || c.RATHash == "" || rat == "" ||
		subtle.ConstantTimeCompare([]byte(HashRAT(rat)), []byte(c.RATHash)) != 1 {
		return nil, InvalidToken("the registration access token is not valid for this client")
	}
	if c.RATExpiresAt != nil && !r.opt.Now().Before(*c.RATExpiresAt) {
		return nil, InvalidToken("the registration access token has expired")
	}
	return c, nil
}

// Client returns a registered client; an unknown client is invalid_token
// (RFC 7592 §2.1: 401), as for Authorize.
func (r *Registrar) Client(ctx context.Context, id string) (*Client, error) {
	c, err := r.opt.Store.Client(ctx, r.opt.Workspace, id)
	if errors.Is(err, ErrNotFound) {
		return nil, InvalidToken("no such client").withCause(err)
	}
	if err != nil {
		return nil, fmt.Errorf("dcr: client: %w", err)
	}
	return c, nil
}

// Get returns the registration (RFC 7592 §2.1), rotating the registration
// access token when the caller used it and rotation is on.
func (r *Registrar) Get(ctx context.Context, id string, by Caller) (*Registration, error) {
	c, err := r.Client(ctx, id)
	if err != nil {
		return nil, err
	}
	reg := &Registration{Client: c}
	if !r.rotates(by) {
		return reg, nil
	}
	now := r.opt.Now()
	reg.AccessToken = r.newRAT(c, now)
	c.UpdatedAt = now
	if err := r.opt.Store.UpdateClient(ctx, c, r.audit("client.rat_rotated", by.Actor, c, now)); err != nil {
		return nil, r.storeErr("get", err)
	}
	return reg, nil
}

func (r *Registrar) rotates(by Caller) bool {
	return r.opt.RotateRAT && by.RAT != "" && r.opt.Profile.Management.RAT
}

// Update replaces the client's metadata (RFC 7592 §2.2): the request is
// validated like a registration, must carry the same software (its
// software_id cannot change) and, when it names client_id, this one.
// Status, client_id and creation time are kept.
func (r *Registrar) Update(ctx context.Context, id string, req Request, by Caller) (*Registration, error) {
	now := r.opt.Now()
	if r.opt.Profile.RequireMTLS && req.Cert == nil {
		return nil, InvalidClient("registration management requires mutual TLS with a client certificate")
	}
	c, err := r.Client(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := r.parse(ctx, req, now)
	if err != nil {
		return nil, err
	}
	if got, ok := stringMember(p.doc, "client_id"); ok && got != id {
		return nil, InvalidMetadata("client_id", "must be the client_id being updated (RFC 7592 §2.2)")
	}
	md, err := r.accept(p, req)
	if err != nil {
		return nil, err
	}
	if c.SoftwareID != "" && md.SoftwareID != c.SoftwareID {
		return nil, InvalidMetadata("software_id", "cannot change: register the other software separately")
	}
	c.Metadata, c.SoftwareID, c.UpdatedAt = *md, md.SoftwareID, now
	if p.raw != "" {
		c.SoftwareStatement = p.raw
	}
	reg := &Registration{Client: c}
	if r.rotates(by) {
		reg.AccessToken = r.newRAT(c, now)
	}
	if err := r.opt.Store.UpdateClient(ctx, c, r.audit("client.updated", by.Actor, c, now)); err != nil {
		return nil, r.storeErr("update", err)
	}
	return reg, nil
}

// Delete removes the client and revokes its tokens (RFC 7592 §2.3).
func (r *Registrar) Delete(ctx context.Context, id string, by Caller) error {
	c, err := r.Client(ctx, id)
	if err != nil {
		return err
	}
	if err := r.opt.Store.DeleteClient(ctx, r.opt.Workspace, id, r.audit("client.deleted", by.Actor, c, r.opt.Now())); err != nil {
		return r.storeErr("delete", err)
	}
	return nil
}

// storeErr maps a store error of a management call: a client deleted
// meanwhile is invalid_token, like an unknown one.
func (r *Registrar) storeErr(op string, err error) error {
	if errors.Is(err, ErrNotFound) {
		return InvalidToken("no such client").withCause(err)
	}
	return fmt.Errorf("dcr: %s: %w", op, err)
}
