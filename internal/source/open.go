package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// ErrUnknownEncoding is returned by Open for an Options.Encoding it does not know.
var ErrUnknownEncoding = errors.New("unknown encoding: use utf-8, windows-1252 or iso-8859-1")

// Package defaults for Options.MaxFieldBytes and Options.MaxRecordBytes.
const (
	DefaultMaxFieldBytes  = 64 << 10
	DefaultMaxRecordBytes = 1 << 20
)

// Encoding names reported in Info.Encoding.
const (
	encUTF8        = "utf-8"
	encUTF8BOM     = "utf-8 with BOM"
	encUTF16LEBOM  = "utf-16le with BOM"
	encUTF16BEBOM  = "utf-16be with BOM"
	encWindows1252 = "windows-1252"
	encISO88591    = "iso-8859-1"
)

// Open opens the file at path and returns the reader for its format, told
// from the extension: .csv, .tsv and .txt are CSV, .yaml and .yml are YAML.
// Closing the reader closes the file.
func Open(path string, opts Options) (Reader, error) {
	var open func(string, io.Reader, Options) (Reader, error)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".tsv", ".txt":
		open = OpenCSV
	case ".yaml", ".yml":
		open = OpenYAML
	default:
		return nil, fmt.Errorf("open input %q: %w", path, ErrUnknownFormat)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open input %q: %w", path, err)
	}
	r, err := open(path, f, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	switch r := r.(type) {
	case *csvReader:
		r.closer = f
	case *yamlReader:
		r.closer = f
	}
	return r, nil
}

// openErr wraps an error met while opening a file, unless it is a
// *FileError, which names the file already.
func openErr(name string, err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return err
	}
	return fmt.Errorf("open input %q: %w", name, err)
}

// lookupEncoding maps an Options.Encoding name to a decoder; nil means UTF-8
// (the bytes are passed through and checked).
func lookupEncoding(name string) (encoding.Encoding, string, error) {
	switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-") {
	case "", "utf-8", "utf8":
		return nil, encUTF8, nil
	case "windows-1252", "windows1252", "cp1252":
		return charmap.Windows1252, encWindows1252, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		return charmap.ISO8859_1, encISO88591, nil
	}
	return nil, "", fmt.Errorf("%w (got %q)", ErrUnknownEncoding, name)
}

// sniffSize is how much of a file without a BOM is looked at, when an
// 8-bit encoding is forced, to tell whether the file is UTF-8 after all.
const sniffSize = 64 << 10

// decodeInput looks for a byte-order mark and returns a reader yielding
// UTF-8 (or, for UTF-8 input, the bytes as they are), the name of the
// encoding, whether the bytes still have to be checked for UTF-8, and a note
// for the log when the Encoding option was not applied ("" otherwise).
// A BOM decides over the Encoding option. When an 8-bit encoding is forced
// and the first sniffSize bytes are valid UTF-8 holding at least one
// multi-byte sequence, the file is read as UTF-8: Windows-1252 or ISO-8859-1
// text practically never looks like that, and decoding it would garble every
// non-ASCII character (Müller would become MÃ¼ller).
func decodeInput(r io.Reader, enc string) (io.Reader, string, bool, string, error) {
	forced, name, err := lookupEncoding(enc)
	if err != nil {
		return nil, "", false, "", err
	}
	size := 3
	if forced != nil {
		size = sniffSize
	}
	head := make([]byte, size)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, "", false, "", err
	}
	whole := err != nil // head holds the whole file
	head = head[:n]
	rest := func(skip int) io.Reader {
		if len(head) == skip {
			return r
		}
		return io.MultiReader(bytes.NewReader(head[skip:]), r)
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		return rest(3), encUTF8BOM, true, "", nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		d := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()
		return transform.NewReader(rest(2), d), encUTF16LEBOM, false, "", nil
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		d := unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()
		return transform.NewReader(rest(2), d), encUTF16BEBOM, false, "", nil
	}
	if forced != nil {
		if looksUTF8(head, whole) {
			return rest(0), encUTF8, true, "the file is valid UTF-8, so --encoding " + name + " was not applied to it", nil
		}
		return transform.NewReader(rest(0), forced.NewDecoder()), name, false, "", nil
	}
	return rest(0), name, true, "", nil
}

// looksUTF8 tells whether b is valid UTF-8 with at least one multi-byte
// sequence. Unless whole, b is the start of a longer file and may end inside
// a sequence; that incomplete sequence is not held against it.
func looksUTF8(b []byte, whole bool) bool {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return false // ASCII only: every supported encoding reads it the same
	}
	b = b[i:]
	if !whole {
		// Drop a sequence cut off at the end of the window.
		for k := 1; k <= utf8.UTFMax && k <= len(b); k++ {
			c := b[len(b)-k]
			if !utf8.RuneStart(c) {
				continue
			}
			if c >= utf8.RuneSelf && !utf8.FullRune(b[len(b)-k:]) {
				b = b[:len(b)-k]
			}
			break
		}
	}
	return len(b) > 0 && utf8.Valid(b) // b[0] is not ASCII

}

// crToLF turns lone CR line ends (old Mac Excel) into LF. CRLF pairs are
// left alone, except across a read boundary, where the pair becomes a
// single LF; encoding/csv reads both the same way.
type crToLF struct {
	r      io.Reader
	dropLF bool // the last byte handed out was a CR turned into LF
}

func (c *crToLF) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		if n > 0 && c.dropLF {
			c.dropLF = false
			if p[0] == '\n' {
				n = copy(p, p[1:n])
			}
		}
		b := p[:n]
		for {
			i := bytes.IndexByte(b, '\r')
			if i < 0 {
				break
			}
			switch {
			case i+1 == len(b):
				b[i] = '\n'
				c.dropLF = true
			case b[i+1] != '\n':
				b[i] = '\n'
			}
			b = b[i+1:]
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
}
