//go:build unix

package report

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// ErrLocked means another process is writing the same journal.
var ErrLocked = errors.New("another morbulk run is writing this journal")

// lock takes an exclusive advisory lock on f, without waiting. It is
// released when f is closed (or the process dies, even by kill -9).
func lock(f *os.File) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("%s: %w", f.Name(), ErrLocked)
		}
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return nil
}
