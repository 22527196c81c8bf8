package obie

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

// TestEveryEngineErrorKindIsMapped: the table in errors.go covers every
// consent.Kinds() entry (style §5).
func TestUKEveryEngineErrorKindIsMapped(t *testing.T) {
	for _, k := range consent.Kinds() {
		m, ok := kindMapping(k)
		if !ok {
			t.Errorf("consent error kind %s has no UK mapping", k)
			continue
		}
		if m.Status < 400 || m.Status >= 500 || m.Code == "" || m.Msg == "" {
			t.Errorf("kindMapping(%s) = %+v, want a 4xx status, a code and a message", k, m)
		}
		ae, ok := asAPIError(fmt.Errorf("wrapped: %w", &consent.Error{Kind: k, Reason: "why"}))
		if !ok || ae.Status != m.Status || ae.Code != m.Code || ae.Message != "why" {
			t.Errorf("asAPIError(kind %s) = %+v, %v, want %d %s with the reason", k, ae, ok, m.Status, m.Code)
		}
	}
}

func TestUKEngineErrorsMapToUKAnswers(t *testing.T) {
	tests := []struct {
		name       string
		give       error
		wantStatus int
		wantCode   gen.OBErrorCode
		wantPath   string
	}{
		{"unknown consent is 400, not 404", consent.ErrNotFound, 400, gen.UKOBIEResourceNotFound, "ConsentId"},
		{"idempotency key with another body", consent.ErrIdempotencyMismatch, 400, gen.UKOBIEHeaderInvalid, "x-idempotency-key"},
		{"lost race", consent.ErrConflict, 400, gen.UKOBIEResourceInvalidConsentStatus, ""},
		{"another TPP's consent", &consent.Error{Kind: consent.KindForbidden}, 403, gen.UKOBIEResourceConsentMismatch, ""},
		{"illegal transition", consent.ErrInvalidTransition, 400, gen.UKOBIEResourceInvalidConsentStatus, ""},
		{"invalid field", consent.Invalid("Data.X", "bad"), 400, gen.UKOBIEFieldInvalid, "Data.X"},
		{"our own error", badRequest(gen.UKOBIESignatureInvalid, "x-jws-signature", "no"), 400, gen.UKOBIESignatureInvalid, "x-jws-signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ae, ok := asAPIError(fmt.Errorf("ctx: %w", tt.give))
			if !ok {
				t.Fatalf("asAPIError(%v) not mapped", tt.give)
			}
			if ae.Status != tt.wantStatus || ae.Code != tt.wantCode || ae.Path != tt.wantPath {
				t.Errorf("asAPIError = %d %s %q, want %d %s %q", ae.Status, ae.Code, ae.Path, tt.wantStatus, tt.wantCode, tt.wantPath)
			}
		})
	}
	if _, ok := asAPIError(errors.New("database down")); ok {
		t.Error("asAPIError(unknown) mapped, want it left for the 500 path")
	}
}

// TestClassifyValidationDetail: the kit's validation details become UK
// codes (header vs field, missing vs invalid, signature header).
func TestUKClassifyValidationDetail(t *testing.T) {
	tests := []struct {
		give     string
		wantCode gen.OBErrorCode
		wantPath string
	}{
		{"parameter x-jws-signature: is required", gen.UKOBIESignatureMissing, "x-jws-signature"},
		{"parameter x-idempotency-key: is required", gen.UKOBIEHeaderMissing, "x-idempotency-key"},
		{"parameter x-idempotency-key: maximum string length is 40", gen.UKOBIEHeaderInvalid, "x-idempotency-key"},
		{"parameter x-fapi-auth-date: string doesn't match the regular expression", gen.UKOBIEHeaderInvalid, "x-fapi-auth-date"},
		{`field Data: property "Permissions" is missing`, gen.UKOBIEFieldMissing, "Data.Permissions"},
		{`field Data: property "Nope" is unsupported`, gen.UKOBIEFieldUnexpected, "Data.Nope"},
		{`field Data.ExpirationDateTime: string doesn't match the format "date-time"`, gen.UKOBIEFieldInvalidDate, "Data.ExpirationDateTime"},
		{"field Data.Permissions.0: value is not one of the allowed values", gen.UKOBIEFieldInvalid, "Data.Permissions.0"},
		{`request body: property "Risk" is missing`, gen.UKOBIEFieldMissing, "Risk"},
		{"request body: is malformed", gen.UKOBIEResourceInvalidFormat, ""},
		{"the request is invalid", gen.UKOBIEFieldInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			ae := classify(tt.give)
			if ae.Status != http.StatusBadRequest || ae.Code != tt.wantCode || ae.Path != tt.wantPath {
				t.Errorf("classify = %d %s %q, want 400 %s %q", ae.Status, ae.Code, ae.Path, tt.wantCode, tt.wantPath)
			}
		})
	}
}

// TestProfilesNameEveryStatus: each served kind names every canonical
// status in a value of the schema's enum.
func TestProfilesNameEveryStatus(t *testing.T) {
	enums := map[consent.Kind][]string{
		consent.KindAccountAccess: {"Authorised", "AwaitingAuthorisation", "Rejected", "Revoked"},
		consent.KindPayment:       {"Authorised", "AwaitingAuthorisation", "Consumed", "Rejected"},
		consent.KindVRP:           {"Authorised", "AwaitingAuthorisation", "Rejected"},
	}
	p := DefaultProfile("test")
	if err := p.Validate(); err != nil {
		t.Fatalf("DefaultProfile().Validate() = %v", err)
	}
	for kind, enum := range enums {
		for _, s := range CanonicalStatuses() {
			name := p.status(kind, s)
			found := false
			for _, e := range enum {
				found = found || e == name
			}
			if !found {
				t.Errorf("status(%s, %s) = %q, not in the schema enum %v", kind, s, name, enum)
			}
		}
	}
}

func TestUKProfileValidateRejectsContradictions(t *testing.T) {
	tests := []struct {
		name string
		give func(p *Profile)
	}{
		{"permission outside the schema enum", func(p *Profile) { p.Permissions = append(p.Permissions, "ReadEverything") }},
		{"no account permission", func(p *Profile) { p.Permissions = []string{"ReadBalances"} }},
		{"empty catalogue", func(p *Profile) { p.Permissions = nil }},
		{"base path without slash", func(p *Profile) { p.BasePath = "open-banking" }},
		{"unnamed status", func(p *Profile) { delete(p.Statuses[consent.KindVRP], consent.StatusExpired) }},
		{"no trust anchor", func(p *Profile) { p.TrustAnchor = "" }},
		{"no idempotency lifetime", func(p *Profile) { p.IdempotencyLifetime = 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultProfile("test")
			tt.give(&p)
			if err := p.Validate(); err == nil {
				t.Error("Validate = nil, want an error")
			}
		})
	}
}
