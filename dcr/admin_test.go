package dcr_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/openconsent/openconsent/dcr"
)

func TestAdminSetStatus(t *testing.T) {
	f := newFixture(t)
	r := f.registrar(t, brProfile(), func(o *dcr.Options) { o.InitialStatus = dcr.StatusPending })
	c, _ := registered(t, f, r)
	a := &dcr.Admin{Workspace: "ws", Clients: f.store, Store: f.store, Now: f.clk.Now}
	tests := []struct {
		name       string
		giveID     string
		giveTo     dcr.Status
		wantErr    error
		wantStatus dcr.Status
		wantRevoke bool
	}{
		{name: "Pending to Inactive", giveTo: dcr.StatusInactive, wantErr: dcr.ErrInvalidTransition},
		{name: "unknown status", giveTo: "Maybe", wantErr: dcr.ErrInvalidTransition},
		{name: "unknown client", giveID: "nope", giveTo: dcr.StatusApproved, wantErr: dcr.ErrNotFound},
		{name: "approve", giveTo: dcr.StatusApproved, wantStatus: dcr.StatusApproved},
		{name: "approve again is a no-op", giveTo: dcr.StatusApproved, wantStatus: dcr.StatusApproved},
		{name: "suspend revokes tokens", giveTo: dcr.StatusInactive, wantStatus: dcr.StatusInactive, wantRevoke: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := c.ID
			if tt.giveID != "" {
				id = tt.giveID
			}
			f.store.revoked = nil
			got, err := a.SetStatus(t.Context(), id, tt.giveTo, "ops")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("SetStatus() error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got.Status != tt.wantStatus {
				t.Errorf("Status = %s, want %s", got.Status, tt.wantStatus)
			}
			if revoked := slices.Contains(f.store.revoked, c.ID); revoked != tt.wantRevoke {
				t.Errorf("tokens revoked = %v, want %v", revoked, tt.wantRevoke)
			}
		})
	}
	list, _, err := a.List(t.Context(), dcr.ListFilter{Status: dcr.StatusInactive})
	if err != nil || len(list) != 1 || list[0].ID != c.ID {
		t.Errorf("List(Inactive) = %v, %v", list, err)
	}
}
