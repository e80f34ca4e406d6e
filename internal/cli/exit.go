package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Exit codes. They are documented in the README and in --help.
const (
	ExitOK          = 0   // every row valid, updated or skipped
	ExitError       = 1   // an unexpected error (cannot write the report, ...)
	ExitUsage       = 2   // usage or configuration error: nothing was done
	ExitRowsFailed  = 3   // the run finished, but some rows are invalid or failed, or a file has errors
	ExitStopped     = 4   // the run stopped early (server refused the credentials, circuit breaker, --max-errors)
	ExitInterrupted = 130 // interrupted by Ctrl-C or SIGTERM
)

// exitLine describes one exit status for --help.
func exitLine(c int) string {
	switch c {
	case ExitOK:
		return "  0    every row is valid, updated or skipped"
	case ExitError:
		return "  1    unexpected error (for example the report cannot be written)"
	case ExitUsage:
		return "  2    usage or configuration error: nothing was done"
	case ExitRowsFailed:
		return "  3    finished, but some rows are invalid or failed, or a file has errors"
	case ExitStopped:
		return "  4    stopped early: the server refused the credentials or the API,\n       too many consecutive failures, or --max-errors reached"
	case ExitInterrupted:
		return "  130  interrupted (Ctrl-C); the journal holds every finished row"
	}
	return fmt.Sprintf("  %-4d", c)
}

// exitStatus is the EXIT STATUS section of a command's help: the codes it
// can return, with the command's own wording where over gives one.
func exitStatus(over map[int]string, codes ...int) string {
	var b strings.Builder
	b.WriteString("EXIT STATUS")
	for _, c := range codes {
		line := exitLine(c)
		if text, ok := over[c]; ok {
			line = fmt.Sprintf("  %-4d %s", c, text)
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

// Sentinel errors that map to exit codes.
var (
	// ErrRowsFailed means the run finished with invalid or failed rows.
	ErrRowsFailed = errors.New("some rows are invalid or failed")
	// ErrStopped means the run stopped before every row was tried.
	ErrStopped = errors.New("run stopped early")
	// ErrCheckFailed means a doctor check failed (exit status 4, as a run
	// that stopped on the same answer).
	ErrCheckFailed = errors.New("a check failed: the line marked FAIL says what to fix")
	// ErrInterrupted means the user interrupted the run.
	ErrInterrupted = errors.New("interrupted")
)

// usageError marks a mistake in the command line or configuration.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitCode maps an error to the process exit status and prints it. It is
// the only place where errors become codes.
// hint, the command whose command line was wrong, adds "Run 'morbulk
// validate --help'" to usage errors of the command line itself.
func exitCode(err error, stderr io.Writer, hint string) int {
	if err == nil {
		return ExitOK
	}
	var u usageError
	switch {
	case errors.As(err, &u):
		fmt.Fprintf(stderr, "morbulk: %v\n", err)
		if hint != "" {
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", hint)
		}
		return ExitUsage
	case errors.Is(err, ErrInterrupted), errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "morbulk: %v\n", err)
		return ExitInterrupted
	case errors.Is(err, ErrStopped), errors.Is(err, ErrCheckFailed):
		fmt.Fprintf(stderr, "morbulk: %v\n", err)
		return ExitStopped
	case errors.Is(err, ErrRowsFailed):
		return ExitRowsFailed
	}
	fmt.Fprintf(stderr, "morbulk: %v\n", err)
	return ExitError
}
