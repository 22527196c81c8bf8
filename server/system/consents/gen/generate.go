// Package gen holds the code oapi-codegen generates from
// openapi/system/consents/v1/openapi.yaml. Never edit consents.gen.go by
// hand: change the OpenAPI file and run `make generate`.
package gen

//go:generate go tool oapi-codegen -config ../../../../openapi/system/consents/v1/oapi-codegen.yaml ../../../../openapi/system/consents/v1/openapi.yaml
