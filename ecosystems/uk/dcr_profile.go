package uk

import (
	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/ecosystems/internal/obie"
)

// DCRProfile is OBIE Dynamic Client Registration v3.3 as the UK uses it
// (see obie.DCRProfile).
func DCRProfile() dcr.Profile { return obie.DCRProfile(Name) }
