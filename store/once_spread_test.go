package store

import (
	"testing"
	"time"
)

// TestSpreadExpiry pins spreadExpiry: a whole-second expiry (one from JWT
// claims) gets exactly the insert time's sub-second part added, so a
// single-use row is kept longer by under a second and never shorter (replay
// detection is unchanged); an expiry with a fractional part is kept as is.
func TestSpreadExpiry(t *testing.T) {
	whole := time.Date(2030, 3, 4, 5, 6, 7, 0, time.UTC)
	fractional := whole.Add(250 * time.Millisecond)
	insert := time.Date(2030, 3, 4, 5, 1, 2, 987654321, time.UTC)
	tests := []struct {
		name    string
		giveExp time.Time
		giveNow time.Time
		want    time.Time
	}{
		{"whole second", whole, insert, whole.Add(987654321 * time.Nanosecond)},
		{"whole second, now on a whole second", whole, insert.Truncate(time.Second), whole},
		{"whole second, now in another zone", whole, insert.In(time.FixedZone("UTC-5", -5*60*60)), whole.Add(987654321 * time.Nanosecond)},
		{"whole second, nanosecond now", whole, insert.Truncate(time.Second).Add(time.Nanosecond), whole.Add(time.Nanosecond)},
		{"fractional", fractional, insert, fractional},
		{"one nanosecond past a second", whole.Add(time.Nanosecond), insert, whole.Add(time.Nanosecond)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := spreadExpiry(tt.giveExp, tt.giveNow)
			if !got.Equal(tt.want) {
				t.Errorf("spreadExpiry(%v, %v) = %v, want %v", tt.giveExp, tt.giveNow, got, tt.want)
			}
			if got.Before(tt.giveExp) {
				t.Errorf("spreadExpiry(%v, %v) = %v, before the expiry", tt.giveExp, tt.giveNow, got)
			}
			if d := got.Sub(tt.giveExp); d >= time.Second {
				t.Errorf("spreadExpiry(%v, %v) adds %v, want under a second", tt.giveExp, tt.giveNow, d)
			}
		})
	}
}

// TestSpreadExpiryOrdered pins why spreadExpiry exists: rows inserted one
// after another within a second with the same whole-second expiry get
// increasing expiries, in insert order.
func TestSpreadExpiryOrdered(t *testing.T) {
	exp := time.Date(2030, 3, 4, 5, 6, 7, 0, time.UTC)
	second := time.Date(2030, 3, 4, 5, 1, 2, 0, time.UTC)
	offsets := []time.Duration{0, time.Nanosecond, time.Microsecond, 500 * time.Millisecond, time.Second - time.Nanosecond}
	var prev time.Time
	for i, off := range offsets {
		now := second.Add(off)
		got := spreadExpiry(exp, now)
		if want := exp.Add(off); !got.Equal(want) {
			t.Errorf("spreadExpiry(exp, second+%v) = %v, want %v", off, got, want)
		}
		if i > 0 && !got.After(prev) {
			t.Errorf("spreadExpiry(exp, second+%v) = %v, not after %v (the previous insert's)", off, got, prev)
		}
		prev = got
	}
}
