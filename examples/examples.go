// Package examples holds the example catalog that the demo, the evals and the tests use; it is
// embedded so that `livehost serve --demo` works from any directory.
package examples

import _ "embed"

// CatalogPath is the example catalog's path from the repository root.
const CatalogPath = "examples/catalog.jsonl"

// Catalog is examples/catalog.jsonl.
//
//go:embed catalog.jsonl
var Catalog []byte
