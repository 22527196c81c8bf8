package oauth

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
)

// CodeInvalidAuthorizationDetails is the RFC 9396 §5 error code for a
// malformed or unacceptable authorization_details parameter.
const CodeInvalidAuthorizationDetails = "invalid_authorization_details"

// InvalidAuthorizationDetails is RFC 9396 §5 invalid_authorization_details.
func InvalidAuthorizationDetails(desc string) *Error {
	return newErr(CodeInvalidAuthorizationDetails, desc)
}

// ClaimsRequest is the OIDC Core §5.5 claims request parameter.
//
// A member whose value is JSON null is kept as a nil *ClaimRequest: the claim
// is requested in the default manner, with no constraints (OIDC Core §5.5.1).
// Members other than userinfo and id_token are kept raw in Extra: ecosystems
// put their own there (CDR's sharing_duration and cdr_arrangement_id sit at
// the top level of claims).
type ClaimsRequest struct {
	UserInfo map[string]*ClaimRequest
	IDToken  map[string]*ClaimRequest
	Extra    map[string]json.RawMessage
}

// ClaimRequest is one individual claim request (OIDC Core §5.5.1). Value and
// Values keep JSON numbers as json.Number so they round-trip exactly.
type ClaimRequest struct {
	Essential bool
	Value     any
	Values    []any
	// Extra keeps other members (e.g. OIDC Identity Assurance's purpose).
	Extra map[string]json.RawMessage
}

// ParseClaims parses the claims parameter (OIDC Core §5.5). Anything but a
// JSON object, a userinfo / id_token member that is not an object, or a claim
// that is neither null nor an object is invalid_request.
func ParseClaims(raw []byte) (*ClaimsRequest, error) {
	members, ok := jsonObject(raw)
	if !ok {
		return nil, InvalidRequest("claims must be a JSON object")
	}
	c := &ClaimsRequest{}
	for name, v := range members {
		var err error
		switch name {
		case "userinfo":
			c.UserInfo, err = parseClaimSet(name, v)
		case "id_token":
			c.IDToken, err = parseClaimSet(name, v)
		default:
			if c.Extra == nil {
				c.Extra = map[string]json.RawMessage{}
			}
			c.Extra[name] = v
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

func parseClaimSet(set string, raw json.RawMessage) (map[string]*ClaimRequest, error) {
	members, ok := jsonObject(raw)
	if !ok {
		return nil, InvalidRequest("claims." + set + " must be a JSON object")
	}
	out := make(map[string]*ClaimRequest, len(members))
	for name, v := range members {
		cr, err := parseClaimRequest(v)
		if err != nil {
			return nil, InvalidRequest("claims." + set + "." + name + ": " + err.Error())
		}
		out[name] = cr
	}
	return out, nil
}

type claimSyntaxError string

func (e claimSyntaxError) Error() string { return string(e) }

func parseClaimRequest(raw json.RawMessage) (*ClaimRequest, error) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	members, ok := jsonObject(raw)
	if !ok {
		return nil, claimSyntaxError("must be null or a JSON object")
	}
	cr := &ClaimRequest{}
	for name, v := range members {
		switch name {
		case "essential":
			if err := json.Unmarshal(v, &cr.Essential); err != nil {
				return nil, claimSyntaxError("essential must be a boolean")
			}
		case "value":
			if err := decodeNumbers(v, &cr.Value); err != nil {
				return nil, claimSyntaxError("value is not valid JSON")
			}
		case "values":
			if err := decodeNumbers(v, &cr.Values); err != nil {
				return nil, claimSyntaxError("values must be an array")
			}
		default:
			if cr.Extra == nil {
				cr.Extra = map[string]json.RawMessage{}
			}
			cr.Extra[name] = v
		}
	}
	return cr, nil
}

// UnmarshalJSON implements json.Unmarshaler with ParseClaims's rules.
func (c *ClaimsRequest) UnmarshalJSON(b []byte) error {
	p, err := ParseClaims(b)
	if err != nil {
		return err
	}
	*c = *p
	return nil
}

// MarshalJSON writes userinfo, id_token and the Extra members; null members
// stay null.
func (c ClaimsRequest) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(c.Extra)+2)
	for k, v := range c.Extra {
		m[k] = v
	}
	if c.UserInfo != nil {
		m["userinfo"] = c.UserInfo
	}
	if c.IDToken != nil {
		m["id_token"] = c.IDToken
	}
	return json.Marshal(m)
}

// UnmarshalJSON implements json.Unmarshaler (OIDC Core §5.5.1).
func (r *ClaimRequest) UnmarshalJSON(b []byte) error {
	p, err := parseClaimRequest(b)
	if err != nil {
		return InvalidRequest("claim request " + err.Error())
	}
	if p == nil {
		p = &ClaimRequest{}
	}
	*r = *p
	return nil
}

// MarshalJSON writes essential (when true), value, values and Extra.
func (r ClaimRequest) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(r.Extra)+3)
	for k, v := range r.Extra {
		m[k] = v
	}
	if r.Essential {
		m["essential"] = true
	}
	if r.Value != nil {
		m["value"] = r.Value
	}
	if r.Values != nil {
		m["values"] = r.Values
	}
	return json.Marshal(m)
}

// IDTokenClaim returns the id_token request for a claim. ok is true when the
// claim is requested; the request is nil for a null member (no constraints).
func (c *ClaimsRequest) IDTokenClaim(name string) (cr *ClaimRequest, ok bool) {
	if c == nil {
		return nil, false
	}
	cr, ok = c.IDToken[name]
	return cr, ok
}

