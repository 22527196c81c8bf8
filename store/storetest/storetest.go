// Package storetest is the backend-independent contract suite for package
// store: every port method's contract, workspace isolation, and races between
// two Store handles (two server instances) on one database. The store
// package runs it against SQLite always and against PostgreSQL when
// OPENCONSENT_TEST_POSTGRES_DSN is set.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/store"
)

// Database creates a fresh, empty database (or schema) for one test and
// returns the driver and DSN that reach it; it removes the database when t
// ends. Every [store.Open] of the returned pair must reach the same
// database, which is how the suite opens several handles on it. It may call
// t.Skip.
type Database func(t *testing.T) (driver, dsn string)

// Run runs the contract suite; each test gets its own database from newDB.
func Run(t *testing.T, newDB Database) {
	tests := []struct {
		name string
		run  func(t *testing.T, newDB Database)
	}{
		{"Migrate", testMigrate},
		{"Issue", testIssue},
		{"Token", testToken},
		{"Revoke", testRevoke},
		{"SavePAR", testSavePAR},
		{"TakePAR", testTakePAR},
		{"Login", testLogin},
		{"TransitionLogin", testTransitionLogin},
		{"Sweep", testSweep},
		{"Keys", testKeys},
		{"RetireKey", testRetireKey},
		{"DeleteUnpublished", testDeleteUnpublished},
		{"Race", testRace},
		{"ConsentLifecycle", testConsentLifecycle},
		{"ConsentExpiry", testConsentExpiry},
		{"ConsentIdempotency", testConsentIdempotency},
		{"ConsentList", testConsentList},
		{"ConsumeRace", testConsumeRace},
		{"Notifications", testNotifications},
		{"ConsentAmend", testConsentAmend},
		{"ClientCRUD", testClientCRUD},
		{"ClientUniqueSoftware", testClientUniqueSoftware},
		{"ClientStatus", testClientStatus},
		{"ClientList", testClientList},
		{"ClientRace", testClientRace},
		{"AccessToken", testAccessToken},
		{"RevokeAccessToken", testRevokeAccessToken},
		{"ClientRevocationMark", testClientRevocationMark},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newDB)
		})
	}
}

// Workspaces used by the suite; wsB exists to prove isolation from wsA.
const (
	wsA = "ws-a"
	wsB = "ws-b"
)

// now is the suite's fixed clock: every time is relative to it.
var now = time.Date(2030, 3, 4, 5, 6, 7, 123456000, time.UTC)

// equateEmpty treats nil and empty byte slices alike: backends differ on
// whether an empty blob reads back as nil.
var equateEmpty = cmpopts.EquateEmpty()

// env is one fresh database and a migrated first handle on it.
type env struct {
	driver, dsn string
	s           *store.Store
}

// newEnv creates a database and opens a migrated handle on it.
func newEnv(t *testing.T, newDB Database) *env {
	t.Helper()
	e := &env{}
	e.driver, e.dsn = newDB(t)
	e.s = e.open(t)
	if err := e.s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate() = %v", err)
	}
	return e
}

// open opens another handle (another "instance") on the same database,
// without migrating; it is closed when t ends.
func (e *env) open(t *testing.T) *store.Store {
	t.Helper()
	s, err := store.Open(t.Context(), e.driver, e.dsn)
	if err != nil {
		t.Fatalf("store.Open(%q) = %v", e.driver, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return s
}

func ctx(t *testing.T) context.Context { return t.Context() }

// tokenRecord returns a token of workspace ws with every field set.
func tokenRecord(ws, id string) oauth.TokenRecord {
	return oauth.TokenRecord{
		ID:        id,
		Workspace: ws,
		Kind:      oauth.KindAccess,
		GrantID:   "grant-" + id,
		ClientID:  "client-1",
		Subject:   "alice",
		Scope:     "openid accounts",
		ConsentID: "consent-" + id,
		JKT:       "jkt-" + id,
		X5T:       "x5t-" + id,
		IssuedAt:  now,
		ExpiresAt: now.Add(time.Hour),
		Data:      []byte(`{"acr":"urn:x"}`),
	}
}

// once returns a single-use value of kind that expires in an hour.
func once(kind, value string) oauth.SingleUse {
	return oauth.SingleUse{Kind: kind, Value: value, ExpiresAt: now.Add(time.Hour)}
}

// Pseudo-errors for wantErr fields.
var (
	// errAny accepts any non-nil error.
	errAny = errors.New("any error")
	// errOther accepts any error that is none of the ports' sentinels.
	errOther = errors.New("an error other than the ports' sentinels")
)

// checkErr fails t unless err matches want: nil, errAny, errOther or a
// sentinel matched with errors.Is.
func checkErr(t *testing.T, call string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s error = %v, want nil", call, err)
	case (want == errAny || want == errOther) && err == nil:
		t.Fatalf("%s error = nil, want an error", call)
	case want == errOther && (errors.Is(err, oauth.ErrReplay) || errors.Is(err, oauth.ErrNotFound) || errors.Is(err, oauth.ErrConflict)):
		t.Fatalf("%s error = %v, want an error that is not a port sentinel", call, err)
	case want != nil && want != errAny && want != errOther && !errors.Is(err, want):
		t.Fatalf("%s error = %v, want %v", call, err, want)
	}
}

// checkRevoked fails t unless every token in ids exists in ws with Revoked
// equal to want.
func checkRevoked(t *testing.T, s *store.Store, ws string, ids []string, want bool) {
	t.Helper()
	for _, id := range ids {
		got, err := s.Token(ctx(t), ws, id)
		if err != nil {
			t.Errorf("Token(%q) = %v", id, err)
			continue
		}
		if got.Revoked != want {
			t.Errorf("Token(%q).Revoked = %v, want %v", id, got.Revoked, want)
		}
	}
}

// checkReplayKind fails t unless err is an *oauth.ReplayError naming kind.
func checkReplayKind(t *testing.T, call string, err error, kind string) {
	t.Helper()
	var re *oauth.ReplayError
	if !errors.As(err, &re) {
		t.Errorf("%s error = %v, want an *oauth.ReplayError", call, err)
		return
	}
	if re.Kind != kind {
		t.Errorf("%s ReplayError.Kind = %q, want %q", call, re.Kind, kind)
	}
}
