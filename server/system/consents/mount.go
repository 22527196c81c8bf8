package consents

import (
	"context"
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/server/system/consents/gen"
)

// Mount installs the system consents API of one workspace: kin-openapi
// request validation and the manage_consents scope from the spec, system
// clients only.
func Mount(g *echo.Group, h *Handlers, clients oauth.ClientSource, opts ...apikit.Option) error {
	doc, err := gen.GetSwagger()
	if err != nil {
		return fmt.Errorf("system consents API: %w", err)
	}
	lookup := func(ctx context.Context, id string) (*oauth.Client, error) {
		return clients.Client(ctx, h.Workspace, id)
	}
	base := []apikit.Option{
		apikit.WithPrefix("/" + h.Workspace),
		apikit.WithAuthenticator(h.Provider.AuthenticateBearer),
		apikit.RequireSystemClient(lookup),
	}
	kit, err := apikit.New(doc, apikit.RenderOAuth, append(base, opts...)...)
	if err != nil {
		return fmt.Errorf("system consents API: %w", err)
	}
	gen.RegisterHandlers(kit.Router(g), gen.NewStrictHandler(h, nil))
	return nil
}
