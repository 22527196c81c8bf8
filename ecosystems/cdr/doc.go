// Package cdr is Australia's Consumer Data Right at the data holder:
// arrangements made during authorization (claims.sharing_duration, amended
// with claims.cdr_arrangement_id), the CDR token rules, arrangement
// revocation by the data recipient (POST /arrangements/revoke) and
// notification of the data recipient when the holder or the customer
// withdraws an arrangement (outbox, retried until the recipient answers 204).
//
// Facts: Consumer Data Standards v1.36.0 (security profile), summarised in
// shared/docs/ecosystems/br-opin-cdr.md Part 3.
package cdr
