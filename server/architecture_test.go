package server_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/openconsent/openconsent"

// TestDependencyDirection enforces docs/style.md §2: the engines never import
// frameworks, generated code, server or store; server/oauth never imports its
// parent, store, ecosystems, gorm, echo or generated code.
func TestDependencyDirection(t *testing.T) {
	frameworks := []string{"github.com/labstack/echo", "gorm.io/", "github.com/getkin/kin-openapi", "github.com/oapi-codegen/"}
	tests := []struct {
		name      string
		givePkg   string
		forbidden []string
	}{
		{"consent", "./consent/...", append([]string{module + "/server", module + "/store", module + "/ecosystems", module + "/openapi"}, frameworks...)},
		{"dcr", "./dcr/...", append([]string{module + "/server", module + "/store", module + "/ecosystems", module + "/openapi"}, frameworks...)},
		{"oauth", "./server/oauth/...", append([]string{module + "/server/keys", module + "/store", module + "/ecosystems", module + "/openapi"}, frameworks...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for pkg, deps := range listDeps(t, tt.givePkg) {
				for _, d := range deps {
					if strings.HasSuffix(d, "/gen") {
						t.Errorf("%s imports generated code %s", pkg, d)
					}
					for _, f := range tt.forbidden {
						if d == strings.TrimSuffix(f, "/") || strings.HasPrefix(d, strings.TrimSuffix(f, "/")+"/") {
							t.Errorf("%s imports %s (forbidden: %s)", pkg, d, f)
						}
					}
					if tt.name == "oauth" && d == module+"/server" {
						t.Errorf("%s imports its parent %s", pkg, d)
					}
				}
			}
		})
	}
}

// TestDependencyCheckCanFail proves the check sees imports: server imports echo.
func TestDependencyCheckCanFail(t *testing.T) {
	for _, deps := range listDeps(t, "./server") {
		for _, d := range deps {
			if strings.HasPrefix(d, "github.com/labstack/echo") {
				return
			}
		}
	}
	t.Fatal("go list -deps found no echo import in server: the dependency check is blind")
}

func listDeps(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", pattern)
	cmd.Dir = ".." // the module root: tests run in server/
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pattern, err)
	}
	res := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		res[p.ImportPath] = p.Deps
	}
	return res
}
