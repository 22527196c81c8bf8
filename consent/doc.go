// Package consent is the consent engine shared by every ecosystem: consents
// and arrangements, their canonical lifecycle, ports and errors.
//
// It imports the standard library, go-jose and dcr only. It never imports
// echo, gorm, kin-openapi, generated code, server (or anything under it),
// store or an ecosystem, and it does not know which ecosystem is calling.
package consent
