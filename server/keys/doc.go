// Package keys owns each workspace's signing and encryption keys: creation on
// first start, encryption at rest, rotation with retired keys kept published,
// and an in-memory parsed cache so no request parses a key.
//
// It imports the standard library and go-jose only; store implements Store.
package keys
