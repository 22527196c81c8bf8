// Package gen holds the code oapi-codegen generates from
// openapi/uk/readwrite/v3.1.11/openapi.yaml: models, the echo server, the
// strict server and the embedded spec. Never edit readwrite.gen.go by hand:
// change the OpenAPI file and run `make generate`.
package gen

//go:generate go tool oapi-codegen -config ../../../../../../openapi/uk/readwrite/v3.1.11/oapi-codegen.yaml ../../../../../../openapi/uk/readwrite/v3.1.11/openapi.yaml
