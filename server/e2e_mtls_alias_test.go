package server_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/server"
)

// TestMTLSEndpointAliasesOnASeparateHost: with server.mtls_base_url, the
// RFC 8705 §5 aliases name the mTLS host, and a request arriving there is
// checked against the alias URL (DPoP htu), not the default one.
func TestMTLSEndpointAliasesOnASeparateHost(t *testing.T) {
	e := newEnv(t, func(c *server.Config) { c.Server.MTLSBaseURL = "https://mtls.as.test" })
	d := e.do(call{method: "GET", path: "/ws/.well-known/openid-configuration"})
	aliases, _ := d.body["mtls_endpoint_aliases"].(map[string]any)
	if aliases["token_endpoint"] != "https://mtls.as.test/ws/token" {
		t.Fatalf("mtls_endpoint_aliases = %v, want token_endpoint on https://mtls.as.test", aliases)
	}
	if d.body["token_endpoint"] != e.issuer+"/token" {
		t.Fatalf("token_endpoint = %v, want the default host", d.body["token_endpoint"])
	}
	dk := newKey(t, jose.ES256)
	send := func(htu string) result {
		proof, err := dk.DPoP(http.MethodPost, htu, "", "")
		must(t, err)
		h := http.Header{"DPoP": {proof}}
		form := e.auth("pkjwt", url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts"}})
		return e.doHost(call{path: "/ws/token", form: form, header: h}, "mtls.as.test")
	}
	if r := send("https://mtls.as.test/ws/token"); r.status != http.StatusOK {
		t.Fatalf("token on the alias host with an alias htu = %d %s", r.status, r.raw)
	}
	if r := send(e.issuer + "/token"); r.body["error"] != "invalid_dpop_proof" {
		t.Fatalf("token on the alias host with the default htu = %d %s, want invalid_dpop_proof", r.status, r.raw)
	}
}
