// Package obie implements the UK Open Banking (OBIE) Read/Write v3.1.11
// consent resources (account-access consents, domestic payment consents,
// domestic VRP consents) on the shared consent engine, binds them to the
// token issuer through the openbanking_intent_id claim, and holds the OBIE
// DCR v3.3 profile. It is shared by ecosystems/uk and ecosystems/ksa (KSA
// derives from the UK standard), so neither ecosystem imports the other and
// the two cannot drift.
//
// The API is spec-first: openapi/uk/readwrite/v3.1.11/openapi.yaml is our
// file, generated into readwrite/v3_1/gen; this package implements its
// strict server. Everything an ecosystem may change that is data (name,
// base path, permission catalogue, status vocabulary, acr values, trust
// anchor, idempotency lifetime) lives in a Profile value, which each
// ecosystem derives from DefaultProfile.
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
// obie imports the engines (consent, dcr), server/oauth, server/apikit,
// server/authctx, ecosystems/internal/consentbind and its own gen package;
// never gorm, store, server or an ecosystem.
package obie
