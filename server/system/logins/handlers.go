package logins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/system/logins/gen"
)

// Mount installs the API on the workspace group g (mounted at
// "/"+workspace): the apikit validator, security (System clients with
// manage_logins, read from the spec) and error rendering on the API's own
// routes, then the handlers. opts add apikit options (e.g. WithLogger).
func Mount(g *echo.Group, p *oauth.Provider, clients oauth.ClientSource, workspace string, opts ...apikit.Option) error {
	doc, err := gen.GetSwagger()
	if err != nil {
		return fmt.Errorf("system logins API: %w", err)
	}
	lookup := func(ctx context.Context, id string) (*oauth.Client, error) {
		return clients.Client(ctx, workspace, id)
	}
	base := []apikit.Option{
		apikit.WithPrefix("/" + workspace),
		apikit.WithAuthenticator(p.AuthenticateBearer),
		apikit.RequireSystemClient(lookup),
	}
	kit, err := apikit.New(doc, apikit.RenderOAuth, append(base, opts...)...)
	if err != nil {
		return fmt.Errorf("system logins API: %w", err)
	}
	si := gen.NewStrictHandler(&handlers{p: p}, []gen.StrictMiddlewareFunc{noStore})
	gen.RegisterHandlers(kit.Router(g), si)
	return nil
}

// noStore keeps login details (who is asked what) out of caches.
func noStore(f gen.StrictHandlerFunc, _ string) gen.StrictHandlerFunc {
	return func(c echo.Context, req any) (any, error) {
		c.Response().Header().Set("Cache-Control", "no-store")
		return f(c, req)
	}
}

// handlers implement the API on one workspace's provider.
type handlers struct{ p *oauth.Provider }

var _ gen.StrictServerInterface = (*handlers)(nil)

// GetLogin implements gen.StrictServerInterface.
func (h *handlers) GetLogin(ctx context.Context, req gen.GetLoginRequestObject) (gen.GetLoginResponseObject, error) {
	info, err := h.p.Login(ctx, req.LoginID)
	if err != nil {
		switch status, body := outcome(err); status {
		case http.StatusNotFound:
			return gen.GetLogin404JSONResponse{NotFoundJSONResponse: gen.NotFoundJSONResponse(body)}, nil
		case http.StatusConflict:
			return gen.GetLogin409JSONResponse{ConflictJSONResponse: gen.ConflictJSONResponse(body)}, nil
		case http.StatusBadRequest:
			return gen.GetLogin400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse(body)}, nil
		}
		return nil, err
	}
	l, err := toLogin(info)
	if err != nil {
		return nil, err
	}
	return gen.GetLogin200JSONResponse(l), nil
}

// AcceptLogin implements gen.StrictServerInterface.
func (h *handlers) AcceptLogin(ctx context.Context, req gen.AcceptLoginRequestObject) (gen.AcceptLoginResponseObject, error) {
	to, err := h.p.AcceptLogin(ctx, req.LoginID, toAccept(req.Body))
	if err != nil {
		switch status, body := outcome(err); status {
		case http.StatusNotFound:
			return gen.AcceptLogin404JSONResponse{NotFoundJSONResponse: gen.NotFoundJSONResponse(body)}, nil
		case http.StatusConflict:
			return gen.AcceptLogin409JSONResponse{ConflictJSONResponse: gen.ConflictJSONResponse(body)}, nil
		case http.StatusBadRequest:
			return gen.AcceptLogin400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse(body)}, nil
		}
		return nil, err
	}
	return gen.AcceptLogin200JSONResponse{RedirectJSONResponse: gen.RedirectJSONResponse{RedirectTo: to}}, nil
}

// RejectLogin implements gen.StrictServerInterface.
func (h *handlers) RejectLogin(ctx context.Context, req gen.RejectLoginRequestObject) (gen.RejectLoginResponseObject, error) {
	rj := oauth.LoginReject{}
	if b := req.Body; b != nil {
		rj.Error, rj.Description = string(b.Error), deref(b.ErrorDescription)
	}
	to, err := h.p.RejectLogin(ctx, req.LoginID, rj)
	if err != nil {
		switch status, body := outcome(err); status {
		case http.StatusNotFound:
			return gen.RejectLogin404JSONResponse{NotFoundJSONResponse: gen.NotFoundJSONResponse(body)}, nil
		case http.StatusConflict:
			return gen.RejectLogin409JSONResponse{ConflictJSONResponse: gen.ConflictJSONResponse(body)}, nil
		case http.StatusBadRequest:
			return gen.RejectLogin400JSONResponse{BadRequestJSONResponse: gen.BadRequestJSONResponse(body)}, nil
		}
		return nil, err
	}
	return gen.RejectLogin200JSONResponse{RedirectJSONResponse: gen.RedirectJSONResponse{RedirectTo: to}}, nil
}

