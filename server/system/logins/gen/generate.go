// Package gen holds the code oapi-codegen generates from
// openapi/system/logins/v1/openapi.yaml: models, the echo server, the strict
// server interface and the embedded spec. Never edit logins.gen.go by hand:
// change the OpenAPI file and run `make generate`.
package gen

//go:generate go tool oapi-codegen -config ../../../../openapi/system/logins/v1/oapi-codegen.yaml ../../../../openapi/system/logins/v1/openapi.yaml
