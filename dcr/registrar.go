package dcr

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/openconsent/openconsent/consent"
)

// Options configure one workspace's Registrar.
type Options struct {
	Workspace string
	// RegistrationEndpoint is the absolute URL of POST /register; a
	// client's registration_client_uri is RegistrationEndpoint/{client_id}.
	RegistrationEndpoint string
	// Audiences are the aud values a FormatJWT request may carry: the
	// issuer, the registration endpoint, and e.g. the UK ASPSP's
	// organisation id.
	Audiences []string
	Profile   Profile
	// Rules are the security profile's metadata rules.
	Rules MetadataRules
	// Scopes are the scopes a dynamically registered client may hold: the
	// workspace's scopes without its system scopes (manage_*, dcr_manage).
	Scopes []string
	Store  ClientStore
	// Keys is required when the profile verifies software statements.
	Keys KeySource
	// Replay makes registration JWT jtis single-use; nil leaves them
	// checked for presence only.
	Replay ReplayGuard
	// RATLifetime is the registration access token lifetime; zero means
	// the token does not expire.
	RATLifetime time.Duration
	// RotateRAT issues a new registration access token on every use of the
	// current one (RFC 7592 §3: "MAY ... issue a new registration access
	// token"); the used one stops working.
	RotateRAT bool
	// InitialStatus overrides the profile's initial status when set.
	InitialStatus Status
	Now           func() time.Time
	NewID         func() string
}

// Registrar serves RFC 7591 registration and RFC 7592 management for one
// workspace. Build it once with NewRegistrar; it is safe for concurrent use.
type Registrar struct {
	opt   Options
	rules MetadataRules
	// webhookPattern is the profile's WebhookRules.Pattern, compiled once.
	webhookPattern *regexp.Regexp
}

// NewRegistrar checks the options (every error is a start-up error).
func NewRegistrar(opt Options) (*Registrar, error) {
	p := opt.Profile
	switch {
	case opt.Workspace == "":
		return nil, errors.New("dcr: Workspace is required")
	case opt.Store == nil:
		return nil, errors.New("dcr: Store is required")
	case p.SSA != nil && opt.Keys == nil:
		return nil, errors.New("dcr: Keys is required to verify software statements")
	case p.Format == FormatJWT && (p.SSA == nil || p.SSA.Claims.JWKSURI == ""):
		return nil, errors.New("dcr: a JWT request format needs an SSA naming the software's JWKS")
	case p.Format == FormatJWT && len(opt.Audiences) == 0:
		return nil, errors.New("dcr: Audiences are required to check registration JWTs")
	case (p.Cert != nil || p.OnePerSoftwareID) && (p.SSA == nil || p.SSA.Claims.SoftwareID == ""):
		return nil, errors.New("dcr: certificate checks and one registration per software_id need the SSA's software_id claim")
	case !p.Management.RAT && !p.Management.ClientToken:
		return nil, errors.New("dcr: the profile must allow registration access tokens or client tokens")
	case opt.RATLifetime < 0:
		return nil, errors.New("dcr: RATLifetime must not be negative")
	case opt.InitialStatus != "" && !opt.InitialStatus.Valid():
		return nil, fmt.Errorf("dcr: initial status %q is not one of Pending, Approved, Inactive, Rejected", opt.InitialStatus)
	}
	webhookPattern, err := compileWebhooks(p)
	if err != nil {
		return nil, err
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.NewID == nil {
		opt.NewID = func() string { return randomToken(18) }
	}
	return &Registrar{opt: opt, rules: opt.Rules.narrow(p.Narrow), webhookPattern: webhookPattern}, nil
}

// Profile returns the registrar's ecosystem profile.
func (r *Registrar) Profile() Profile { return r.opt.Profile }

// Registration is the outcome of a registration, read or update.
type Registration struct {
	Client *Client
	// AccessToken is the registration access token issued by this call
	// (on registration, or rotated); "" when none was issued.
	AccessToken string
}

// Register validates a registration request and stores the new client
// (RFC 7591 §3.1). Every failure a client may see is an *Error.
func (r *Registrar) Register(ctx context.Context, req Request) (*Registration, error) {
	now := r.opt.Now()
	if r.opt.Profile.RequireMTLS && req.Cert == nil {
		return nil, InvalidClient("registration requires mutual TLS with a client certificate")
	}
	p, err := r.parse(ctx, req, now)
	if err != nil {
		return nil, err
	}
	md, err := r.accept(p, req)
	if err != nil {
		return nil, err
	}
	c := &Client{
		ID: r.opt.NewID(), Workspace: r.opt.Workspace, SoftwareID: md.SoftwareID,
		UniqueSoftwareID: r.opt.Profile.OnePerSoftwareID, Status: r.initialStatus(),
		Metadata: *md, SoftwareStatement: p.raw, CreatedAt: now, UpdatedAt: now,
	}
	reg := &Registration{Client: c}
	if r.opt.Profile.Management.RAT {
		reg.AccessToken = r.newRAT(c, now)
	}
	err = r.opt.Store.CreateClient(ctx, c, r.audit("client.registered", req.Actor, c, now))
	if errors.Is(err, ErrDuplicateSoftwareID) {
		return nil, r.duplicate(ctx, c.SoftwareID, err)
	}
	if err != nil {
		return nil, fmt.Errorf("dcr: register: %w", err)
	}
	return reg, nil
}

// accept builds and checks the metadata of a parsed request.
func (r *Registrar) accept(p *parsed, req Request) (*Metadata, error) {
	md, err := r.buildMetadata(p)
	if err != nil {
		return nil, err
	}
	if err := r.scopes(md, p.ssa); err != nil {
		return nil, err
	}
	if err := r.validate(md); err != nil {
		return nil, err
	}
	if err := r.checkCert(req.Cert, p.ssa); err != nil {
		return nil, err
	}
	if r.opt.Profile.OnePerSoftwareID && md.SoftwareID == "" {
		return nil, InvalidSoftwareStatement("claim %s is required", r.opt.Profile.SSA.Claims.SoftwareID)
	}
	return md, nil
}

// duplicate is the error for a second registration of a software: the
// caller proved it is that software (SSA, signature, certificate), so the
// existing registration's client_id is named to let it update or delete it.
func (r *Registrar) duplicate(ctx context.Context, softwareID string, cause error) error {
	if old, err := r.opt.Store.ClientBySoftwareID(ctx, r.opt.Workspace, softwareID); err == nil {
		return InvalidSoftwareStatement("software_id %s is already registered here as client %s: update or delete that registration", clip(softwareID), old.ID).withCause(cause)
	}
	return InvalidSoftwareStatement("software_id %s is already registered here: update or delete that registration", clip(softwareID)).withCause(cause)
}

func (r *Registrar) initialStatus() Status {
	switch {
	case r.opt.InitialStatus != "":
		return r.opt.InitialStatus
	case r.opt.Profile.InitialStatus != "":
		return r.opt.Profile.InitialStatus
	}
	return StatusApproved
}

// audit is the event recorded with a change, in the same transaction.
func (r *Registrar) audit(action, actor string, c *Client, now time.Time) consent.AuditEvent {
	if actor == "" {
		actor = "anonymous"
	}
	detail, _ := json.Marshal(map[string]string{
		"software_id": c.SoftwareID, "status": string(c.Status), "profile": r.opt.Profile.Name,
		"client_name": c.Metadata.ClientName,
	})
	return consent.AuditEvent{Workspace: r.opt.Workspace, Actor: actor, Action: action, Object: c.ID, Detail: detail, At: now}
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
