package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openconsent/openconsent/server/oauth"
)

// parRecord returns a PAR record of wsA expiring at exp.
func parRecord(id string, exp time.Time) oauth.PARRecord {
	return oauth.PARRecord{ID: id, Workspace: wsA, ClientID: "client-1", Request: []byte(`{"scope":"openid"}`), ExpiresAt: exp}
}

func testSavePAR(t *testing.T, newDB Database) {
	tests := []struct {
		name      string
		givePrior []oauth.SingleUse // saved first with PAR "prior" in wsA
		giveWS    string
		giveOnce  []oauth.SingleUse
		givePAR   oauth.PARRecord
		wantErr   error
		wantKind  string // the ReplayError's kind, when wantErr is ErrReplay
	}{
		{name: "without single-use values", givePAR: parRecord("p1", now.Add(time.Minute))},
		{name: "with a request object jti", giveOnce: []oauth.SingleUse{once(oauth.OnceRequestJTI, "j1"), once(oauth.OnceAssertionJTI, "a1")}, givePAR: parRecord("p1", now.Add(time.Minute))},
		{
			name:      "replayed jti writes nothing",
			givePrior: []oauth.SingleUse{once(oauth.OnceRequestJTI, "j1")},
			giveOnce:  []oauth.SingleUse{once(oauth.OnceAssertionJTI, "a1"), once(oauth.OnceRequestJTI, "j1")},
			givePAR:   parRecord("p1", now.Add(time.Minute)),
			wantErr:   oauth.ErrReplay,
			wantKind:  oauth.OnceRequestJTI,
		},
		{
			name:      "same jti in another workspace",
			givePrior: []oauth.SingleUse{once(oauth.OnceRequestJTI, "j1")},
			giveWS:    wsB,
			giveOnce:  []oauth.SingleUse{once(oauth.OnceRequestJTI, "j1")},
			givePAR:   oauth.PARRecord{ID: "p1", ClientID: "client-1", ExpiresAt: now.Add(time.Minute)},
		},
		{name: "record of another workspace is refused", giveWS: wsB, givePAR: parRecord("p1", now.Add(time.Minute)), wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, newDB).s
			if err := s.SavePAR(ctx(t), wsA, tt.givePrior, parRecord("prior", now.Add(time.Minute))); err != nil {
				t.Fatalf("prior SavePAR() = %v", err)
			}
			ws := tt.giveWS
			if ws == "" {
				ws = wsA
			}
			err := s.SavePAR(ctx(t), ws, tt.giveOnce, tt.givePAR)
			checkErr(t, "SavePAR()", err, tt.wantErr)
			if tt.wantKind != "" {
				checkReplayKind(t, "SavePAR()", err, tt.wantKind)
			}
			_, err = s.TakePAR(ctx(t), ws, tt.givePAR.ID, now)
			if tt.wantErr != nil {
				if !errors.Is(err, oauth.ErrNotFound) {
					t.Errorf("TakePAR() after a failed SavePAR error = %v, want %v", err, oauth.ErrNotFound)
				}
				if len(tt.giveOnce) > 0 {
					// Nothing of the failed call was recorded: its first value is still free.
					if err := s.SavePAR(ctx(t), ws, tt.giveOnce[:1], parRecord("p2", now.Add(time.Minute))); err != nil {
						t.Errorf("SavePAR(%q) after a failed SavePAR = %v, want nil", tt.giveOnce[0].Value, err)
					}
				}
				return
			}
			if err != nil {
				t.Errorf("TakePAR() = %v, want the saved record", err)
			}
		})
	}
}

func testTakePAR(t *testing.T, newDB Database) {
	// A zone far from UTC checks that expiry compares instants, not text.
	zone := time.FixedZone("UTC-10", -10*60*60)
	tests := []struct {
		name       string
		givePAR    oauth.PARRecord
		giveTaken  bool // taken once before
		giveWS     string
		giveID     string
		wantErr    error
		wantUnused bool // still takeable in wsA afterwards
	}{
		{name: "returns the record", givePAR: parRecord("p1", now.Add(time.Minute).In(zone)), giveID: "p1"},
		{name: "second take", givePAR: parRecord("p1", now.Add(time.Minute)), giveTaken: true, giveID: "p1", wantErr: oauth.ErrNotFound},
		{name: "expired", givePAR: parRecord("p1", now.Add(-time.Second).In(zone)), giveID: "p1", wantErr: oauth.ErrNotFound},
		{name: "expires now", givePAR: parRecord("p1", now), giveID: "p1", wantErr: oauth.ErrNotFound},
		{name: "unknown", givePAR: parRecord("p1", now.Add(time.Minute)), giveID: "p2", wantErr: oauth.ErrNotFound, wantUnused: true},
		{name: "another workspace", givePAR: parRecord("p1", now.Add(time.Minute)), giveWS: wsB, giveID: "p1", wantErr: oauth.ErrNotFound, wantUnused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, newDB).s
			if err := s.SavePAR(ctx(t), wsA, nil, tt.givePAR); err != nil {
				t.Fatalf("SavePAR() = %v", err)
			}
			if tt.giveTaken {
				if _, err := s.TakePAR(ctx(t), wsA, tt.givePAR.ID, now); err != nil {
					t.Fatalf("first TakePAR() = %v", err)
				}
			}
			ws := tt.giveWS
			if ws == "" {
				ws = wsA
			}
			got, err := s.TakePAR(ctx(t), ws, tt.giveID, now)
			checkErr(t, "TakePAR()", err, tt.wantErr)
			if tt.wantErr == nil {
				if diff := cmp.Diff(&tt.givePAR, got, equateEmpty); diff != "" {
					t.Errorf("TakePAR() mismatch (-want +got):\n%s", diff)
				}
				if got.ExpiresAt.Location() != time.UTC {
					t.Errorf("TakePAR().ExpiresAt location = %v, want UTC", got.ExpiresAt.Location())
				}
			}
			if tt.wantUnused {
				if _, err := s.TakePAR(ctx(t), wsA, tt.givePAR.ID, now); err != nil {
					t.Errorf("TakePAR() in the owning workspace afterwards = %v, want the record", err)
				}
			}
		})
	}
}

