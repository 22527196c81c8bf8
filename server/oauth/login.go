package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"time"
)

// LoginInfo is what the bank's login/consent app is shown for a login_id.
type LoginInfo struct {
	LoginID              string
	Client               *Client
	Scopes               []string
	Claims               *ClaimsRequest
	AuthorizationDetails []AuthorizationDetail
	ACRValues            string
	MaxAge               *int
	Consent              *ConsentRef
	ExpiresAt            time.Time
}

// LoginAccept is the bank's decision to grant.
type LoginAccept struct {
	Subject  string
	ACR      string
	AMR      []string
	AuthTime time.Time // zero: now
	// GrantedScopes ⊆ requested; empty means all requested.
	GrantedScopes []string
	// Resources are the selected resources (e.g. account ids) for the consent.
	Resources      []string
	IDTokenClaims  map[string]any
	UserInfoClaims map[string]any
}

// LoginReject is the bank's refusal.
type LoginReject struct {
	Error       string // access_denied (default), login_required, consent_required, interaction_required
	Description string
}

// loginDecision is stored with the login between accept/reject and resume.
type loginDecision struct {
	Grant       *Grant `json:"grant,omitempty"`
	Error       string `json:"error,omitempty"`
	Description string `json:"error_description,omitempty"`
}

// Login returns the pending login for the bank's app. ErrNotFound when
// unknown or expired; ErrConflict when already decided.
func (p *Provider) Login(ctx context.Context, loginID string) (*LoginInfo, error) {
	l, c, req, err := p.pendingLogin(ctx, loginID)
	if err != nil {
		return nil, err
	}
	ref, err := p.opt.Consents.Check(ctx, p.opt.Workspace, c, req)
	if err != nil {
		return nil, err
	}
	return &LoginInfo{
		LoginID: loginID, Client: c, Scopes: req.Scopes(), Claims: req.Claims,
		AuthorizationDetails: req.AuthorizationDetails, ACRValues: joinFields(requestedACR(req)), MaxAge: req.MaxAge,
		Consent: ref, ExpiresAt: l.ExpiresAt,
	}, nil
}

func (p *Provider) pendingLogin(ctx context.Context, loginID string) (*LoginRecord, *Client, *AuthorizationRequest, error) {
	l, err := p.opt.Store.Login(ctx, p.opt.Workspace, hashID(loginID), p.now())
	if err != nil {
		return nil, nil, nil, err
	}
	if l.State != LoginPending {
		return nil, nil, nil, ErrConflict
	}
	var req AuthorizationRequest
	if err := json.Unmarshal(l.Request, &req); err != nil {
		return nil, nil, nil, err
	}
	c, err := p.opt.Clients.Client(ctx, p.opt.Workspace, l.ClientID)
	if err != nil {
		return nil, nil, nil, err
	}
	return l, c, &req, nil
}

// AcceptLogin authorises the consent (if any) and records the grant; the
// browser then returns to /authorize/resume, which issues the code.
func (p *Provider) AcceptLogin(ctx context.Context, loginID string, a LoginAccept) (string, error) {
	_, c, req, err := p.pendingLogin(ctx, loginID)
	if err != nil {
		return "", err
	}
	if a.Subject == "" {
		return "", InvalidRequest("subject is required")
	}
	scopes := req.Scopes()
	if len(a.GrantedScopes) > 0 {
		for _, s := range a.GrantedScopes {
			if !slices.Contains(scopes, s) {
				return "", InvalidRequest("granted scope " + s + " was not requested")
			}
		}
		scopes = a.GrantedScopes
	}
	authTime := a.AuthTime
	if authTime.IsZero() {
		authTime = p.now()
	}
	if req.MaxAge != nil && p.now().Unix()-authTime.Unix() > int64(*req.MaxAge) {
		// OIDC Core §3.1.2.1 max_age: the user must authenticate again.
		// Compared in whole seconds, as auth_time is (OIDC Core §2): with
		// max_age=0 a login at this very moment must pass.
		return "", InvalidRequest("auth_time is older than the requested max_age: authenticate the user again")
	}
	acr, err := chooseACR(req, a.ACR)
	if err != nil {
		return "", err
	}
	a.ACR = acr
	g := &Grant{
		ID: randomID(12), ClientID: c.ID, Subject: a.Subject, Scope: joinFields(scopes),
		Resources: a.Resources, AuthTime: authTime.Unix(), ACR: a.ACR, AMR: a.AMR, Nonce: req.Nonce,
		Claims: req.Claims, AuthorizationDetails: req.AuthorizationDetails,
		IDTokenClaims: a.IDTokenClaims, UserInfoClaims: a.UserInfoClaims,
	}
	ref, err := p.opt.Consents.Authorise(ctx, p.opt.Workspace, c, req, ConsentDecision{Subject: a.Subject, Resources: a.Resources, Scopes: scopes})
	if err != nil {
		return "", err
	}
	if ref != nil {
		applyConsent(g, ref)
	}
	return p.decide(ctx, loginID, LoginAccepted, loginDecision{Grant: g})
}

