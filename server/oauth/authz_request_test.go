package oauth_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/openconsent/openconsent/server/oauth"
)

func TestParseAuthorizationParams(t *testing.T) {
	give := url.Values{
		"client_id":             {"c1"},
		"response_type":         {"code"},
		"redirect_uri":          {"https://client.example.com/cb"},
		"scope":                 {"openid accounts"},
		"state":                 {"st"},
		"nonce":                 {""}, // sent without a value: omitted (RFC 6749 §3.1)
		"code_challenge":        {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
		"code_challenge_method": {"S256"},
		"max_age":               {"0"},
		"prompt":                {"login"},
		"acr_values":            {"urn:openbanking:psd2:sca"},
		"dpop_jkt":              {"jkt"},
		"resource":              {"https://rs1.example.com", "https://rs2.example.com"}, // RFC 8707 §2
		"claims":                {`{"id_token":{"acr":null}}`},
		"authorization_details": {`[{"type":"fdx_v1.0"}]`},
		"unknown":               {"x", "y"}, // ignored, even repeated
		"request_uri":           {"urn:ietf:params:oauth:request_uri:abc"},
	}
	got, err := oauth.ParseAuthorizationParams(give)
	if err != nil {
		t.Fatalf("ParseAuthorizationParams() error = %v", err)
	}
	zero := 0
	want := &oauth.AuthorizationRequest{
		ClientID:            "c1",
		ResponseType:        "code",
		RedirectURI:         "https://client.example.com/cb",
		Scope:               "openid accounts",
		State:               "st",
		CodeChallenge:       "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		CodeChallengeMethod: "S256",
		MaxAge:              &zero,
		Prompt:              "login",
		ACRValues:           "urn:openbanking:psd2:sca",
		DPoPJKT:             "jkt",
		Resource:            []string{"https://rs1.example.com", "https://rs2.example.com"},
		Claims:              &oauth.ClaimsRequest{IDToken: map[string]*oauth.ClaimRequest{"acr": nil}},
		AuthorizationDetails: []oauth.AuthorizationDetail{
			{Type: "fdx_v1.0", Raw: json.RawMessage(`{"type":"fdx_v1.0"}`)},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request mismatch (-want +got):\n%s", diff)
	}
}

func TestParseAuthorizationParams_Rejects(t *testing.T) {
	base := func() url.Values {
		return url.Values{"client_id": {"c1"}, "response_type": {"code"}, "redirect_uri": {"https://client.example.com/cb"}}
	}
	tests := []struct {
		name     string
		giveKey  string
		giveVals []string
		wantCode string
	}{
		{name: "repeated state", giveKey: "state", giveVals: []string{"a", "b"}, wantCode: oauth.CodeInvalidRequest},
		{name: "repeated redirect_uri", giveKey: "redirect_uri", giveVals: []string{"https://a", "https://a"}, wantCode: oauth.CodeInvalidRequest},
		{name: "repeated scope, one empty", giveKey: "scope", giveVals: []string{"openid", ""}, wantCode: oauth.CodeInvalidRequest},
		{name: "repeated request_uri", giveKey: "request_uri", giveVals: []string{"urn:a", "urn:b"}, wantCode: oauth.CodeInvalidRequest},
		{name: "repeated claims", giveKey: "claims", giveVals: []string{"{}", "{}"}, wantCode: oauth.CodeInvalidRequest},
		{name: "max_age negative", giveKey: "max_age", giveVals: []string{"-1"}, wantCode: oauth.CodeInvalidRequest},
		{name: "max_age not a number", giveKey: "max_age", giveVals: []string{"1h"}, wantCode: oauth.CodeInvalidRequest},
		{name: "claims not an object", giveKey: "claims", giveVals: []string{`["email"]`}, wantCode: oauth.CodeInvalidRequest},
		{name: "authorization_details not an array", giveKey: "authorization_details", giveVals: []string{`{"type":"a"}`}, wantCode: oauth.CodeInvalidAuthorizationDetails},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := base()
			v[tt.giveKey] = tt.giveVals
			got, err := oauth.ParseAuthorizationParams(v)
			var oe *oauth.Error
			if !errors.As(err, &oe) || oe.Code != tt.wantCode {
				t.Fatalf("ParseAuthorizationParams() = %+v, %v, want error %s", got, err, tt.wantCode)
			}
		})
	}
}

// TestAuthzRequestJSONRoundTrip checks the form PAR stores: marshal,
// unmarshal, marshal gives the same JSON, and the per-request fields (JTI,
// ExpiresAt) are not stored.
func TestAuthzRequestJSONRoundTrip(t *testing.T) {
	claims, err := oauth.ParseClaims([]byte(claimsFixture))
	if err != nil {
		t.Fatal(err)
	}
	details, err := oauth.ParseAuthorizationDetails([]byte(`[{"type":"fdx_v1.0","consentRequest":{"durationPeriod":365}}]`))
	if err != nil {
		t.Fatal(err)
	}
	maxAge := 0
	give := &oauth.AuthorizationRequest{
		ClientID: "c1", ResponseType: "code", RedirectURI: "https://client.example.com/cb",
		Scope: "openid", MaxAge: &maxAge, Claims: claims, AuthorizationDetails: details,
		Extra:  map[string]json.RawMessage{"x": json.RawMessage(`{"y":[1,2]}`)},
		Signed: true, JTI: "not-stored",
	}
	b1, err := json.Marshal(give)
	if err != nil {
		t.Fatal(err)
	}
	var back oauth.AuthorizationRequest
	if err := json.Unmarshal(b1, &back); err != nil {
		t.Fatalf("json.Unmarshal() error = %v", err)
	}
	b2, err := json.Marshal(&back)
	if err != nil {
		t.Fatal(err)
	}
	if string(b1) != string(b2) {
		t.Errorf("round trip changed the JSON:\n%s\n%s", b1, b2)
	}
	if back.JTI != "" {
		t.Errorf("JTI = %q after a round trip, want it not stored", back.JTI)
	}
	if back.MaxAge == nil || *back.MaxAge != 0 {
		t.Errorf("MaxAge = %v, want 0 kept (not omitted)", back.MaxAge)
	}
	if v, ok := back.Claims.EssentialValue("openbanking_intent_id"); !ok || v != "urn:bank:intent:42" {
		t.Errorf("EssentialValue() = %q, %v after a round trip, want urn:bank:intent:42, true", v, ok)
	}
}
