// Package gen holds the code oapi-codegen generates from
// openapi/system/clients/v1/openapi.yaml: models, the echo server, the
// strict server interface and the embedded spec. Never edit clients.gen.go
// by hand: change the OpenAPI file and run `make generate`.
package gen

//go:generate go tool oapi-codegen -config ../../../../openapi/system/clients/v1/oapi-codegen.yaml ../../../../openapi/system/clients/v1/openapi.yaml
