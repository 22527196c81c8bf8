package server_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/openconsent/openconsent/ecosystems/uk"
	"github.com/openconsent/openconsent/server/oauthtest"
)

var ukUUIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestUKNegative sends, for every rule of the UK consent APIs, the request
// that breaks it and asserts the exact status and UK.OBIE code. Every
// answer is validated against our OpenAPI file; signed resources' answers
// must carry our signature.
func TestUKNegative(t *testing.T) {
	_, c := newUKConn(t)
	acc := c.ccToken("uk", ukTPP, "accounts")
	pay := c.ccToken("uk", ukTPP, "payments")
	acc2 := c.ccToken("uk", ukTPP2, "accounts")
	future := time.Now().Add(24 * time.Hour)
	mk := c.api("uk", http.MethodPost, "/aisp/account-access-consents", ukTPP, acc, ukAACBody([]string{"ReadAccountsBasic"}, future), nil)
	if mk.status != http.StatusCreated {
		t.Fatalf("POST = %d %s", mk.status, mk.raw)
	}
	id := mk.body["Data"].(map[string]any)["ConsentId"].(string)
	psu := c.authorise("uk", ukTPP, id, "openid accounts", []string{"acc-1"}).access
	mkPay := ukPaymentBody("neg")
	pr := c.api("uk", http.MethodPost, "/pisp/domestic-payment-consents", ukTPP, pay, mkPay, c.signedHeaders(ukTPP, mkPay, uuid.NewString()))
	payID := pr.body["Data"].(map[string]any)["ConsentId"].(string)
	payPSU := c.authorise("uk", ukTPP, payID, "openid payments", []string{"acc-1"}).access
	mkPay2 := ukPaymentBody("neg2")
	pr2 := c.api("uk", http.MethodPost, "/pisp/domestic-payment-consents", ukTPP, pay, mkPay2, c.signedHeaders(ukTPP, mkPay2, uuid.NewString()))
	payID2 := pr2.body["Data"].(map[string]any)["ConsentId"].(string)

	const aac, dpc = "/aisp/account-access-consents", "/pisp/domestic-payment-consents"
	signedPay := func(change func(h http.Header, body []byte) []byte) (http.Header, []byte) {
		b := ukPaymentBody(oauthtest.RandomString(6))
		h := c.signedHeaders(ukTPP, b, uuid.NewString())
		if change != nil {
			b = change(h, b)
		}
		return h, b
	}
	tests := []struct {
		name       string
		method     string
		path       string
		tok        string
		cert       string // "" = the TPP's
		give       func() (http.Header, []byte)
		wantStatus int
		wantCode   string // "" = no body
		wantSigned bool
	}{
		// 401 with no body (UK RW v3.1.11: "401 with no body").
		{name: "no token", method: "GET", path: aac + "/" + id, wantStatus: 401},
		{name: "unknown token", method: "GET", path: aac + "/" + id, tok: "not-a-token", wantStatus: 401},
		{name: "token without its certificate", method: "GET", path: aac + "/" + id, tok: acc, cert: ukTPP2, wantStatus: 401},
		{name: "no token on a signed resource", method: "GET", path: dpc + "/" + payID, wantStatus: 401},
		// 403: wrong grant or scope, another TPP's consent.
		{name: "PSU token creating a consent", method: "POST", path: aac, tok: psu, give: ukAACGive([]string{"ReadAccountsBasic"}, future), wantStatus: 403, wantCode: "UK.OBIE.Header.Invalid"},
		{name: "payments token on accounts", method: "POST", path: aac, tok: pay, give: ukAACGive([]string{"ReadAccountsBasic"}, future), wantStatus: 403, wantCode: "UK.OBIE.Header.Invalid"},
		{name: "client_credentials on funds confirmation", method: "GET", path: dpc + "/" + payID + "/funds-confirmation", tok: pay, wantStatus: 403, wantCode: "UK.OBIE.Header.Invalid", wantSigned: true},
		{name: "PSU token without scope payments", method: "GET", path: dpc + "/" + payID + "/funds-confirmation", tok: psu, wantStatus: 403, wantCode: "UK.OBIE.Header.Invalid", wantSigned: true},
		{name: "PSU token of another consent", method: "GET", path: dpc + "/" + payID2 + "/funds-confirmation", tok: payPSU, wantStatus: 403, wantCode: "UK.OBIE.Resource.ConsentMismatch", wantSigned: true},
		{name: "another TPP's consent", method: "GET", path: aac + "/" + id, tok: acc2, cert: ukTPP2, wantStatus: 403, wantCode: "UK.OBIE.Resource.ConsentMismatch"},
		{name: "another TPP deletes the consent", method: "DELETE", path: aac + "/" + id, tok: acc2, cert: ukTPP2, wantStatus: 403, wantCode: "UK.OBIE.Resource.ConsentMismatch"},
		// 400 for unknown resources (not 404).
		{name: "unknown consent", method: "GET", path: aac + "/no-such-consent", tok: acc, wantStatus: 400, wantCode: "UK.OBIE.Resource.NotFound"},
		{name: "a payment consent read as account access", method: "GET", path: aac + "/" + payID, tok: acc, wantStatus: 400, wantCode: "UK.OBIE.Resource.NotFound"},
		{name: "unknown payment consent", method: "GET", path: dpc + "/no-such-consent", tok: pay, wantStatus: 400, wantCode: "UK.OBIE.Resource.NotFound", wantSigned: true},
		// Permission rules (UK RW v3.1.11 AIS Profile, Permissions).
		{name: "empty permissions", method: "POST", path: aac, tok: acc, give: ukAACGive([]string{}, future), wantStatus: 400, wantCode: "UK.OBIE.Field.Invalid"},
		{name: "unknown permission", method: "POST", path: aac, tok: acc, give: ukAACGive([]string{"ReadAccountsBasic", "ReadEverything"}, future), wantStatus: 400, wantCode: "UK.OBIE.Field.Invalid"},
		{name: "no accounts permission", method: "POST", path: aac, tok: acc, give: ukAACGive([]string{"ReadBalances"}, future), wantStatus: 400, wantCode: "UK.OBIE.Field.Invalid"},
		{name: "transactions without direction", method: "POST", path: aac, tok: acc, give: ukAACGive([]string{"ReadAccountsBasic", "ReadTransactionsBasic"}, future), wantStatus: 400, wantCode: "UK.OBIE.Field.Invalid"},
		{name: "direction without transactions", method: "POST", path: aac, tok: acc, give: ukAACGive([]string{"ReadAccountsBasic", "ReadTransactionsDebits"}, future), wantStatus: 400, wantCode: "UK.OBIE.Field.Invalid"},
		// Schema and dates.
		{name: "expiry in the past", method: "POST", path: aac, tok: acc, give: ukAACGive([]string{"ReadAccountsBasic"}, time.Now().Add(-time.Hour)), wantStatus: 400, wantCode: "UK.OBIE.Field.InvalidDate"},
		{name: "date-time without time zone", method: "POST", path: aac, tok: acc, give: ukRawGive(`{"Data":{"Permissions":["ReadAccountsBasic"],"ExpirationDateTime":"2099-01-01T00:00:00"},"Risk":{}}`), wantStatus: 400, wantCode: "UK.OBIE.Field.InvalidDate"},
		{name: "Data missing", method: "POST", path: aac, tok: acc, give: ukRawGive(`{"Risk":{}}`), wantStatus: 400, wantCode: "UK.OBIE.Field.Missing"},
		{name: "unexpected field", method: "POST", path: aac, tok: acc, give: ukRawGive(`{"Data":{"Permissions":["ReadAccountsBasic"]},"Risk":{},"Extra":1}`), wantStatus: 400, wantCode: "UK.OBIE.Field.Unexpected"},
		{name: "not JSON", method: "POST", path: aac, tok: acc, give: ukRawGive(`{"Data":`), wantStatus: 400, wantCode: "UK.OBIE.Resource.InvalidFormat"},
		{name: "not application/json", method: "POST", path: aac, tok: acc, give: func() (http.Header, []byte) {
			return http.Header{"Content-Type": {"text/plain"}}, ukAACBody([]string{"ReadAccountsBasic"}, future)
		}, wantStatus: 415},
		{name: "malformed x-fapi-auth-date", method: "GET", path: aac + "/" + id, tok: acc, give: func() (http.Header, []byte) {
			return http.Header{"x-fapi-auth-date": {"yesterday"}}, nil
		}, wantStatus: 400, wantCode: "UK.OBIE.Header.Invalid"},
		// Idempotency (UK RW v3.1.11 Idempotency).
		{name: "idempotency key missing", method: "POST", path: dpc, tok: pay, give: func() (http.Header, []byte) {
			return signedPay(func(h http.Header, b []byte) []byte { h.Del("x-idempotency-key"); return b })
		}, wantStatus: 400, wantCode: "UK.OBIE.Header.Missing", wantSigned: true},
		{name: "idempotency key of 41 characters", method: "POST", path: dpc, tok: pay, give: func() (http.Header, []byte) {
			return signedPay(func(h http.Header, b []byte) []byte { h.Set("x-idempotency-key", strings.Repeat("k", 41)); return b })
		}, wantStatus: 400, wantCode: "UK.OBIE.Header.Invalid", wantSigned: true},
		// Message signing (UK RW v3.1.11 Message Signing).
		{name: "signature missing", method: "POST", path: dpc, tok: pay, give: func() (http.Header, []byte) {
			return signedPay(func(h http.Header, b []byte) []byte { h.Del("x-jws-signature"); return b })
		}, wantStatus: 400, wantCode: "UK.OBIE.Signature.Missing", wantSigned: true},
		{name: "signature over another body", method: "POST", path: dpc, tok: pay, give: func() (http.Header, []byte) {
			return signedPay(func(h http.Header, b []byte) []byte { return ukPaymentBody("changed") })
		}, wantStatus: 400, wantCode: "UK.OBIE.Signature.Invalid", wantSigned: true},
		{name: "signature by another TPP", method: "POST", path: dpc, tok: pay, give: func() (http.Header, []byte) {
			return signedPay(func(h http.Header, b []byte) []byte { h.Set("x-jws-signature", c.signed(ukTPP2, b)); return b })
		}, wantStatus: 400, wantCode: "UK.OBIE.Signature.InvalidClaim", wantSigned: true},
		{name: "signature with b64", method: "POST", path: dpc, tok: pay, give: func() (http.Header, []byte) {
			return signedPay(func(h http.Header, b []byte) []byte {
				h.Set("x-jws-signature", c.signedCustom(ukTPP, b, jose.PS256, false))
				return b
			})
		}, wantStatus: 400, wantCode: "UK.OBIE.Signature.InvalidClaim", wantSigned: true},
		{name: "signature with alg RS256", method: "POST", path: dpc, tok: pay, give: func() (http.Header, []byte) {
			return signedPay(func(h http.Header, b []byte) []byte {
				h.Set("x-jws-signature", c.signedCustom(ukTPP, b, jose.RS256, true))
				return b
			})
		}, wantStatus: 400, wantCode: "UK.OBIE.Signature.InvalidClaim", wantSigned: true},
		{name: "signature malformed", method: "POST", path: dpc, tok: pay, give: func() (http.Header, []byte) {
			return signedPay(func(h http.Header, b []byte) []byte { h.Set("x-jws-signature", "abc.def.ghi"); return b })
		}, wantStatus: 400, wantCode: "UK.OBIE.Signature.Malformed", wantSigned: true},
		{name: "unsupported creditor scheme", method: "POST", path: dpc, tok: pay, give: func() (http.Header, []byte) {
			b := []byte(strings.Replace(string(ukPaymentBody("sch")), "UK.OBIE.SortCodeAccountNumber", "XX.Bank.Account", 1))
			return c.signedHeaders(ukTPP, b, uuid.NewString()), b
		}, wantStatus: 400, wantCode: "UK.OBIE.Unsupported.Scheme", wantSigned: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.tb = t
			var h http.Header
			var body []byte
			if tt.give != nil {
				h, body = tt.give()
			}
			if h == nil {
				h = http.Header{}
			}
			iid := uuid.NewString()
			h.Set("x-fapi-interaction-id", iid)
			cert := tt.cert
			if cert == "" {
				cert = ukTPP
			}
			r := c.api("uk", tt.method, tt.path, cert, tt.tok, body, h)
			if tt.wantCode == "" {
				if r.status != tt.wantStatus || r.raw != "" {
					t.Fatalf("got %d %q, want %d with no body", r.status, r.raw, tt.wantStatus)
				}
			} else {
				wantUKError(t, r, tt.wantStatus, tt.wantCode)
			}
			if got := r.header.Get("x-fapi-interaction-id"); got != iid {
				t.Errorf("x-fapi-interaction-id = %q, want the request's %q", got, iid)
			}
			if tt.wantSigned {
				c.verifyResponse("uk", r)
			}
		})
	}
}

