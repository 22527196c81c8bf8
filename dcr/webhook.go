package dcr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"
)

// memberWebhookURIs is the client metadata member WebhookRules check: the
// base URLs a data holder composes webhook notification URLs from (OFB DCR
// swagger v2.0.1 and OPIN DCR swagger v1.2.0 webhook_uris).
const memberWebhookURIs = "webhook_uris"

// WebhookRules check the webhook_uris member of a registration or update;
// every failure is invalid_webhook_uris (OFB DCR swagger v2.0.1
// ClientRegistrationResponseError). The member itself is kept only when
// the profile lists it in ExtraFields. An absent or null webhook_uris
// registers no webhook (DCR-BR §7.1: webhooks are then disabled for the
// client).
type WebhookRules struct {
	// Pattern is a regular expression (Go syntax) every URI must match;
	// "" = none.
	Pattern string
	// MaxLength bounds each URI, in characters (JSON Schema maxLength);
	// zero = no bound.
	MaxLength int
	// SSAClaim names the SSA claim listing the base URLs the directory
	// approved (Brasil software_api_webhook_uris). When set, every
	// requested URI must be one of them, and URIs requested without that
	// claim (or without a software statement) are refused: the directory
	// approved none.
	SSAClaim string
}

// compileWebhooks checks a profile's WebhookRules at start-up and compiles
// their pattern; nil rules give a nil pattern.
func compileWebhooks(p Profile) (*regexp.Regexp, error) {
	w := p.Webhooks
	switch {
	case w == nil:
		return nil, nil
	case !slices.Contains(p.ExtraFields, memberWebhookURIs):
		return nil, fmt.Errorf("dcr: WebhookRules need %s among ExtraFields, or the checked value is dropped", memberWebhookURIs)
	case w.SSAClaim != "" && p.SSA == nil:
		return nil, fmt.Errorf("dcr: WebhookRules.SSAClaim needs SSA rules")
	case w.MaxLength < 0:
		return nil, fmt.Errorf("dcr: WebhookRules.MaxLength must not be negative")
	case w.Pattern == "":
		return nil, nil
	}
	re, err := regexp.Compile(w.Pattern)
	if err != nil {
		return nil, fmt.Errorf("dcr: WebhookRules.Pattern: %w", err)
	}
	return re, nil
}

// checkWebhookURIs applies the profile's WebhookRules to the request's
// members: an array of strings, each within MaxLength and matching
// Pattern, each among the SSA's approved base URLs.
func (r *Registrar) checkWebhookURIs(doc map[string]json.RawMessage, s *claims) error {
	w := r.opt.Profile.Webhooks
	raw, ok := doc[memberWebhookURIs]
	if w == nil || !ok {
		return nil
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		delete(doc, memberWebhookURIs) // null is no webhook, as when omitted
		return nil
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return InvalidWebhookURIs("must be an array of strings")
	}
	uris := make([]string, 0, len(items))
	for i, item := range items {
		var u string
		// A JSON null would decode as "": only a string is a string.
		if item = bytes.TrimSpace(item); len(item) == 0 || item[0] != '"' || json.Unmarshal(item, &u) != nil {
			return InvalidWebhookURIs("item %d is not a string", i)
		}
		switch {
		case w.MaxLength > 0 && utf8.RuneCountInString(u) > w.MaxLength:
			return InvalidWebhookURIs("%s is longer than %d characters", clip(u), w.MaxLength)
		case r.webhookPattern != nil && !r.webhookPattern.MatchString(u):
			return InvalidWebhookURIs("%s is not a valid webhook base URL", clip(u))
		}
		uris = append(uris, u)
	}
	if w.SSAClaim == "" || len(uris) == 0 {
		return nil
	}
	if s == nil || !s.has(w.SSAClaim) {
		return InvalidWebhookURIs("the software statement has no %s: the directory approved no webhook base URL", w.SSAClaim)
	}
	allowed := s.strs(w.SSAClaim)
	for _, u := range uris {
		if !slices.Contains(allowed, u) {
			return InvalidWebhookURIs("%s is not one of the software statement's %s", clip(u), w.SSAClaim)
		}
	}
	return nil
}
