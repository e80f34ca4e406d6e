package cli

import (
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Env is everything a command may touch outside its arguments. Tests build
// their own; OSEnv gives the real one.
type Env struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Now     func() time.Time
	Signals <-chan os.Signal // interrupts (SIGINT, SIGTERM, SIGHUP); may be nil
	IsTTY   func(w io.Writer) bool
}

// OSEnv is the environment of the real process.
func OSEnv() Env {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP) // a dropped SSH session stops a run as Ctrl-C does
	return Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: os.Getenv, Now: time.Now, Signals: sig,
		IsTTY: isTerminal,
	}
}

func (e Env) withDefaults() Env {
	if e.Stdin == nil {
		e.Stdin = eofReader{}
	}
	if e.Stdout == nil {
		e.Stdout = io.Discard
	}
	if e.Stderr == nil {
		e.Stderr = io.Discard
	}
	if e.Getenv == nil {
		e.Getenv = func(string) string { return "" }
	}
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.IsTTY == nil {
		e.IsTTY = func(io.Writer) bool { return false }
	}
	return e
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
