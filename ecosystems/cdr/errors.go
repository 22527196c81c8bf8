package cdr

import (
	"encoding/json"
	"net/http"
)

// CDS error codes (CDS "Error Codes"), used on the CDR endpoints we serve.
const (
	codeFieldMissing       = "urn:au-cds:error:cds-all:Field/Missing"
	codeFieldInvalid       = "urn:au-cds:error:cds-all:Field/Invalid"
	codeInvalidArrangement = "urn:au-cds:error:cds-all:Authorisation/InvalidArrangement"
	codeUnexpected         = "urn:au-cds:error:cds-all:GeneralError/Unexpected"
)

// cdsError is one entry of the CDS error envelope {"errors":[...]}.
type cdsError struct {
	Code   string         `json:"code"`
	Title  string         `json:"title"`
	Detail string         `json:"detail"`
	Meta   map[string]any `json:"meta,omitempty"`
}

// writeError writes the CDS error envelope.
func writeError(w http.ResponseWriter, status int, code, title, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string][]cdsError{"errors": {{Code: code, Title: title, Detail: detail}}})
}
