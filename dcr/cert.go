package dcr

import (
	"crypto/x509"
	"fmt"
)

// checkCert ties the client certificate to the SSA (Brasil DCR-BR §7.1
// items 13 and 14, OPIN): a subject attribute among SoftwareIDAttrs holds
// the software_id, and organizationIdentifier holds OrgIDPrefix + org_id.
// It runs when the profile has a CertCheck and a certificate was presented.
func (r *Registrar) checkCert(cert *x509.Certificate, s *claims) error {
	cc := r.opt.Profile.Cert
	if cc == nil || cert == nil || s == nil {
		return nil
	}
	cl := r.opt.Profile.SSA.Claims
	if len(cc.SoftwareIDAttrs) > 0 {
		want := s.str(cl.SoftwareID)
		ok := false
		for _, oid := range cc.SoftwareIDAttrs {
			if v, found := subjectAttr(cert, oid); found && v == want && want != "" {
				ok = true
			}
		}
		if !ok {
			return InvalidMetadata("software_statement", "the client certificate's UID is not the software statement's %s", cl.SoftwareID)
		}
	}
	if cc.OrgIDAttr != "" {
		want := cc.OrgIDPrefix + s.str(cl.OrgID)
		if v, _ := subjectAttr(cert, cc.OrgIDAttr); v != want || s.str(cl.OrgID) == "" {
			return InvalidMetadata("software_statement", "the client certificate's organizationIdentifier is not %s followed by the software statement's %s", cc.OrgIDPrefix, cl.OrgID)
		}
	}
	return nil
}

// subjectAttr returns the string value of the first subject attribute
// with that dotted OID.
func subjectAttr(cert *x509.Certificate, oid string) (string, bool) {
	for _, n := range cert.Subject.Names {
		if n.Type.String() == oid {
			if s, ok := n.Value.(string); ok {
				return s, true
			}
			return fmt.Sprint(n.Value), true
		}
	}
	return "", false
}
