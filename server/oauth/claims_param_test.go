package oauth_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openconsent/openconsent/server/oauth"
)

// claimsFixture has null members, essential values, values arrays, numbers
// that must not become floats, a claim-level extension and a CDR top-level
// member.
const claimsFixture = `{
  "sharing_duration": 7776000,
  "cdr_arrangement_id": "arr-1",
  "id_token": {
    "openbanking_intent_id": {"value": "urn:bank:intent:42", "essential": true},
    "acr": {"essential": true, "values": ["urn:openbanking:psd2:sca", "urn:openbanking:psd2:ca"]},
    "auth_time": null,
    "max_amount": {"value": 12345678901234567890},
    "cpf": {"essential": false, "purpose": "KYC"}
  },
  "userinfo": {
    "given_name": null,
    "openbanking_intent_id": {"value": "urn:bank:intent:42", "essential": true}
  }
}`

func TestClaimsRoundTrip(t *testing.T) {
	first, err := oauth.ParseClaims([]byte(claimsFixture))
	if err != nil {
		t.Fatalf("ParseClaims() error = %v", err)
	}
	b1, err := json.Marshal(first)
	if err != nil {
		t.Fatal(err)
	}
	var second oauth.ClaimsRequest
	if err := json.Unmarshal(b1, &second); err != nil {
		t.Fatalf("json.Unmarshal() error = %v", err)
	}
	b2, err := json.Marshal(second)
	if err != nil {
		t.Fatal(err)
	}
	if string(b1) != string(b2) {
		t.Errorf("marshal, unmarshal, marshal changed the JSON:\n%s\n%s", b1, b2)
	}
	// Equal to the fixture as JSON, except "essential": false, which is the default.
	var gotAny, wantAny any
	_ = json.Unmarshal(b1, &gotAny)
	_ = json.Unmarshal([]byte(claimsFixture), &wantAny)
	delete(wantAny.(map[string]any)["id_token"].(map[string]any)["cpf"].(map[string]any), "essential")
	if diff := cmp.Diff(wantAny, gotAny); diff != "" {
		t.Errorf("marshalled claims mismatch (-want +got):\n%s", diff)
	}
	if cr, ok := second.IDTokenClaim("auth_time"); !ok || cr != nil {
		t.Errorf("IDTokenClaim(auth_time) = %v, %v, want nil, true (null member)", cr, ok)
	}
	if cr, _ := second.IDTokenClaim("max_amount"); cr == nil || cr.Value != json.Number("12345678901234567890") {
		t.Errorf("max_amount value = %#v, want json.Number 12345678901234567890", cr)
	}
}

