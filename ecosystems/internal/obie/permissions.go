package obie

import (
	"slices"

	"github.com/openconsent/openconsent/ecosystems/internal/obie/readwrite/v3_1/gen"
)

const pathPermissions = "Data.Permissions"

// checkPermissions applies UK RW v3.1.11 Account and Transaction API
// Profile, Permissions: the ASPSP must reject with 400
//  1. an empty Permissions array;
//  2. a permission it does not support (the profile's catalogue);
//  3. ReadTransactionsBasic or ReadTransactionsDetail without
//     ReadTransactionsCredits or ReadTransactionsDebits;
//  4. ReadTransactionsCredits or ReadTransactionsDebits without
//     ReadTransactionsBasic or ReadTransactionsDetail;
//
// and the array must hold ReadAccountsBasic or ReadAccountsDetail. Basic
// and Detail of one cluster together is not an error. The code is
// UK.OBIE.Field.Invalid on Data.Permissions (the specification names no
// code for these rules).
func (p Profile) checkPermissions(perms []string) error {
	if len(perms) == 0 {
		return badRequest(gen.UKOBIEFieldInvalid, pathPermissions, "at least one permission is required")
	}
	for _, perm := range perms {
		if !p.supports(perm) {
			return badRequest(gen.UKOBIEFieldInvalid, pathPermissions, "the permission "+perm+" is not supported")
		}
	}
	has := func(any ...string) bool {
		return slices.ContainsFunc(perms, func(s string) bool { return slices.Contains(any, s) })
	}
	if !has("ReadAccountsBasic", "ReadAccountsDetail") {
		return badRequest(gen.UKOBIEFieldInvalid, pathPermissions, "ReadAccountsBasic or ReadAccountsDetail is required")
	}
	txDetail := has("ReadTransactionsBasic", "ReadTransactionsDetail")
	txDirection := has("ReadTransactionsCredits", "ReadTransactionsDebits")
	switch {
	case txDetail && !txDirection:
		return badRequest(gen.UKOBIEFieldInvalid, pathPermissions, "ReadTransactionsBasic or ReadTransactionsDetail needs ReadTransactionsCredits or ReadTransactionsDebits")
	case txDirection && !txDetail:
		return badRequest(gen.UKOBIEFieldInvalid, pathPermissions, "ReadTransactionsCredits or ReadTransactionsDebits needs ReadTransactionsBasic or ReadTransactionsDetail")
	}
	return nil
}
