package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openconsent/openconsent/server/oauth"
)

func testIssue(t *testing.T, newDB Database) {
	tests := []struct {
		name        string
		givePrior   oauth.Issuance // issued first in wsA, must succeed
		giveWS      string
		give        oauth.Issuance
		wantErr     error
		wantKind    string            // the ReplayError's kind, when wantErr is ErrReplay
		wantTokens  []string          // present in giveWS after the call
		wantAbsent  []string          // absent from giveWS after the call
		wantRevoked []string          // revoked in wsA after the call
		wantLive    []string          // present and not revoked in wsA after the call
		wantFree    []oauth.SingleUse // still unused in giveWS after the call
	}{
		{
			name: "empty issuance",
			give: oauth.Issuance{},
		},
		{
			name:       "tokens only",
			give:       oauth.Issuance{Tokens: []oauth.TokenRecord{tokenRecord(wsA, "at1"), tokenRecord(wsA, "rt1")}},
			wantTokens: []string{"at1", "rt1"},
		},
		{
			name: "single-use values and tokens",
			give: oauth.Issuance{
				Once:   []oauth.SingleUse{once(oauth.OnceCode, "code1"), once(oauth.OnceDPoPJTI, "jti1")},
				Tokens: []oauth.TokenRecord{tokenRecord(wsA, "at1")},
			},
			wantTokens: []string{"at1"},
		},
		{
			name:      "replayed value is rejected and writes nothing",
			givePrior: oauth.Issuance{Once: []oauth.SingleUse{once(oauth.OnceCode, "code1")}, Tokens: []oauth.TokenRecord{tokenRecord(wsA, "old")}},
			give: oauth.Issuance{
				Once:      []oauth.SingleUse{once(oauth.OnceDPoPJTI, "fresh"), once(oauth.OnceCode, "code1")},
				Tokens:    []oauth.TokenRecord{tokenRecord(wsA, "at1"), tokenRecord(wsA, "rt1")},
				RevokeIDs: []string{"old"},
			},
			wantErr:    oauth.ErrReplay,
			wantKind:   oauth.OnceCode,
			wantAbsent: []string{"at1", "rt1"},
			wantLive:   []string{"old"},
			wantFree:   []oauth.SingleUse{once(oauth.OnceDPoPJTI, "fresh")},
		},
		{
			name:       "same value twice in one issuance",
			give:       oauth.Issuance{Once: []oauth.SingleUse{once(oauth.OnceDPoPJTI, "j"), once(oauth.OnceCode, "c"), once(oauth.OnceCode, "c")}, Tokens: []oauth.TokenRecord{tokenRecord(wsA, "at1")}},
			wantErr:    oauth.ErrReplay,
			wantKind:   oauth.OnceCode,
			wantAbsent: []string{"at1"},
		},
		{
			name:       "same value of another kind",
			givePrior:  oauth.Issuance{Once: []oauth.SingleUse{once(oauth.OnceCode, "v")}},
			give:       oauth.Issuance{Once: []oauth.SingleUse{once(oauth.OnceDPoPJTI, "v")}, Tokens: []oauth.TokenRecord{tokenRecord(wsA, "at1")}},
			wantTokens: []string{"at1"},
		},
		{
			name:       "same kind and value in another workspace",
			givePrior:  oauth.Issuance{Once: []oauth.SingleUse{once(oauth.OnceCode, "v")}},
			giveWS:     wsB,
			give:       oauth.Issuance{Once: []oauth.SingleUse{once(oauth.OnceCode, "v")}, Tokens: []oauth.TokenRecord{tokenRecord(wsB, "at1")}},
			wantTokens: []string{"at1"},
		},
		{
			name:      "refresh rotation revokes in the same write",
			givePrior: oauth.Issuance{Tokens: []oauth.TokenRecord{tokenRecord(wsA, "rt-old"), tokenRecord(wsA, "at-old"), tokenRecord(wsA, "other")}},
			give: oauth.Issuance{
				Tokens:    []oauth.TokenRecord{tokenRecord(wsA, "rt-new")},
				RevokeIDs: []string{"rt-old", "at-old", "missing"},
			},
			wantTokens:  []string{"rt-new"},
			wantRevoked: []string{"rt-old", "at-old"},
			wantLive:    []string{"other"},
		},
		{
			name:      "revoke ids of another workspace are untouched",
			givePrior: oauth.Issuance{Tokens: []oauth.TokenRecord{tokenRecord(wsA, "rt-old")}},
			giveWS:    wsB,
			give:      oauth.Issuance{RevokeIDs: []string{"rt-old"}},
			wantLive:  []string{"rt-old"},
		},
		{
			name:      "failing token insert writes nothing",
			givePrior: oauth.Issuance{Tokens: []oauth.TokenRecord{tokenRecord(wsA, "dup"), tokenRecord(wsA, "old")}},
			give: oauth.Issuance{
				Once:      []oauth.SingleUse{once(oauth.OnceCode, "fresh")},
				Tokens:    []oauth.TokenRecord{tokenRecord(wsA, "at1"), tokenRecord(wsA, "dup")},
				RevokeIDs: []string{"old"},
			},
			wantErr:    errOther, // an id collision is not a replay
			wantAbsent: []string{"at1"},
			wantLive:   []string{"old"},
			wantFree:   []oauth.SingleUse{once(oauth.OnceCode, "fresh")},
		},
		{
			name:       "token of another workspace is refused",
			give:       oauth.Issuance{Tokens: []oauth.TokenRecord{tokenRecord(wsB, "at1")}},
			wantErr:    errAny,
			wantAbsent: []string{"at1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, newDB).s
			if err := s.Issue(ctx(t), wsA, tt.givePrior); err != nil {
				t.Fatalf("prior Issue() = %v", err)
			}
			ws := tt.giveWS
			if ws == "" {
				ws = wsA
			}
			err := s.Issue(ctx(t), ws, tt.give)
			checkErr(t, "Issue()", err, tt.wantErr)
			if tt.wantKind != "" {
				checkReplayKind(t, "Issue()", err, tt.wantKind)
			}
			for _, id := range tt.wantTokens {
				got, err := s.Token(ctx(t), ws, id)
				if err != nil {
					t.Fatalf("Token(%q) = %v", id, err)
				}
				want := tokenRecord(ws, id)
				if diff := cmp.Diff(&want, got, equateEmpty); diff != "" {
					t.Errorf("Token(%q) mismatch (-want +got):\n%s", id, diff)
				}
			}
			for _, id := range tt.wantAbsent {
				if _, err := s.Token(ctx(t), ws, id); !errors.Is(err, oauth.ErrNotFound) {
					t.Errorf("Token(%q) error = %v, want %v", id, err, oauth.ErrNotFound)
				}
			}
			checkRevoked(t, s, wsA, tt.wantRevoked, true)
			checkRevoked(t, s, wsA, tt.wantLive, false)
			for _, o := range tt.wantFree {
				if err := s.Issue(ctx(t), ws, oauth.Issuance{Once: []oauth.SingleUse{o}}); err != nil {
					t.Errorf("Issue(%s %q) after the call = %v, want nil (value still unused)", o.Kind, o.Value, err)
				}
			}
		})
	}
}

