package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// ukPaymentBody is a domestic payment consent request; ref varies the body.
func ukPaymentBody(ref string) []byte {
	return []byte(`{"Data":{"Initiation":{"InstructionIdentification":"INSTR-` + ref + `","EndToEndIdentification":"E2E-` + ref + `",` +
		`"InstructedAmount":{"Amount":"10.50","Currency":"GBP"},` +
		`"CreditorAccount":{"SchemeName":"UK.OBIE.SortCodeAccountNumber","Identification":"08080021325698","Name":"ACME Inc"}}},` +
		`"Risk":{"PaymentContextCode":"EcommerceGoods","ContractPresentInidicator":true}}`)
}

// ukVRPBody is a domestic VRP consent request with a monthly limit.
func ukVRPBody(alignment string) []byte {
	to := time.Now().Add(365 * 24 * time.Hour).UTC().Format(time.RFC3339)
	return []byte(`{"Data":{"ReadRefundAccount":"Yes","ControlParameters":{"VRPType":["UK.OBIE.VRPType.Sweeping"],` +
		`"PSUAuthenticationMethods":["UK.OBIE.SCA"],"MaximumIndividualAmount":{"Amount":"100.00","Currency":"GBP"},` +
		`"PeriodicLimits":[{"PeriodType":"Fortnight","PeriodAlignment":"` + alignment + `","Amount":"500.00","Currency":"GBP"}],` +
		`"ValidToDateTime":"` + to + `"},` +
		`"Initiation":{"CreditorAccount":{"SchemeName":"UK.OBIE.SortCodeAccountNumber","Identification":"08080021325698","Name":"ACME Inc"}}},"Risk":{}}`)
}

// signedHeaders are the headers of a signed, idempotent request.
func (c *ukConn) signedHeaders(client string, body []byte, key string) http.Header {
	h := http.Header{}
	h.Set("x-jws-signature", c.signed(client, body))
	if key != "" {
		h.Set("x-idempotency-key", key)
	}
	return h
}

// TestUKDomesticPaymentConsent: signed and idempotent creation, signed
// reads, funds confirmation with the PSU's token for an authorised
// consent, consumption by the bank, and no DELETE.
func TestUKDomesticPaymentConsent(t *testing.T) {
	_, c := newUKConn(t)
	tok := c.ccToken("uk", ukTPP, "payments")
	body, key := ukPaymentBody("1"), uuid.NewString()
	r := c.api("uk", http.MethodPost, "/pisp/domestic-payment-consents", ukTPP, tok, body, c.signedHeaders(ukTPP, body, key))
	if r.status != http.StatusCreated || r.body["Data"].(map[string]any)["Status"] != "AwaitingAuthorisation" {
		t.Fatalf("POST = %d %s", r.status, r.raw)
	}
	c.verifyResponse("uk", r)
	id := r.body["Data"].(map[string]any)["ConsentId"].(string)
	if risk := r.body["Risk"].(map[string]any); risk["ContractPresentInidicator"] != true {
		t.Errorf("Risk = %v, want the v3.1.11 spelling echoed", risk)
	}

	// UK RW v3.1.11 Idempotency: the same key and body answer 201 with the
	// original; the same key with another body is refused.
	again := c.api("uk", http.MethodPost, "/pisp/domestic-payment-consents", ukTPP, tok, body, c.signedHeaders(ukTPP, body, key))
	if again.status != http.StatusCreated || again.body["Data"].(map[string]any)["ConsentId"] != id {
		t.Fatalf("replay = %d %s, want 201 with ConsentId %s", again.status, again.raw, id)
	}
	other := ukPaymentBody("2")
	mismatch := c.api("uk", http.MethodPost, "/pisp/domestic-payment-consents", ukTPP, tok, other, c.signedHeaders(ukTPP, other, key))
	wantUKError(t, mismatch, http.StatusBadRequest, "UK.OBIE.Header.Invalid")
	c.verifyResponse("uk", mismatch)

	g := c.authorise("uk", ukTPP, id, "openid payments", []string{"acc-1"})
	get := c.api("uk", http.MethodGet, "/pisp/domestic-payment-consents/"+id, ukTPP, tok, nil, nil)
	if get.status != http.StatusOK || get.body["Data"].(map[string]any)["Status"] != "Authorised" {
		t.Fatalf("GET = %d %s, want Authorised", get.status, get.raw)
	}
	c.verifyResponse("uk", get)
	fc := c.api("uk", http.MethodGet, "/pisp/domestic-payment-consents/"+id+"/funds-confirmation", ukTPP, g.access, nil, nil)
	res, _ := fc.body["Data"].(map[string]any)["FundsAvailableResult"].(map[string]any)
	if fc.status != http.StatusOK || res["FundsAvailable"] != true {
		t.Fatalf("funds confirmation = %d %s, want 200 FundsAvailable true", fc.status, fc.raw)
	}
	c.verifyResponse("uk", fc)
	cc := c.api("uk", http.MethodGet, "/pisp/domestic-payment-consents/"+id+"/funds-confirmation", ukTPP, tok, nil, nil)
	wantUKError(t, cc, http.StatusForbidden, "UK.OBIE.Header.Invalid")
	c.verifyResponse("uk", cc)

	// No DELETE on one-off payment consents: the route does not exist.
	if d := c.do(http.MethodDelete, "/uk/open-banking/v3.1/pisp/domestic-payment-consents/"+id, ukTPP,
		http.Header{"Authorization": {"Bearer " + tok}}, nil); d.status != http.StatusMethodNotAllowed && d.status != http.StatusNotFound {
		t.Errorf("DELETE payment consent = %d, want 404 or 405", d.status)
	}

	// The bank consumes the consent when the payment executes: its tokens go.
	sys := c.ccToken("uk", ukSys, "manage_consents")
	h := http.Header{"Authorization": {"Bearer " + sys}, "Content-Type": {"application/json"}}
	if r := c.do(http.MethodPost, "/uk/system/consents/"+id+"/consume", ukSys, h, []byte(`{"actor":"payments-engine"}`)); r.status != http.StatusOK {
		t.Fatalf("consume = %d %s", r.status, r.raw)
	}
	if get := c.api("uk", http.MethodGet, "/pisp/domestic-payment-consents/"+id, ukTPP, tok, nil, nil); get.body["Data"].(map[string]any)["Status"] != "Consumed" {
		t.Errorf("GET after consume = %s, want Consumed", get.raw)
	}
	if fc := c.api("uk", http.MethodGet, "/pisp/domestic-payment-consents/"+id+"/funds-confirmation", ukTPP, g.access, nil, nil); fc.status != http.StatusUnauthorized || fc.raw != "" {
		t.Errorf("funds confirmation after consume = %d %q, want 401 with no body", fc.status, fc.raw)
	}
}

