package consent

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Options inject time and id generation so tests are deterministic.
type Options struct {
	Now   func() time.Time
	NewID func() string
	Hooks Hooks
}

// Service is the consent engine. Safe for concurrent use.
type Service struct {
	store Store
	now   func() time.Time
	newID func() string
	hooks Hooks
}

// NewService returns an engine over a store.
func NewService(st Store, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.NewID == nil {
		opt.NewID = randomUUID
	}
	return &Service{store: st, now: opt.Now, newID: opt.NewID, hooks: opt.Hooks}
}

// NewConsent is a consent to create.
type NewConsent struct {
	ID          string // optional: an ecosystem-specific id (e.g. "urn:bank:...")
	Workspace   string
	ClientID    string
	Ecosystem   string
	Kind        Kind
	Permissions []string
	ExpiresAt   *time.Time
	Payload     json.RawMessage
	Actor       string
	Idempotency *Idempotency
}

// Create stores a new consent awaiting authorisation. created is false when
// an idempotent retry returned the original.
func (s *Service) Create(ctx context.Context, n NewConsent) (*Consent, bool, error) {
	now := s.now().UTC()
	if n.ExpiresAt != nil && !n.ExpiresAt.After(now) {
		return nil, false, Invalid("expiration", "the expiry must be in the future")
	}
	id := n.ID
	if id == "" {
		id = s.newID()
	}
	c := &Consent{
		ID: id, Workspace: n.Workspace, ClientID: n.ClientID, Ecosystem: n.Ecosystem, Kind: n.Kind,
		Status: StatusAwaitingAuthorisation, Permissions: n.Permissions, ExpiresAt: n.ExpiresAt,
		Payload: n.Payload, Version: 1, CreatedAt: now, UpdatedAt: now, StatusUpdatedAt: now,
	}
	audit := AuditEvent{Workspace: n.Workspace, Actor: n.Actor, Action: "consent.created", Object: id, At: now}
	return s.store.CreateConsent(ctx, c, n.Idempotency, audit)
}

// Get returns a consent, applying expiry on read: a consent past its expiry
// is moved to expired before it is returned.
func (s *Service) Get(ctx context.Context, workspace, id string) (*Consent, error) {
	c, err := s.store.Consent(ctx, workspace, id)
	if err != nil {
		return nil, err
	}
	return s.expireIfDue(ctx, c)
}

// GetForClient returns a consent of that client; another client's consent
// is KindForbidden.
func (s *Service) GetForClient(ctx context.Context, workspace, clientID, id string) (*Consent, error) {
	c, err := s.Get(ctx, workspace, id)
	if err != nil {
		return nil, err
	}
	if c.ClientID != clientID {
		return nil, &Error{Kind: KindForbidden, Reason: "the consent belongs to another client"}
	}
	return c, nil
}

// History returns a consent's transitions.
func (s *Service) History(ctx context.Context, workspace, id string) ([]Transition, error) {
	return s.store.History(ctx, workspace, id)
}

// List returns a page of consents.
func (s *Service) List(ctx context.Context, workspace string, f Filter) ([]Consent, string, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	return s.store.ListConsents(ctx, workspace, f)
}

// Decision is the customer's authorisation.
type Decision struct {
	Subject   string
	Resources []string
	Actor     string
}

// Authorise records the customer's authorisation with the selected resources.
func (s *Service) Authorise(ctx context.Context, workspace, id string, d Decision) (*Consent, error) {
	if d.Subject == "" {
		return nil, Invalid("subject", "the subject is required")
	}
	return s.transition(ctx, workspace, id, EventAuthorise, d.Actor, "", func(ch *Change) {
		ch.Subject = &d.Subject
		ch.Resources = d.Resources
		if ch.Resources == nil {
			ch.Resources = []string{}
		}
	})
}

// Amendment is new terms for an authorised consent (CDR re-authorisation
// with cdr_arrangement_id). The subject must be the consent's customer.
type Amendment struct {
	Subject     string
	Resources   []string
	Permissions []string
	ExpiresAt   *time.Time
	Payload     []byte
	Actor       string
}

