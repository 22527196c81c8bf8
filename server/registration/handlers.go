package registration

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/server/authctx"
	"github.com/openconsent/openconsent/server/oauth"
)

// Path is the registration endpoint under the workspace root, and
// PathValue the name of the client id in ClientPath.
const (
	Path       = "/register"
	ClientPath = "/register/{client_id}"
	PathValue  = "client_id"
)

// ScopeManage is the scope of tokens that may read, update and delete any
// dynamically registered client of the workspace.
const ScopeManage = "dcr_manage"

// maxBody bounds a registration request: metadata plus an SSA.
const maxBody = 64 << 10

// Options configure one workspace's registration endpoints.
type Options struct {
	Registrar *dcr.Registrar
	// Provider authenticates access tokens (management by the client's own
	// token or a dcr_manage token).
	Provider *oauth.Provider
	// InitialAccessTokens, when non-nil with an Issuer, are checked on POST.
	InitialAccessTokens *InitialAccessTokens
	// OnChange is called with a client id after an update or deletion, so
	// that client caches forget it.
	OnChange func(clientID string)
	Logger   *slog.Logger
	Now      func() time.Time
}

// Handler serves the registration endpoints. Safe for concurrent use.
type Handler struct {
	opt Options
	log *slog.Logger
}

// New returns the handler.
func New(opt Options) (*Handler, error) {
	if opt.Registrar == nil || opt.Provider == nil {
		return nil, errors.New("registration: Registrar and Provider are required")
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.OnChange == nil {
		opt.OnChange = func(string) {}
	}
	return &Handler{opt: opt, log: opt.Logger}, nil
}

// Register serves POST /register (RFC 7591 §3.1): 201 with the client
// information response (§3.2.1), or 400 with an RFC 7591 §3.2.2 error.
func (h *Handler) Register(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor, err := h.opt.InitialAccessTokens.verify(ctx, r, h.opt.Now())
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if actor != "" {
		actor = "initial_access_token:" + actor
	}
	req, err := readRequest(w, r, actor)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	reg, err := h.opt.Registrar.Register(ctx, req)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	h.writeRegistration(w, r, http.StatusCreated, reg)
}

// Read serves GET /register/{client_id} (RFC 7592 §2.1).
func (h *Handler) Read(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue(PathValue)
	by, err := h.authenticate(r, id)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	reg, err := h.opt.Registrar.Get(r.Context(), id, by)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	h.writeRegistration(w, r, http.StatusOK, reg)
}

// Update serves PUT /register/{client_id} (RFC 7592 §2.2).
func (h *Handler) Update(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue(PathValue)
	by, err := h.authenticate(r, id)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	req, err := readRequest(w, r, by.Actor)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	reg, err := h.opt.Registrar.Update(r.Context(), id, req, by)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	h.opt.OnChange(id)
	h.writeRegistration(w, r, http.StatusOK, reg)
}

// Delete serves DELETE /register/{client_id} (RFC 7592 §2.3): 204; the
// client's tokens are revoked with it.
func (h *Handler) Delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue(PathValue)
	by, err := h.authenticate(r, id)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	if err := h.opt.Registrar.Delete(r.Context(), id, by); err != nil {
		h.writeErr(w, r, err)
		return
	}
	h.opt.OnChange(id)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// readRequest reads a bounded body with the client certificate.
func readRequest(w http.ResponseWriter, r *http.Request, actor string) (dcr.Request, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return dcr.Request{}, dcr.InvalidMetadata("request", "the body is larger than %d bytes", maxBody)
	}
	if err != nil {
		return dcr.Request{}, dcr.InvalidMetadata("request", "the body could not be read")
	}
	return dcr.Request{
		ContentType: r.Header.Get("Content-Type"), Body: body,
		Cert: authctx.ClientCert(r.Context()), Actor: actor,
	}, nil
}

// writeRegistration writes the client information response, never cached
// (it may carry a registration access token).
func (h *Handler) writeRegistration(w http.ResponseWriter, r *http.Request, status int, reg *dcr.Registration) {
	doc, err := h.opt.Registrar.Document(reg)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_, _ = w.Write(doc)
}
