package server

import (
	"net/http"
	"time"

	"github.com/openconsent/openconsent/ecosystems"
	"github.com/openconsent/openconsent/ecosystems/cdr"
	"github.com/openconsent/openconsent/ecosystems/ksa"
	"github.com/openconsent/openconsent/ecosystems/uk"
)

// ecosystemFor returns the behaviour of a workspace's ecosystem. Ecosystems
// without their own package yet behave as generic FAPI workspaces.
func (s *Server) ecosystemFor(wc WorkspaceConfig, hc *http.Client) ecosystems.Ecosystem {
	switch wc.Ecosystem {
	case "cdr":
		return cdr.New(cdr.Config{BrandID: wc.CDR.BrandID, AllowHybrid: wc.CDR.AllowHybrid}, s.now, hc)
	case "uk":
		return uk.New(uk.Options{HTTPClient: hc})
	case "ksa":
		return ksa.New(ksa.Options{HTTPClient: hc})
	}
	return ecosystems.Generic{}
}

// ecosystemLimits are token settings an ecosystem's rules bound, checked at
// start (data, not branches in the engines).
type ecosystemLimits struct {
	minAccess, maxAccess time.Duration
	minRequestURI        time.Duration
	maxRequestURI        time.Duration
	noRotation           bool
	clause               string
}

func limitsFor(eco string) (ecosystemLimits, bool) {
	switch eco {
	case "cdr":
		minA, maxA, minR, maxR, rot := cdr.TokenLimits()
		return ecosystemLimits{
			minAccess: minA, maxAccess: maxA, minRequestURI: minR, maxRequestURI: maxR,
			noRotation: !rot, clause: "CDS security profile",
		}, true
	}
	return ecosystemLimits{}, false
}
