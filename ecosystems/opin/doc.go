// Package opin is the Open Insurance Brasil ecosystem. Its dynamic client registration
// rules are one dcr.Profile value (dcr_profile.go). It imports the engines,
// server/oauth, server/apikit and its own gen packages only: no gorm, no
// other ecosystem.
package opin
