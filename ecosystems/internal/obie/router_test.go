package obie

import (
	"slices"
	"testing"

	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

// TestUKOperationsReadFromTheSpec: the grant, the request-signature check
// and the response signing of every operation come from our OpenAPI file;
// an edit that drops one must fail here.
func TestUKOperationsReadFromTheSpec(t *testing.T) {
	doc, err := gen.GetSwagger()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		give string
		want operation
	}{
		{"POST /aisp/account-access-consents", operation{grant: grantClient}},
		{"GET /aisp/account-access-consents/{ConsentId}", operation{grant: grantClient}},
		{"DELETE /aisp/account-access-consents/{ConsentId}", operation{grant: grantClient}},
		{"POST /pisp/domestic-payment-consents", operation{grant: grantClient, verify: true, sign: true}},
		{"GET /pisp/domestic-payment-consents/{ConsentId}", operation{grant: grantClient, sign: true}},
		{"GET /pisp/domestic-payment-consents/{ConsentId}/funds-confirmation", operation{grant: grantPSU, sign: true}},
		{"POST /pisp/domestic-vrp-consents", operation{grant: grantClient, verify: true, sign: true}},
		{"GET /pisp/domestic-vrp-consents/{ConsentId}", operation{grant: grantClient, sign: true}},
		{"DELETE /pisp/domestic-vrp-consents/{ConsentId}", operation{grant: grantClient, sign: true}},
		{"POST /pisp/domestic-vrp-consents/{ConsentId}/funds-confirmation", operation{grant: grantPSU, verify: true, sign: true}},
	}
	ops := operations(doc)
	if len(ops) != len(tests) {
		t.Errorf("the spec has %d operations, want %d", len(ops), len(tests))
	}
	for _, tt := range tests {
		if got, ok := ops[tt.give]; !ok || got != tt.want {
			t.Errorf("operations[%s] = %+v, %v, want %+v", tt.give, got, ok, tt.want)
		}
	}
}

func TestUKSpecPath(t *testing.T) {
	if got := specPath("/pisp/domestic-vrp-consents/:ConsentId/funds-confirmation"); got != "/pisp/domestic-vrp-consents/{ConsentId}/funds-confirmation" {
		t.Errorf("specPath = %q", got)
	}
}

// TestUKPermissionCatalogueMatchesTheSpec: Profile.Validate checks
// catalogues against Permissions, which must be the schema's enum.
func TestUKPermissionCatalogueMatchesTheSpec(t *testing.T) {
	doc, err := gen.GetSwagger()
	if err != nil {
		t.Fatal(err)
	}
	var enum []string
	for _, v := range doc.Components.Schemas["OBExternalPermissions1Code"].Value.Enum {
		enum = append(enum, v.(string))
	}
	if !slices.Equal(enum, Permissions()) {
		t.Errorf("OBExternalPermissions1Code enum = %v, want Permissions() %v", enum, Permissions())
	}
}
