// Package dcr is RFC 7591/7592 dynamic client registration with
// software-statement validation, one data-driven profile per ecosystem.
//
// What it owns:
//
//   - the Registrar service: Register, Get, Update and Delete of
//     dynamically registered clients, registration access tokens (RFC 7592
//     §3, stored hashed, optional expiry and rotation) and the client status
//     vocabulary (Pending, Approved, Inactive, Rejected) with its
//     transition table;
//   - software-statement (SSA) verification against trusted issuers, and
//     verification of signed registration requests (application/jwt) with
//     the software's own keys named in the SSA;
//   - metadata validation: the security profile's MetadataRules and the
//     ecosystem's Profile. Every rule is data: adding an ecosystem is adding
//     a Profile value, never editing the validator. Nothing here tests an
//     ecosystem's name;
//   - the ports it needs (ClientStore, ClientAdmin, KeySource, ReplayGuard)
//     and its typed *Error carrying an RFC 7591 §3.2.2 code.
//
// Invariants: an error returned to a caller is an *Error whose Description
// names the rule that failed and never a cause (library messages, URLs
// fetched, database errors stay in the wrapped cause for logs); the SSA wins
// over the request where both carry a value; a registration is written with
// its audit event in one transaction, and one active registration per
// software_id is enforced by the store where the profile requires it.
//
// It imports the standard library, go-jose and consent only. It never
// imports echo, gorm, kin-openapi, generated code, server (or anything under
// it), store or an ecosystem.
package dcr
