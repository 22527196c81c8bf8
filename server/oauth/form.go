package oauth

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
)

const maxFormBytes = 64 << 10

// parseForm reads an application/x-www-form-urlencoded POST body (RFC 6749
// §3.2) of bounded size and rejects repeated parameters (RFC 6749 §3.1/§3.2:
// parameters MUST NOT be included more than once).
func parseForm(w http.ResponseWriter, r *http.Request) *Error {
	if r.Method != http.MethodPost {
		return InvalidRequest("the request must use POST").WithStatus(http.StatusMethodNotAllowed)
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return InvalidRequest("the body must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return InvalidRequest("the form body is malformed or too large")
	}
	if len(r.URL.RawQuery) > 0 {
		// RFC 6749 §3.2: token endpoint parameters are sent in the body only.
		r.Form = r.PostForm
	}
	return checkRepeated(r.PostForm)
}

func checkRepeated(v url.Values) *Error {
	for k, vs := range v {
		if len(vs) > 1 {
			return InvalidRequest("parameter " + k + " is repeated")
		}
	}
	return nil
}

// endpointURL is the public URL this request was sent to: the mTLS alias
// when it arrived on the alias host (RFC 8705 §5), else the issuer's.
func (p *Provider) endpointURL(r *http.Request, path string) string {
	if p.mtlsHost != "" && strings.EqualFold(r.Host, p.mtlsHost) {
		return p.opt.MTLSIssuer + path
	}
	return p.opt.Issuer + path
}
