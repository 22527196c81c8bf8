package registration

import (
	"errors"
	"net/http"
	"strings"

	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/server/authctx"
	"github.com/openconsent/openconsent/server/oauth"
)

// authenticate decides who calls a management endpoint for client id
// (RFC 7592 §2), in this order:
//
//  1. a registration access token of that client (RFC 7592 §3), where the
//     profile issues them;
//  2. an access token of this workspace (AuthenticateBearer: active, and
//     sender-constrained as issued) carrying dcr_manage: any dynamically
//     registered client of the workspace;
//  3. where the profile manages with the client's own token (CDR, UK): a
//     client_credentials token issued to that very client, with the
//     profile's scope (CDR cdr:registration).
//
// A token that is none of these is invalid_token (401); a valid token for
// another client or without the scope is insufficient_scope (403).
func (h *Handler) authenticate(r *http.Request, id string) (dcr.Caller, error) {
	ctx := r.Context()
	prof := h.opt.Registrar.Profile()
	if prof.RequireMTLS && authctx.ClientCert(ctx) == nil {
		return dcr.Caller{}, dcr.InvalidClient("registration management requires mutual TLS with a client certificate")
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if tok == "" {
		return dcr.Caller{}, dcr.InvalidToken("an access token is required")
	}
	if prof.Management.RAT && strings.EqualFold(scheme, "Bearer") {
		_, err := h.opt.Registrar.Authorize(ctx, id, tok)
		if err == nil {
			return dcr.Caller{RAT: tok, Actor: "client:" + id}, nil
		}
		if !errors.Is(err, &dcr.Error{Code: dcr.CodeInvalidToken}) {
			return dcr.Caller{}, err
		}
	}
	info, err := h.opt.Provider.AuthenticateBearer(r, Path+"/"+id)
	if err != nil {
		if oe := oauth.AsError(err); oe.Code == oauth.CodeInvalidToken && oe.Header.Get("DPoP-Nonce") == "" {
			// Neither a registration access token nor one of our access
			// tokens: one answer for both (RFC 7592 §2.1).
			return dcr.Caller{}, dcr.InvalidToken("the access token is not valid for this client")
		}
		return dcr.Caller{}, err
	}
	if info.HasScope(ScopeManage) {
		return dcr.Caller{Actor: ScopeManage + ":" + info.Record.ClientID}, nil
	}
	m := prof.Management
	switch {
	case !m.ClientToken:
		return dcr.Caller{}, dcr.InsufficientScope("the access token may not manage registrations")
	case info.Record.ClientID != id:
		return dcr.Caller{}, dcr.InsufficientScope("the access token was issued to another client")
	case info.Record.Subject != "":
		return dcr.Caller{}, dcr.InsufficientScope("a client_credentials access token of the client is required")
	case m.ClientTokenScope != "" && !info.HasScope(m.ClientTokenScope):
		return dcr.Caller{}, dcr.InsufficientScope("the access token lacks scope %s", m.ClientTokenScope)
	}
	return dcr.Caller{Actor: "client:" + id}, nil
}
