package demo

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/labstack/echo/v4"
)

//go:embed templates/*.html
var templateFS embed.FS

// loginIDPattern is the login_id syntax of the system API; checked first so
// nothing else is ever put in the API path.
var loginIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Options configure the demo page of one workspace.
type Options struct {
	// Workspace is the workspace id: the page and the API live under "/"+Workspace.
	Workspace string
	// Issuer is the workspace's issuer: the assertion audience and the base
	// of DPoP htu values.
	Issuer string
	// ClientID is the demo system client (System, private_key_jwt,
	// client_credentials, scope manage_logins). Empty: the page explains
	// that the workspace has none configured.
	ClientID string
	// Key is the client's private signing key (ES256 or PS256, with kid).
	Key jose.JSONWebKey
	// DPoP sender-constrains the token with DPoP (RFC 9449); otherwise with
	// a generated certificate (RFC 8705), for profiles without DPoP.
	DPoP bool
	// Handler serves the system API in-process: the server's own handler.
	Handler http.Handler
	Logger  *slog.Logger
	Now     func() time.Time
}

// page serves the demo routes of one workspace.
type page struct {
	o    Options
	tmpl *template.Template
	sys  *systemClient // nil when no demo system client is configured
}

// Mount adds GET/POST /demo/login and GET /demo/callback to the workspace
// group g. Errors are start-up errors (templates, issuer, key).
func Mount(g *echo.Group, o Options) error {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	t, err := template.ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return fmt.Errorf("demo: templates: %w", err)
	}
	p := &page{o: o, tmpl: t}
	if o.ClientID != "" {
		if p.sys, err = newSystemClient(o); err != nil {
			return err
		}
	}
	g.GET("/demo/login", p.show)
	g.POST("/demo/login", p.decide)
	g.GET("/demo/callback", p.callback)
	return nil
}

// loginView is the part of the API's Login the page shows.
type loginView struct {
	LoginID              string            `json:"login_id"`
	Client               clientView        `json:"client"`
	RequestedScopes      []string          `json:"requested_scopes"`
	Claims               json.RawMessage   `json:"claims"`
	AuthorizationDetails []json.RawMessage `json:"authorization_details"`
	ACRValues            []string          `json:"acr_values"`
	Consent              *consentView      `json:"consent"`
	ExpiresAt            time.Time         `json:"expires_at"`
}

type clientView struct {
	ClientID   string `json:"client_id"`
	ClientName string `json:"client_name"`
}

type consentView struct {
	ID        string          `json:"id"`
	Status    string          `json:"status"`
	Resources []string        `json:"resources"`
	Display   json.RawMessage `json:"display"`
}

// loginData is the login template's data.
type loginData struct {
	Title, Workspace, Action string
	Login                    loginView
	Display, Details, Claims string
	Subject, Accounts, Error string
}

// show renders the pending login read through GET /system/logins/{id}.
func (p *page) show(c echo.Context) error {
	id := c.QueryParam("login_id")
	return p.renderLogin(c, id, "demo-user", "acc-001,acc-002", "")
}

func (p *page) renderLogin(c echo.Context, id, subject, accounts, msg string) error {
	if !loginIDPattern.MatchString(id) {
		return p.message(c, http.StatusBadRequest, "Invalid request", "The login_id parameter is missing or malformed.", "")
	}
	if p.sys == nil {
		return p.message(c, http.StatusServiceUnavailable, "Demo not configured", errNotConfigured.Error()+": set demo_system_client and demo_system_private_jwks.", "")
	}
	res, err := p.sys.call(c.Request().Context(), http.MethodGet, "/system/logins/"+id, nil)
	if err != nil || res.status != http.StatusOK {
		return p.apiFailure(c, res, err, "")
	}
	var l loginView
	if err := json.Unmarshal(res.body, &l); err != nil {
		return p.apiFailure(c, nil, fmt.Errorf("login: %w", err), "")
	}
	d := loginData{
		Title: "Sign in and consent", Workspace: p.o.Workspace, Action: "/" + p.o.Workspace + "/demo/login",
		Login: l, Subject: subject, Accounts: accounts, Error: msg, Claims: indent(l.Claims),
	}
	if l.Consent != nil {
		d.Display = indent(l.Consent.Display)
	}
	if len(l.AuthorizationDetails) > 0 {
		b, _ := json.Marshal(l.AuthorizationDetails)
		d.Details = indent(b)
	}
	return p.render(c, http.StatusOK, "login", d)
}

