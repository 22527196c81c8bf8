package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/store"
)

// newClient returns a registered client of ws with every field set.
func newClient(ws, id, softwareID string, unique bool) *dcr.Client {
	exp := now.Add(time.Hour)
	return &dcr.Client{
		ID: id, Workspace: ws, SoftwareID: softwareID, UniqueSoftwareID: unique, Status: dcr.StatusApproved,
		Metadata: dcr.Metadata{
			RedirectURIs: []string{"https://tpp.test/cb"}, TokenEndpointAuthMethod: "private_key_jwt",
			GrantTypes: []string{"client_credentials"}, Scope: "accounts", JWKSURI: "https://tpp.test/jwks",
			SoftwareID: softwareID, Extra: map[string]json.RawMessage{"webhook_uris": json.RawMessage(`["https://tpp.test/hook"]`)},
		},
		SoftwareStatement: "eyJ.ssa.sig", RATHash: "hash-" + id, RATExpiresAt: &exp,
		CreatedAt: now, UpdatedAt: now,
	}
}

func auditEvent(ws, action, object string) consent.AuditEvent {
	return consent.AuditEvent{Workspace: ws, Actor: "tester", Action: action, Object: object, Detail: []byte(`{}`), At: now}
}

// testClientCRUD covers create, read, update, delete, isolation between
// workspaces, token revocation on delete and the audit trail.
func testClientCRUD(t *testing.T, newDB Database) {
	e := newEnv(t, newDB)
	s := e.s
	c := newClient(wsA, "c1", "sw-1", true)
	if err := s.CreateClient(ctx(t), c, auditEvent(wsA, "client.registered", "c1")); err != nil {
		t.Fatalf("CreateClient() = %v", err)
	}
	got, err := s.Client(ctx(t), wsA, "c1")
	if err != nil {
		t.Fatalf("Client() = %v", err)
	}
	if d := cmp.Diff(c, got, equateEmpty); d != "" {
		t.Errorf("Client() mismatch (-want +got):\n%s", d)
	}
	for _, tt := range []struct{ name, ws, id string }{{"other workspace", wsB, "c1"}, {"unknown id", wsA, "nope"}} {
		if _, err := s.Client(ctx(t), tt.ws, tt.id); !errors.Is(err, dcr.ErrNotFound) {
			t.Errorf("Client(%s) error = %v, want ErrNotFound", tt.name, err)
		}
	}
	if got, err := s.ClientBySoftwareID(ctx(t), wsA, "sw-1"); err != nil || got.ID != "c1" {
		t.Errorf("ClientBySoftwareID() = %v, %v, want c1", got, err)
	}
	if _, err := s.ClientBySoftwareID(ctx(t), wsB, "sw-1"); !errors.Is(err, dcr.ErrNotFound) {
		t.Errorf("ClientBySoftwareID(other workspace) error = %v, want ErrNotFound", err)
	}
	c.Metadata.Scope, c.Status, c.RATHash, c.RATExpiresAt = "accounts payments", dcr.StatusInactive, "hash-2", nil
	c.UpdatedAt = now.Add(time.Minute)
	if err := s.UpdateClient(ctx(t), c, auditEvent(wsA, "client.updated", "c1")); err != nil {
		t.Fatalf("UpdateClient() = %v", err)
	}
	if got, _ := s.Client(ctx(t), wsA, "c1"); got == nil || got.Metadata.Scope != "accounts payments" || got.RATHash != "hash-2" || got.RATExpiresAt != nil || got.Status != dcr.StatusInactive {
		t.Errorf("after UpdateClient, Client() = %+v", got)
	}
	if err := s.UpdateClient(ctx(t), newClient(wsB, "c1", "sw-1", true), auditEvent(wsB, "client.updated", "c1")); !errors.Is(err, dcr.ErrNotFound) {
		t.Errorf("UpdateClient(other workspace) error = %v, want ErrNotFound", err)
	}
	tok := tokenRecord(wsA, "at-1")
	tok.ClientID = "c1"
	other := tokenRecord(wsA, "at-2") // client-1
	if err := s.Issue(ctx(t), wsA, oauth.Issuance{Tokens: []oauth.TokenRecord{tok, other}}); err != nil {
		t.Fatalf("Issue() = %v", err)
	}
	if err := s.DeleteClient(ctx(t), wsA, "c1", auditEvent(wsA, "client.deleted", "c1")); err != nil {
		t.Fatalf("DeleteClient() = %v", err)
	}
	checkRevoked(t, s, wsA, []string{"at-1"}, true)
	checkRevoked(t, s, wsA, []string{"at-2"}, false)
	if _, err := s.Client(ctx(t), wsA, "c1"); !errors.Is(err, dcr.ErrNotFound) {
		t.Errorf("Client() after delete error = %v, want ErrNotFound", err)
	}
	if err := s.DeleteClient(ctx(t), wsA, "c1", auditEvent(wsA, "client.deleted", "c1")); !errors.Is(err, dcr.ErrNotFound) {
		t.Errorf("DeleteClient() again error = %v, want ErrNotFound", err)
	}
	trail, err := s.AuditTrail(ctx(t), wsA, "c1")
	if err != nil {
		t.Fatalf("AuditTrail() = %v", err)
	}
	var actions []string
	for _, a := range trail {
		actions = append(actions, a.Action)
	}
	if d := cmp.Diff([]string{"client.registered", "client.updated", "client.deleted"}, actions); d != "" {
		t.Errorf("audit actions mismatch (-want +got):\n%s", d)
	}
}