// loginRecord returns a pending login of wsA expiring at exp.
func loginRecord(id string, exp time.Time) oauth.LoginRecord {
	return oauth.LoginRecord{
		ID: id, Workspace: wsA, ClientID: "client-1", Request: []byte(`{"scope":"openid"}`),
		BrowserHash: "bh-" + id, State: oauth.LoginPending, ExpiresAt: exp,
	}
}

func testLogin(t *testing.T, newDB Database) {
	s := newEnv(t, newDB).s
	live := loginRecord("l1", now.Add(time.Minute))
	live.Decision = []byte(`{"x":1}`)
	for _, l := range []oauth.LoginRecord{live, loginRecord("expired", now)} {
		if err := s.CreateLogin(ctx(t), l); err != nil {
			t.Fatalf("CreateLogin(%q) = %v", l.ID, err)
		}
	}
	checkErr(t, "CreateLogin(duplicate)", s.CreateLogin(ctx(t), loginRecord("l1", now.Add(time.Hour))), oauth.ErrConflict)
	noWS := loginRecord("l2", now.Add(time.Minute))
	noWS.Workspace = ""
	checkErr(t, "CreateLogin(no workspace)", s.CreateLogin(ctx(t), noWS), errAny)

	tests := []struct {
		name    string
		giveWS  string
		giveID  string
		wantErr error
	}{
		{name: "found", giveWS: wsA, giveID: "l1"},
		{name: "expired", giveWS: wsA, giveID: "expired", wantErr: oauth.ErrNotFound},
		{name: "unknown", giveWS: wsA, giveID: "nope", wantErr: oauth.ErrNotFound},
		{name: "another workspace", giveWS: wsB, giveID: "l1", wantErr: oauth.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Login(ctx(t), tt.giveWS, tt.giveID, now)
			checkErr(t, "Login()", err, tt.wantErr)
			if tt.wantErr != nil {
				return
			}
			if diff := cmp.Diff(&live, got, equateEmpty); diff != "" {
				t.Errorf("Login() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// transition is one TransitionLogin call.
type transition struct {
	ws, id, from, to string
	decision         []byte
}

func testTransitionLogin(t *testing.T, newDB Database) {
	accept := transition{wsA, "l1", oauth.LoginPending, oauth.LoginAccepted, []byte(`{"ok":true}`)}
	tests := []struct {
		name         string
		givePrior    []transition
		give         transition
		wantErr      error
		wantState    string
		wantDecision []byte
	}{
		{name: "pending to accepted", give: accept, wantState: oauth.LoginAccepted, wantDecision: accept.decision},
		{
			name:         "nil decision keeps the stored one",
			givePrior:    []transition{accept},
			give:         transition{wsA, "l1", oauth.LoginAccepted, oauth.LoginDone, nil},
			wantState:    oauth.LoginDone,
			wantDecision: accept.decision,
		},
		{name: "second identical transition", givePrior: []transition{accept}, give: accept, wantErr: oauth.ErrConflict, wantState: oauth.LoginAccepted, wantDecision: accept.decision},
		{name: "wrong from state", give: transition{wsA, "l1", oauth.LoginAccepted, oauth.LoginDone, nil}, wantErr: oauth.ErrConflict, wantState: oauth.LoginPending},
		{name: "unknown", give: transition{wsA, "nope", oauth.LoginPending, oauth.LoginAccepted, nil}, wantErr: oauth.ErrNotFound, wantState: oauth.LoginPending},
		{name: "expired", give: transition{wsA, "expired", oauth.LoginPending, oauth.LoginAccepted, nil}, wantErr: oauth.ErrNotFound, wantState: oauth.LoginPending},
		{name: "another workspace", give: transition{wsB, "l1", oauth.LoginPending, oauth.LoginAccepted, nil}, wantErr: oauth.ErrNotFound, wantState: oauth.LoginPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, newDB).s
			for _, l := range []oauth.LoginRecord{loginRecord("l1", now.Add(time.Minute)), loginRecord("expired", now)} {
				if err := s.CreateLogin(ctx(t), l); err != nil {
					t.Fatalf("CreateLogin(%q) = %v", l.ID, err)
				}
			}
			for _, p := range tt.givePrior {
				if err := s.TransitionLogin(ctx(t), p.ws, p.id, p.from, p.to, p.decision, now); err != nil {
					t.Fatalf("prior TransitionLogin() = %v", err)
				}
			}
			g := tt.give
			err := s.TransitionLogin(ctx(t), g.ws, g.id, g.from, g.to, g.decision, now)
			checkErr(t, "TransitionLogin()", err, tt.wantErr)
			got, err := s.Login(ctx(t), wsA, "l1", now)
			if err != nil {
				t.Fatalf("Login() = %v", err)
			}
			if got.State != tt.wantState {
				t.Errorf("Login().State = %q, want %q", got.State, tt.wantState)
			}
			if diff := cmp.Diff(tt.wantDecision, got.Decision, equateEmpty); diff != "" {
				t.Errorf("Login().Decision mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
