package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/store"
)

func consentService(s *store.Store, clock *time.Time, prefix string) *consent.Service {
	var n atomic.Int64
	return consent.NewService(s, consent.Options{
		Now:   func() time.Time { return *clock },
		NewID: func() string { return fmt.Sprintf("%s-%d", prefix, n.Add(1)) },
	})
}

func newConsent(ws string) consent.NewConsent {
	exp := now.Add(24 * time.Hour)
	return consent.NewConsent{
		Workspace: ws, ClientID: "client-1", Ecosystem: "uk", Kind: consent.KindAccountAccess,
		Permissions: []string{"ReadAccountsBasic"}, ExpiresAt: &exp, Payload: json.RawMessage(`{"Data":{}}`), Actor: "client-1",
	}
}

// testConsentLifecycle covers create, get, history, transitions, isolation
// and token revocation on revoke.
func testConsentLifecycle(t *testing.T, newDB Database) {
	e := newEnv(t, newDB)
	clock := now
	svc := consentService(e.s, &clock, "c")
	c, created, err := svc.Create(ctx(t), newConsent(wsA))
	if err != nil || !created {
		t.Fatalf("Create = %v, %v", created, err)
	}
	if c.Status != consent.StatusAwaitingAuthorisation || c.Version != 1 {
		t.Fatalf("new consent = %+v", c)
	}
	if _, err := svc.Get(ctx(t), wsB, c.ID); !errors.Is(err, consent.ErrNotFound) {
		t.Fatalf("Get from another workspace = %v, want ErrNotFound", err)
	}
	if _, err := svc.GetForClient(ctx(t), wsA, "client-2", c.ID); !errors.Is(err, &consent.Error{Kind: consent.KindForbidden}) {
		t.Fatalf("GetForClient(other client) = %v, want KindForbidden", err)
	}
	a, err := svc.Authorise(ctx(t), wsA, c.ID, consent.Decision{Subject: "alice", Resources: []string{"acc-1", "acc-2"}, Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != consent.StatusAuthorised || a.Subject != "alice" || len(a.Resources) != 2 || a.Version != 2 {
		t.Fatalf("authorised = %+v", a)
	}
	if _, err := svc.Authorise(ctx(t), wsA, c.ID, consent.Decision{Subject: "bob"}); !errors.Is(err, consent.ErrInvalidTransition) {
		t.Fatalf("second Authorise = %v, want ErrInvalidTransition", err)
	}
	tok := tokenRecord(wsA, "tok-c")
	tok.ConsentID = c.ID
	if err := e.s.Issue(ctx(t), wsA, oauth.Issuance{Tokens: []oauth.TokenRecord{tok}}); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Revoke(ctx(t), wsA, c.ID, "bank", "customer asked")
	if err != nil || r.Status != consent.StatusRevoked {
		t.Fatalf("Revoke = %+v, %v", r, err)
	}
	if got, _ := e.s.Token(ctx(t), wsA, "tok-c"); got == nil || !got.Revoked {
		t.Fatal("revoking the consent did not revoke its token")
	}
	h, err := svc.History(ctx(t), wsA, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var tos []consent.Status
	for _, x := range h {
		tos = append(tos, x.To)
	}
	want := []consent.Status{consent.StatusAwaitingAuthorisation, consent.StatusAuthorised, consent.StatusRevoked}
	if fmt.Sprint(tos) != fmt.Sprint(want) || h[2].Actor != "bank" || h[2].Reason != "customer asked" {
		t.Fatalf("history = %+v, want %v", h, want)
	}
}

// testConsentExpiry: expiry is applied on read and by the sweep.
func testConsentExpiry(t *testing.T, newDB Database) {
	e := newEnv(t, newDB)
	clock := now
	svc := consentService(e.s, &clock, "x")
	c1, _, _ := svc.Create(ctx(t), newConsent(wsA))
	c2, _, _ := svc.Create(ctx(t), newConsent(wsA))
	clock = now.Add(25 * time.Hour)
	got, err := svc.Get(ctx(t), wsA, c1.ID)
	if err != nil || got.Status != consent.StatusExpired {
		t.Fatalf("Get after expiry = %+v, %v, want expired", got, err)
	}
	n, err := svc.ExpireDue(ctx(t), wsA)
	if err != nil || n != 1 {
		t.Fatalf("ExpireDue = %d, %v, want 1 (c2)", n, err)
	}
	if got, _ := e.s.Consent(ctx(t), wsA, c2.ID); got.Status != consent.StatusExpired {
		t.Fatalf("c2 = %s, want expired", got.Status)
	}
}

// testConsentIdempotency: same key and body → the original; other body → mismatch.
func testConsentIdempotency(t *testing.T, newDB Database) {
	e := newEnv(t, newDB)
	clock := now
	svc := consentService(e.s, &clock, "i")
	n := newConsent(wsA)
	n.Idempotency = &consent.Idempotency{Key: "k1", RequestHash: "h1", ExpiresAt: now.Add(24 * time.Hour)}
	first, created, err := svc.Create(ctx(t), n)
	if err != nil || !created {
		t.Fatal(err)
	}
	again, created, err := svc.Create(ctx(t), n)
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("retry = %v, %v, %v; want the original, not created", again, created, err)
	}
	n.Idempotency.RequestHash = "h2"
	if _, _, err := svc.Create(ctx(t), n); !errors.Is(err, consent.ErrIdempotencyMismatch) {
		t.Fatalf("other body = %v, want ErrIdempotencyMismatch", err)
	}
	n.Idempotency = &consent.Idempotency{Key: "k1", RequestHash: "h1", ExpiresAt: now.Add(24 * time.Hour)}
	n.ClientID = "client-2" // keys are per client
	if _, created, err := svc.Create(ctx(t), n); err != nil || !created {
		t.Fatalf("same key, other client = %v, %v, want created", created, err)
	}
	clock = now.Add(25 * time.Hour)
	n.ClientID = "client-1"
	exp := clock.Add(time.Hour)
	n.ExpiresAt = &exp
	if _, created, err := svc.Create(ctx(t), n); err != nil || !created {
		t.Fatalf("expired key = %v, %v, want a new consent", created, err)
	}
}

// testConsentList: filters and keyset pages.
func testConsentList(t *testing.T, newDB Database) {
	e := newEnv(t, newDB)
	clock := now
	svc := consentService(e.s, &clock, "l")
	for i := range 7 {
		clock = now.Add(time.Duration(i) * time.Second)
		c, _, err := svc.Create(ctx(t), newConsent(wsA))
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := svc.Authorise(ctx(t), wsA, c.ID, consent.Decision{Subject: "alice"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, _, _ = svc.Create(ctx(t), newConsent(wsB))
	var seen []string
	after := ""
	for {
		page, next, err := svc.List(ctx(t), wsA, consent.Filter{Subject: "alice", After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			seen = append(seen, c.ID)
		}
		if next == "" {
			break
		}
		after = next
	}
	if fmt.Sprint(seen) != "[l-7 l-5 l-3 l-1]" {
		t.Fatalf("alice's consents, newest first = %v, want [l-7 l-5 l-3 l-1]", seen)
	}
	all, _, _ := svc.List(ctx(t), wsA, consent.Filter{Status: consent.StatusAwaitingAuthorisation})
	if len(all) != 3 {
		t.Fatalf("awaiting = %d, want 3", len(all))
	}
	if _, _, err := svc.List(ctx(t), wsA, consent.Filter{After: "!!"}); err == nil {
		t.Fatal("malformed cursor accepted")
	}
}

// testConsumeRace: a payment consent is consumed exactly once when many
// requests race through two instances (two Store handles).
func testConsumeRace(t *testing.T, newDB Database) {
	e := newEnv(t, newDB)
	clock := now
	s1 := consentService(e.s, &clock, "p")
	s2 := consentService(e.open(t), &clock, "q")
	n := newConsent(wsA)
	n.Kind = consent.KindPayment
	c, _, err := s1.Create(ctx(t), n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.Authorise(ctx(t), wsA, c.ID, consent.Decision{Subject: "alice"}); err != nil {
		t.Fatal(err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, racers)
	for i := range racers {
		svc := s1
		if i%2 == 1 {
			svc = s2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.Consume(context.Background(), wsA, c.ID, "payments")
			if err == nil {
				wins.Add(1)
				return
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	if wins.Load() != 1 {
		t.Fatalf("consumed %d times, want exactly 1", wins.Load())
	}
	for err := range errs {
		if !errors.Is(err, consent.ErrInvalidTransition) && !errors.Is(err, consent.ErrConflict) {
			t.Errorf("loser error = %v, want invalid transition or conflict", err)
		}
	}
	h, _ := s1.History(ctx(t), wsA, c.ID)
	consumed := 0
	for _, x := range h {
		if x.To == consent.StatusConsumed {
			consumed++
		}
	}
	if consumed != 1 {
		t.Fatalf("history has %d consume entries, want 1", consumed)
	}
}

// testConsentAmend: an authorised consent takes new terms under the same
// id; the old terms' tokens are revoked; another customer cannot amend.
func testConsentAmend(t *testing.T, newDB Database) {
	e := newEnv(t, newDB)
	clock := now
	svc := consentService(e.s, &clock, "a")
	c, _, _ := svc.Create(ctx(t), newConsent(wsA))
	if _, err := svc.Authorise(ctx(t), wsA, c.ID, consent.Decision{Subject: "alice", Resources: []string{"acc-1"}}); err != nil {
		t.Fatal(err)
	}
	tok := tokenRecord(wsA, "tok-amend")
	tok.ConsentID = c.ID
	if err := e.s.Issue(ctx(t), wsA, oauth.Issuance{Tokens: []oauth.TokenRecord{tok}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Amend(ctx(t), wsA, c.ID, consent.Amendment{Subject: "mallory"}); !errors.Is(err, &consent.Error{Kind: consent.KindForbidden}) {
		t.Fatalf("Amend by another customer = %v, want KindForbidden", err)
	}
	exp := now.Add(90 * 24 * time.Hour)
	got, err := svc.Amend(ctx(t), wsA, c.ID, consent.Amendment{Subject: "alice", Resources: []string{"acc-2", "acc-3"}, ExpiresAt: &exp, Payload: []byte(`{"v":2}`), Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != c.ID || got.Status != consent.StatusAuthorised || len(got.Resources) != 2 || !got.ExpiresAt.Equal(exp) || string(got.Payload) != `{"v":2}` {
		t.Fatalf("amended = %+v", got)
	}
	if rec, _ := e.s.Token(ctx(t), wsA, "tok-amend"); rec == nil || !rec.Revoked {
		t.Fatal("amendment did not revoke the old tokens")
	}
}
