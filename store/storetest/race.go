package storetest

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/openconsent/openconsent/server/oauth"
	"github.com/openconsent/openconsent/store"
)

// racers is how many goroutines, split across two Store handles, race for
// one single-use value.
const racers = 16

// testRace opens two handles (two server instances) on one database and
// has racers goroutines consume the same value: exactly one wins, and the
// others get the port's error.
func testRace(t *testing.T, newDB Database) {
	tests := []struct {
		name      string
		setup     func(t *testing.T, s *store.Store)
		attempt   func(ctx context.Context, s *store.Store, i int) error
		wantLoser error
		check     func(t *testing.T, s *store.Store) // after the race
	}{
		{
			name: "Issue with the same code",
			attempt: func(ctx context.Context, s *store.Store, i int) error {
				return s.Issue(ctx, wsA, oauth.Issuance{
					Once:   []oauth.SingleUse{once(oauth.OnceCode, "code"), once(oauth.OnceDPoPJTI, "jti-"+strconv.Itoa(i))},
					Tokens: []oauth.TokenRecord{tokenRecord(wsA, "at-"+strconv.Itoa(i))},
				})
			},
			wantLoser: oauth.ErrReplay,
			check: func(t *testing.T, s *store.Store) {
				found := 0
				for i := range racers {
					if _, err := s.Token(ctx(t), wsA, "at-"+strconv.Itoa(i)); err == nil {
						found++
					}
				}
				if found != 1 {
					t.Errorf("tokens written = %d, want 1 (losers write nothing)", found)
				}
			},
		},
		{
			name: "SavePAR with the same request jti",
			attempt: func(ctx context.Context, s *store.Store, i int) error {
				return s.SavePAR(ctx, wsA, []oauth.SingleUse{once(oauth.OnceRequestJTI, "jti")},
					parRecord("p-"+strconv.Itoa(i), now.Add(time.Minute)))
			},
			wantLoser: oauth.ErrReplay,
		},
		{
			name: "TakePAR of one request_uri",
			setup: func(t *testing.T, s *store.Store) {
				if err := s.SavePAR(ctx(t), wsA, nil, parRecord("p1", now.Add(time.Minute))); err != nil {
					t.Fatalf("SavePAR() = %v", err)
				}
			},
			attempt: func(ctx context.Context, s *store.Store, _ int) error {
				_, err := s.TakePAR(ctx, wsA, "p1", now)
				return err
			},
			wantLoser: oauth.ErrNotFound,
		},
		{
			name: "TransitionLogin of one login",
			setup: func(t *testing.T, s *store.Store) {
				if err := s.CreateLogin(ctx(t), loginRecord("l1", now.Add(time.Minute))); err != nil {
					t.Fatalf("CreateLogin() = %v", err)
				}
			},
			attempt: func(ctx context.Context, s *store.Store, i int) error {
				return s.TransitionLogin(ctx, wsA, "l1", oauth.LoginPending, oauth.LoginAccepted, []byte(strconv.Itoa(i)), now)
			},
			wantLoser: oauth.ErrConflict,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, newDB)
			handles := [2]*store.Store{e.s, e.open(t)}
			if tt.setup != nil {
				tt.setup(t, e.s)
			}
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
				case !errors.Is(err, tt.wantLoser):
					t.Errorf("racer %d error = %v, want nil or %v", i, err, tt.wantLoser)
				}
			}
			if wins != 1 {
				t.Errorf("winners = %d, want exactly 1", wins)
			}
			if tt.check != nil {
				tt.check(t, handles[1])
			}
		})
	}
}
