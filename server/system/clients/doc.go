// Package clients serves the system clients API
// (openapi/system/clients/v1): the bank's systems list the workspace's
// dynamically registered clients, read one and change its status (offline
// approval: Pending, Approved, Inactive, Rejected). The handlers adapt the
// generated strict-server interface to dcr.Admin and map its errors once;
// security, request validation and error rendering come from server/apikit,
// driven by the spec.
//
// Only System clients with the manage_clients scope may call it. It imports
// dcr, server/oauth, server/apikit, echo and its own gen package; never
// server, store or an ecosystem.
package clients
