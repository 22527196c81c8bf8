package oauth

import (
	"encoding/json"
	"net/http"
)

const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// handlePAR serves the pushed authorization request endpoint (RFC 9126 §2).
func (p *Provider) handlePAR(w http.ResponseWriter, r *http.Request) {
	if err := p.par(w, r); err != nil {
		p.writeErr(w, r, err)
	}
}

func (p *Provider) par(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	now := p.now()
	ac, err := p.auth.Authenticate(r, p.opt.Workspace, p.endpointURL(r, "/par"), now)
	if err != nil {
		return err
	}
	f := r.PostForm
	if f.Has("request_uri") {
		return InvalidRequest("request_uri is not allowed at the pushed authorization request endpoint") // RFC 9126 §2.1
	}
	req, once, err := p.readAuthorizationRequest(r.Context(), ac.Client, f, now)
	if err != nil {
		return err
	}
	if err := p.checkRedirectURI(ac.Client, req); err != nil {
		return err
	}
	if err := p.validateRequest(ac.Client, req); err != nil {
		return err
	}
	once = append(once, ac.Once...)
	if p.dpop != nil {
		// RFC 9449 §10.1: a DPoP proof at PAR binds the code to its key, like dpop_jkt.
		proof, err := p.dpop.Verify(r, p.endpointURL(r, "/par"), "", now)
		if err != nil {
			return err
		}
		if proof != nil {
			if req.DPoPJKT != "" && req.DPoPJKT != proof.JKT {
				return InvalidDPoPProof("dpop_jkt does not match the DPoP proof key")
			}
			req.DPoPJKT = proof.JKT
			once = append(once, proof.Once())
		}
	}
	if _, err := p.opt.Consents.Check(r.Context(), p.opt.Workspace, ac.Client, req); err != nil {
		return asOAuth(err)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return ServerError(err)
	}
	id := randomID(32)
	rec := PARRecord{ID: id, Workspace: p.opt.Workspace, ClientID: ac.Client.ID, Request: body,
		ExpiresAt: now.Add(p.opt.Tokens.RequestURILifetime)}
	if err := p.opt.Store.SavePAR(r.Context(), p.opt.Workspace, once, rec); err != nil {
		return p.replayOrServerError(err)
	}
	WriteJSON(w, http.StatusCreated, map[string]any{
		"request_uri": requestURIPrefix + id,
		"expires_in":  int64(p.opt.Tokens.RequestURILifetime.Seconds()),
	})
	return nil
}

// replayOrServerError maps a store error on a write that carried single-use values.
func (p *Provider) replayOrServerError(err error) error {
	var re *ReplayError
	if asReplay(err, &re) {
		switch re.Kind {
		case OnceDPoPJTI:
			return InvalidDPoPProof("the DPoP proof jti was already used")
		case OnceRequestJTI:
			return InvalidRequestObject("the request object jti was already used")
		}
		return InvalidClient("the client assertion jti was already used")
	}
	return ServerError(err)
}