func testToken(t *testing.T, newDB Database) {
	s := newEnv(t, newDB).s
	want := tokenRecord(wsA, "at1")
	want.Kind = oauth.KindRefresh
	want.Data = nil
	want.ExpiresAt = now.Add(-time.Hour) // expired tokens are still returned
	if err := s.Issue(ctx(t), wsA, oauth.Issuance{Tokens: []oauth.TokenRecord{want}}); err != nil {
		t.Fatalf("Issue() = %v", err)
	}
	tests := []struct {
		name    string
		giveWS  string
		giveID  string
		wantErr error
	}{
		{name: "found", giveWS: wsA, giveID: "at1"},
		{name: "unknown id", giveWS: wsA, giveID: "nope", wantErr: oauth.ErrNotFound},
		{name: "another workspace", giveWS: wsB, giveID: "at1", wantErr: oauth.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Token(ctx(t), tt.giveWS, tt.giveID)
			checkErr(t, "Token()", err, tt.wantErr)
			if tt.wantErr != nil {
				return
			}
			if diff := cmp.Diff(&want, got, equateEmpty); diff != "" {
				t.Errorf("Token() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func testRevoke(t *testing.T, newDB Database) {
	tests := []struct {
		name        string
		giveWS      string
		give        oauth.RevokeFilter
		wantN       int64
		wantErr     error
		wantRevoked []string // besides t5, seeded revoked
	}{
		{name: "by id", give: oauth.RevokeFilter{ID: "t1"}, wantN: 1, wantRevoked: []string{"t1"}},
		{name: "by grant", give: oauth.RevokeFilter{GrantID: "g1"}, wantN: 2, wantRevoked: []string{"t1", "t2"}},
		{name: "by consent", give: oauth.RevokeFilter{ConsentID: "c2"}, wantN: 2, wantRevoked: []string{"t3", "t4"}},
		{name: "by client", give: oauth.RevokeFilter{ClientID: "client-2"}, wantN: 3, wantRevoked: []string{"t2", "t3", "t4"}},
		{name: "fields are ANDed", give: oauth.RevokeFilter{GrantID: "g1", ClientID: "client-2"}, wantN: 1, wantRevoked: []string{"t2"}},
		{name: "already revoked are not counted", give: oauth.RevokeFilter{ID: "t5"}, wantN: 0},
		{name: "no match", give: oauth.RevokeFilter{GrantID: "nope"}, wantN: 0},
		{name: "another workspace", giveWS: wsB, give: oauth.RevokeFilter{GrantID: "g1"}, wantN: 0},
		{name: "empty filter", give: oauth.RevokeFilter{}, wantErr: errAny},
	}
	all := []string{"t1", "t2", "t3", "t4", "t5"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, newDB).s
			rec := func(id, grant, consent, client string, revoked bool) oauth.TokenRecord {
				r := tokenRecord(wsA, id)
				r.GrantID, r.ConsentID, r.ClientID, r.Revoked = grant, consent, client, revoked
				return r
			}
			seed := oauth.Issuance{Tokens: []oauth.TokenRecord{
				rec("t1", "g1", "c1", "client-1", false),
				rec("t2", "g1", "c1", "client-2", false),
				rec("t3", "g2", "c2", "client-2", false),
				rec("t4", "g3", "c2", "client-2", false),
				rec("t5", "g4", "c4", "client-1", true),
			}}
			if err := s.Issue(ctx(t), wsA, seed); err != nil {
				t.Fatalf("Issue() = %v", err)
			}
			ws := tt.giveWS
			if ws == "" {
				ws = wsA
			}
			n, err := s.Revoke(ctx(t), ws, tt.give)
			checkErr(t, "Revoke()", err, tt.wantErr)
			if n != tt.wantN {
				t.Errorf("Revoke() = %d, want %d", n, tt.wantN)
			}
			revoked := map[string]bool{"t5": true} // seeded revoked
			for _, id := range tt.wantRevoked {
				revoked[id] = true
			}
			for _, id := range all {
				checkRevoked(t, s, wsA, []string{id}, revoked[id])
			}
		})
	}
}
