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
	engines := append([]string{module + "/server", module + "/store", module + "/ecosystems", module + "/openapi"}, frameworks...)
	tests := []struct {
		name      string
		givePkg   string
		forbidden []string // prefixes
		exact     []string // exact import paths
	}{
		{"consent", "./consent/...", engines, nil},
		{"dcr", "./dcr/...", engines, nil},
		{"oauth", "./server/oauth/...", append([]string{module + "/server/keys", module + "/server/apikit", module + "/server/system", module + "/store", module + "/ecosystems", module + "/openapi"}, frameworks...), []string{module + "/server"}},
		// Ecosystems reach the engines, server/oauth and server/apikit, never gorm, store or the composition root.
		{"ecosystems", "./ecosystems/...", []string{"gorm.io/", module + "/store", module + "/server/keys", module + "/server/system", module + "/server/demo"}, []string{module + "/server"}},
		{"apikit", "./server/apikit/...", []string{"gorm.io/", module + "/store", module + "/ecosystems", module + "/server/keys", module + "/server/system"}, []string{module + "/server"}},
		{"system APIs", "./server/system/...", []string{"gorm.io/", module + "/store", module + "/ecosystems"}, []string{module + "/server"}},
		// Registration handlers are plain net/http over dcr and server/oauth.
		{"registration", "./server/registration/...", append([]string{module + "/server/keys", module + "/server/apikit", module + "/server/system", module + "/store", module + "/ecosystems", module + "/openapi"}, frameworks...), []string{module + "/server"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for pkg, deps := range listDeps(t, tt.givePkg) {
				for _, d := range deps {
					if strings.HasSuffix(d, "/gen") && !strings.HasPrefix(pkg, strings.TrimSuffix(d, "/gen")) && (tt.name == "consent" || tt.name == "dcr" || tt.name == "oauth") {
						t.Errorf("%s imports generated code %s", pkg, d)
					}
					for _, f := range tt.forbidden {
						if d == strings.TrimSuffix(f, "/") || strings.HasPrefix(d, strings.TrimSuffix(f, "/")+"/") {
							t.Errorf("%s imports %s (forbidden: %s)", pkg, d, f)
						}
					}
					for _, f := range tt.exact {
						if d == f {
							t.Errorf("%s imports %s", pkg, d)
						}
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

// TestEcosystemsDoNotImportEachOther: an ecosystem imports the engines and
// its own gen packages; code shared by ecosystems lives in
// ecosystems/internal (uk and ksa share ecosystems/internal/obie).
func TestEcosystemsDoNotImportEachOther(t *testing.T) {
	eco := func(p string) string {
		rest, ok := strings.CutPrefix(p, module+"/ecosystems/")
		if !ok {
			return ""
		}
		name, _, _ := strings.Cut(rest, "/")
		return name
	}
	for pkg, deps := range listDeps(t, "./ecosystems/...") {
		own := eco(pkg)
		if own == "" || own == "internal" {
			continue
		}
		for _, d := range deps {
			other := eco(d)
			if other == "" || other == own || other == "internal" {
				continue
			}
			t.Errorf("%s imports another ecosystem: %s", pkg, d)
		}
	}
}
