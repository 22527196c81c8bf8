// Package oauth is the FAPI 1.0 Advanced / FAPI 2.0 token issuer: discovery,
// PAR, authorize, token, introspection, revocation, request objects, DPoP,
// client authentication and sender-constrained tokens.
//
// It imports the standard library, go-jose, consent, dcr and server/authctx.
// It never imports its parent server, store, an ecosystem, gorm, echo or
// generated code: it exposes net/http handlers and protocol functions, and
// declares the ports (ClientSource, TokenStore, FlowStore) that store
// implements.
//
// Invariant: at /authorize the redirect_uri is validated first, so every later
// error can be redirected to the client; an unvalidated redirect_uri is never
// redirected to.
package oauth
