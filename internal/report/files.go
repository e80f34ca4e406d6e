package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Writer receives records, one at a time, from a single goroutine.
type Writer interface {
	Write(*Record) error
	Close() error
}

// ErrFormat is returned for a report path whose extension names no format.
var ErrFormat = errors.New("report format unknown: name the file .jsonl or .csv")

type fileWriter struct {
	Writer
	f *os.File
}

func (w *fileWriter) Close() error {
	err := w.Writer.Close()
	if serr := w.f.Sync(); err == nil && serr != nil && !errors.Is(serr, os.ErrInvalid) {
		err = serr
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Create opens a report file, its format chosen by the extension (.jsonl
// or .csv). The file is created with mode 0600: reports hold customer data.
func Create(path string, o Options) (Writer, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".jsonl" && ext != ".csv" {
		return nil, fmt.Errorf("report %q: %w", path, ErrFormat)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create report folder: %w", err)
		}
	}
	flag := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if o.Append && ext == ".jsonl" {
		flag = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(path, flag, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create report: %w", err)
	}
	if err := f.Chmod(0o600); err != nil { // an existing file keeps its mode otherwise
		f.Close()
		return nil, fmt.Errorf("create report: %w", err)
	}
	if ext == ".jsonl" {
		j := NewJSONL(f)
		j.FlushEvery = o.FlushEvery
		return &fileWriter{Writer: j, f: f}, nil
	}
	c, err := NewCSV(f, o.Columns, o.Apply)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("write report %q: %w", path, err)
	}
	return &fileWriter{Writer: c, f: f}, nil
}

// Options say what a report holds and how it is written.
type Options struct {
	Columns    []string // input columns for a CSV report
	Apply      bool     // add the columns about requests
	Append     bool     // append to a JSONL file instead of truncating it (journals)
	FlushEvery int      // JSONL: flush every n records (default 1: every record)
}

// OpenJournal opens the journal of an apply run and locks it for as long
// as it stays open, so that two runs can never write one journal. A new
// journal must not exist yet (the error wraps fs.ErrExist); a resumed one
// must exist and is appended to. The file is mode 0600.
func OpenJournal(path string, resume bool) (*os.File, error) {
	flag := os.O_CREATE | os.O_WRONLY | os.O_EXCL
	if resume {
		flag = os.O_WRONLY | os.O_APPEND
	} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create report folder: %w", err)
	}
	f, err := os.OpenFile(path, flag, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("open journal: %w", err)
	}
	return f, nil
}

// JournalWriter writes records to a journal opened with OpenJournal and
// closes (and so unlocks) it on Close.
func JournalWriter(f *os.File) Writer {
	return &fileWriter{Writer: NewJSONL(f), f: f}
}

// Multi writes every record to each writer in turn.
type Multi []Writer

// Write sends r to every writer and returns the first error.
func (m Multi) Write(r *Record) error {
	for _, w := range m {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	return nil
}

// Close closes every writer and returns the first error.
func (m Multi) Close() error {
	var first error
	for _, w := range m {
		if err := w.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
