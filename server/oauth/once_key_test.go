package oauth

import (
	"testing"
	"time"
)

func TestTimeOrderedKey(t *testing.T) {
	at := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name string
		t    time.Time
		v    string
		want string
	}{
		{name: "padded to 11 digits", t: at, v: "c:j", want: "01700000000|c:j"},
		{name: "before 1970 clamps to 0", t: time.Unix(-5, 0), v: "x", want: "00000000000|x"},
		{name: "empty value", t: time.Unix(7, 0), v: "", want: "00000000007|"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := timeOrderedKey(tt.t, tt.v); got != tt.want {
				t.Errorf("timeOrderedKey() = %q, want %q", got, tt.want)
			}
		})
	}
	// Byte order is time order, which is what keeps inserts on the last pages.
	if a, b := timeOrderedKey(at, "zzz"), timeOrderedKey(at.Add(time.Second), "aaa"); a >= b {
		t.Errorf("keys not in time order: %q >= %q", a, b)
	}
}
