package apikit_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/openconsent/openconsent/server/apikit"
	"github.com/openconsent/openconsent/server/oauth"
)

// testSpec has a secured read, a secured write with a JSON body, a public
// operation and a pattern-checked path parameter.
const testSpec = `
openapi: 3.0.3
info: {title: kit test, version: "1"}
servers: [{url: "https://elsewhere.example/api"}]
security: [{oauth2: [read]}]
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, pattern: '^[a-z]+$'}}
    get:
      operationId: getThing
      responses: {'200': {description: ok, content: {application/json: {schema: {type: object, required: [id], properties: {id: {type: string}}}}}}}
    post:
      operationId: postThing
      security: [{oauth2: [write]}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [name]
              properties:
                name: {type: string, minLength: 1}
                tags: {type: array, items: {type: string}}
      responses: {'200': {description: ok}}
  /fail/{kind}:
    parameters:
      - {name: kind, in: path, required: true, schema: {type: string}}
    get:
      operationId: fail
      responses: {'200': {description: ok}}
  /public:
    get:
      operationId: getPublic
      security: []
      responses: {'200': {description: ok}}
components:
  securitySchemes:
    oauth2:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: /token, scopes: {read: r, write: w}}}
`

// rendered is what the test Renderer writes, so tests can tell the caller's
// renderer was used.
type rendered struct {
	Code   string `json:"test_code"`
	Detail string `json:"test_detail"`
}

func testRenderer(c echo.Context, status int, code, detail string) error {
	return c.JSON(status, rendered{Code: code, Detail: detail})
}

// tokens maps a bearer value to a token; anything else is invalid_token.
var tokens = map[string]*oauth.TokenInfo{
	"sys-read":    {Record: &oauth.TokenRecord{ClientID: "sys", Scope: "read"}},
	"sys-rw":      {Record: &oauth.TokenRecord{ClientID: "sys", Scope: "read write"}},
	"tpp-rw":      {Record: &oauth.TokenRecord{ClientID: "tpp", Scope: "read write"}},
	"gone-rw":     {Record: &oauth.TokenRecord{ClientID: "gone", Scope: "read write"}},
	"bad-proof":   nil,
	"server-fail": nil,
}

func fakeAuth(r *http.Request, path string) (*oauth.TokenInfo, error) {
	_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch tok {
	case "bad-proof":
		return nil, oauth.InvalidDPoPProof("DPoP proof htu does not match")
	case "server-fail":
		return nil, oauth.ServerError(io.ErrUnexpectedEOF)
	}
	if t := tokens[tok]; t != nil {
		return t, nil
	}
	return nil, oauth.InvalidToken("the access token is invalid").WithHeader("WWW-Authenticate", `Bearer realm="test"`)
}

func fakeClients(_ context.Context, id string) (*oauth.Client, error) {
	switch id {
	case "sys":
		return &oauth.Client{ID: id, System: true}, nil
	case "tpp":
		return &oauth.Client{ID: id}, nil
	}
	return nil, oauth.ErrClientNotFound
}

func loadTestSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := apikit.LoadSpec([]byte(testSpec))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// newTestServer mounts the spec's routes at /ws with the kit per route, and
// a route the spec does not describe behind the kit as group middleware.
func newTestServer(t *testing.T, opts ...apikit.Option) *echo.Echo {
	t.Helper()
	base := []apikit.Option{apikit.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), apikit.WithPrefix("/ws"), apikit.WithAuthenticator(fakeAuth), apikit.RequireSystemClient(fakeClients)}
	kit, err := apikit.New(loadTestSpec(t), testRenderer, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	g := e.Group("/ws")
	api := kit.Router(g)
	echoToken := func(c echo.Context) error {
		out := map[string]any{"path": c.Request().URL.Path}
		if tok, ok := apikit.Token(c.Request().Context()); ok {
			out["client_id"] = tok.Record.ClientID
		}
		if c.Request().Method == http.MethodPost {
			b, _ := io.ReadAll(c.Request().Body)
			out["body"] = string(b)
		}
		return c.JSON(http.StatusOK, out)
	}
	api.GET("/things/:id", echoToken)
	api.POST("/things/:id", echoToken)
	api.GET("/public", echoToken)
	api.GET("/fail/:kind", func(c echo.Context) error { return handlerError(c.Param("kind")) })
	api.GET("/unlisted", echoToken) // registered as the API's but absent from the spec
	other := e.Group("/ws", kit.Middleware())
	other.GET("/outside", echoToken)
	return e
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func serve(e *echo.Echo, method, path, token, contentType, body string) response {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	r := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &r.body)
	return r
}

