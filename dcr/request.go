package dcr

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"mime"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Request is one registration or update request as received.
type Request struct {
	// ContentType is the request's Content-Type header.
	ContentType string
	Body        []byte
	// Cert is the client certificate presented on the connection (mutual
	// TLS), nil when none.
	Cert *x509.Certificate
	// Actor names the caller in the audit trail (initial access token
	// subject, client id, "anonymous").
	Actor string
}

// Members of a request that are never client metadata: the SSA itself,
// and the RFC 7592 §3 fields the server provisions (ignored in updates).
var nonMetadata = []string{
	"software_statement", "client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at",
	"registration_access_token", "registration_client_uri", "status",
}

// Claims of a registration JWT that are about the JWT, not the client.
var jwtOnly = []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti"}

// parsed is a request decoded and authenticated as far as its format goes.
type parsed struct {
	doc map[string]json.RawMessage // metadata members
	ssa *claims                    // nil when there is no SSA
	raw string                     // the SSA as received
}

// kindRequestJTI is the ReplayGuard kind of registration JWT jtis.
const kindRequestJTI = "dcr_request_jti"

// parse decodes the body per the profile's format and verifies the SSA
// and, for FormatJWT, the request's own signature and claims.
func (r *Registrar) parse(ctx context.Context, req Request, now time.Time) (*parsed, error) {
	mt, _, _ := mime.ParseMediaType(req.ContentType)
	switch r.opt.Profile.Format {
	case FormatJWT:
		if mt != "application/jwt" && mt != "application/jose" {
			return nil, InvalidMetadata("request", "the body must be a signed JWT sent as application/jwt or application/jose")
		}
		return r.parseJWT(ctx, req.Body, now)
	default:
		if mt != "application/json" {
			return nil, InvalidMetadata("request", "the body must be application/json")
		}
		return r.parseJSON(ctx, req.Body, now)
	}
}

func decodeObject(b []byte) (map[string]json.RawMessage, error) {
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil || doc == nil || dec.More() {
		return nil, InvalidMetadata("request", "the body must be one JSON object").withCause(err)
	}
	return doc, nil
}

// parseJSON reads an RFC 7591 §3.1 JSON request.
func (r *Registrar) parseJSON(ctx context.Context, body []byte, now time.Time) (*parsed, error) {
	doc, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	p := &parsed{doc: doc}
	if err := r.takeSSA(ctx, p, now); err != nil {
		return nil, err
	}
	return p, nil
}

// takeSSA verifies the software_statement member, if any, as the profile
// requires.
func (r *Registrar) takeSSA(ctx context.Context, p *parsed, now time.Time) error {
	raw, present := p.doc["software_statement"]
	rules := r.opt.Profile.SSA
	switch {
	case !present && rules != nil && rules.Required:
		return InvalidSoftwareStatement("is required")
	case !present:
		return nil
	case rules == nil:
		return InvalidSoftwareStatement("is not used in this ecosystem")
	}
	if err := json.Unmarshal(raw, &p.raw); err != nil || p.raw == "" {
		return InvalidSoftwareStatement("must be a JWT string")
	}
	c, err := r.verifySSA(ctx, p.raw, now)
	if err != nil {
		return err
	}
	p.ssa = c
	return nil
}

// parseJWT verifies a registration JWT (UK DCR v3.3, CDR): its SSA first,
// then its signature with a key of the JWKS the SSA names (holder of key),
// then iss, aud, exp, iat and jti.
func (r *Registrar) parseJWT(ctx context.Context, body []byte, now time.Time) (*parsed, error) {
	rules := r.opt.Profile.Request
	fail := func(reason string) *Error { return InvalidMetadata("request", "the registration JWT %s", reason) }
	token := string(bytes.TrimSpace(body))
	// Read the claims unverified to find the SSA; the SSA is verified on
	// its own and names the key that must have signed the request.
	unverified, err := unsafeClaims(token)
	if err != nil {
		return nil, fail("is not a JWS").withCause(err)
	}
	p := &parsed{doc: unverified}
	if err := r.takeSSA(ctx, p, now); err != nil {
		return nil, err
	}
	if p.ssa == nil {
		return nil, InvalidSoftwareStatement("is required")
	}
	jwksURI := p.ssa.str(r.opt.Profile.SSA.Claims.JWKSURI)
	if jwksURI == "" {
		return nil, InvalidSoftwareStatement("claim %s is required", r.opt.Profile.SSA.Claims.JWKSURI)
	}
	keys := func(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
		ks, err := r.opt.Keys.SoftwareKeys(ctx, jwksURI, kid)
		if errors.Is(err, ErrKeyNotFound) {
			return nil, fail("is not signed by a key of the software's JWKS (" + r.opt.Profile.SSA.Claims.JWKSURI + ")").withCause(err)
		}
		if err != nil {
			return nil, fail("cannot be verified: the software's JWKS is unavailable").withCause(err)
		}
		return ks, nil
	}
	c, err := verifyJWT(ctx, token, rules.Algs, keys, fail)
	if err != nil {
		return nil, err
	}
	if err := r.checkRequestClaims(ctx, c, p.ssa, now, fail); err != nil {
		return nil, err
	}
	p.doc = c.raw
	for _, k := range jwtOnly {
		delete(p.doc, k)
	}
	return p, nil
}

// checkRequestClaims applies iss, aud, exp, iat and single-use jti.
func (r *Registrar) checkRequestClaims(ctx context.Context, c, ssa *claims, now time.Time, fail func(string) *Error) error {
	rules := r.opt.Profile.Request
	if err := checkTimes(c, now, true, true, rules.MaxAge, 0, fail); err != nil {
		return err
	}
	if rules.IssuerIsSoftwareID && c.std.Issuer != ssa.str(r.opt.Profile.SSA.Claims.SoftwareID) {
		return fail("iss must be the software statement's " + r.opt.Profile.SSA.Claims.SoftwareID)
	}
	okAud := false
	for _, a := range r.opt.Audiences {
		if c.std.Audience.Contains(a) {
			okAud = true
		}
	}
	if !okAud {
		return fail("aud is not this authorization server")
	}
	if c.std.ID == "" {
		return fail("jti is required")
	}
	if r.opt.Replay != nil {
		err := r.opt.Replay.Consume(ctx, r.opt.Workspace, kindRequestJTI, c.std.ID, c.std.Expiry.Time().Add(clockSkew))
		if errors.Is(err, ErrReplay) {
			return fail("jti was used before")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// unsafeClaims decodes a compact JWS payload without verifying it.
func unsafeClaims(token string) (map[string]json.RawMessage, error) {
	sig, err := jose.ParseSigned(token, sigAlgs([]string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}))
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(sig.UnsafePayloadWithoutVerification(), &m); err != nil {
		return nil, err
	}
	return m, nil
}
