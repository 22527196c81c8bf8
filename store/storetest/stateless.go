package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openconsent/openconsent/dcr"
	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/store"
)

// Stateless client-credentials access tokens have no row until revoked
// (server/oauth/stateless.go): RFC 7009 revocation writes a revoked row under
// the token's jti (RevokeAccessToken), and revoking a client wholesale writes
// its revocation mark; AccessToken reads both in one query.

// statelessRecord returns the record of a stateless access token of client
// c1 in ws, as the provider rebuilds it from the token's claims.
func statelessRecord(ws, id string) oauth.TokenRecord {
	return oauth.TokenRecord{
		ID: id, Workspace: ws, Kind: oauth.KindAccess, GrantID: id, ClientID: "c1", Scope: "accounts",
		JKT: "jkt-" + id, IssuedAt: now.Truncate(time.Second), ExpiresAt: now.Truncate(time.Second).Add(5 * time.Minute),
		Data: []byte(`{"id":"` + id + `","client_id":"c1","scope":"accounts"}`),
	}
}

// storeTime is t as the store keeps it: UTC, truncated to microseconds.
func storeTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// revocationTime is the audit time of the revocations of these tests: in
// another zone and with nanoseconds, so that reading it back proves the
// mark is kept at the store's precision, in UTC.
var revocationTime = now.Add(30*time.Minute + 789*time.Nanosecond).In(time.FixedZone("UTC+2", 2*60*60))

// registerClient creates the approved client id in ws.
func registerClient(t *testing.T, s *store.Store, ws, id string) {
	t.Helper()
	if err := s.CreateClient(ctx(t), newClient(ws, id, "sw-"+id, false), auditEvent(ws, "client.registered", id)); err != nil {
		t.Fatalf("CreateClient(%s, %s) = %v", ws, id, err)
	}
}

// suspendClient moves the approved client id of ws to Inactive at at,
// revoking its tokens when revoke is set.
func suspendClient(t *testing.T, s *store.Store, ws, id string, revoke bool, at time.Time) {
	t.Helper()
	ev := auditEvent(ws, "client.status_changed", id)
	ev.At = at
	if _, err := s.SetClientStatus(ctx(t), ws, id, dcr.StatusApproved, dcr.StatusInactive, revoke, ev); err != nil {
		t.Fatalf("SetClientStatus(%s, %s, revoke=%v) = %v", ws, id, revoke, err)
	}
}

// deleteClient deletes the client id of ws at at.
func deleteClient(t *testing.T, s *store.Store, ws, id string, at time.Time) {
	t.Helper()
	ev := auditEvent(ws, "client.deleted", id)
	ev.At = at
	if err := s.DeleteClient(ctx(t), ws, id, ev); err != nil {
		t.Fatalf("DeleteClient(%s, %s) = %v", ws, id, err)
	}
}

// checkRevokedAt fails t unless got is want at the store's precision, in UTC
// (a zero want: no mark).
func checkRevokedAt(t *testing.T, call string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%s revokedAt = %v, want %v (UTC)", call, got, want)
	}
}

