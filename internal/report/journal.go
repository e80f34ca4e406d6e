package report

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Fingerprint identifies the content of an input file.
type Fingerprint struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// FingerprintFile reads a file once and returns its size and SHA-256.
func FingerprintFile(path string) (Fingerprint, error) {
	f, err := os.Open(path)
	if err != nil {
		return Fingerprint{}, fmt.Errorf("fingerprint %q: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Fingerprint{}, fmt.Errorf("fingerprint %q: %w", path, err)
	}
	return Fingerprint{Path: path, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// RunInfo describes one run that wrote to a journal.
type RunInfo struct {
	Run      int               `json:"run"`
	Started  time.Time         `json:"started"`
	Target   string            `json:"target"`
	Files    []Fingerprint     `json:"files"`
	Settings map[string]string `json:"settings,omitempty"`
}

// RunsPath is where the runs of a journal are described: beside it.
func RunsPath(journal string) string { return journal + ".runs.json" }

// ReadRuns reads the runs of a journal; a missing file gives none.
func ReadRuns(journal string) ([]RunInfo, error) {
	b, err := os.ReadFile(RunsPath(journal))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read runs of journal: %w", err)
	}
	var runs []RunInfo
	if err := json.Unmarshal(b, &runs); err != nil {
		return nil, fmt.Errorf("runs file %s is damaged: %w", RunsPath(journal), err)
	}
	return runs, nil
}

// WriteRuns replaces the runs file atomically (write, sync, rename), so a
// kill at any moment leaves either the old or the new list.
func WriteRuns(journal string, runs []RunInfo) error {
	b, err := json.MarshalIndent(runs, "", "  ")
	if err != nil {
		return err
	}
	tmp := RunsPath(journal) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write runs file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil { // a temporary file left by a kill keeps its mode otherwise
		f.Close()
		return fmt.Errorf("write runs file: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write runs file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write runs file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write runs file: %w", err)
	}
	if err := os.Rename(tmp, RunsPath(journal)); err != nil {
		return fmt.Errorf("write runs file: %w", err)
	}
	return nil
}

// Entry is what a journal says about one row: its latest status and run.
type Entry struct {
	Status string
	Run    int
}

// Journal is the index of a journal: the latest entry of every row.
type Journal struct {
	rows  map[string]map[int]Entry
	Lines int // complete records read
	// Torn is true when the last line was cut short (a kill mid-write);
	// Valid is then the length of the journal without it.
	Torn  bool
	Valid int64
}

// Latest returns the latest entry of a row.
func (j *Journal) Latest(file string, row int) (Entry, bool) {
	e, ok := j.rows[file][row]
	return e, ok
}

// Rows calls fn for the latest entry of every row.
func (j *Journal) Rows(fn func(file string, row int, e Entry)) {
	for f, m := range j.rows {
		for r, e := range m {
			fn(f, r, e)
		}
	}
}

// ReadJournal indexes a journal. A last line without its newline, or that
// is not valid JSON, is a torn write: it is ignored and reported in Torn.
// Any other damaged line is an error naming it.
func ReadJournal(path string) (*Journal, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	j := &Journal{rows: make(map[string]map[int]Entry)}
	br := bufio.NewReaderSize(f, 1<<16)
	var off int64
	lineNo := 0
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			lineNo++
			complete := line[len(line)-1] == '\n'
			var rec struct {
				File   string `json:"file"`
				Row    int    `json:"row"`
				Status string `json:"status"`
				Run    int    `json:"run"`
			}
			perr := json.Unmarshal(bytes.TrimSpace(line), &rec)
			if !complete || perr != nil {
				// Peek: a damaged line followed by more data is not a torn tail.
				if _, more := br.Peek(1); complete && more == nil {
					return nil, fmt.Errorf("journal %s line %d is damaged: %v", path, lineNo, perr)
				}
				j.Torn = true
				break
			}
			off += int64(len(line))
			j.Lines++
			m := j.rows[rec.File]
			if m == nil {
				m = make(map[int]Entry)
				j.rows[rec.File] = m
			}
			m[rec.Row] = Entry{Status: rec.Status, Run: rec.Run}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read journal: %w", err)
		}
	}
	j.Valid = off
	return j, nil
}
