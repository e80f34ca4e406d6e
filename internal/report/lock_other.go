//go:build !unix

package report

import (
	"errors"
	"os"
)

// ErrLocked means another process is writing the same journal.
var ErrLocked = errors.New("another morbulk run is writing this journal")

// lock is a no-op where advisory file locks are not available.
func lock(*os.File) error { return nil }
