package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/openconsent/openconsent/server/keys"
	"github.com/openconsent/openconsent/store"
)

// keyRecord returns an active signing key of ws created at created.
func keyRecord(ws, id string, created time.Time) keys.Record {
	return keys.Record{
		ID: id, Workspace: ws, Alg: "PS256", Use: "sig", State: keys.StateActive,
		PrivateEnc: []byte("sealed-" + id), PublicJWK: []byte(`{"kid":"` + id + `"}`), CreatedAt: created,
	}
}

// retired returns r retired at at and published until until.
func retired(r keys.Record, at, until time.Time) keys.Record {
	r.State, r.RetiredAt, r.PublishUntil = keys.StateRetired, &at, &until
	return r
}

// seedKeys creates recs in s.
func seedKeys(t *testing.T, s *store.Store, recs ...keys.Record) {
	t.Helper()
	for _, r := range recs {
		if err := s.CreateKey(ctx(t), r); err != nil {
			t.Fatalf("CreateKey(%q) = %v", r.ID, err)
		}
	}
}

func testKeys(t *testing.T, newDB Database) {
	s := newEnv(t, newDB).s
	k1 := keyRecord(wsA, "k1", now.Add(-2*time.Hour))
	k2 := retired(keyRecord(wsA, "k2", now.Add(-3*time.Hour)), now.Add(-time.Hour), now.Add(time.Hour))
	k3 := keyRecord(wsA, "k3", now)
	k3.Alg, k3.Use = "RSA-OAEP-256", "enc"
	seedKeys(t, s, k1, k2, k3, keyRecord(wsB, "other", now))
	checkErr(t, "CreateKey(duplicate)", s.CreateKey(ctx(t), keyRecord(wsA, "k1", now)), errAny)

	tests := []struct {
		name   string
		giveWS string
		want   []keys.Record
	}{
		{name: "oldest first", giveWS: wsA, want: []keys.Record{k2, k1, k3}},
		{name: "no keys", giveWS: "ws-empty", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Keys(ctx(t), tt.giveWS)
			if err != nil {
				t.Fatalf("Keys() = %v", err)
			}
			if diff := cmp.Diff(tt.want, got, equateEmpty); diff != "" {
				t.Errorf("Keys() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func testRetireKey(t *testing.T, newDB Database) {
	at, until := now, now.Add(24*time.Hour)
	tests := []struct {
		name    string
		giveWS  string
		giveID  string
		wantErr error
		want    keys.Record // k1 afterwards
	}{
		{name: "active key", giveWS: wsA, giveID: "k1", want: retired(keyRecord(wsA, "k1", now), at, until)},
		{name: "already retired", giveWS: wsA, giveID: "k2", wantErr: keys.ErrNotFound, want: keyRecord(wsA, "k1", now)},
		{name: "unknown", giveWS: wsA, giveID: "nope", wantErr: keys.ErrNotFound, want: keyRecord(wsA, "k1", now)},
		{name: "another workspace", giveWS: wsB, giveID: "k1", wantErr: keys.ErrNotFound, want: keyRecord(wsA, "k1", now)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, newDB).s
			seedKeys(t, s, keyRecord(wsA, "k1", now), retired(keyRecord(wsA, "k2", now.Add(time.Second)), now, now))
			err := s.RetireKey(ctx(t), tt.giveWS, tt.giveID, at, until)
			checkErr(t, "RetireKey()", err, tt.wantErr)
			got, err := s.Keys(ctx(t), wsA)
			if err != nil {
				t.Fatalf("Keys() = %v", err)
			}
			if len(got) != 2 {
				t.Fatalf("len(Keys()) = %d, want 2", len(got))
			}
			if diff := cmp.Diff(tt.want, got[0], equateEmpty); diff != "" {
				t.Errorf("Keys()[0] mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func testDeleteUnpublished(t *testing.T, newDB Database) {
	tests := []struct {
		name    string
		giveWS  string
		wantN   int64
		wantIDs []string // left in wsA
	}{
		{name: "removes retired keys past publication", giveWS: wsA, wantN: 1, wantIDs: []string{"active", "published"}},
		{name: "another workspace", giveWS: wsB, wantN: 0, wantIDs: []string{"active", "gone", "published"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newEnv(t, newDB).s
			seedKeys(t, s,
				keyRecord(wsA, "active", now.Add(-3*time.Hour)),
				retired(keyRecord(wsA, "gone", now.Add(-2*time.Hour)), now.Add(-2*time.Hour), now.Add(-time.Second)),
				retired(keyRecord(wsA, "published", now.Add(-time.Hour)), now.Add(-time.Hour), now.Add(time.Hour)),
			)
			n, err := s.DeleteUnpublished(ctx(t), tt.giveWS, now)
			if err != nil {
				t.Fatalf("DeleteUnpublished() = %v", err)
			}
			if n != tt.wantN {
				t.Errorf("DeleteUnpublished() = %d, want %d", n, tt.wantN)
			}
			got, err := s.Keys(ctx(t), wsA)
			if err != nil {
				t.Fatalf("Keys() = %v", err)
			}
			var ids []string
			for _, k := range got {
				ids = append(ids, k.ID)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("Keys() ids mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
