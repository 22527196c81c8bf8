package consent_test

import (
	"errors"
	"testing"

	"github.com/openconsent/openconsent/consent"
)

func TestNext(t *testing.T) {
	tests := []struct {
		name    string
		give    consent.Status
		event   consent.Event
		want    consent.Status
		wantErr bool
	}{
		{"authorise", consent.StatusAwaitingAuthorisation, consent.EventAuthorise, consent.StatusAuthorised, false},
		{"reject", consent.StatusAwaitingAuthorisation, consent.EventReject, consent.StatusRejected, false},
		{"revoke before authorisation", consent.StatusAwaitingAuthorisation, consent.EventRevoke, consent.StatusRevoked, false},
		{"consume", consent.StatusAuthorised, consent.EventConsume, consent.StatusConsumed, false},
		{"revoke", consent.StatusAuthorised, consent.EventRevoke, consent.StatusRevoked, false},
		{"expire authorised", consent.StatusAuthorised, consent.EventExpire, consent.StatusExpired, false},
		{"consume before authorisation", consent.StatusAwaitingAuthorisation, consent.EventConsume, "", true},
		{"consume twice", consent.StatusConsumed, consent.EventConsume, "", true},
		{"authorise twice", consent.StatusAuthorised, consent.EventAuthorise, "", true},
		{"revive revoked", consent.StatusRevoked, consent.EventAuthorise, "", true},
		{"revoke rejected", consent.StatusRejected, consent.EventRevoke, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := consent.Next(tt.give, tt.event)
			if tt.wantErr {
				if !errors.Is(err, consent.ErrInvalidTransition) {
					t.Fatalf("Next(%s, %s) err = %v, want ErrInvalidTransition", tt.give, tt.event, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Next(%s, %s) = %s, %v, want %s", tt.give, tt.event, got, err, tt.want)
			}
		})
	}
}

func TestTerminalStatusesHaveNoExit(t *testing.T) {
	all := []consent.Event{consent.EventAuthorise, consent.EventReject, consent.EventConsume, consent.EventRevoke, consent.EventExpire, consent.EventCancel}
	for _, s := range []consent.Status{consent.StatusRejected, consent.StatusConsumed, consent.StatusRevoked, consent.StatusExpired, consent.StatusCancelled} {
		if !s.Terminal() {
			t.Errorf("%s.Terminal() = false", s)
		}
		for _, e := range all {
			if _, err := consent.Next(s, e); err == nil {
				t.Errorf("Next(%s, %s) succeeded from a terminal status", s, e)
			}
		}
	}
}