// signedCustom signs body with the OB claims but the given alg, and with
// b64 false (RFC 7797) when b64 is false: both forbidden from v3.1.4.
func (c *ukConn) signedCustom(client string, body []byte, alg jose.SignatureAlgorithm, b64 bool) string {
	c.tb.Helper()
	k := c.f.keys[client].JWK
	opts := (&jose.SignerOptions{}).WithType("JOSE").WithHeader("kid", k.KeyID).
		WithHeader(uk.ClaimIAT, time.Now().Unix()).WithHeader(uk.ClaimISS, client).WithHeader(uk.ClaimTAN, ukTAN).
		WithCritical(uk.ClaimIAT, uk.ClaimISS, uk.ClaimTAN)
	if !b64 {
		opts = opts.WithBase64(false)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: k.Key}, opts)
	ukMust(c.tb, err)
	obj, err := s.Sign(body)
	ukMust(c.tb, err)
	out, err := obj.DetachedCompactSerialize()
	ukMust(c.tb, err)
	return out
}

func ukAACGive(perms []string, expires time.Time) func() (http.Header, []byte) {
	return func() (http.Header, []byte) { return nil, ukAACBody(perms, expires) }
}

func ukRawGive(body string) func() (http.Header, []byte) {
	return func() (http.Header, []byte) { return nil, []byte(body) }
}

