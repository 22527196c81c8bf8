// Command oc-testdata generates the keys committed under testdata/ (make
// testdata): demo client and system keys, one software-statement signing
// key per ecosystem (the test directory or register: testdata/ssa/<eco>)
// and an initial-access-token issuer key (testdata/iat/issuer). Existing
// files are kept, so committed keys stay stable; -force regenerates them.
// Test and demo keys only: never use them in production.
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-jose/go-jose/v4"
)

func main() {
	out := flag.String("out", "testdata", "output directory")
	force := flag.Bool("force", false, "regenerate keys that already exist")
	flag.Parse()
	if err := run(*out, *force); err != nil {
		fmt.Fprintln(os.Stderr, "oc-testdata:", err)
		os.Exit(1)
	}
}

// keySets are the key pairs generated, by directory under -out.
var keySets = []struct {
	dir   string
	names []string
}{
	{"demo", []string{"client", "system"}},
	// SSA signers: the test directory (uk, ksa, ofb, opin) or register
	// (cdr) of each ecosystem, and a generic issuer.
	{"ssa", []string{"uk", "ksa", "ofb", "opin", "cdr", "generic"}},
	{"iat", []string{"issuer"}},
}

func run(out string, force bool) error {
	for _, ks := range keySets {
		dir := filepath.Join(out, ks.dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for _, name := range ks.names {
			if !force && exists(filepath.Join(dir, name+".private.jwks.json")) && exists(filepath.Join(dir, name+".jwks.json")) {
				continue
			}
			if err := keyPair(dir, name); err != nil {
				return err
			}
		}
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// keyPair writes NAME.jwks.json (public, for the server config) and
// NAME.private.jwks.json (private, for the demo client) with one ES256 and
// one PS256 key.
func keyPair(dir, name string) error {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	var priv, pub jose.JSONWebKeySet
	for _, k := range []struct {
		key any
		alg string
	}{{ec, "ES256"}, {rk, "PS256"}} {
		j := jose.JSONWebKey{Key: k.key, Algorithm: k.alg, Use: "sig"}
		tp, err := j.Thumbprint(crypto.SHA256)
		if err != nil {
			return err
		}
		j.KeyID = base64.RawURLEncoding.EncodeToString(tp)
		priv.Keys = append(priv.Keys, j)
		pub.Keys = append(pub.Keys, j.Public())
	}
	if err := writeJSON(filepath.Join(dir, name+".jwks.json"), pub); err != nil {
		return err
	}
	return writeJSON(filepath.Join(dir, name+".private.jwks.json"), priv)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
