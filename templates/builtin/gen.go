//go:build ignore

// gen writes the built-in office templates into files/ (go generate).
package main

import (
	"log"
	"os"
	"path/filepath"

	"rapport/templates/builtin/internal/gen"
)

func main() {
	files, err := gen.Files()
	if err != nil {
		log.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join("files", name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