// testClientUniqueSoftware: one active registration per software_id where
// asked, per workspace; Rejected clients no longer count.
func testClientUniqueSoftware(t *testing.T, newDB Database) {
	e := newEnv(t, newDB)
	s := e.s
	create := func(ws, id, sw string, unique bool) error {
		return s.CreateClient(ctx(t), newClient(ws, id, sw, unique), auditEvent(ws, "client.registered", id))
	}
	tests := []struct {
		name    string
		giveWS  string
		giveID  string
		giveSW  string
		unique  bool
		wantErr error
	}{
		{"first", wsA, "a1", "sw", true, nil},
		{"duplicate", wsA, "a2", "sw", true, dcr.ErrDuplicateSoftwareID},
		{"other workspace", wsB, "b1", "sw", true, nil},
		{"not unique", wsA, "a3", "sw", false, nil},
		{"other software", wsA, "a4", "sw-2", true, nil},
		{"same id", wsA, "a1", "sw-3", true, errOther},
	}
	for _, tt := range tests {
		checkErr(t, "CreateClient("+tt.name+")", create(tt.giveWS, tt.giveID, tt.giveSW, tt.unique), tt.wantErr)
	}
	if _, err := s.Client(ctx(t), wsA, "a2"); !errors.Is(err, dcr.ErrNotFound) {
		t.Errorf("the losing registration was written: Client(a2) error = %v", err)
	}
	if _, err := s.SetClientStatus(ctx(t), wsA, "a1", dcr.StatusApproved, dcr.StatusRejected, true, auditEvent(wsA, "client.status_changed", "a1")); err != nil {
		t.Fatalf("SetClientStatus() = %v", err)
	}
	checkErr(t, "CreateClient(after rejection)", create(wsA, "a5", "sw", true), nil)
}

// testClientStatus covers the conditional status change and its token revocation.
func testClientStatus(t *testing.T, newDB Database) {
	e := newEnv(t, newDB)
	s := e.s
	if err := s.CreateClient(ctx(t), newClient(wsA, "c1", "sw", true), auditEvent(wsA, "client.registered", "c1")); err != nil {
		t.Fatal(err)
	}
	tok := tokenRecord(wsA, "at-1")
	tok.ClientID = "c1"
	if err := s.Issue(ctx(t), wsA, oauth.Issuance{Tokens: []oauth.TokenRecord{tok}}); err != nil {
		t.Fatal(err)
	}
	ev := auditEvent(wsA, "client.status_changed", "c1")
	tests := []struct {
		name     string
		giveWS   string
		giveFrom dcr.Status
		giveTo   dcr.Status
		wantErr  error
	}{
		{"wrong from", wsA, dcr.StatusPending, dcr.StatusApproved, dcr.ErrInvalidTransition},
		{"other workspace", wsB, dcr.StatusApproved, dcr.StatusInactive, dcr.ErrNotFound},
		{"suspend", wsA, dcr.StatusApproved, dcr.StatusInactive, nil},
	}
	for _, tt := range tests {
		got, err := s.SetClientStatus(ctx(t), tt.giveWS, "c1", tt.giveFrom, tt.giveTo, true, ev)
		checkErr(t, "SetClientStatus("+tt.name+")", err, tt.wantErr)
		if tt.wantErr == nil && got.Status != tt.giveTo {
			t.Errorf("SetClientStatus(%s).Status = %s, want %s", tt.name, got.Status, tt.giveTo)
		}
	}
	checkRevoked(t, s, wsA, []string{"at-1"}, true)
}

