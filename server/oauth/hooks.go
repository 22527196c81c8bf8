package oauth

// Hooks let an ecosystem change token issuance without the issuer knowing
// the ecosystem (style §2). Nil hooks do nothing.
type Hooks struct {
	// Introspection reshapes an introspection response; rec is nil for an
	// unknown token. CDR: refresh tokens only, no username.
	Introspection func(rec *TokenRecord, body map[string]any) map[string]any
}
