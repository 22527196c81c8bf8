// Package ksa is the Saudi Arabia (SAMA) open banking ecosystem, served as
// a profile of the UK Open Banking implementation.
//
// No KSA specification is public (SAMA releases it to registered
// developers only; docs/ecosystems/uk-ksa-fdx.md Part 2), and the KSA
// standard derives from the UK Read/Write standard. Every KSA-specific
// value is therefore an assumption, listed in Profile and in the README,
// to be replaced when the SAMA specification is available.
//
// Dependencies: ksa imports ecosystems/uk for the API implementation. This
// is the one deliberate exception to "an ecosystem never imports another":
// KSA is defined as a UK profile (the same Data / Risk / Links / Meta
// envelope, OBErrorResponse1, FAPI 1.0 Advanced), and duplicating the
// implementation would let the two drift. Data that may diverge on its own
// (the DCR profile) stays a separate value here.
package ksa