// testClientList covers the status filter and keyset pagination.
func testClientList(t *testing.T, newDB Database) {
	e := newEnv(t, newDB)
	s := e.s
	for i := range 5 {
		c := newClient(wsA, "c"+strconv.Itoa(i), "sw-"+strconv.Itoa(i), false)
		c.CreatedAt = now.Add(time.Duration(i) * time.Second)
		if i%2 == 1 {
			c.Status = dcr.StatusPending
		}
		if err := s.CreateClient(ctx(t), c, auditEvent(wsA, "client.registered", c.ID)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateClient(ctx(t), newClient(wsB, "x", "sw", false), auditEvent(wsB, "client.registered", "x")); err != nil {
		t.Fatal(err)
	}
	var ids []string
	after := ""
	for range 5 {
		page, next, err := s.ListClients(ctx(t), wsA, dcr.ListFilter{Limit: 2, After: after})
		if err != nil {
			t.Fatalf("ListClients() = %v", err)
		}
		for _, c := range page {
			ids = append(ids, c.ID)
		}
		if after = next; next == "" {
			break
		}
	}
	if d := cmp.Diff([]string{"c4", "c3", "c2", "c1", "c0"}, ids); d != "" {
		t.Errorf("ListClients pages mismatch (-want +got):\n%s", d)
	}
	pending, _, err := s.ListClients(ctx(t), wsA, dcr.ListFilter{Status: dcr.StatusPending})
	if err != nil || len(pending) != 2 || pending[0].ID != "c3" {
		t.Errorf("ListClients(Pending) = %d clients, %v; want c3, c1", len(pending), err)
	}
	if _, _, err := s.ListClients(ctx(t), wsA, dcr.ListFilter{After: "%%%"}); err == nil {
		t.Error("ListClients(malformed cursor) error = nil, want an error")
	}
}

// testClientRace: two handles (two instances) register one software_id
// concurrently; exactly one wins. Registration JWT jtis are single-use
// across instances too.
func testClientRace(t *testing.T, newDB Database) {
	tests := []struct {
		name    string
		attempt func(ctx context.Context, s *store.Store, i int) error
		wantErr error
	}{
		{"CreateClient with one software_id", func(ctx context.Context, s *store.Store, i int) error {
			id := "c-" + strconv.Itoa(i)
			return s.CreateClient(ctx, newClient(wsA, id, "sw-race", true), auditEvent(wsA, "client.registered", id))
		}, dcr.ErrDuplicateSoftwareID},
		{"Consume one jti", func(ctx context.Context, s *store.Store, _ int) error {
			return s.Consume(ctx, wsA, "dcr_request_jti", "jti-1", now.Add(time.Minute))
		}, dcr.ErrReplay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, newDB)
			handles := [2]*store.Store{e.s, e.open(t)}
			errs := make([]error, racers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range racers {
				wg.Go(func() {
					<-start
					errs[i] = tt.attempt(ctx(t), handles[i%2], i)
				})
			}
			close(start)
			wg.Wait()
			wins := 0
			for i, err := range errs {
				switch {
				case err == nil:
					wins++
				case !errors.Is(err, tt.wantErr):
					t.Errorf("racer %d error = %v, want nil or %v", i, err, tt.wantErr)
				}
			}
			if wins != 1 {
				t.Errorf("winners = %d, want exactly 1", wins)
			}
		})
	}
}
