package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	body := "secret: 0123456789abcdef0123456789abcdef\nworkspaces:\n  - id: w\n    demo_login: true\n"
	if err := os.WriteFile(good, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(strings.Replace(body, "demo_login: true", "demo_login: true\n    profile: fapi9", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		giveArgs []string
		want     int
	}{
		{"valid file", []string{"config", "check", good}, 0},
		{"invalid file", []string{"config", "check", bad}, 1},
		{"the demo config", []string{"config", "check", "demo.yaml"}, 0},
		{"missing file", []string{"config", "check", filepath.Join(dir, "none.yaml")}, 1},
		{"usage", []string{"config"}, 2},
		{"unknown command", []string{"frobnicate"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(tt.giveArgs); got != tt.want {
				t.Fatalf("run(%v) = %d, want %d", tt.giveArgs, got, tt.want)
			}
		})
	}
}

// TestServeRefusesABrokenConfig: the server does not start with a config
// that config check rejects.
func TestServeRefusesABrokenConfig(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("workspaces:\n  - id: UPPER\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := run([]string{"serve", "--config", bad}); got != 1 {
		t.Fatalf("serve with a broken config = %d, want 1", got)
	}
}

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	body := "secret: 0123456789abcdef0123456789abcdef\ndatabase:\n  dsn: " + filepath.Join(dir, "m.db") + "\nworkspaces:\n  - id: w\n    demo_login: true\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if got := run([]string{"migrate", "--config", cfg}); got != 0 {
			t.Fatalf("migrate = %d, want 0", got)
		}
	}
}
