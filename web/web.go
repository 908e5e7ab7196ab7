// Package web holds the pages people use during a show — the host's teleprompter, the moderator
// console and show control — as plain HTML, CSS and JavaScript embedded in the binary, so nothing
// needs a build step. The pages talk to the REST API and the WebSocket event stream.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var files embed.FS

// FS is the pages' file tree, rooted at the directory that holds index.html. Other packages may
// add pages by adding files under static/ (for example static/mic.html).
func FS() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}
