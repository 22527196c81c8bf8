// Package ksa is the Saudi Arabia (SAMA) open banking ecosystem, served as
// a profile of the UK Open Banking implementation.
//
// No KSA specification is public (SAMA releases it to registered
// developers only; docs/ecosystems/uk-ksa-fdx.md Part 2), and the KSA
// standard derives from the UK Read/Write standard. Every KSA-specific
// value is therefore an assumption, listed in Profile and in the README,
// to be replaced when the SAMA specification is available.
//
// Dependencies: ksa imports the engines and ecosystems/internal/obie, the
// OBIE Read/Write implementation it shares with uk (the same Data / Risk /
// Links / Meta envelope, OBErrorResponse1, FAPI 1.0 Advanced), never
// ecosystems/uk: sharing the implementation keeps the two from drifting,
// and each keeps its own Profile and DCR profile values.
package ksa
