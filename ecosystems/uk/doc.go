// Package uk is the UK Open Banking ecosystem: the UK's own profile values
// (UK, DCRProfile) over the OBIE Read/Write implementation in
// ecosystems/internal/obie, which ksa shares. The aliases and wrappers here
// let server name the implementation's types: Go's internal rule keeps
// ecosystems/internal out of its reach.
//
// uk imports the engines and ecosystems/internal/obie; never gorm, store,
// server or another ecosystem.
package uk
