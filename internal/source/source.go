package source

import (
	"errors"
	"fmt"
)

// Field is one cell of a CSV record or one key of a YAML item, as written.
type Field struct {
	Key   string // column name or YAML key as written in the file (not trimmed)
	Value string // the text as written, decoded to UTF-8 when the encoding is known
	Col   int    // 1-based column in the CSV header; 1-based key position in YAML
	Line  int    // physical line where the value starts
	// YAML only.
	Quoted    bool // the scalar was single- or double-quoted (or a block scalar)
	Null      bool // a plain scalar that YAML reads as null (~, null, Null, NULL); an empty plain value is not Null, it is Value ""
	NonScalar bool // the value is a list or a mapping, not a single value
}

// Issue is a problem found while reading a row, before any value is judged.
type Issue struct {
	Column  string // column or key name as written, "" when the problem is the whole row
	Message string // what is wrong and what to do
}

// Row is one input record with its origin.
type Row struct {
	File   string  // the path as given on the command line
	Num    int     // CSV: spreadsheet row number (header = 1); YAML: 1-based item number over the whole stream
	Line   int     // physical line where the record starts
	Fields []Field // in column order; CSV rows with too few fields carry only the fields present
	Issues []Issue // reading problems (malformed quoting, field count, bytes not valid in the encoding)
	// CSV only, for rows that cannot be taken as read, so that a report can
	// give them back whole: Extra holds the values past the header's last
	// column, Raw the record's text as written when encoding/csv could not
	// parse it (its Fields then end where parsing stopped).
	Extra []string
	Raw   string
}

// Reader yields the rows of one file in order. Next returns io.EOF after the
// last row. A *FileError from Open or Next means nothing from this file may be
// sent. The Fields slice of a row may be reused by the next call to Next; the
// strings inside are never reused. Callers must not modify the Fields (copy
// the slice to keep or change it): readers keep per-column data in it.
type Reader interface {
	Next() (Row, error)
	// Info describes what the reader detected (encoding, delimiter), for the report and logs.
	Info() Info
	Close() error
}

// Info is what a reader detected about a file.
type Info struct {
	Format    string   // "csv" or "yaml"
	Encoding  string   // e.g. "utf-8", "utf-8 with BOM", "utf-16le", "windows-1252"
	Delimiter string   // CSV only: ",", ";" or "\t"; "" for YAML
	Detected  bool     // CSV only: the delimiter was detected, not forced
	Header    []string // CSV only: the header names as written
	// Note is a remark for the log, "" when there is none: it says when
	// Options.Encoding was not applied because the file is valid UTF-8
	// (Encoding is then "utf-8").
	Note string
}

// FileError is a problem with a whole file: nothing from it may be sent.
type FileError struct {
	File    string
	Line    int    // 0 when unknown
	Column  string // header column concerned, if any
	Message string
}

func (e *FileError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Column != "" {
		return fmt.Sprintf("%s: column %q: %s", loc, e.Column, e.Message)
	}
	return fmt.Sprintf("%s: %s", loc, e.Message)
}

// ErrUnknownFormat is returned by Open for a file whose format cannot be told from its name.
var ErrUnknownFormat = errors.New("unknown input format: name the file .csv, .tsv, .txt, .yaml or .yml")

// Options control how files are read.
type Options struct {
	// Encoding forces the encoding of files without a BOM: "", "utf-8",
	// "windows-1252" or "iso-8859-1". Empty means UTF-8, with a helpful
	// error on bytes that are not UTF-8.
	Encoding string
	// Delimiter forces the CSV delimiter (one character); 0 means detect it
	// from the header line.
	Delimiter rune
	// IsColumn tells whether a header name (trimmed, any case) is a known
	// column; the delimiter detector uses it.
	IsColumn func(name string) bool
	// MaxFieldBytes and MaxRecordBytes bound what one row may hold; 0 means
	// the package defaults.
	MaxFieldBytes  int
	MaxRecordBytes int
}