// TestUKInteractionIDGenerated: without x-fapi-interaction-id the answer
// carries a generated UUID, on success and on error.
func TestUKInteractionIDGenerated(t *testing.T) {
	_, c := newUKConn(t)
	acc := c.ccToken("uk", ukTPP, "accounts")
	for _, path := range []string{"/aisp/account-access-consents/unknown", "/aisp/account-access-consents"} {
		method, body := http.MethodGet, []byte(nil)
		if !strings.HasSuffix(path, "unknown") {
			method, body = http.MethodPost, ukAACBody([]string{"ReadAccountsBasic"}, time.Now().Add(time.Hour))
		}
		r := c.api("uk", method, path, ukTPP, acc, body, nil)
		if got := r.header.Get("x-fapi-interaction-id"); !ukUUIDPattern.MatchString(got) {
			t.Errorf("%s %s = %d with x-fapi-interaction-id %q, want a generated UUID", method, path, r.status, got)
		}
	}
}

// TestUKIntentBinding: the request object must carry the intent id for the
// accounts and payments scopes, of a consent of the client awaiting
// authorisation.
func TestUKIntentBinding(t *testing.T) {
	_, c := newUKConn(t)
	acc := c.ccToken("uk", ukTPP, "accounts")
	mk := c.api("uk", http.MethodPost, "/aisp/account-access-consents", ukTPP, acc, ukAACBody([]string{"ReadAccountsBasic"}, time.Time{}), nil)
	id := mk.body["Data"].(map[string]any)["ConsentId"].(string)
	tests := []struct {
		name       string
		giveClient string
		giveScope  string
		giveClaims map[string]any
		wantStatus int
		wantCode   string
	}{
		{"account-access intent used for payments", ukTPP, "openid payments", ukClaims(id), 400, "invalid_scope"},
		{"no intent for scope accounts", ukTPP, "", nil, 400, ""},
		{"intent not essential", ukTPP, "", map[string]any{"id_token": map[string]any{"openbanking_intent_id": map[string]any{"value": id}}}, 400, ""},
		{"unknown intent", ukTPP, "", ukClaims("no-such-consent"), 400, ""},
		{"another client's intent", ukTPP2, "", ukClaims(id), 400, ""},
		{"the client's intent", ukTPP, "", ukClaims(id), 201, ""},
	}
	d := c.do(http.MethodGet, "/uk/.well-known/openid-configuration", "", nil, nil)
	if acr, _ := d.body["acr_values_supported"].([]any); len(acr) == 0 || acr[0] != ukSCA {
		t.Errorf("acr_values_supported = %v, want %s first", d.body["acr_values_supported"], ukSCA)
	}
	if claims, _ := d.body["claims_supported"].([]any); !slices.Contains(claims, any("openbanking_intent_id")) {
		t.Errorf("claims_supported = %v, want openbanking_intent_id", d.body["claims_supported"])
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.tb = t
			scope, code := tt.giveScope, tt.wantCode
			if scope == "" {
				scope = "openid accounts"
			}
			if code == "" {
				code = "invalid_request"
			}
			r, _, _ := c.par("uk", tt.giveClient, scope, tt.giveClaims)
			if r.status != tt.wantStatus {
				t.Fatalf("PAR = %d %s, want %d", r.status, r.raw, tt.wantStatus)
			}
			if tt.wantStatus == 400 && r.body["error"] != code {
				t.Errorf("error = %v, want %s", r.body["error"], code)
			}
		})
	}
}

