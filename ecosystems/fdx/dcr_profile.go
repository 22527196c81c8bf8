package fdx

import "github.com/openconsent/openconsent/dcr"

// DCRProfile is the FDX Recipient registration API: plain RFC 7591 JSON
// (RecipientRequest, snake_case) without a software statement, client_name
// and redirect_uris required (v6.5), the FDX extension members kept and
// returned, `status` in every response, new recipients Pending until the
// bank approves them offline (the status vocabulary is ours: FDX defines
// the member as a free string), management with registration access
// tokens.
func DCRProfile() dcr.Profile {
	return dcr.Profile{
		Name:           "fdx",
		Format:         dcr.FormatJSON,
		Management:     dcr.Management{RAT: true},
		InitialStatus:  dcr.StatusPending,
		ExposeStatus:   true,
		RequiredFields: []string{"client_name", "redirect_uris"},
		ExtraFields: []string{
			"description", "duration_type", "duration_period", "lookback_period",
			"registry_references", "intermediaries",
		},
		DefaultAuthMethod: "private_key_jwt",
	}
}
