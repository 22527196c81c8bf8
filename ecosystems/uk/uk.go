package uk

import (
	"context"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/openconsent/openconsent/ecosystems/internal/obie"
)

// Name is the ecosystem id in configuration.
const Name = "uk"

// The OBIE implementation's types, named here for server (see doc.go).
type (
	Ecosystem        = obie.Ecosystem
	Options          = obie.Options
	Profile          = obie.Profile
	FundsChecker     = obie.FundsChecker
	FundsCheckerFunc = obie.FundsCheckerFunc
	FundsQuery       = obie.FundsQuery
	KeySource        = obie.KeySource
	KeyFunc          = obie.KeyFunc
	JWSPolicy        = obie.JWSPolicy
	Signer           = obie.Signer
	SignatureError   = obie.SignatureError
)

// The critical header claims of x-jws-signature.
const (
	ClaimIAT = obie.ClaimIAT
	ClaimISS = obie.ClaimISS
	ClaimTAN = obie.ClaimTAN
)

// UK returns the UK Open Banking Read/Write v3.1.11 profile.
func UK() Profile { return obie.DefaultProfile(Name) }

// New returns the UK ecosystem; a zero opt.Profile means UK().
func New(opt Options) *Ecosystem {
	if opt.Profile.Name == "" {
		opt.Profile = UK()
	}
	return obie.New(opt)
}

// NewSigner returns a signer of x-jws-signature values (see obie.NewSigner).
func NewSigner(key jose.JSONWebKey, iss, tan string, now func() time.Time) (*Signer, error) {
	return obie.NewSigner(key, iss, tan, now)
}

// VerifyDetached checks a TPP's x-jws-signature (see obie.VerifyDetached).
func VerifyDetached(ctx context.Context, sig string, body []byte, keys KeyFunc, p JWSPolicy) error {
	return obie.VerifyDetached(ctx, sig, body, keys, p)
}
