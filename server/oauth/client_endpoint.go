package oauth

import (
	"net/http"
)

// AuthenticateClient authenticates a client calling an endpoint served
// outside this package (e.g. CDR's /arrangements/revoke): form body, client
// authentication with the endpoint's URL accepted as audience where the
// profile allows, and the assertion jti made single-use. path is the
// endpoint's path under the workspace.
func (p *Provider) AuthenticateClient(w http.ResponseWriter, r *http.Request, path string) (*AuthenticatedClient, error) {
	if err := parseForm(w, r); err != nil {
		return nil, err
	}
	now := p.now()
	ac, err := p.auth.Authenticate(r, p.opt.Workspace, p.endpointURL(r, path), now)
	if err != nil {
		return nil, err
	}
	if len(ac.Once) > 0 {
		if err := p.opt.Store.Issue(r.Context(), p.opt.Workspace, Issuance{Once: ac.Once}); err != nil {
			return nil, p.replayOrServerError(err)
		}
	}
	return ac, nil
}
