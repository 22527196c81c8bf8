package oauth

import (
	"net/http"
	"slices"
	"time"
)

// senderBinding decides the sender constraint of the access token being
// issued (RFC 9449 DPoP or RFC 8705 mTLS) and returns the DPoP jti to make
// single-use. requiredJKT is the key the code was bound to at PAR/authorize.
func (p *Provider) senderBinding(r *http.Request, ac *AuthenticatedClient, path, requiredJKT string, now time.Time) (binding, []SingleUse, error) {
	var proof *DPoPProof
	if p.dpop != nil {
		var err error
		proof, err = p.dpop.Verify(r, p.endpointURL(r, path), "", now)
		if err != nil {
			return binding{}, nil, err
		}
	}
	c := ac.Client
	switch {
	case proof != nil:
		if requiredJKT != "" && proof.JKT != requiredJKT {
			// RFC 9449 §10: the token request must use the key dpop_jkt named.
			return binding{}, nil, InvalidDPoPProof("the DPoP key does not match the key the authorization request was bound to")
		}
		return binding{JKT: proof.JKT}, []SingleUse{proof.Once()}, nil
	case requiredJKT != "":
		return binding{}, nil, InvalidDPoPProof("a DPoP proof is required: the authorization request was bound to a DPoP key")
	case c.DPoPBoundAccessTokens:
		return binding{}, nil, InvalidDPoPProof("a DPoP proof is required: the client registered dpop_bound_access_tokens") // RFC 9449 §5.2
	case ac.Cert != nil && slices.Contains(p.opt.Profile.SenderConstraints, "mtls"):
		return binding{X5T: CertThumbprint(ac.Cert)}, nil, nil
	case c.TLSClientCertificateBoundAccessTokens:
		return binding{}, nil, InvalidRequest("a client certificate is required: the client registered tls_client_certificate_bound_access_tokens") // RFC 8705 §3
	case p.opt.Profile.RequireSenderConstraint:
		return binding{}, nil, InvalidRequest("sender-constrained access tokens are required: present a DPoP proof or a client certificate") // FAPI 2.0 SP §5.3.2.1-5
	}
	return binding{}, nil, nil
}
