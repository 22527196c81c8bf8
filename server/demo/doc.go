// Package demo serves the built-in demo login/consent page of a workspace
// (demo_login: true), so `make run` gives a complete browser flow without a
// bank app: GET /{ws}/demo/login shows the pending login, POST accepts or
// rejects it, and GET /{ws}/demo/callback shows what the demo client got.
//
// The page is a client of the system logins API like any bank app: it
// obtains a client_credentials token for the workspace's demo system client
// (private_key_jwt, sender-constrained with DPoP, or mTLS where the profile
// has no DPoP) and calls /{ws}/system/logins/... over HTTP, served in-process
// by the server's own handler. It never calls the provider directly, so the
// demo also exercises the API's security and validation.
//
// Everything shown is escaped by html/template; the pages carry no
// JavaScript and a Content-Security-Policy that forbids it. Not for
// production: there is no user authentication, and so no CSRF token either
// (a forged POST could only decide a login whose unguessable login_id the
// forger already holds, as whoever typed the subject).
//
// demo imports go-jose, echo and the standard library only: never server,
// server/oauth internals, generated code or test fixtures (oauthtest).
package demo
