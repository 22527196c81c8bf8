package store

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/openconsent/openconsent/server/oauth"
)

func openSQLite(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), DialectSQLite, filepath.Join(t.TempDir(), "batch.db"))
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate() = %v", err)
	}
	return s
}

func batchIssuance(code, tokenID string) oauth.Issuance {
	now := time.Now()
	return oauth.Issuance{
		Once: []oauth.SingleUse{{Kind: oauth.OnceCode, Value: code, ExpiresAt: now.Add(time.Minute)}},
		Tokens: []oauth.TokenRecord{{ID: tokenID, Kind: oauth.KindAccess, ClientID: "c1",
			IssuedAt: now, ExpiresAt: now.Add(time.Minute)}},
	}
}

func jobFor(is oauth.Issuance) *issueJob {
	return &issueJob{workspace: "ws", is: is, parts: []part{insertOnce("ws", is.Once), insertTokens("ws", is.Tokens)}}
}

// A batch keeps every call all or nothing and independent: a replayed
// single-use value or a token id collision fails only its call, writes
// nothing of it, and the other calls of the batch still succeed.
func TestRunBatchIsolatesCalls(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		give      []oauth.Issuance
		wantErr   []bool
		wantToken []string // present after the batch
		wantNone  []string // absent after the batch
		wantFree  []string // codes still unused after the batch
	}{
		{
			name:      "replay inside the batch and of a stored value",
			give:      []oauth.Issuance{batchIssuance("a", "at-a"), batchIssuance("stored", "at-x"), batchIssuance("a", "at-a2"), batchIssuance("b", "at-b")},
			wantErr:   []bool{false, true, true, false},
			wantToken: []string{"at-a", "at-b"},
			wantNone:  []string{"at-x", "at-a2"},
		},
		{
			name:      "token id collision after the single-use insert",
			give:      []oauth.Issuance{batchIssuance("c", "at-c"), batchIssuance("d", "at-stored"), batchIssuance("e", "at-e")},
			wantErr:   []bool{false, true, false},
			wantToken: []string{"at-c", "at-e"},
			wantFree:  []string{"d"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openSQLite(t)
			if err := s.Issue(ctx, "ws", batchIssuance("stored", "at-stored")); err != nil {
				t.Fatalf("prior Issue() = %v", err)
			}
			batch := make([]*issueJob, len(tt.give))
			for i, is := range tt.give {
				batch[i] = jobFor(is)
			}
			s.runBatch(ctx, batch)
			for i, j := range batch {
				if (j.err != nil) != tt.wantErr[i] {
					t.Errorf("call %d err = %v, want error %v", i, j.err, tt.wantErr[i])
				}
			}
			for _, id := range tt.wantToken {
				if _, err := s.Token(ctx, "ws", id); err != nil {
					t.Errorf("Token(%s) = %v, want found", id, err)
				}
			}
			for _, id := range tt.wantNone {
				if _, err := s.Token(ctx, "ws", id); !errors.Is(err, oauth.ErrNotFound) {
					t.Errorf("Token(%s) = %v, want ErrNotFound", id, err)
				}
			}
			for _, code := range tt.wantFree {
				if err := s.Issue(ctx, "ws", batchIssuance(code, "at-free-"+code)); err != nil {
					t.Errorf("code %s was consumed by a failed call: Issue() = %v", code, err)
				}
			}
		})
	}
}

// Concurrent calls through the batcher: every unique call succeeds, and of
// the calls sharing one code exactly one wins and the others get a
// ReplayError naming the code.
func TestIssueGroupCommitConcurrent(t *testing.T) {
	ctx := context.Background()
	s := openSQLite(t)
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			code := "u" + strconv.Itoa(i)
			if i%10 == 0 {
				code = "shared"
			}
			errs[i] = s.Issue(ctx, "ws", batchIssuance(code, "at"+strconv.Itoa(i)))
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		if i%10 != 0 {
			if err != nil {
				t.Errorf("call %d = %v, want success", i, err)
			}
			continue
		}
		var re *oauth.ReplayError
		switch {
		case err == nil:
			wins++
		case !errors.As(err, &re) || re.Kind != oauth.OnceCode:
			t.Errorf("call %d = %v, want a ReplayError of kind %s", i, err, oauth.OnceCode)
		}
	}
	if wins != 1 {
		t.Errorf("calls sharing a code that succeeded = %d, want 1", wins)
	}
}
