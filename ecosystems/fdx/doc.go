// Package fdx is the FDX (Financial Data Exchange, US) ecosystem. Its dynamic client registration
// rules are one dcr.Profile value (dcr_profile.go). It imports the engines,
// server/oauth, server/apikit and its own gen packages only: no gorm, no
// other ecosystem.
package fdx
