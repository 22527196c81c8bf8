package dcr_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openconsent/openconsent/dcr"
)

// registered registers a Brasil-like client and returns it with its RAT.
func registered(t *testing.T, f *fixture, r *dcr.Registrar) (*dcr.Client, string) {
	t.Helper()
	reg, err := r.Register(t.Context(), jsonReq(t, brRequest(f.dir.sign(t, f.brSSAClaims())), brCert(t)))
	if err != nil {
		t.Fatalf("Register() = %v", err)
	}
	return reg.Client, reg.AccessToken
}

func TestAuthorizeRAT(t *testing.T) {
	tests := []struct {
		name     string
		giveTTL  time.Duration
		giveWait time.Duration
		giveID   string // "" = the registered client
		giveRAT  string // "" = its token
		wantCode string
	}{
		{name: "valid"},
		{name: "no expiry after a year", giveWait: 365 * 24 * time.Hour},
		{name: "within its ttl", giveTTL: time.Hour, giveWait: 59 * time.Minute},
		{name: "expired", giveTTL: time.Hour, giveWait: time.Hour, wantCode: dcr.CodeInvalidToken},
		{name: "wrong token", giveRAT: "guess", wantCode: dcr.CodeInvalidToken},
		{name: "unknown client", giveID: "nope", wantCode: dcr.CodeInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			r := f.registrar(t, brProfile(), func(o *dcr.Options) { o.RATLifetime = tt.giveTTL })
			c, rat := registered(t, f, r)
			f.clk.Advance(tt.giveWait)
			id, tok := c.ID, rat
			if tt.giveID != "" {
				id = tt.giveID
			}
			if tt.giveRAT != "" {
				tok = tt.giveRAT
			}
			_, err := r.Authorize(t.Context(), id, tok)
			wantCode(t, err, tt.wantCode)
		})
	}
}

func TestRotateRAT(t *testing.T) {
	f := newFixture(t)
	r := f.registrar(t, brProfile(), func(o *dcr.Options) { o.RotateRAT = true })
	c, rat := registered(t, f, r)
	reg, err := r.Get(t.Context(), c.ID, dcr.Caller{RAT: rat})
	if err != nil || reg.AccessToken == "" || reg.AccessToken == rat {
		t.Fatalf("Get() = %+v, %v; want a new registration access token", reg, err)
	}
	_, err = r.Authorize(t.Context(), c.ID, rat)
	wantCode(t, err, dcr.CodeInvalidToken)
	if _, err := r.Authorize(t.Context(), c.ID, reg.AccessToken); err != nil {
		t.Errorf("Authorize(new token) = %v", err)
	}
	// A caller that did not use the token (dcr_manage) does not rotate it.
	reg2, err := r.Get(t.Context(), c.ID, dcr.Caller{Actor: "admin"})
	if err != nil || reg2.AccessToken != "" {
		t.Errorf("Get(without RAT) = %+v, %v; want no new token", reg2, err)
	}
}

func TestUpdate(t *testing.T) {
	f := newFixture(t)
	r := f.registrar(t, brProfile(), func(o *dcr.Options) { o.InitialStatus = dcr.StatusPending })
	c, rat := registered(t, f, r)
	tests := []struct {
		name     string
		giveSSA  func(c map[string]any)
		giveBody func(b map[string]any)
		giveID   string
		wantCode string
	}{
		{name: "another client_id", giveBody: func(b map[string]any) { b["client_id"] = "other" }, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "another software", giveSSA: func(s map[string]any) { s["software_id"] = "sw-2" }, giveBody: func(map[string]any) {}, wantCode: dcr.CodeInvalidClientMetadata},
		{name: "unknown client", giveID: "nope", wantCode: dcr.CodeInvalidToken},
		{name: "redirect URI not in the SSA", giveBody: func(b map[string]any) { b["redirect_uris"] = []string{"https://evil.test/cb"} }, wantCode: dcr.CodeInvalidRedirectURI},
		{name: "valid", giveBody: func(b map[string]any) {
			b["client_id"], b["redirect_uris"], b["scope"] = c.ID, []string{"https://tpp.test/cb2"}, "openid consents"
			b["registration_access_token"] = "ignored" // RFC 7592 §2.2 fields the server provisions
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := f.brSSAClaims()
			if tt.giveSSA != nil {
				tt.giveSSA(claims)
			}
			body := brRequest(f.dir.sign(t, claims))
			if tt.giveBody != nil {
				tt.giveBody(body)
			}
			id := c.ID
			if tt.giveID != "" {
				id = tt.giveID
			}
			reg, err := r.Update(t.Context(), id, jsonReq(t, body, map[string]string{oidUID: claims["software_id"].(string), oidOrg: "OFBBR-org-1"}), dcr.Caller{RAT: rat})
			wantCode(t, err, tt.wantCode)
			if tt.wantCode != "" {
				return
			}
			got := reg.Client
			if got.Status != dcr.StatusPending || got.Metadata.Scope != "openid consents" || !slices.Equal(got.Metadata.RedirectURIs, []string{"https://tpp.test/cb2"}) {
				t.Errorf("updated client = %+v", got)
			}
			if _, err := r.Authorize(t.Context(), c.ID, rat); err != nil {
				t.Errorf("the registration access token stopped working without rotation: %v", err)
			}
		})
	}
}