// outcome maps a provider error once (style §5). Unknown or expired logins
// are 404, decided ones 409; an *oauth.Error the provider answers with 400
// (invalid_request such as a granted scope that was not requested, or a
// consent engine's 400 code) keeps its code and its description, which the
// oauth package writes to be shown. Status 0 means "unexpected": the handler
// returns the error and apikit renders a logged 500 without detail.
func outcome(err error) (int, gen.Error) {
	switch {
	case oauth.IsNotFound(err):
		return http.StatusNotFound, errorBody(apikit.CodeNotFound, "the login is unknown or has expired")
	case oauth.IsConflict(err):
		return http.StatusConflict, errorBody(apikit.CodeConflict, "the login was already accepted or rejected")
	}
	var oe *oauth.Error
	if errors.As(err, &oe) && oe.Code != oauth.CodeServerError && oe.HTTPStatus() == http.StatusBadRequest {
		return http.StatusBadRequest, errorBody(oe.Code, oe.Description)
	}
	return 0, gen.Error{}
}

func errorBody(code, desc string) gen.Error {
	e := gen.Error{Error: code}
	if desc != "" {
		e.ErrorDescription = &desc
	}
	return e
}

// toLogin builds the wire view. Requested claims and authorization_details
// are sent as the client sent them (their own MarshalJSON keeps every member).
func toLogin(info *oauth.LoginInfo) (gen.Login, error) {
	l := gen.Login{
		LoginID:         info.LoginID,
		Client:          gen.LoginClient{ClientID: info.Client.ID, ClientName: opt(info.Client.Name), LogoURI: opt(info.Client.LogoURI)},
		RequestedScopes: append([]string{}, info.Scopes...),
		MaxAge:          info.MaxAge,
		ExpiresAt:       info.ExpiresAt.UTC(),
	}
	if acr := strings.Fields(info.ACRValues); len(acr) > 0 {
		l.AcrValues = &acr
	}
	if info.Claims != nil {
		b, err := json.Marshal(info.Claims)
		if err != nil {
			return gen.Login{}, fmt.Errorf("claims: %w", err)
		}
		raw := json.RawMessage(b)
		l.Claims = &raw
	}
	if len(info.AuthorizationDetails) > 0 {
		ds := make([]json.RawMessage, 0, len(info.AuthorizationDetails))
		for _, d := range info.AuthorizationDetails {
			b, err := json.Marshal(d)
			if err != nil {
				return gen.Login{}, fmt.Errorf("authorization_details: %w", err)
			}
			ds = append(ds, b)
		}
		l.AuthorizationDetails = &ds
	}
	if c := info.Consent; c != nil {
		l.Consent = &gen.LoginConsent{ID: c.ID, Status: c.Status, Display: c.Display}
		if len(c.Resources) > 0 {
			rs := append([]string{}, c.Resources...)
			l.Consent.Resources = &rs
		}
	}
	return l, nil
}

// toAccept maps the request to the provider's decision. auth_time is a
// NumericDate (seconds since the epoch); absent means now.
func toAccept(b *gen.LoginAcceptRequest) oauth.LoginAccept {
	if b == nil {
		return oauth.LoginAccept{}
	}
	a := oauth.LoginAccept{
		Subject: b.Subject, ACR: deref(b.Acr), AMR: derefSlice(b.Amr), GrantedScopes: derefSlice(b.GrantedScopes),
	}
	if b.AuthTime != nil {
		a.AuthTime = time.Unix(*b.AuthTime, 0)
	}
	if b.Consent != nil {
		a.Resources = derefSlice(b.Consent.Resources)
	}
	if b.IDTokenClaims != nil {
		a.IDTokenClaims = *b.IDTokenClaims
	}
	if b.UserinfoClaims != nil {
		a.UserInfoClaims = *b.UserinfoClaims
	}
	return a
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefSlice(s *[]string) []string {
	if s == nil {
		return nil
	}
	return *s
}
