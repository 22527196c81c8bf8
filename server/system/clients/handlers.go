package clients

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/system/clients/gen"
)

// Options are what the API needs from one workspace.
type Options struct {
	Workspace string
	Admin     *dcr.Admin
	Provider  *oauth.Provider
	// Clients finds the caller's client (it must be a System client).
	Clients oauth.ClientSource
	// OnChange is called with a client id after its status changed, so
	// that client caches forget it.
	OnChange func(clientID string)
}

// Mount installs the API on the workspace group.
func Mount(g *echo.Group, o Options, opts ...apikit.Option) error {
	doc, err := gen.GetSwagger()
	if err != nil {
		return fmt.Errorf("system clients API: %w", err)
	}
	lookup := func(ctx context.Context, id string) (*oauth.Client, error) {
		return o.Clients.Client(ctx, o.Workspace, id)
	}
	base := []apikit.Option{
		apikit.WithPrefix("/" + o.Workspace),
		apikit.WithAuthenticator(o.Provider.AuthenticateBearer),
		apikit.RequireSystemClient(lookup),
	}
	kit, err := apikit.New(doc, apikit.RenderOAuth, append(base, opts...)...)
	if err != nil {
		return fmt.Errorf("system clients API: %w", err)
	}
	if o.OnChange == nil {
		o.OnChange = func(string) {}
	}
	si := gen.NewStrictHandler(&handlers{o: o}, []gen.StrictMiddlewareFunc{noStore})
	gen.RegisterHandlers(kit.Router(g), si)
	return nil
}

// noStore keeps client details out of caches.
func noStore(f gen.StrictHandlerFunc, _ string) gen.StrictHandlerFunc {
	return func(c echo.Context, req any) (any, error) {
		c.Response().Header().Set("Cache-Control", "no-store")
		return f(c, req)
	}
}

type handlers struct{ o Options }

var _ gen.StrictServerInterface = (*handlers)(nil)

func apiErr(code, desc string) gen.Error { return gen.Error{Error: code, ErrorDescription: &desc} }

// ListClients implements gen.StrictServerInterface.
func (h *handlers) ListClients(ctx context.Context, req gen.ListClientsRequestObject) (gen.ListClientsResponseObject, error) {
	p := req.Params
	f := dcr.ListFilter{}
	if p.Status != nil {
		f.Status = dcr.Status(*p.Status)
	}
	if p.After != nil {
		f.After = *p.After
	}
	if p.Limit != nil {
		f.Limit = *p.Limit
	}
	list, next, err := h.o.Admin.List(ctx, f)
	if errors.Is(err, dcr.ErrNotFound) {
		return gen.ListClients400JSONResponse{ErrorJSONResponse: gen.ErrorJSONResponse(apiErr("invalid_request", "after: the cursor is malformed"))}, nil
	}
	if err != nil {
		return nil, err
	}
	page := gen.ClientPage{Data: make([]gen.Client, 0, len(list))}
	for i := range list {
		c, err := toAPI(&list[i])
		if err != nil {
			return nil, err
		}
		page.Data = append(page.Data, c)
	}
	if next != "" {
		page.NextCursor = &next
	}
	return gen.ListClients200JSONResponse(page), nil
}

// GetClient implements gen.StrictServerInterface.
func (h *handlers) GetClient(ctx context.Context, req gen.GetClientRequestObject) (gen.GetClientResponseObject, error) {
	c, err := h.o.Admin.Get(ctx, req.ClientID)
	if errors.Is(err, dcr.ErrNotFound) {
		return gen.GetClient404JSONResponse(apiErr("not_found", "no such registered client")), nil
	}
	if err != nil {
		return nil, err
	}
	out, err := toAPI(c)
	if err != nil {
		return nil, err
	}
	return gen.GetClient200JSONResponse(out), nil
}

// SetClientStatus implements gen.StrictServerInterface.
func (h *handlers) SetClientStatus(ctx context.Context, req gen.SetClientStatusRequestObject) (gen.SetClientStatusResponseObject, error) {
	actor := "system"
	if t, ok := apikit.Token(ctx); ok {
		actor = "system:" + t.Record.ClientID
	}
	c, err := h.o.Admin.SetStatus(ctx, req.ClientID, dcr.Status(req.Body.Status), actor)
	switch {
	case errors.Is(err, dcr.ErrNotFound):
		return gen.SetClientStatus404JSONResponse(apiErr("not_found", "no such registered client")), nil
	case errors.Is(err, dcr.ErrInvalidTransition):
		return gen.SetClientStatus409JSONResponse(apiErr("invalid_transition", "the client cannot move to "+string(req.Body.Status)+" from its current status")), nil
	case err != nil:
		return nil, err
	}
	h.o.OnChange(c.ID)
	out, err := toAPI(c)
	if err != nil {
		return nil, err
	}
	return gen.SetClientStatus200JSONResponse(out), nil
}

func toAPI(c *dcr.Client) (gen.Client, error) {
	md, err := json.Marshal(c.Metadata)
	if err != nil {
		return gen.Client{}, err
	}
	out := gen.Client{
		ClientID: c.ID, Status: gen.Status(c.Status), Metadata: md,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if c.SoftwareID != "" {
		out.SoftwareID = &c.SoftwareID
	}
	if n := c.Metadata.ClientName; n != "" {
		out.ClientName = &n
	}
	return out, nil
}
