package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/openconsent/openconsent/consent"
)

// testNotifications: a change's notifications are written with it; a due
// row is leased by one instance only; finishing records the outcome.
func testNotifications(t *testing.T, newDB Database) {
	e := newEnv(t, newDB)
	clock := now
	hooks := consent.Hooks{OnChange: func(c *consent.Consent, to consent.Status, origin string) []consent.Notification {
		if to != consent.StatusRevoked || origin == "client" {
			return nil
		}
		return []consent.Notification{{Kind: "test.revoked", ClientID: c.ClientID, Target: "https://rp.test/revoke", Payload: json.RawMessage(`{"x":1}`)}}
	}}
	svc := consent.NewService(e.s, consent.Options{Now: func() time.Time { return clock }, Hooks: hooks})
	other := consent.NewService(e.s, consent.Options{Now: func() time.Time { return clock }, Hooks: hooks})
	c1, _, _ := svc.Create(ctx(t), newConsent(wsA))
	c2, _, _ := svc.Create(ctx(t), newConsent(wsA))
	if _, err := svc.Revoke(ctx(t), wsA, c1.ID, "bank", "fraud"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Revoke(consent.WithOrigin(ctx(t), "client"), wsA, c2.ID, "client-1", ""); err != nil {
		t.Fatal(err)
	}
	list, err := e.s.Notifications(ctx(t), wsA, "", 10)
	if err != nil || len(list) != 1 || list[0].ConsentID != c1.ID || list[0].Status != consent.NotificationPending {
		t.Fatalf("notifications = %+v, %v; want one pending for %s (none for the client-originated revocation)", list, err, c1.ID)
	}
	if got, _ := e.s.Notifications(ctx(t), wsB, "", 10); len(got) != 0 {
		t.Fatalf("workspace B sees %d notifications", len(got))
	}
	second := e.open(t)
	a, err := e.s.ClaimNotifications(ctx(t), now, time.Minute, 10)
	if err != nil || len(a) != 1 {
		t.Fatalf("first claim = %d, %v; want 1", len(a), err)
	}
	b, err := second.ClaimNotifications(ctx(t), now, time.Minute, 10)
	if err != nil || len(b) != 0 {
		t.Fatalf("second instance claimed %d while leased; want 0", len(b))
	}
	n := a[0]
	n.Attempts, n.LastError, n.NextAt = 1, "503", now.Add(30*time.Second)
	if err := e.s.FinishNotification(ctx(t), n); err != nil {
		t.Fatal(err)
	}
	if got, _ := second.ClaimNotifications(ctx(t), now.Add(10*time.Second), time.Minute, 10); len(got) != 0 {
		t.Fatal("claimed before its retry time")
	}
	got, _ := second.ClaimNotifications(ctx(t), now.Add(31*time.Second), time.Minute, 10)
	if len(got) != 1 || got[0].Attempts != 1 {
		t.Fatalf("retry claim = %+v, want the row with 1 attempt", got)
	}
	done := now.Add(31 * time.Second)
	got[0].Status, got[0].DoneAt, got[0].Attempts = consent.NotificationDelivered, &done, 2
	if err := second.FinishNotification(ctx(t), got[0]); err != nil {
		t.Fatal(err)
	}
	if d, _ := e.s.Notifications(ctx(t), wsA, consent.NotificationDelivered, 10); len(d) != 1 {
		t.Fatalf("delivered = %d, want 1", len(d))
	}
}
