// Package apikit is the shared plumbing of every spec-first API we serve on
// echo: the ecosystem APIs (ecosystems/<eco>/<api>/<version>) and the system
// APIs (server/system/...). It owns three things, all driven by our own
// OpenAPI file (style §6):
//
//   - request validation: a kin-openapi (openapi3filter) middleware that
//     matches the request against the spec with the workspace prefix
//     stripped (the spec's paths are relative to the workspace root), and
//     lets requests the spec does not describe pass untouched;
//   - security: each operation's `security` requirements (oauth2 scopes) are
//     read from the spec, never hand-listed per route; the bearer token is
//     checked by a caller-supplied Authenticator (the workspace provider's
//     AuthenticateBearer) and stored in the request context, read back with
//     Token(ctx);
//   - error rendering: one Renderer per API (its own envelope) used by the
//     validator, the security check and the middleware that renders errors
//     returned from strict handlers (style §5: the echo strict server has no
//     error-handler option).
//
// Invariants: a request the spec secures never reaches a handler without a
// valid token holding every scope of one requirement; security is checked
// before the request is validated, so an unauthenticated caller learns
// nothing about the schema; no cause and no kin-openapi message beyond a
// concise "field X: reason" ever reaches a response.
//
// apikit imports echo, kin-openapi, server/oauth and server/authctx only. It
// never imports server, store, an ecosystem or generated code: the generated
// packages hand it their embedded spec.
package apikit