// RejectLogin records a refusal; the browser returns to the client with the error.
func (p *Provider) RejectLogin(ctx context.Context, loginID string, rj LoginReject) (string, error) {
	if _, _, _, err := p.pendingLogin(ctx, loginID); err != nil {
		return "", err
	}
	switch rj.Error {
	case "":
		rj.Error = CodeAccessDenied
	case CodeAccessDenied, CodeLoginRequired, CodeConsentRequired, CodeInteractionRequired:
	default:
		return "", InvalidRequest("error must be access_denied, login_required, consent_required or interaction_required")
	}
	return p.decide(ctx, loginID, LoginRejected, loginDecision{Error: rj.Error, Description: rj.Description})
}

func (p *Provider) decide(ctx context.Context, loginID, to string, d loginDecision) (string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	if err := p.opt.Store.TransitionLogin(ctx, p.opt.Workspace, hashID(loginID), LoginPending, to, b, p.now()); err != nil {
		return "", err
	}
	return addQuery(p.opt.Issuer+"/authorize/resume", url.Values{"login_id": {loginID}}), nil
}

// IsNotFound and IsConflict let adapters map login errors without importing sentinels twice.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrClientNotFound)
}

// IsConflict reports a login that was already decided or completed.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }

// chooseACR honours an essential acr claim (OIDC Core §5.5.1.1, FAPI 1.0
// Adv §5.2.2-6 / UK urn:openbanking:psd2:sca): the accepted acr must be one
// of the requested values, and the bank must say which it achieved.
// Voluntary acr_values are only a hint.
func chooseACR(req *AuthorizationRequest, given string) (string, error) {
	values, essential := acrRequest(req)
	switch {
	case len(values) == 0, given == "" && !essential:
		return given, nil
	case given == "":
		// Never assert an authentication level on the bank's behalf.
		return "", InvalidRequest("the request asks for an essential acr (" + joinFields(values) + "): accept with the acr achieved")
	case slices.Contains(values, given) || !essential:
		return given, nil
	}
	return "", InvalidRequest("acr must be one of the requested values: " + joinFields(values))
}

// acrRequest returns the acr values a request asks for: the id_token acr
// claim's value(s) (and whether it is essential), else acr_values.
func acrRequest(req *AuthorizationRequest) (values []string, essential bool) {
	if req.Claims != nil {
		if cr, ok := req.Claims.IDTokenClaim("acr"); ok && cr != nil {
			essential = cr.Essential
			if s, ok := cr.Value.(string); ok {
				values = append(values, s)
			}
			for _, v := range cr.Values {
				if s, ok := v.(string); ok {
					values = append(values, s)
				}
			}
		}
	}
	if len(values) == 0 {
		values = fieldsOf(req.ACRValues)
	}
	return values, essential
}

// requestedACR lists the acr values shown to the bank's login app.
func requestedACR(req *AuthorizationRequest) []string {
	v, _ := acrRequest(req)
	return v
}
