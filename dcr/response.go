package dcr

import (
	"encoding/json"
	"fmt"
)

// Document is the client information response (RFC 7591 §3.2.1, RFC 7592
// §3): every registered metadata field (with the extension fields and the
// SSA claims the profile echoes), client_id and client_id_issued_at, the
// software statement unmodified when one was used, and, where the profile
// issues registration access tokens, registration_client_uri and the token
// issued by this call. The token is stored hashed, so a read without
// rotation cannot return it again.
func (r *Registrar) Document(reg *Registration) ([]byte, error) {
	c := reg.Client
	b, err := json.Marshal(c.Metadata)
	if err != nil {
		return nil, fmt.Errorf("dcr: document: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("dcr: document: %w", err)
	}
	doc["client_id"] = c.ID
	doc["client_id_issued_at"] = c.CreatedAt.Unix()
	if c.SoftwareStatement != "" {
		doc["software_statement"] = c.SoftwareStatement // RFC 7591 §3.2.1: unmodified
	}
	if r.opt.Profile.Management.RAT {
		doc["registration_client_uri"] = r.opt.RegistrationEndpoint + "/" + c.ID
		if reg.AccessToken != "" {
			doc["registration_access_token"] = reg.AccessToken
		}
	}
	if r.opt.Profile.ExposeStatus {
		doc["status"] = string(c.Status)
	}
	return json.Marshal(doc)
}