// testAccessToken pins AccessToken: the token's row (nil when it has none)
// and the time of the client's last wholesale revocation (zero if never),
// where deleting or suspending a client with revocation writes that mark
// (RFC 7592 §2.3: a deleted client's tokens are invalidated at once).
// Marks of other clients and of other workspaces are not the client's, and
// a mark is never returned as the token.
func testAccessToken(t *testing.T, newDB Database) {
	rowOfC1 := func(ws string) oauth.TokenRecord {
		r := tokenRecord(ws, "at1")
		r.ClientID = "c1"
		return r
	}
	revokedRowOfC1 := rowOfC1(wsA)
	revokedRowOfC1.Revoked = true
	tests := []struct {
		name          string
		setup         func(t *testing.T, s *store.Store)
		giveWS        string
		giveID        string
		giveClientID  string
		wantToken     *oauth.TokenRecord
		wantRevokedAt time.Time
	}{
		{
			name:   "no row and no mark",
			giveID: "at1", giveClientID: "c1",
		},
		{
			name: "token row",
			setup: func(t *testing.T, s *store.Store) {
				issueTokens(t, s, wsA, rowOfC1(wsA))
			},
			giveID: "at1", giveClientID: "c1",
			wantToken: ptr(rowOfC1(wsA)),
		},
		{
			name: "token row of another workspace",
			setup: func(t *testing.T, s *store.Store) {
				issueTokens(t, s, wsB, rowOfC1(wsB))
			},
			giveID: "at1", giveClientID: "c1",
		},
		{
			name: "mark of a suspension with revocation",
			setup: func(t *testing.T, s *store.Store) {
				registerClient(t, s, wsA, "c1")
				suspendClient(t, s, wsA, "c1", true, revocationTime)
			},
			giveID: "at-unknown", giveClientID: "c1",
			wantRevokedAt: storeTime(revocationTime),
		},
		{
			name: "mark of a deletion",
			setup: func(t *testing.T, s *store.Store) {
				registerClient(t, s, wsA, "c1")
				deleteClient(t, s, wsA, "c1", revocationTime)
			},
			giveID: "at-unknown", giveClientID: "c1",
			wantRevokedAt: storeTime(revocationTime),
		},
		{
			name: "token row and mark: the row is revoked too",
			setup: func(t *testing.T, s *store.Store) {
				registerClient(t, s, wsA, "c1")
				issueTokens(t, s, wsA, rowOfC1(wsA))
				deleteClient(t, s, wsA, "c1", revocationTime)
			},
			giveID: "at1", giveClientID: "c1",
			wantToken:     &revokedRowOfC1,
			wantRevokedAt: storeTime(revocationTime),
		},
		{
			name: "suspension without revocation writes no mark",
			setup: func(t *testing.T, s *store.Store) {
				registerClient(t, s, wsA, "c1")
				suspendClient(t, s, wsA, "c1", false, revocationTime)
			},
			giveID: "at-unknown", giveClientID: "c1",
		},
		{
			name: "mark of another client",
			setup: func(t *testing.T, s *store.Store) {
				registerClient(t, s, wsA, "c1")
				registerClient(t, s, wsA, "c2")
				deleteClient(t, s, wsA, "c2", revocationTime)
				issueTokens(t, s, wsA, rowOfC1(wsA))
			},
			giveID: "at1", giveClientID: "c1",
			wantToken: ptr(rowOfC1(wsA)),
		},
		{
			name: "mark of the same client id in another workspace",
			setup: func(t *testing.T, s *store.Store) {
				registerClient(t, s, wsB, "c1")
				deleteClient(t, s, wsB, "c1", revocationTime)
			},
			giveID: "at-unknown", giveClientID: "c1",
		},
		{
			name: "mark looked up from another workspace",
			setup: func(t *testing.T, s *store.Store) {
				registerClient(t, s, wsA, "c1")
				deleteClient(t, s, wsA, "c1", revocationTime)
			},
			giveWS: wsB, giveID: "at-unknown", giveClientID: "c1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, newDB).s
			if tt.setup != nil {
				tt.setup(t, s)
			}
			ws := tt.giveWS
			if ws == "" {
				ws = wsA
			}
			got, revokedAt, err := s.AccessToken(ctx(t), ws, tt.giveID, tt.giveClientID)
			if err != nil {
				t.Fatalf("AccessToken() error = %v, want nil", err)
			}
			if diff := cmp.Diff(tt.wantToken, got, equateEmpty); diff != "" {
				t.Errorf("AccessToken() token mismatch (-want +got):\n%s", diff)
			}
			checkRevokedAt(t, "AccessToken()", revokedAt, tt.wantRevokedAt)
		})
	}
}

// testRevokeAccessToken pins RevokeAccessToken: it writes a revoked row with the
// token's fields, which Token and AccessToken then find; revoking again is
// not an error (RFC 7009 §2.2: revoking an invalid or already revoked token
// succeeds); on a row that exists it only sets revoked, keeping the row's
// fields; a row of another workspace is neither changed nor taken over.
func testRevokeAccessToken(t *testing.T, newDB Database) {
	give := statelessRecord(wsA, "jwt1")
	revoked := func(r oauth.TokenRecord) *oauth.TokenRecord {
		r.Revoked = true
		return &r
	}
	row := tokenRecord(wsA, "jwt1") // a row with other values in every field
	row.ClientID = "c1"
	revokedRow := row
	revokedRow.Revoked = true
	tests := []struct {
		name    string
		setup   func(t *testing.T, s *store.Store)
		giveWS  string
		wantErr error
		want    *oauth.TokenRecord // Token(wsA, jwt1) after the call; wsB never has it
	}{
		{
			name: "new row",
			want: revoked(give),
		},
		{
			name: "second revocation",
			setup: func(t *testing.T, s *store.Store) {
				if err := s.RevokeAccessToken(ctx(t), wsA, give); err != nil {
					t.Fatalf("first RevokeAccessToken() = %v", err)
				}
			},
			want: revoked(give),
		},
		{
			name: "existing live row keeps its fields",
			setup: func(t *testing.T, s *store.Store) {
				issueTokens(t, s, wsA, row)
			},
			want: revoked(row),
		},
		{
			name: "existing revoked row",
			setup: func(t *testing.T, s *store.Store) {
				issueTokens(t, s, wsA, revokedRow)
			},
			want: revoked(row),
		},
		{
			name: "row of another workspace",
			setup: func(t *testing.T, s *store.Store) {
				issueTokens(t, s, wsA, row)
			},
			giveWS:  wsB,
			wantErr: errOther,
			want:    ptr(row),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, newDB).s
			if tt.setup != nil {
				tt.setup(t, s)
			}
			ws, rec := tt.giveWS, give
			if ws == "" {
				ws = wsA
			}
			rec.Workspace = ws
			err := s.RevokeAccessToken(ctx(t), ws, rec)
			checkErr(t, "RevokeAccessToken()", err, tt.wantErr)
			for _, c := range []struct {
				ws   string
				want *oauth.TokenRecord
			}{{wsA, tt.want}, {wsB, nil}} {
				got, err := s.Token(ctx(t), c.ws, "jwt1")
				if c.want == nil {
					if !errors.Is(err, oauth.ErrNotFound) {
						t.Errorf("Token(%s) = %+v, %v, want %v", c.ws, got, err, oauth.ErrNotFound)
					}
				} else if err != nil {
					t.Errorf("Token(%s) = %v", c.ws, err)
				} else if diff := cmp.Diff(c.want, got, equateEmpty); diff != "" {
					t.Errorf("Token(%s) mismatch (-want +got):\n%s", c.ws, diff)
				}
				// The validation lookup finds the same row.
				got, revokedAt, err := s.AccessToken(ctx(t), c.ws, "jwt1", "c1")
				if err != nil {
					t.Fatalf("AccessToken(%s) = %v", c.ws, err)
				}
				if diff := cmp.Diff(c.want, got, equateEmpty); diff != "" {
					t.Errorf("AccessToken(%s) token mismatch (-want +got):\n%s", c.ws, diff)
				}
				checkRevokedAt(t, "AccessToken("+c.ws+")", revokedAt, time.Time{})
			}
		})
	}
}

