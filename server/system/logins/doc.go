// Package logins serves the system logins API (openapi/system/logins/v1):
// the bank's login/consent app reads a pending login and accepts or rejects
// it. The handlers adapt the generated strict-server interface to the
// workspace's *oauth.Provider (Login, AcceptLogin, RejectLogin) and map its
// errors once; security, request validation and error rendering come from
// server/apikit, driven by the spec.
//
// Only System clients with the manage_logins scope may call it. It imports
// server/oauth, server/apikit, echo and its own gen package; never server,
// store or an ecosystem.
package logins