// Amend replaces an authorised consent's terms, keeping its id, and revokes
// the tokens issued under the old terms in the same transaction.
func (s *Service) Amend(ctx context.Context, workspace, id string, a Amendment) (*Consent, error) {
	c, err := s.Get(ctx, workspace, id)
	if err != nil {
		return nil, err
	}
	if c.Subject != a.Subject {
		return nil, &Error{Kind: KindForbidden, Reason: "the consent belongs to another customer"}
	}
	return s.transition(ctx, workspace, id, EventAmend, a.Actor, "amended", func(ch *Change) {
		ch.Resources, ch.Permissions, ch.Payload, ch.RevokeTokens = nonNilStrings(a.Resources), a.Permissions, a.Payload, true
		if a.ExpiresAt != nil {
			ch.ExpiresAt = a.ExpiresAt
		}
	})
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Reject records the customer's refusal.
func (s *Service) Reject(ctx context.Context, workspace, id, actor, reason string) (*Consent, error) {
	return s.transition(ctx, workspace, id, EventReject, actor, reason, nil)
}

// Revoke revokes a consent and, in the same transaction, every token bound to it.
func (s *Service) Revoke(ctx context.Context, workspace, id, actor, reason string) (*Consent, error) {
	return s.transition(ctx, workspace, id, EventRevoke, actor, reason, func(ch *Change) { ch.RevokeTokens = true })
}

// Consume marks an authorised payment consent consumed, exactly once however
// many requests race (the store's conditional update decides the winner).
func (s *Service) Consume(ctx context.Context, workspace, id, actor string) (*Consent, error) {
	return s.transition(ctx, workspace, id, EventConsume, actor, "", func(ch *Change) { ch.RevokeTokens = true })
}

// transition applies an event with optimistic concurrency: on a lost race it
// re-reads and re-decides, so the loser sees the winner's status.
func (s *Service) transition(ctx context.Context, workspace, id string, e Event, actor, reason string, edit func(*Change)) (*Consent, error) {
	for attempt := 0; attempt < 5; attempt++ {
		c, err := s.Get(ctx, workspace, id)
		if err != nil {
			return nil, err
		}
		to, err := Next(c.Status, e)
		if err != nil {
			return nil, err
		}
		ch := s.change(c, e, to, actor, reason)
		if edit != nil {
			edit(&ch)
		}
		s.notify(c, &ch, originOf(ctx))
		out, err := s.store.ApplyChange(ctx, ch)
		if errors.Is(err, ErrConflict) {
			continue
		}
		return out, err
	}
	return nil, ErrConflict
}

func (s *Service) change(c *Consent, e Event, to Status, actor, reason string) Change {
	now := s.now().UTC()
	detail, _ := json.Marshal(map[string]string{"from": string(c.Status), "to": string(to), "reason": reason})
	return Change{
		Workspace: c.Workspace, ID: c.ID, FromStatus: c.Status, FromVersion: c.Version, To: to, At: now,
		Transition: Transition{ConsentID: c.ID, From: c.Status, To: to, Event: e, Actor: actor, Reason: reason, At: now},
		Audit:      AuditEvent{Workspace: c.Workspace, Actor: actor, Action: "consent." + string(to), Object: c.ID, Detail: detail, At: now},
	}
}

// expireIfDue moves a non-terminal consent past its expiry to expired.
func (s *Service) expireIfDue(ctx context.Context, c *Consent) (*Consent, error) {
	if c.Status.Terminal() || !c.Expired(s.now()) {
		return c, nil
	}
	to, err := Next(c.Status, EventExpire)
	if err != nil {
		return c, nil
	}
	ch := s.change(c, EventExpire, to, "system", "expired")
	ch.RevokeTokens = true
	out, err := s.store.ApplyChange(ctx, ch)
	if errors.Is(err, ErrConflict) {
		return s.store.Consent(ctx, c.Workspace, c.ID) // another reader expired it first
	}
	return out, err
}

// ExpireDue is the periodic sweep: it expires a workspace's consents past
// their expiry (no notifications: natural expiry is not a revocation).
func (s *Service) ExpireDue(ctx context.Context, workspace string) (int, error) {
	due, err := s.store.DueForExpiry(ctx, workspace, s.now(), 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range due {
		out, err := s.expireIfDue(ctx, &due[i])
		if err != nil {
			return n, err
		}
		if out.Status == StatusExpired {
			n++
		}
	}
	return n, nil
}

func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

type originKey struct{}

// WithOrigin marks who causes the changes made with ctx ("customer", "bank",
// "client", "system"); hooks use it, e.g. CDR does not notify a recipient of
// a revocation the recipient asked for.
func WithOrigin(ctx context.Context, origin string) context.Context {
	return context.WithValue(ctx, originKey{}, origin)
}

func originOf(ctx context.Context) string {
	if o, ok := ctx.Value(originKey{}).(string); ok {
		return o
	}
	return "bank"
}

// notify asks the hooks which notifications the change emits.
func (s *Service) notify(c *Consent, ch *Change, origin string) {
	if s.hooks.OnChange == nil {
		return
	}
	for _, n := range s.hooks.OnChange(c, ch.To, origin) {
		if n.ID == "" {
			n.ID = s.newID()
		}
		n.Workspace, n.ConsentID = c.Workspace, c.ID
		n.Status, n.NextAt, n.CreatedAt = NotificationPending, ch.At, ch.At
		ch.Notifications = append(ch.Notifications, n)
	}
}