// testClientRevocationMark pins the life of a client's revocation mark
// (RFC 7592 §2.3: deleting a client invalidates its tokens at once): each
// revocation moves it to its own, later time, a status change without
// revocation leaves it, and it is kept MaxAccessTokenLifetime after the last
// revocation, then swept (expires_at strictly before the sweep's now).
func testClientRevocationMark(t *testing.T, newDB Database) {
	s := newEnv(t, newDB).s
	first, second := revocationTime, revocationTime.Add(2*time.Hour)
	registerClient(t, s, wsA, "c1")
	steps := []struct {
		name          string
		do            func(t *testing.T)
		wantRevokedAt time.Time
	}{
		{
			name:          "suspension with revocation writes the mark",
			do:            func(t *testing.T) { suspendClient(t, s, wsA, "c1", true, first) },
			wantRevokedAt: storeTime(first),
		},
		{
			name: "reactivation leaves it",
			do: func(t *testing.T) {
				ev := auditEvent(wsA, "client.status_changed", "c1")
				ev.At = first.Add(time.Hour)
				if _, err := s.SetClientStatus(ctx(t), wsA, "c1", dcr.StatusInactive, dcr.StatusApproved, false, ev); err != nil {
					t.Fatalf("SetClientStatus(reactivate) = %v", err)
				}
			},
			wantRevokedAt: storeTime(first),
		},
		{
			// Instances' clocks differ: a revocation stamped earlier that
			// commits later must not bring tokens revoked in between back.
			name:          "an earlier-stamped revocation does not move it back",
			do:            func(t *testing.T) { suspendClient(t, s, wsA, "c1", true, first.Add(-time.Hour)) },
			wantRevokedAt: storeTime(first),
		},
		{
			name:          "a later revocation moves it forward",
			do:            func(t *testing.T) { deleteClient(t, s, wsA, "c1", second) },
			wantRevokedAt: storeTime(second),
		},
		{
			name:          "kept past the first revocation's lifetime",
			do:            func(t *testing.T) { sweep(t, s, first.Add(oauth.MaxAccessTokenLifetime+time.Second), 0) },
			wantRevokedAt: storeTime(second),
		},
		{
			name:          "kept until its expiry",
			do:            func(t *testing.T) { sweep(t, s, storeTime(second).Add(oauth.MaxAccessTokenLifetime), 0) },
			wantRevokedAt: storeTime(second),
		},
		{
			name: "swept once expired",
			do: func(t *testing.T) {
				sweep(t, s, storeTime(second).Add(oauth.MaxAccessTokenLifetime+time.Microsecond), 1)
			},
		},
	}
	for _, st := range steps {
		st.do(t)
		_, revokedAt, err := s.AccessToken(ctx(t), wsA, "at-unknown", "c1")
		if err != nil {
			t.Fatalf("after %q: AccessToken() = %v", st.name, err)
		}
		checkRevokedAt(t, "after "+st.name+": AccessToken()", revokedAt, st.wantRevokedAt)
	}
}

// issueTokens inserts recs into ws.
func issueTokens(t *testing.T, s *store.Store, ws string, recs ...oauth.TokenRecord) {
	t.Helper()
	if err := s.Issue(ctx(t), ws, oauth.Issuance{Tokens: recs}); err != nil {
		t.Fatalf("Issue(%s) = %v", ws, err)
	}
}

// sweep runs Sweep(at) and fails t unless it removed want rows.
func sweep(t *testing.T, s *store.Store, at time.Time, want int64) {
	t.Helper()
	if n, err := s.Sweep(ctx(t), at); err != nil || n != want {
		t.Fatalf("Sweep(%v) = %d, %v, want %d, nil", at, n, err, want)
	}
}

func ptr[T any](v T) *T { return &v }
