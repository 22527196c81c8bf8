// Package uk serves the UK Open Banking Read/Write v3.1.11 consent
// resources of a workspace (account-access consents, domestic payment
// consents, domestic VRP consents) on the shared consent engine, and binds
// them to the token issuer through the openbanking_intent_id claim.
//
// The API is spec-first: openapi/uk/readwrite/v3.1.11/openapi.yaml is our
// file, generated into readwrite/v3_1/gen; this package implements its
// strict server. Everything UK-specific that is data (base path,
// permission catalogue, status vocabulary, acr values, trust anchor,
// idempotency lifetime) lives in a Profile value, so a UK-derived
// ecosystem (KSA) reuses the package with another profile.
//
// Invariants:
//   - every response carries x-fapi-interaction-id (set by the server for
//     every request, and by the generated responses from the request context);
//   - on the PISP resources every response body is signed (x-jws-signature,
//     errors included) and every request body must be signed by the TPP;
//     the signature covers the exact bytes sent and received;
//   - an unknown consent, another kind's consent and a consent the TPP
//     deleted are all 400 UK.OBIE.Resource.NotFound, another TPP's consent
//     is 403, a missing or bad token is 401 with no body;
//   - every engine error is mapped once, in errors.go; nothing unmapped
//     reaches a client except as 500 UK.OBIE.UnexpectedError without its cause.
//
// uk imports the engines (consent), server/oauth, server/apikit,
// server/authctx, ecosystems/internal/consentbind and its own gen package;
// never gorm, store, server or another ecosystem.
package uk
