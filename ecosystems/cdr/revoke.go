package cdr

import (
	"errors"
	"net/http"

	"github.com/openconsent/openconsent/consent"
	"github.com/openconsent/openconsent/server/oauth"
)

// originRecipient marks revocations the data recipient asked for: the
// recipient is not notified of its own request.
const originRecipient = "client"

// handleRevoke serves POST /arrangements/revoke (CDS "CDR Arrangement
// Revocation End Point", data holder side): mTLS + private_key_jwt, form
// parameter cdr_arrangement_id only; 204 on success; 422
// Authorisation/InvalidArrangement for an unknown id or another client's;
// 400 Field/Missing without the parameter. The arrangement's refresh and
// access tokens are revoked in the same transaction.
func (e *Ecosystem) handleRevoke(w http.ResponseWriter, r *http.Request) {
	ac, err := e.deps.Provider.AuthenticateClient(w, r, revocationPath)
	if err != nil {
		oauth.WriteError(w, err) // client authentication failures are OAuth errors (RFC 6749 §5.2)
		return
	}
	id := r.PostForm.Get("cdr_arrangement_id")
	if id == "" {
		writeError(w, http.StatusBadRequest, codeFieldMissing, "Missing Required Field", "cdr_arrangement_id")
		return
	}
	ctx := consent.WithOrigin(r.Context(), originRecipient)
	arr, err := e.deps.Consents.Get(ctx, e.deps.Workspace, id)
	if err != nil && !errors.Is(err, consent.ErrNotFound) {
		e.deps.Logger.Error("cdr revoke", "error", err)
		writeError(w, http.StatusInternalServerError, codeUnexpected, "Unexpected Error Encountered", "")
		return
	}
	if arr == nil || arr.ClientID != ac.Client.ID || arr.Kind != consent.KindArrangement || arr.Status != consent.StatusAuthorised {
		writeError(w, http.StatusUnprocessableEntity, codeInvalidArrangement, "Invalid Consent Arrangement", id)
		return
	}
	if _, err := e.deps.Consents.Revoke(ctx, e.deps.Workspace, id, ac.Client.ID, "revoked by the data recipient"); err != nil {
		if errors.Is(err, consent.ErrInvalidTransition) {
			writeError(w, http.StatusUnprocessableEntity, codeInvalidArrangement, "Invalid Consent Arrangement", id)
			return
		}
		e.deps.Logger.Error("cdr revoke", "error", err)
		writeError(w, http.StatusInternalServerError, codeUnexpected, "Unexpected Error Encountered", "")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
