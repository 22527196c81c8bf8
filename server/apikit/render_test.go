package apikit_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/oauth"
)

// handlerError is what a strict handler (or a generated wrapper) returns
// for the /ws/fail/:kind route.
func handlerError(kind string) error {
	switch kind {
	case "oauth":
		return oauth.InvalidRequest("granted scope x was not requested")
	case "binding":
		return echo.NewHTTPError(http.StatusBadRequest, "Invalid format for parameter id: strconv internals")
	case "wrapped-server":
		return oauth.ServerError(errors.New("database password=hunter2"))
	}
	return errors.New("pq: relation secret_table does not exist")
}

func TestErrorsMiddleware(t *testing.T) {
	e := newTestServer(t)
	tests := []struct {
		name       string
		giveKind   string
		wantStatus int
		wantCode   string
		wantDetail string
	}{
		{"oauth error keeps code and description", "oauth", 400, "invalid_request", "granted scope x was not requested"},
		{"echo binding error gets a generic text", "binding", 400, "invalid_request", "Bad Request"},
		{"unknown error is a bare 500", "plain", 500, "server_error", "internal error"},
		{"oauth server_error is a bare 500", "wrapped-server", 500, "server_error", "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := serve(e, http.MethodGet, "/ws/fail/"+tt.giveKind, "sys-read", "", "")
			if r.status != tt.wantStatus || r.body["test_code"] != tt.wantCode || r.body["test_detail"] != tt.wantDetail {
				t.Fatalf("got %d %s, want %d %s %q", r.status, r.raw, tt.wantStatus, tt.wantCode, tt.wantDetail)
			}
			for _, leak := range []string{"secret", "hunter2", "strconv"} {
				if strings.Contains(r.raw, leak) {
					t.Errorf("body %s leaks %q", r.raw, leak)
				}
			}
		})
	}
}

func TestRenderOAuth(t *testing.T) {
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
	if err := apikit.RenderOAuth(c, http.StatusConflict, apikit.CodeConflict, "already decided"); err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusConflict || body["error"] != "conflict" || body["error_description"] != "already decided" {
		t.Errorf("got %d %v, want 409 {error: conflict, error_description: already decided}", rec.Code, body)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store (RFC 6749 §5.1)", got)
	}
}