// UserInfoClaim returns the userinfo request for a claim, like IDTokenClaim.
func (c *ClaimsRequest) UserInfoClaim(name string) (cr *ClaimRequest, ok bool) {
	if c == nil {
		return nil, false
	}
	cr, ok = c.UserInfo[name]
	return cr, ok
}

// EssentialValue returns the string value of an essential claim request,
// looking in id_token first, then userinfo. This is how UK Open Banking binds
// the consent: {"openbanking_intent_id": {"value": "...", "essential": true}}.
func (c *ClaimsRequest) EssentialValue(name string) (string, bool) {
	if c == nil {
		return "", false
	}
	for _, set := range [...]map[string]*ClaimRequest{c.IDToken, c.UserInfo} {
		if cr := set[name]; cr != nil && cr.Essential {
			if s, ok := cr.Value.(string); ok && s != "" {
				return s, true
			}
		}
	}
	return "", false
}

// AuthorizationDetail is one element of RFC 9396 authorization_details. The
// common fields (§2.2) are decoded; Raw keeps the whole object, including the
// type-specific fields (e.g. FDX's consentRequest), and is what MarshalJSON
// writes when set. Code that builds or changes a detail sets Raw to nil.
type AuthorizationDetail struct {
	Type       string
	Locations  []string
	Actions    []string
	DataTypes  []string
	Identifier string
	Privileges []string
	Raw        json.RawMessage
}

// ParseAuthorizationDetails parses authorization_details: the JSON text of
// the form parameter or the JSON array of a request-object claim. It must be
// an array of objects, each with a non-empty string type (RFC 9396 §2), and
// the common fields must have their §2.2 types; otherwise the error is
// invalid_authorization_details (RFC 9396 §5). Whether each type is
// acceptable is checked by CheckAuthorizationDetailTypes.
func ParseAuthorizationDetails(raw []byte) ([]AuthorizationDetail, error) {
	var elems []json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '[' || json.Unmarshal(t, &elems) != nil {
		return nil, InvalidAuthorizationDetails("authorization_details must be a JSON array")
	}
	out := make([]AuthorizationDetail, len(elems))
	for i, e := range elems {
		if err := out[i].parse(e); err != nil {
			return nil, InvalidAuthorizationDetails("authorization_details[" + strconv.Itoa(i) + "]: " + err.Error())
		}
	}
	return out, nil
}

// parse reads one element with exact (case-sensitive) member names.
func (d *AuthorizationDetail) parse(raw json.RawMessage) error {
	members, ok := jsonObject(raw)
	if !ok {
		return claimSyntaxError("must be a JSON object")
	}
	*d = AuthorizationDetail{}
	if json.Unmarshal(members["type"], &d.Type) != nil || d.Type == "" {
		return claimSyntaxError("type must be a non-empty string")
	}
	for name, dst := range map[string]*[]string{
		"locations": &d.Locations, "actions": &d.Actions,
		"datatypes": &d.DataTypes, "privileges": &d.Privileges,
	} {
		if v, ok := members[name]; ok && json.Unmarshal(v, dst) != nil {
			return claimSyntaxError(name + " must be an array of strings")
		}
	}
	if v, ok := members["identifier"]; ok && json.Unmarshal(v, &d.Identifier) != nil {
		return claimSyntaxError("identifier must be a string")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return claimSyntaxError("is not valid JSON")
	}
	d.Raw = buf.Bytes()
	return nil
}

// UnmarshalJSON implements json.Unmarshaler with ParseAuthorizationDetails's
// rules for one element.
func (d *AuthorizationDetail) UnmarshalJSON(b []byte) error {
	if err := d.parse(b); err != nil {
		return InvalidAuthorizationDetails("authorization detail " + err.Error())
	}
	return nil
}

// MarshalJSON writes Raw when set, else the common fields.
func (d AuthorizationDetail) MarshalJSON() ([]byte, error) {
	if d.Raw != nil {
		return d.Raw, nil
	}
	return json.Marshal(struct {
		Type       string   `json:"type"`
		Locations  []string `json:"locations,omitempty"`
		Actions    []string `json:"actions,omitempty"`
		DataTypes  []string `json:"datatypes,omitempty"`
		Identifier string   `json:"identifier,omitempty"`
		Privileges []string `json:"privileges,omitempty"`
	}{d.Type, d.Locations, d.Actions, d.DataTypes, d.Identifier, d.Privileges})
}

// CheckAuthorizationDetailTypes rejects a detail whose type is not in allowed
// with invalid_authorization_details (RFC 9396 §5: unknown type).
func CheckAuthorizationDetailTypes(ds []AuthorizationDetail, allowed []string) error {
	for _, d := range ds {
		if !slices.Contains(allowed, d.Type) {
			return InvalidAuthorizationDetails("authorization details type " + strconv.Quote(d.Type) + " is not supported")
		}
	}
	return nil
}

// jsonObject decodes a JSON object into its members; false for any other
// JSON value (including null, which json.Unmarshal would accept).
func jsonObject(raw []byte) (map[string]json.RawMessage, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(t, &m) != nil {
		return nil, false
	}
	return m, true
}

// decodeNumbers unmarshals raw into v keeping numbers as json.Number.
func decodeNumbers(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}
