// Package dcr is RFC 7591/7592 dynamic client registration with
// software-statement validation, one data-driven profile per ecosystem.
//
// It imports the standard library, go-jose and consent only. It never imports
// echo, gorm, kin-openapi, generated code, server (or anything under it),
// store or an ecosystem.
package dcr
