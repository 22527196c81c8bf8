package ksa

import (
	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/ecosystems/internal/obie"
)

// DCRProfile is the UK OBIE DCR v3.3 model, which the KSA standard derives
// from; SAMA's own DCR and directory rules are not public, so nothing
// KSA-specific is assumed (docs/ecosystems/uk-ksa-fdx.md Part 2). It is its
// own value, derived from obie.DCRProfile as uk's is, so it can diverge
// here once the SAMA specification is known.
func DCRProfile() dcr.Profile { return obie.DCRProfile(Name) }
