package uk_test

import (
	"testing"

	"github.com/openconsent/openconsent/ecosystems/uk"
)

func TestUKValuesCarryTheUKName(t *testing.T) {
	if err := uk.UK().Validate(); err != nil {
		t.Fatalf("UK().Validate() = %v", err)
	}
	if got := uk.New(uk.Options{}).Name(); got != "uk" {
		t.Errorf("New(Options{}).Name() = %q, want uk (a zero profile means UK())", got)
	}
	if got := uk.DCRProfile().Name; got != "uk" {
		t.Errorf("DCRProfile().Name = %q, want uk", got)
	}
}
