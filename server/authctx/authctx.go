// Package authctx carries request-scoped values (client certificate,
// interaction id, request id) through context.Context with typed accessors.
// It is a leaf: it imports only the standard library, so server/oauth and the
// ecosystems can use it without importing server.
package authctx

import (
	"context"
	"crypto/x509"
)

type key int

const (
	keyClientCert key = iota
	keyInteractionID
	keyRequestID
)

// WithClientCert returns ctx carrying the TLS client certificate chain
// (leaf first) presented on this request, directly or via a trusted proxy.
func WithClientCert(ctx context.Context, chain []*x509.Certificate) context.Context {
	return context.WithValue(ctx, keyClientCert, chain)
}

// ClientCert returns the presented client certificate, or nil.
func ClientCert(ctx context.Context) *x509.Certificate {
	chain := ClientCertChain(ctx)
	if len(chain) == 0 {
		return nil
	}
	return chain[0]
}

// ClientCertChain returns the presented chain, leaf first, or nil.
func ClientCertChain(ctx context.Context) []*x509.Certificate {
	chain, _ := ctx.Value(keyClientCert).([]*x509.Certificate)
	return chain
}

// WithInteractionID stores the x-fapi-interaction-id of the request.
func WithInteractionID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, keyInteractionID, id)
}

// InteractionID returns the x-fapi-interaction-id, or "".
func InteractionID(ctx context.Context) string {
	s, _ := ctx.Value(keyInteractionID).(string)
	return s
}

// WithRequestID stores the server-generated request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, keyRequestID, id)
}

// RequestID returns the request id, or "".
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(keyRequestID).(string)
	return s
}