// TestUKDomesticVRPConsent: control-parameter rules, funds confirmation
// with the PSU's token, DELETE revoking the consent and its tokens.
func TestUKDomesticVRPConsent(t *testing.T) {
	_, c := newUKConn(t)
	tok := c.ccToken("uk", ukTPP, "payments")
	bad := ukVRPBody("Calendar")
	r := c.api("uk", http.MethodPost, "/pisp/domestic-vrp-consents", ukTPP, tok, bad, c.signedHeaders(ukTPP, bad, uuid.NewString()))
	wantUKError(t, r, http.StatusBadRequest, "UK.OBIE.Field.Invalid")
	c.verifyResponse("uk", r)

	body := ukVRPBody("Consent")
	r = c.api("uk", http.MethodPost, "/pisp/domestic-vrp-consents", ukTPP, tok, body, c.signedHeaders(ukTPP, body, uuid.NewString()))
	if r.status != http.StatusCreated || r.body["Data"].(map[string]any)["ReadRefundAccount"] != "Yes" {
		t.Fatalf("POST = %d %s", r.status, r.raw)
	}
	c.verifyResponse("uk", r)
	id := r.body["Data"].(map[string]any)["ConsentId"].(string)
	g := c.authorise("uk", ukTPP, id, "openid payments", []string{"acc-1"})

	fcBody := func(consentID string) []byte {
		b, _ := json.Marshal(map[string]any{"Data": map[string]any{"ConsentId": consentID, "Reference": "ref-1",
			"InstructedAmount": map[string]string{"Amount": "20.00", "Currency": "GBP"}}})
		return b
	}
	path := "/pisp/domestic-vrp-consents/" + id + "/funds-confirmation"
	ok := fcBody(id)
	fc := c.api("uk", http.MethodPost, path, ukTPP, g.access, ok, c.signedHeaders(ukTPP, ok, ""))
	res, _ := fc.body["Data"].(map[string]any)["FundsAvailableResult"].(map[string]any)
	if fc.status != http.StatusCreated || res["FundsAvailable"] != "Available" {
		t.Fatalf("funds confirmation = %d %s, want 201 Available", fc.status, fc.raw)
	}
	c.verifyResponse("uk", fc)
	wrong := fcBody("another-consent")
	wantUKError(t, c.api("uk", http.MethodPost, path, ukTPP, g.access, wrong, c.signedHeaders(ukTPP, wrong, "")), http.StatusBadRequest, "UK.OBIE.Field.Invalid")
	wantUKError(t, c.api("uk", http.MethodPost, path, ukTPP, tok, ok, c.signedHeaders(ukTPP, ok, "")), http.StatusForbidden, "UK.OBIE.Header.Invalid")

	if d := c.api("uk", http.MethodDelete, "/pisp/domestic-vrp-consents/"+id, ukTPP, tok, nil, nil); d.status != http.StatusNoContent {
		t.Fatalf("DELETE = %d %s", d.status, d.raw)
	}
	if in := c.introspect("uk", g.access); in.body["active"] != false {
		t.Errorf("introspection after DELETE = %s, want inactive", in.raw)
	}
	gone := c.api("uk", http.MethodGet, "/pisp/domestic-vrp-consents/"+id, ukTPP, tok, nil, nil)
	wantUKError(t, gone, http.StatusBadRequest, "UK.OBIE.Resource.NotFound")
	c.verifyResponse("uk", gone)
	if !strings.Contains(gone.header.Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type = %q", gone.header.Get("Content-Type"))
	}
}
