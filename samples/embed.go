// Package samples holds morbulk's sample change files and the simulator's
// default seed. The seed is built into the binary, so that `--sim` works
// from any folder, also after `go install`.
package samples

import _ "embed"

//go:embed seed.yaml
var seed []byte

// Seed returns a copy of the default simulator seed (samples/seed.yaml).
func Seed() []byte { return append([]byte(nil), seed...) }
