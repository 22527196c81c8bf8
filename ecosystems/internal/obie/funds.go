package obie

import (
	"context"
)

// FundsQuery is one funds-availability question: is Amount in Currency
// available on the PSU's account(s) selected for the consent?
type FundsQuery struct {
	Workspace string
	ConsentID string
	ClientID  string
	// Subject is the PSU; Accounts are the resources they selected when
	// authorising the consent (the debtor account).
	Subject  string
	Accounts []string
	Amount   string
	Currency string
}

// FundsChecker is the bank's decision on funds availability (UK RW
// v3.1.11 domestic-payment-consents funds-confirmation; domestic VRP
// consents funds-confirmation). openconsent holds no balances: a bank
// embedding openconsent supplies its own through Options.Funds. It must be
// safe for concurrent use; an error is answered 500 and logged.
type FundsChecker interface {
	FundsAvailable(ctx context.Context, q FundsQuery) (bool, error)
}

// FundsCheckerFunc adapts a function to FundsChecker.
type FundsCheckerFunc func(ctx context.Context, q FundsQuery) (bool, error)

// FundsAvailable implements FundsChecker.
func (f FundsCheckerFunc) FundsAvailable(ctx context.Context, q FundsQuery) (bool, error) {
	return f(ctx, q)
}

// AlwaysAvailable returns the stub decision used until a bank supplies its
// own: funds are always available.
func AlwaysAvailable() FundsChecker {
	return FundsCheckerFunc(func(context.Context, FundsQuery) (bool, error) { return true, nil })
}