func TestDelete(t *testing.T) {
	f := newFixture(t)
	r := f.registrar(t, brProfile())
	c, rat := registered(t, f, r)
	if err := r.Delete(t.Context(), c.ID, dcr.Caller{RAT: rat, Actor: "client:" + c.ID}); err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	_, err := r.Get(t.Context(), c.ID, dcr.Caller{})
	wantCode(t, err, dcr.CodeInvalidToken)
	wantCode(t, r.Delete(t.Context(), c.ID, dcr.Caller{}), dcr.CodeInvalidToken)
	if d := cmp.Diff([]string{"client.registered", "client.deleted"}, f.store.actions()); d != "" {
		t.Errorf("audit mismatch (-want +got):\n%s", d)
	}
	// The software may register again once its registration is gone.
	if _, err := r.Register(t.Context(), jsonReq(t, brRequest(f.dir.sign(t, f.brSSAClaims())), brCert(t))); err != nil {
		t.Errorf("Register() after Delete = %v", err)
	}
}

func TestCanTransition(t *testing.T) {
	tests := []struct {
		giveFrom, giveTo dcr.Status
		want             bool
	}{
		{dcr.StatusPending, dcr.StatusApproved, true},
		{dcr.StatusPending, dcr.StatusRejected, true},
		{dcr.StatusPending, dcr.StatusInactive, false},
		{dcr.StatusApproved, dcr.StatusInactive, true},
		{dcr.StatusApproved, dcr.StatusPending, false},
		{dcr.StatusInactive, dcr.StatusApproved, true},
		{dcr.StatusRejected, dcr.StatusApproved, false},
		{dcr.StatusRejected, dcr.StatusRejected, true},
	}
	for _, tt := range tests {
		if got := dcr.CanTransition(tt.giveFrom, tt.giveTo); got != tt.want {
			t.Errorf("CanTransition(%s, %s) = %v, want %v", tt.giveFrom, tt.giveTo, got, tt.want)
		}
	}
}

func TestNewRegistrarRefusesBadOptions(t *testing.T) {
	f := newFixture(t)
	base := func() dcr.Options {
		return dcr.Options{Workspace: "ws", Profile: brProfile(), Rules: testRules(), Store: f.store, Keys: f.keys, Audiences: []string{"a"}}
	}
	tests := []struct {
		name string
		give func(o *dcr.Options)
	}{
		{"no workspace", func(o *dcr.Options) { o.Workspace = "" }},
		{"no store", func(o *dcr.Options) { o.Store = nil }},
		{"SSA without keys", func(o *dcr.Options) { o.Keys = nil }},
		{"JWT without the SSA's jwks claim", func(o *dcr.Options) { o.Profile = jwtProfile(); o.Profile.SSA.Claims.JWKSURI = "" }},
		{"JWT without audiences", func(o *dcr.Options) { o.Profile = jwtProfile(); o.Audiences = nil }},
		{"no management", func(o *dcr.Options) { o.Profile.Management = dcr.Management{} }},
		{"negative RAT lifetime", func(o *dcr.Options) { o.RATLifetime = -time.Second }},
		{"unknown initial status", func(o *dcr.Options) { o.InitialStatus = "Maybe" }},
		{"webhook rules with webhook_uris not kept", func(o *dcr.Options) { o.Profile.ExtraFields = nil }},
		{"webhook SSA claim without SSA rules", func(o *dcr.Options) { o.Profile.SSA = nil; o.Profile.Cert = nil; o.Profile.OnePerSoftwareID = false }},
		{"invalid webhook pattern", func(o *dcr.Options) { o.Profile.Webhooks.Pattern = "(" }},
		{"negative webhook max length", func(o *dcr.Options) { o.Profile.Webhooks.MaxLength = -1 }},
	}
	for _, tt := range tests {
		o := base()
		tt.give(&o)
		if _, err := dcr.NewRegistrar(o); err == nil {
			t.Errorf("NewRegistrar(%s) error = nil, want an error", tt.name)
		}
	}
	if _, err := dcr.NewRegistrar(base()); err != nil {
		t.Errorf("NewRegistrar(valid) = %v", err)
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	give := dcr.Metadata{
		RedirectURIs: []string{"https://a.test/cb"}, Scope: "openid", DPoPBoundAccessTokens: true,
		Extra: map[string]json.RawMessage{"duration_type": json.RawMessage(`["ONE_TIME"]`), "scope": json.RawMessage(`"shadow"`)},
	}
	b1, err := json.Marshal(give)
	if err != nil {
		t.Fatal(err)
	}
	var got dcr.Metadata
	if err := json.Unmarshal(b1, &got); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(got)
	if string(b1) != string(b2) {
		t.Errorf("round trip:\n%s\n%s", b1, b2)
	}
	if got.Scope != "openid" {
		t.Errorf("Scope = %q: an extension member overrode a standard field", got.Scope)
	}
}

func TestErrorIs(t *testing.T) {
	err := error(dcr.InvalidRedirectURI("x"))
	if !errors.Is(err, &dcr.Error{Code: dcr.CodeInvalidRedirectURI}) || errors.Is(err, &dcr.Error{Code: dcr.CodeInvalidToken}) {
		t.Error("errors.Is does not match on Code")
	}
}