// decide accepts or rejects through the API and sends the browser on to
// redirect_to (303, so the browser follows with GET).
func (p *page) decide(c echo.Context) error {
	id, subject, accounts := c.FormValue("login_id"), strings.TrimSpace(c.FormValue("subject")), c.FormValue("accounts")
	if !loginIDPattern.MatchString(id) {
		return p.message(c, http.StatusBadRequest, "Invalid request", "The login_id parameter is missing or malformed.", "")
	}
	if p.sys == nil {
		return p.message(c, http.StatusServiceUnavailable, "Demo not configured", errNotConfigured.Error()+".", "")
	}
	var path string
	var body any
	switch c.FormValue("action") {
	case "accept":
		if subject == "" {
			return p.renderLogin(c, id, subject, accounts, "Enter a subject to sign in as.")
		}
		accept := map[string]any{"subject": subject}
		if acr := strings.TrimSpace(c.FormValue("acr")); acr != "" {
			accept["acr"] = acr // the demo user "performed" the level the client asked for
		}
		if rs := splitList(accounts); len(rs) > 0 {
			accept["consent"] = map[string]any{"resources": rs}
		}
		path, body = "/system/logins/"+id+"/accept", accept
	case "reject":
		path, body = "/system/logins/"+id+"/reject", map[string]any{"error": "access_denied", "error_description": "the user declined"}
	default:
		return p.message(c, http.StatusBadRequest, "Invalid request", "Choose Accept or Reject.", "")
	}
	res, err := p.sys.call(c.Request().Context(), http.MethodPost, path, body)
	if err != nil || res.status != http.StatusOK {
		return p.apiFailure(c, res, err, id)
	}
	var r struct {
		RedirectTo string `json:"redirect_to"`
	}
	// Defence in depth: only ever redirect to this workspace's own endpoints.
	if json.Unmarshal(res.body, &r) != nil || !strings.HasPrefix(r.RedirectTo, p.o.Issuer+"/") {
		return p.apiFailure(c, nil, errors.New("redirect_to is not an endpoint of the issuer"), "")
	}
	return c.Redirect(http.StatusSeeOther, r.RedirectTo)
}

// apiFailure explains an API answer to the user. The API's own
// error_description is safe to show; other failures are logged and shown
// generically.
func (p *page) apiFailure(c echo.Context, res *apiResponse, err error, loginID string) error {
	back := ""
	if loginID != "" {
		back = "/" + p.o.Workspace + "/demo/login?" + url.Values{"login_id": {loginID}}.Encode()
	}
	if err == nil && res != nil {
		switch res.status {
		case http.StatusNotFound:
			return p.message(c, res.status, "Login not found", "This login is unknown or has expired. Start again from the client.", "")
		case http.StatusConflict:
			return p.message(c, res.status, "Already decided", "This login was already accepted or rejected.", "")
		case http.StatusBadRequest:
			return p.message(c, res.status, "Not accepted", oauthError(res.body), back)
		}
		err = fmt.Errorf("system API answered %d: %s", res.status, oauthError(res.body))
	}
	p.o.Logger.ErrorContext(c.Request().Context(), "demo login", "workspace", p.o.Workspace, "error", err)
	return p.message(c, http.StatusBadGateway, "Something went wrong", "The system API could not complete the request; see the server log.", "")
}

// callback shows the authorization response the demo client received.
func (p *page) callback(c echo.Context) error {
	type param struct{ Name, Value string }
	var ps []param
	q := c.Request().URL.Query()
	for _, name := range []string{"code", "state", "iss", "error", "error_description", "response"} {
		if v := q.Get(name); v != "" {
			ps = append(ps, param{name, v})
		}
	}
	return p.render(c, http.StatusOK, "callback", map[string]any{
		"Title": "Authorization response", "Workspace": p.o.Workspace, "Params": ps,
	})
}

func (p *page) message(c echo.Context, status int, title, msg, back string) error {
	return p.render(c, status, "message", map[string]any{
		"Title": title, "Workspace": p.o.Workspace, "Message": msg, "Back": back,
	})
}

// render executes the template fully before writing, so a template error
// never leaves half a page, and sets headers that keep the pages inert:
// no script, no framing, no caching, no referrer leaking the code.
func (p *page) render(c echo.Context, status int, name string, data any) error {
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("demo: %s template: %w", name, err)
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// indent pretty-prints JSON for a <pre>; "" for absent or null.
func indent(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if json.Indent(&buf, raw, "", "  ") != nil {
		return ""
	}
	return buf.String()
}
