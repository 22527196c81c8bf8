package server

import (
	"strings"
	"testing"
)

func TestRegistrationConfig(t *testing.T) {
	tests := []struct {
		name      string
		give      string // the registration section, indented under the workspace
		giveEco   string
		wantField string // "" = valid
	}{
		{name: "enabled generic", give: "enabled: true\n", giveEco: "generic"},
		{name: "pending with no expiry", give: "enabled: true\ninitial_status: Pending\nregistration_access_token_ttl: 0s\n", giveEco: "fdx"},
		{name: "unknown initial status", give: "initial_status: Suspended\n", wantField: "registration.initial_status"},
		{name: "negative ttl", give: "registration_access_token_ttl: -1m\n", wantField: "registration.registration_access_token_ttl"},
		{name: "negative ssa age", give: "ssa_max_age: -1m\n", wantField: "registration.ssa_max_age"},
		{name: "iat without issuer", give: "initial_access_token:\n  required: true\n", wantField: "registration.initial_access_token.issuer"},
		{name: "iat without keys", give: "initial_access_token:\n  issuer: https://iat.test\n", wantField: "registration.initial_access_token"},
		{name: "iat over http", give: "initial_access_token:\n  issuer: https://iat.test\n  jwks_url: http://iat.test/jwks\n", wantField: "registration.initial_access_token.jwks_url"},
		{name: "ssa ecosystem without issuers", give: "enabled: true\n", giveEco: "ofb", wantField: "registration.enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eco := tt.giveEco
			if eco == "" {
				eco = "generic"
			}
			section := "    registration:\n"
			for _, l := range strings.Split(strings.TrimRight(tt.give, "\n"), "\n") {
				section += "      " + l + "\n"
			}
			body := strings.Replace(validConfig, "    demo_login: true\n", "    demo_login: true\n    ecosystem: "+eco+"\n"+section, 1)
			_, err := Load(writeConfig(t, body))
			switch {
			case tt.wantField == "" && err != nil:
				t.Fatalf("Load() = %v, want nil", err)
			case tt.wantField != "" && (err == nil || !strings.Contains(err.Error(), "workspaces[0]."+tt.wantField+":")):
				t.Fatalf("Load() = %v, want an error naming workspaces[0].%s", err, tt.wantField)
			}
		})
	}
}
