package obie

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

func TestUKIdempotencyKeyRules(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name     string
		give     string
		wantCode gen.OBErrorCode
	}{
		{"missing", "", gen.UKOBIEHeaderMissing},
		{"41 characters", strings.Repeat("k", 41), gen.UKOBIEHeaderInvalid},
		{"leading space", " key", gen.UKOBIEHeaderInvalid},
		{"trailing space", "key ", gen.UKOBIEHeaderInvalid},
		{"40 characters", strings.Repeat("k", 40), ""},
		{"one character", "k", ""},
		{"inner space", "a key", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := idempotency(tt.give, consent.KindPayment, []byte(`{}`), now, 24*time.Hour)
			if tt.wantCode == "" {
				if err != nil || rec.Key != tt.give || !rec.ExpiresAt.Equal(now.Add(24*time.Hour)) {
					t.Fatalf("idempotency = %+v, %v, want the key kept for 24h", rec, err)
				}
				return
			}
			var ae *apiError
			if !errors.As(err, &ae) || ae.Code != tt.wantCode || ae.Path != "x-idempotency-key" {
				t.Errorf("idempotency = %v, want %s on x-idempotency-key", err, tt.wantCode)
			}
		})
	}
}

// TestIdempotencyHashCoversKindAndExactBody: the same key with another
// body, or on another resource, is a different request.
func TestUKIdempotencyHashCoversKindAndExactBody(t *testing.T) {
	now := time.Now()
	h := func(kind consent.Kind, body string) string {
		rec, err := idempotency("key-1", kind, []byte(body), now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return rec.RequestHash
	}
	base := h(consent.KindPayment, `{"a":1}`)
	if base != h(consent.KindPayment, `{"a":1}`) {
		t.Error("the same request hashes differently")
	}
	if base == h(consent.KindPayment, `{"a": 1}`) {
		t.Error("a changed body hashes the same")
	}
	if base == h(consent.KindVRP, `{"a":1}`) {
		t.Error("another resource kind hashes the same")
	}
}
