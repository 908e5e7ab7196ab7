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

// Catalog2Path is the second example catalog: a shop whose attribute names are its own Japanese
// words (耐荷重, 替え刃, 連続使用時間) and whose details are often only in the description. The blind
// answer evals run on it.
const Catalog2Path = "examples/catalog2.jsonl"

// Catalog2 is examples/catalog2.jsonl.
//
//go:embed catalog2.jsonl
var Catalog2 []byte
