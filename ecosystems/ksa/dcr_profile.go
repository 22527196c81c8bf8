package ksa

import (
	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/ecosystems/uk"
)

// DCRProfile is the UK OBIE DCR v3.3 model, which the KSA standard derives
// from; SAMA's own DCR and directory rules are not public, so nothing
// KSA-specific is assumed (docs/ecosystems/uk-ksa-fdx.md Part 2). It starts
// from the UK value (ksa is a profile of the UK implementation) and only
// renames it, so it can diverge here once the SAMA specification is known.
func DCRProfile() dcr.Profile {
	p := uk.DCRProfile()
	p.Name = "ksa"
	return p
}
