package report

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocarina/gocsv"
)

// Failed writes the failed and invalid rows in the input's own columns, as
// a CSV file ready to be fixed and run again.
type Failed struct {
	f     *os.File
	cw    *csv.Writer
	w     gocsv.CSVWriter
	pos   map[string]int
	width int
	N     int // rows written
}

// CreateFailed creates the failed-rows file (mode 0600) with the input columns.
func CreateFailed(path string, columns []string) (*Failed, error) {
	if !strings.EqualFold(filepath.Ext(path), ".csv") {
		return nil, fmt.Errorf("failed-rows file %q: name it .csv", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create folder for %q: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create failed-rows file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil { // an existing file keeps its mode otherwise
		f.Close()
		return nil, fmt.Errorf("create failed-rows file: %w", err)
	}
	cw := csv.NewWriter(f)
	fw := &Failed{f: f, cw: cw, w: gocsv.NewSafeCSVWriter(cw), pos: make(map[string]int), width: len(columns)}
	for i, c := range columns {
		fw.pos[c] = i
	}
	if err := fw.w.Write(columns); err != nil {
		f.Close()
		return nil, fmt.Errorf("write failed-rows file: %w", err)
	}
	return fw, nil
}

// Write keeps r if it failed or is invalid, and ignores it otherwise.
func (fw *Failed) Write(r *Record) error {
	if r.Status != StatusFailed && r.Status != StatusInvalid {
		return nil
	}
	row := make([]string, fw.width)
	for _, kv := range r.Input {
		if i, ok := fw.pos[kv.Key]; ok {
			row[i] = Neutralise(kv.Value)
		} else if kv.Key == "" {
			row = append(row, Neutralise(kv.Value))
		}
	}
	fw.N++
	return fw.w.Write(row)
}

// Close flushes and closes the file.
func (fw *Failed) Close() error {
	fw.cw.Flush()
	err := fw.cw.Error()
	if cerr := fw.f.Close(); err == nil {
		err = cerr
	}
	return err
}
