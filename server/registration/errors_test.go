package registration

import (
	"net/http"
	"testing"

	"github.com/openconsent/openconsent/dcr"
)

// TestStatus: every dcr code is a client error, never a 500, and the RFC
// 7591 §3.2.2 codes (with OFB/OPIN invalid_webhook_uris) are 400.
func TestStatus(t *testing.T) {
	want := map[string]int{
		dcr.CodeInvalidRedirectURI: 400, dcr.CodeInvalidClientMetadata: 400, dcr.CodeInvalidSoftwareStatement: 400,
		dcr.CodeUnapprovedSoftwareStatement: 400, dcr.CodeInvalidWebhookURIs: 400,
		dcr.CodeInvalidToken: 401, dcr.CodeInvalidClient: 401, dcr.CodeInsufficientScope: 403,
	}
	for _, code := range dcr.Codes() {
		w, ok := want[code]
		if !ok {
			t.Errorf("dcr code %s has no expected status here: add it", code)
			continue
		}
		if got := status(code); got != w {
			t.Errorf("status(%s) = %d, want %d", code, got, w)
		}
	}
	if got := status("some_future_code"); got < 400 || got >= http.StatusInternalServerError {
		t.Errorf("status(unknown) = %d, want a 4xx", got)
	}
}
