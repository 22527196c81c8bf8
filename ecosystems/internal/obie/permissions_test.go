package obie

import (
	"errors"
	"testing"

	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

// TestPermissionRules: UK RW v3.1.11 Account and Transaction API Profile,
// Permissions; each rule by the request that breaks it.
func TestUKPermissionRules(t *testing.T) {
	narrow := DefaultProfile("test")
	narrow.Permissions = []string{"ReadAccountsBasic", "ReadAccountsDetail", "ReadBalances"}
	tests := []struct {
		name    string
		prof    Profile
		give    []string
		wantErr bool
	}{
		{"empty", DefaultProfile("test"), nil, true},
		{"unsupported by the profile", narrow, []string{"ReadAccountsBasic", "ReadTransactionsBasic", "ReadTransactionsCredits"}, true},
		{"no accounts permission", DefaultProfile("test"), []string{"ReadBalances"}, true},
		{"transactions basic without direction", DefaultProfile("test"), []string{"ReadAccountsBasic", "ReadTransactionsBasic"}, true},
		{"transactions detail without direction", DefaultProfile("test"), []string{"ReadAccountsDetail", "ReadTransactionsDetail"}, true},
		{"credits without basic or detail", DefaultProfile("test"), []string{"ReadAccountsBasic", "ReadTransactionsCredits"}, true},
		{"debits without basic or detail", DefaultProfile("test"), []string{"ReadAccountsBasic", "ReadTransactionsDebits"}, true},
		{"accounts only", DefaultProfile("test"), []string{"ReadAccountsBasic"}, false},
		{"basic and detail together", DefaultProfile("test"), []string{"ReadAccountsBasic", "ReadAccountsDetail", "ReadBalances"}, false},
		{"transactions with a direction", DefaultProfile("test"), []string{"ReadAccountsDetail", "ReadTransactionsDetail", "ReadTransactionsDebits"}, false},
		{"both directions", DefaultProfile("test"), []string{"ReadAccountsBasic", "ReadTransactionsBasic", "ReadTransactionsCredits", "ReadTransactionsDebits"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.prof.checkPermissions(tt.give)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("checkPermissions = %v, want nil", err)
				}
				return
			}
			var ae *apiError
			if !errors.As(err, &ae) {
				t.Fatalf("checkPermissions = %v, want an *apiError", err)
			}
			if ae.Status != 400 || ae.Code != gen.UKOBIEFieldInvalid || ae.Path != "Data.Permissions" {
				t.Errorf("checkPermissions = %d %s %q, want 400 UK.OBIE.Field.Invalid on Data.Permissions", ae.Status, ae.Code, ae.Path)
			}
		})
	}
}