func TestClaimsEssentialValue(t *testing.T) {
	tests := []struct {
		name   string
		give   string
		wantV  string
		wantOK bool
	}{
		{name: "id_token", give: `{"id_token":{"openbanking_intent_id":{"value":"a","essential":true}}}`, wantV: "a", wantOK: true},
		{name: "userinfo only", give: `{"userinfo":{"openbanking_intent_id":{"value":"b","essential":true}}}`, wantV: "b", wantOK: true},
		{name: "id_token first", give: `{"userinfo":{"openbanking_intent_id":{"value":"b","essential":true}},"id_token":{"openbanking_intent_id":{"value":"a","essential":true}}}`, wantV: "a", wantOK: true},
		{name: "not essential", give: `{"id_token":{"openbanking_intent_id":{"value":"a"}}}`},
		{name: "not a string", give: `{"id_token":{"openbanking_intent_id":{"value":42,"essential":true}}}`},
		{name: "null member", give: `{"id_token":{"openbanking_intent_id":null}}`},
		{name: "absent", give: `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := oauth.ParseClaims([]byte(tt.give))
			if err != nil {
				t.Fatalf("ParseClaims() error = %v", err)
			}
			v, ok := c.EssentialValue("openbanking_intent_id")
			if v != tt.wantV || ok != tt.wantOK {
				t.Errorf("EssentialValue() = %q, %v, want %q, %v", v, ok, tt.wantV, tt.wantOK)
			}
		})
	}
	var nilClaims *oauth.ClaimsRequest
	if _, ok := nilClaims.EssentialValue("x"); ok {
		t.Error("nil ClaimsRequest EssentialValue() ok = true, want false")
	}
}

func TestParseClaims_Rejects(t *testing.T) {
	tests := []struct {
		name string
		give string
	}{
		{name: "array", give: `[]`},
		{name: "null", give: `null`},
		{name: "string", give: `"{}"`},
		{name: "not JSON", give: `{`},
		{name: "userinfo not an object", give: `{"userinfo":["email"]}`},
		{name: "id_token null", give: `{"id_token":null}`},
		{name: "claim not an object", give: `{"id_token":{"acr":"x"}}`},
		{name: "essential not a boolean", give: `{"id_token":{"acr":{"essential":"true"}}}`},
		{name: "values not an array", give: `{"id_token":{"acr":{"values":"x"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oauth.ParseClaims([]byte(tt.give))
			var oe *oauth.Error
			if !errors.As(err, &oe) || oe.Code != oauth.CodeInvalidRequest {
				t.Fatalf("ParseClaims() error = %v, want invalid_request", err)
			}
		})
	}
}

func TestParseAuthorizationDetails(t *testing.T) {
	const give = `[{"type":"fdx_v1.0","consentRequest":{"durationType":"ONE_TIME","durationPeriod":365}},
	 {"type":"payment_initiation","locations":["https://rs.example.com"],"actions":["initiate"],
	  "datatypes":["x"],"identifier":"acct-1","privileges":["p"],"instructedAmount":{"currency":"EUR","amount":"123.50"}}]`
	got, err := oauth.ParseAuthorizationDetails([]byte(give))
	if err != nil {
		t.Fatalf("ParseAuthorizationDetails() error = %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("len = %d, want 2", len(got))
	}
	want := oauth.AuthorizationDetail{
		Type: "payment_initiation", Locations: []string{"https://rs.example.com"}, Actions: []string{"initiate"},
		DataTypes: []string{"x"}, Identifier: "acct-1", Privileges: []string{"p"},
	}
	if diff := cmp.Diff(want, got[1], cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "Raw" }, cmp.Ignore())); diff != "" {
		t.Errorf("details[1] mismatch (-want +got):\n%s", diff)
	}
	// The full objects survive a round trip, type-specific fields included.
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var gotAny, wantAny any
	_ = json.Unmarshal(b, &gotAny)
	_ = json.Unmarshal([]byte(give), &wantAny)
	if diff := cmp.Diff(wantAny, gotAny); diff != "" {
		t.Errorf("marshalled details mismatch (-want +got):\n%s", diff)
	}
	var back []oauth.AuthorizationDetail
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("json.Unmarshal() error = %v", err)
	}
	if b2, _ := json.Marshal(back); string(b2) != string(b) {
		t.Errorf("round trip changed the JSON:\n%s\n%s", b, b2)
	}
	// A detail built in code (no Raw) marshals its common fields.
	built, _ := json.Marshal(oauth.AuthorizationDetail{Type: "t", Actions: []string{"a"}})
	if string(built) != `{"type":"t","actions":["a"]}` {
		t.Errorf("built detail = %s, want {\"type\":\"t\",\"actions\":[\"a\"]}", built)
	}
}

func TestParseAuthorizationDetails_Rejects(t *testing.T) {
	tests := []struct {
		name string
		give string
	}{
		{name: "object, not array", give: `{"type":"a"}`},
		{name: "string", give: `"[]"`},
		{name: "not JSON", give: `[{"type":"a"}`},
		{name: "element not an object", give: `["a"]`},
		{name: "element null", give: `[null]`},
		{name: "missing type", give: `[{"actions":["read"]}]`},
		{name: "empty type", give: `[{"type":""}]`},
		{name: "type not a string", give: `[{"type":1}]`},
		{name: "type spelled Type", give: `[{"Type":"a"}]`},
		{name: "locations not strings", give: `[{"type":"a","locations":[1]}]`},
		{name: "actions not an array", give: `[{"type":"a","actions":"read"}]`},
		{name: "identifier not a string", give: `[{"type":"a","identifier":["x"]}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := oauth.ParseAuthorizationDetails([]byte(tt.give))
			var oe *oauth.Error
			if !errors.As(err, &oe) || oe.Code != oauth.CodeInvalidAuthorizationDetails {
				t.Fatalf("ParseAuthorizationDetails() error = %v, want invalid_authorization_details", err)
			}
		})
	}
}

func TestCheckAuthorizationDetailTypes(t *testing.T) {
	ds := []oauth.AuthorizationDetail{{Type: "fdx_v1.0"}, {Type: "other"}}
	if err := oauth.CheckAuthorizationDetailTypes(ds[:1], []string{"fdx_v1.0"}); err != nil {
		t.Errorf("CheckAuthorizationDetailTypes(known) error = %v, want nil", err)
	}
	err := oauth.CheckAuthorizationDetailTypes(ds, []string{"fdx_v1.0"})
	var oe *oauth.Error
	if !errors.As(err, &oe) || oe.Code != oauth.CodeInvalidAuthorizationDetails {
		t.Errorf("CheckAuthorizationDetailTypes(unknown) error = %v, want invalid_authorization_details", err)
	}
}
