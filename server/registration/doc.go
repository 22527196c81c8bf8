// Package registration serves RFC 7591 dynamic client registration and
// RFC 7592 client management for one workspace: POST /register and GET,
// PUT, DELETE /register/{client_id}, as plain net/http handlers that the
// server mounts. It authenticates the caller (initial access tokens on
// POST; on management calls a registration access token, the client's own
// access token where the ecosystem uses that model, or a dcr_manage token),
// hands the request to the dcr Registrar and writes RFC 7591 §3.2 JSON
// responses and errors.
//
// Invariants: a management call never reaches the Registrar without a
// caller authenticated for that client id; an unknown client and a wrong
// token get the same 401 (RFC 7592 §2.1); no cause reaches
// error_description.
//
// It imports dcr, server/oauth and server/authctx only; never server,
// store, echo or an ecosystem.
package registration
