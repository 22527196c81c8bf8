package oauth

import "strings"

func fieldsOf(s string) []string { return strings.Fields(s) }

func joinFields(f []string) string { return strings.Join(f, " ") }

// hasScope reports whether the space-separated scope string contains s.
func hasScope(scope, s string) bool {
	for _, f := range strings.Fields(scope) {
		if f == s {
			return true
		}
	}
	return false
}
