// Package brdcr holds the dynamic client registration rules Open Finance
// Brasil (DCR-BR, OFB-SEC open-banking-brasil-dynamic-client-registration
// §7.1) and Open Insurance Brasil (OPIN security chapter §7–9, "the same
// rule set") share; each ecosystem passes its own roles and certificate
// prefix. It imports dcr only.
package brdcr