// TestKSAProfile: the KSA workspace serves account access under its own
// base path, requires ExpirationDateTime, applies its own permission list
// and serves no payment resources (assumptions, ecosystems/ksa).
func TestKSAProfile(t *testing.T) {
	e, c := newUKConn(t)
	acc := c.ccToken("ksa", ukTPP, "accounts")
	const aac = "/aisp/account-access-consents"
	wantUKError(t, c.api("ksa", http.MethodPost, aac, ukTPP, acc, ukAACBody([]string{"ReadAccountsBasic"}, time.Time{}), nil), 400, "UK.OBIE.Field.Missing")
	wantUKError(t, c.api("ksa", http.MethodPost, aac, ukTPP, acc, ukAACBody([]string{"ReadAccountsBasic", "ReadPAN"}, time.Now().Add(time.Hour)), nil), 400, "UK.OBIE.Field.Invalid")
	r := c.api("ksa", http.MethodPost, aac, ukTPP, acc, ukAACBody([]string{"ReadAccountsBasic"}, time.Now().Add(time.Hour)), nil)
	if r.status != http.StatusCreated {
		t.Fatalf("POST = %d %s", r.status, r.raw)
	}
	id := r.body["Data"].(map[string]any)["ConsentId"].(string)
	if self := r.body["Links"].(map[string]any)["Self"]; self != e.base+"/ksa/open-banking/ksa/v1/aisp/account-access-consents/"+id {
		t.Errorf("Links.Self = %v", self)
	}
	g := c.authorise("ksa", ukTPP, id, "openid accounts", []string{"acc-9"})
	if in := c.introspect("ksa", g.access); in.body["consent_id"] != id {
		t.Errorf("introspection = %s, want the consent", in.raw)
	}
	body, _ := json.Marshal(map[string]any{})
	p := c.do(http.MethodPost, "/ksa/open-banking/ksa/v1/pisp/domestic-payment-consents", ukTPP,
		http.Header{"Authorization": {"Bearer " + acc}, "Content-Type": {"application/json"}}, body)
	if p.status != http.StatusNotFound {
		t.Errorf("KSA payment consents = %d, want 404 (not served)", p.status)
	}
	if d := c.do(http.MethodGet, "/uk/open-banking/v3.1"+aac+"/"+id, ukTPP, http.Header{"Authorization": {"Bearer " + acc}}, nil); d.status != http.StatusUnauthorized {
		t.Errorf("a KSA token at the UK workspace = %d, want 401", d.status)
	}
}
