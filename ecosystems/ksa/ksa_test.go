package ksa_test

import (
	"slices"
	"testing"

	"github.com/openconsent/openconsent/ecosystems/ksa"
)

func TestKSAProfileIsAUKProfileWithTheKSAAssumptions(t *testing.T) {
	p := ksa.Profile()
	if err := p.Validate(); err != nil {
		t.Fatalf("Validate = %v", err)
	}
	if p.Name != "ksa" || p.BasePath != "/open-banking/ksa/v1" {
		t.Errorf("Name, BasePath = %q, %q, want ksa, /open-banking/ksa/v1", p.Name, p.BasePath)
	}
	if !p.RequireExpiration {
		t.Error("RequireExpiration = false, want true (the customer must see an expiry date)")
	}
	if p.ServePayments {
		t.Error("ServePayments = true, want account access only")
	}
	if slices.Contains(p.Permissions, "ReadPAN") || !slices.Contains(p.Permissions, "ReadAccountsBasic") {
		t.Errorf("Permissions = %v, want the UK catalogue without ReadPAN", p.Permissions)
	}
	if e := ksa.New(ksa.Options{}); e.Name() != "ksa" {
		t.Errorf("New().Name() = %q, want ksa", e.Name())
	}
}

func TestKSAConfiguredPermissionsReplaceTheCatalogue(t *testing.T) {
	e := ksa.New(ksa.Options{Permissions: []string{"ReadAccountsBasic", "ReadBalances"}})
	if got := e.Profile().Permissions; !slices.Equal(got, []string{"ReadAccountsBasic", "ReadBalances"}) {
		t.Errorf("Permissions = %v, want the configured list", got)
	}
	bad := ksa.New(ksa.Options{Permissions: []string{"ReadAccountsBasic", "ReadCustomerIdentity"}})
	if err := bad.Profile().Validate(); err == nil {
		t.Error("Validate = nil for a permission outside the schema, want an error at start")
	}
}