func TestValidation(t *testing.T) {
	e := newTestServer(t, apikit.WithMaxBodyBytes(256))
	tests := []struct {
		name        string
		givePath    string
		giveCT      string
		giveBody    string
		wantStatus  int
		wantCode    string
		wantDetail  string
		wantHandled bool
	}{
		{"valid body reaches the handler", "/ws/things/abc", "application/json", `{"name":"x","tags":["a"]}`, 200, "", "", true},
		{"missing required field", "/ws/things/abc", "application/json", `{"tags":[]}`, 400, "invalid_request", `property "name" is missing`, false},
		{"wrong type names the field", "/ws/things/abc", "application/json", `{"name":"x","tags":[1]}`, 400, "invalid_request", "field tags.0:", false},
		{"unknown property", "/ws/things/abc", "application/json", `{"name":"x","nmae":"y"}`, 400, "invalid_request", `property "nmae" is unsupported`, false},
		{"malformed JSON", "/ws/things/abc", "application/json", `{"name":`, 400, "invalid_request", "request body: is malformed", false},
		{"empty body", "/ws/things/abc", "application/json", ``, 400, "invalid_request", "request body: is required", false},
		{"path parameter pattern", "/ws/things/ABC", "application/json", `{"name":"x"}`, 400, "invalid_request", "parameter id:", false},
		{"wrong content type", "/ws/things/abc", "text/plain", `name=x`, 415, "invalid_request", "application/json", false},
		{"body too large", "/ws/things/abc", "application/json", `{"name":"` + strings.Repeat("x", 300) + `"}`, 413, "request_too_large", "too large", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := serve(e, http.MethodPost, tt.givePath, "sys-rw", tt.giveCT, tt.giveBody)
			if r.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (%s)", r.status, tt.wantStatus, r.raw)
			}
			if tt.wantHandled {
				if r.body["body"] != tt.giveBody || r.body["client_id"] != "sys" || r.body["path"] != tt.givePath {
					t.Errorf("handler saw %s, want body %s, client sys and the original path", r.raw, tt.giveBody)
				}
				return
			}
			if r.body["test_code"] != tt.wantCode {
				t.Errorf("code = %v, want %s (the caller's renderer)", r.body["test_code"], tt.wantCode)
			}
			d, _ := r.body["test_detail"].(string)
			if !strings.Contains(d, tt.wantDetail) {
				t.Errorf("detail = %q, want it to contain %q", d, tt.wantDetail)
			}
			// kin-openapi's full messages dump the schema and the value.
			for _, leak := range []string{"Schema:", "Value:", "request body has an error"} {
				if strings.Contains(d, leak) {
					t.Errorf("detail %q leaks the library message (%q)", d, leak)
				}
			}
		})
	}
}

func TestOutsideSpecPassesThrough(t *testing.T) {
	e := newTestServer(t)
	// No token and no body: the kit must not touch a route the spec lacks.
	r := serve(e, http.MethodGet, "/ws/outside", "", "", "")
	if r.status != http.StatusOK || r.body["path"] != "/ws/outside" {
		t.Fatalf("GET /ws/outside = %d %s, want 200 from the handler", r.status, r.raw)
	}
	if _, ok := r.body["client_id"]; ok {
		t.Error("a token was set on a request outside the spec")
	}
}

func TestRouterFailsClosed(t *testing.T) {
	e := newTestServer(t)
	r := serve(e, http.MethodGet, "/ws/unlisted", "", "", "")
	if r.status != http.StatusNotFound || r.body["test_code"] != "not_found" {
		t.Fatalf("GET /ws/unlisted = %d %s, want 404 not_found without reaching the handler", r.status, r.raw)
	}
}

func TestNewRejectsBadSetup(t *testing.T) {
	apiKey := strings.Replace(testSpec, "type: oauth2\n      flows: {clientCredentials: {tokenUrl: /token, scopes: {read: r, write: w}}}", "type: apiKey\n      name: X-Key\n      in: header", 1)
	tests := []struct {
		name     string
		giveSpec string
		giveOpts []apikit.Option
		giveNil  bool
	}{
		{"secured spec without an authenticator", testSpec, nil, false},
		{"non-oauth2 scheme", apiKey, []apikit.Option{apikit.WithAuthenticator(fakeAuth)}, false},
		{"nil renderer", testSpec, []apikit.Option{apikit.WithAuthenticator(fakeAuth)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := apikit.LoadSpec([]byte(tt.giveSpec))
			if err != nil {
				t.Fatal(err)
			}
			var render apikit.Renderer = testRenderer
			if tt.giveNil {
				render = nil
			}
			if _, err := apikit.New(doc, render, tt.giveOpts...); err == nil {
				t.Error("New succeeded, want a start-up error")
			}
		})
	}
	if _, err := apikit.LoadSpec([]byte("openapi: 3.0.3\ninfo: {title: x}\npaths: {}")); err == nil {
		t.Error("LoadSpec accepted a document without info.version")
	}
}

func TestLoadSpecClearsServers(t *testing.T) {
	if doc := loadTestSpec(t); len(doc.Servers) != 0 {
		t.Errorf("servers = %v, want none (the router would match the Host against them)", doc.Servers)
	}
}

func TestResponseValidator(t *testing.T) {
	v, err := apikit.NewResponseValidator(loadTestSpec(t), "/ws")
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/ws/things/abc", nil)
	h := http.Header{"Content-Type": {"application/json"}}
	if err := v.Validate(req, 200, h, []byte(`{"id":"abc"}`)); err != nil {
		t.Errorf("valid response: %v", err)
	}
	if err := v.Validate(req, 200, h, []byte(`{"name":"abc"}`)); err == nil {
		t.Error("response without the required id passed")
	}
	if err := v.Validate(req, 404, h, []byte(`{}`)); err == nil {
		t.Error("an undeclared status passed")
	}
	if err := v.Validate(httptest.NewRequest(http.MethodGet, "/ws/nope", nil), 200, h, nil); err == nil {
		t.Error("a request outside the spec passed")
	}
}
