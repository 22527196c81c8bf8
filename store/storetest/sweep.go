package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/openconsent/openconsent/server/oauth"
)

func testSweep(t *testing.T, newDB Database) {
	s := newEnv(t, newDB).s
	past, future := now.Add(-time.Second), now.Add(time.Minute)
	for _, ws := range []string{wsA, wsB} {
		oldTok, newTok := tokenRecord(ws, ws+"-t-old"), tokenRecord(ws, ws+"-t-new")
		oldTok.ExpiresAt, oldTok.Revoked = past, true
		is := oauth.Issuance{
			Once: []oauth.SingleUse{
				{Kind: oauth.OnceDPoPJTI, Value: "old", ExpiresAt: past},
				{Kind: oauth.OnceDPoPJTI, Value: "new", ExpiresAt: future},
			},
			Tokens: []oauth.TokenRecord{oldTok, newTok},
		}
		if err := s.Issue(ctx(t), ws, is); err != nil {
			t.Fatalf("Issue(%s) = %v", ws, err)
		}
		for _, p := range []oauth.PARRecord{parRecord(ws+"-p-old", past), parRecord(ws+"-p-new", future)} {
			p.Workspace = ws
			if err := s.SavePAR(ctx(t), ws, nil, p); err != nil {
				t.Fatalf("SavePAR(%q) = %v", p.ID, err)
			}
		}
		for _, l := range []oauth.LoginRecord{loginRecord(ws+"-l-old", past), loginRecord(ws+"-l-new", future)} {
			l.Workspace = ws
			if err := s.CreateLogin(ctx(t), l); err != nil {
				t.Fatalf("CreateLogin(%q) = %v", l.ID, err)
			}
		}
	}

	n, err := s.Sweep(ctx(t), now)
	if err != nil {
		t.Fatalf("Sweep() = %v", err)
	}
	if want := int64(2 * 4); n != want { // two workspaces, one expired row per table
		t.Errorf("Sweep() = %d, want %d", n, want)
	}
	for _, ws := range []string{wsA, wsB} {
		if _, err := s.Token(ctx(t), ws, ws+"-t-old"); !errors.Is(err, oauth.ErrNotFound) {
			t.Errorf("Token(%s-t-old) after Sweep error = %v, want %v", ws, err, oauth.ErrNotFound)
		}
		if _, err := s.Token(ctx(t), ws, ws+"-t-new"); err != nil {
			t.Errorf("Token(%s-t-new) after Sweep = %v, want the live token", ws, err)
		}
		if err := s.Issue(ctx(t), ws, oauth.Issuance{Once: []oauth.SingleUse{once(oauth.OnceDPoPJTI, "old")}}); err != nil {
			t.Errorf("Issue(old) after Sweep = %v, want nil (expired value removed)", err)
		}
		err := s.Issue(ctx(t), ws, oauth.Issuance{Once: []oauth.SingleUse{once(oauth.OnceDPoPJTI, "new")}})
		checkErr(t, "Issue(new) after Sweep", err, oauth.ErrReplay)
		if _, err := s.TakePAR(ctx(t), ws, ws+"-p-new", now); err != nil {
			t.Errorf("TakePAR(%s-p-new) after Sweep = %v, want the live record", ws, err)
		}
		if _, err := s.Login(ctx(t), ws, ws+"-l-new", now); err != nil {
			t.Errorf("Login(%s-l-new) after Sweep = %v, want the live record", ws, err)
		}
	}
	if n, err := s.Sweep(ctx(t), now.Add(-time.Hour)); err != nil || n != 0 {
		t.Errorf("Sweep(an hour ago) = %d, %v, want 0, nil", n, err)
	}
}
