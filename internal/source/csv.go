package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/gocarina/gocsv"
)

const (
	csvBufSize    = 256 << 10 // bufio buffer under encoding/csv
	sniffMaxBytes = 64 << 10  // how much of the first line the detectors look at
)

// errRecordTooLong is returned by recordLimiter when one record has grown
// past the hard limit; csvReader turns it into an Issue or a FileError.
var errRecordTooLong = errors.New("record longer than the limit")

// csvReader reads CSV through gocsv's SimpleDecoder over an encoding/csv
// Reader with ReuseRecord. Per row it allocates only what encoding/csv does
// (one string per record); the Fields slice is reused.
//
// Row numbers are the ones a spreadsheet shows: the header is row 1, each
// record after it is one more, whatever number of physical lines it spans,
// and a completely empty line (which encoding/csv skips) is a row too, as a
// spreadsheet opening the file shows it. Row.Line gives the physical line.
type csvReader struct {
	name   string
	closer io.Closer
	info   Info

	csv *csv.Reader
	dec gocsv.SimpleDecoder
	br  *bufio.Reader
	lim *recordLimiter

	header    []string
	checkUTF8 bool
	maxField  int
	maxRecord int

	num      int   // Num of the last record read
	consumed int64 // bytes encoding/csv has consumed so far
	// The last field of the last record and the line it starts on: with
	// them the line where that record ends is known without counting
	// line breaks on every row.
	lastField     string
	lastFieldLine int
	fields        []Field
	done          bool
	cut           bool // the record being filled was cut at the line limit
}

// OpenCSV reads CSV from r; name is what rows and errors call the file.
// It reads the header at once, so Info is complete when it returns.
func OpenCSV(name string, r io.Reader, opts Options) (Reader, error) {
	src, enc, check, note, err := decodeInput(r, opts.Encoding)
	if err != nil {
		return nil, openErr(name, err)
	}
	// Look at the first line to pick the delimiter and the line ends.
	src, prefix, err := fixLineEnds(src)
	if err != nil {
		return nil, openErr(name, err)
	}
	first := prefix
	if i := bytes.IndexAny(first, "\r\n"); i >= 0 {
		first = first[:i]
	}
	delim, detected := opts.Delimiter, false
	if delim == 0 {
		delim, detected = detectDelimiter(first, opts.IsColumn), true
	}

	c := &csvReader{
		name:      name,
		info:      Info{Format: "csv", Encoding: enc, Delimiter: string(delim), Detected: detected, Note: note},
		checkUTF8: check,
		maxField:  opts.MaxFieldBytes,
		maxRecord: opts.MaxRecordBytes,
	}
	if c.maxField <= 0 {
		c.maxField = DefaultMaxFieldBytes
	}
	if c.maxRecord <= 0 {
		c.maxRecord = DefaultMaxRecordBytes
	}
	c.lim = &recordLimiter{r: src, limit: int64(c.maxRecord) + csvBufSize}
	c.br = bufio.NewReaderSize(c.lim, csvBufSize)
	c.csv = csv.NewReader(c.br) // reuses c.br: it is a *bufio.Reader big enough
	c.csv.Comma = delim
	c.csv.ReuseRecord = true
	c.csv.FieldsPerRecord = -1
	c.csv.LazyQuotes = false
	c.dec = gocsv.NewSimpleDecoderFromCSVReader(c.csv)

	if err := c.readHeader(); err != nil {
		return nil, openErr(name, err)
	}
	return c, nil
}

func (c *csvReader) readHeader() error {
	rec, err := c.dec.GetCSVRow()
	c.markConsumed()
	switch {
	case err == io.EOF:
		return &FileError{File: c.name, Message: "the file is empty: expected a header row naming the columns"}
	case errors.Is(err, errRecordTooLong):
		return &FileError{File: c.name, Line: 1, Message: "the header line is longer than the limit of " +
			strconv.Itoa(c.maxRecord) + " bytes: is this a CSV file?"}
	case err != nil:
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return &FileError{File: c.name, Line: pe.StartLine, Message: "the header row is malformed: " +
				parseErrorText(pe, false)}
		}
		return err
	}
	for i, h := range rec {
		if strings.IndexByte(h, 0) >= 0 {
			line, _ := c.csv.FieldPos(i)
			return &FileError{File: c.name, Line: line, Message: "the header contains NUL bytes: the file looks like " +
				"UTF-16 without a byte-order mark, or is not a text file: save it as \"CSV UTF-8\""}
		}
	}
	c.header = slices.Clone(rec)
	c.info.Header = c.header
	c.fields = make([]Field, len(c.header))
	for i, h := range c.header {
		c.fields[i] = Field{Key: h, Col: i + 1}
	}
	c.num = 1
	c.noteEnd(rec)
	return nil
}

// markConsumed records where encoding/csv stands after a Read, which is
// where the next record starts.
func (c *csvReader) markConsumed() {
	c.consumed = c.lim.n - int64(c.br.Buffered())
	c.lim.recStart = c.consumed
}

// noteEnd remembers the last field of a record read successfully.
func (c *csvReader) noteEnd(rec []string) {
	c.lastField = rec[len(rec)-1]
	c.lastFieldLine, _ = c.csv.FieldPos(len(rec) - 1)
}

// countEmptyLines numbers row as a spreadsheet does: the empty lines
// between the previous record (which ended on line prevEnd) and this one
// are rows of their own.
func (c *csvReader) countEmptyLines(row *Row, prevEnd int) {
	if gap := row.Line - prevEnd - 1; prevEnd > 0 && gap > 0 {
		c.num += gap
		row.Num = c.num
	}
}

// endLine is the physical line where the last record read ends.
func (c *csvReader) endLine() int {
	return c.lastFieldLine + strings.Count(c.lastField, "\n")
}

// Info implements Reader.
func (c *csvReader) Info() Info { return c.info }

// Close implements Reader; it closes the file when Open opened it.
func (c *csvReader) Close() error {
	c.done = true
	if c.closer != nil {
		err := c.closer.Close()
		c.closer = nil
		return err
	}
	return nil
}

// Next implements Reader.
func (c *csvReader) Next() (Row, error) {
	if c.done {
		return Row{}, io.EOF
	}
	start := c.consumed
	prevEnd := c.endLine()
	rec, err := c.dec.GetCSVRow()
	c.markConsumed()
	if err == io.EOF {
		c.done = true
		if c.num == 1 {
			return Row{}, &FileError{File: c.name, Line: 2, Message: "the file has a header but no rows below it: " +
				"was the right sheet exported?"}
		}
		return Row{}, io.EOF
	}
	c.num++
	row := Row{File: c.name, Num: c.num}
	if err != nil {
		return c.badRow(row, rec, err, start, prevEnd)
	}
	row.Line, _ = c.csv.FieldPos(0)
	c.countEmptyLines(&row, prevEnd)
	row.Fields = c.fill(rec, &row)
	c.noteEnd(rec)

	if n, h := len(rec), len(c.header); n != h {
		row.Issues = append(row.Issues, Issue{Message: fieldCountText(rec, c.header)})
		if n > h {
			row.Extra = slices.Clone(rec[h:])
		}
	}
	if size := c.consumed - start; size > int64(c.maxRecord) {
		row.Issues = append(row.Issues, Issue{Message: "this row is " + strconv.FormatInt(size, 10) +
			" bytes long, more than the limit of " + strconv.Itoa(c.maxRecord) + " bytes"})
	}
	return row, nil
}

// fill turns the values of rec (up to the header width) into c.fields and
// adds an Issue for each value that cannot be taken as text. Key and Col
// of c.fields are set once, when the header is read; per row only Value
// and Line change, which keeps this loop cheap.
func (c *csvReader) fill(rec []string, row *Row) []Field {
	fields := c.fields[:min(len(rec), len(c.fields))]
	if len(fields) == 0 {
		return fields
	}
	// Lines only grow along a record: when the first and the last field
	// start on the same line, so do all the others.
	line, _ := c.csv.FieldPos(0)
	last, _ := c.csv.FieldPos(len(fields) - 1)
	allPlain := plainText(joined(rec))
	for i := range fields {
		v := rec[i]
		f := &fields[i]
		f.Value = v
		f.Line = line
		if last != line {
			f.Line, _ = c.csv.FieldPos(i)
		}
		if !allPlain && !plainText(v) {
			c.checkText(f, row)
		}
		if len(v) > c.maxField {
			msg := "the value is " + strconv.Itoa(len(v)) + " bytes long, more than the limit of "
			if c.cut { // only the start of it was read: its length is unknown
				msg = "the value is longer than the limit of "
			}
			row.Issues = append(row.Issues, Issue{Column: f.Key, Message: msg + strconv.Itoa(c.maxField) + " bytes"})
		}
	}
	return fields
}

// checkText reports a value that is not valid UTF-8 or holds a NUL byte.
func (c *csvReader) checkText(f *Field, row *Row) {
	if c.checkUTF8 && !utf8.ValidString(f.Value) {
		msg := notUTF8Text(f.Value)
		if c.info.Note != "" {
			// --encoding was not applied because the start of the file is
			// UTF-8: the file mixes encodings, so no option reads it right.
			msg, _, _ = strings.Cut(msg, "; ")
			msg += "; the start of the file is UTF-8, so --encoding was not applied to it, but this value is not: " +
				"the file mixes encodings; save it again as \"CSV UTF-8\""
		}
		row.Issues = append(row.Issues, Issue{Column: f.Key, Message: msg})
	}
	if j := strings.IndexByte(f.Value, 0); j >= 0 {
		row.Issues = append(row.Issues, Issue{Column: f.Key, Message: "contains a NUL byte (position " +
			strconv.Itoa(j+1) + "): the file may be binary or UTF-16 without a byte-order mark; save it as \"CSV UTF-8\""})
	}
}

// joined returns the values of rec as one string when they lie end to end
// in memory, as encoding/csv makes them (one string per record, sliced), so
// that they can be checked in one pass; otherwise it returns "" and the
// caller checks each value. No byte outside the values is ever looked at.
func joined(rec []string) string {
	if len(rec) == 0 {
		return ""
	}
	start := unsafe.StringData(rec[0])
	n := 0
	for _, v := range rec {
		if len(v) > 0 && unsafe.StringData(v) != (*byte)(unsafe.Add(unsafe.Pointer(start), n)) {
			return "\x00" // not contiguous: make the caller check each value
		}
		n += len(v)
	}
	if n == 0 {
		return ""
	}
	return unsafe.String(start, n)
}

// plainText reports whether s holds only bytes 0x01-0x7F: then it is valid
// UTF-8 without NUL, and no further check is needed. It looks at 8 bytes at
// a time: a byte is 0 or >= 0x80 exactly when its top bit is set in x or
// in x minus 1 (a borrow only comes out of a zero byte).
func plainText(s string) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	for len(s) >= 8 {
		x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if ((x-lo)|x)&hi != 0 {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if s[i]-1 >= 0x7F {
			return false
		}
	}
	return true
}

// badRow makes the Row for a record encoding/csv could not read.
func (c *csvReader) badRow(row Row, rec []string, err error, start int64, prevEnd int) (Row, error) {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, errRecordTooLong):
		if c.lim.multiLine || c.lim.openQuote(start) {
			c.done = true
			return Row{}, &FileError{File: c.name, Line: c.endLine() + 1, Message: "the row starting here (row " +
				strconv.Itoa(c.num) + ") runs inside a quoted field for more than the limit of " + strconv.Itoa(c.maxRecord) +
				" bytes: a quoted field is probably never closed, so the rest of the file reads as one value; " +
				"quote the whole field and double any quote inside it"}
		}
		row.Line = c.endLine() + 1
		if len(rec) > 0 {
			row.Line, _ = c.csv.FieldPos(0)
		}
		c.cut = true
		row.Fields = c.fill(rec, &row)
		c.cut = false
		row.Issues = append(row.Issues, Issue{Message: "line " + strconv.Itoa(row.Line) +
			" is longer than the limit of " + strconv.Itoa(c.maxRecord) + " bytes; the rest of it was skipped"})
		c.lastField, c.lastFieldLine = "", row.Line
		return row, nil
	case errors.As(err, &pe):
		row.Line = pe.StartLine
		c.countEmptyLines(&row, prevEnd)
		row.Fields = c.fill(rec, &row)
		row.Raw = c.lim.text(start, c.consumed)
		col := ""
		if len(rec) < len(c.header) {
			col = c.header[len(rec)]
		}
		unclosed := false
		if errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine {
			_, perr := c.br.Peek(1)
			unclosed = perr == io.EOF
		}
		row.Issues = append(row.Issues, Issue{Column: col, Message: parseErrorText(pe, unclosed)})
		c.lastField, c.lastFieldLine = "", pe.Line
		return row, nil
	}
	c.done = true
	return Row{}, err
}

// parseErrorText explains a quoting error; unclosed says the record ran to
// the end of the file.
func parseErrorText(pe *csv.ParseError, unclosed bool) string {
	const fix = ": quote the whole field and double any quote inside it (\"say \"\"hi\"\"\")"
	at := "line " + strconv.Itoa(pe.Line) + ", position " + strconv.Itoa(pe.Column)
	switch {
	case unclosed:
		return "a quoted field opened on line " + strconv.Itoa(pe.StartLine) +
			" is never closed, so lines " + strconv.Itoa(pe.StartLine) + "-" + strconv.Itoa(pe.Line) +
			" (the rest of the file) were read as this one row" + fix
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return "a quote (\") inside a field that does not start with a quote (" + at + ")" + fix
	case errors.Is(pe.Err, csv.ErrQuote):
		return "a quote inside a quoted field is not doubled, or the field is not closed (" + at + ")" + fix
	}
	return pe.Err.Error() + " (" + at + ")"
}

// fieldCountText explains a record whose field count differs from the header's.
func fieldCountText(rec, header []string) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(len(rec)))
	b.WriteString(" fields where the header has ")
	b.WriteString(strconv.Itoa(len(header)))
	if len(rec) < len(header) {
		b.WriteString(" (no value for ")
		missing := header[len(rec):]
		for i, h := range missing {
			if i == 3 {
				b.WriteString(", ...")
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(h)
		}
	} else {
		extra := rec[len(header):]
		if len(extra) == 1 {
			b.WriteString(" (extra value ")
		} else {
			b.WriteString(" (extra values ")
		}
		for i, v := range extra {
			if i == 3 {
				b.WriteString(", ...")
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			if len(v) > 40 {
				v = strings.ToValidUTF8(v[:40], "") + "..."
			}
			b.WriteString(strconv.Quote(v))
		}
	}
	b.WriteString(")")
	return b.String()
}

// notUTF8Text explains a value that is not valid UTF-8 and guesses the encoding.
func notUTF8Text(v string) string {
	i := 0
	for i < len(v) {
		r, size := utf8.DecodeRuneInString(v[i:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		i += size
	}
	msg := "not valid UTF-8 (byte 0x" + strings.ToUpper(strconv.FormatUint(uint64(v[i]), 16)) +
		" at position " + strconv.Itoa(i+1) + "); "
	if looksWindows1252(v) {
		return msg + "the file looks like Windows-1252: save it as \"CSV UTF-8\" or run with --encoding windows-1252"
	}
	return msg + "the file is not UTF-8: save it as \"CSV UTF-8\" or name its encoding with --encoding"
}

// looksWindows1252 tells whether every byte of v is defined in Windows-1252.
func looksWindows1252(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case 0x81, 0x8D, 0x8F, 0x90, 0x9D:
			return false
		}
	}
	return true
}

// readFirstLine reads from r until the first LF, sniffMaxBytes or the end.
func readFirstLine(r io.Reader) ([]byte, error) {
	buf := make([]byte, 0, 4096)
	for len(buf) < sniffMaxBytes {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, len(buf))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), sniffMaxBytes)])
		buf = buf[:len(buf)+n]
		if bytes.IndexByte(buf[len(buf)-n:], '\n') >= 0 || err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// fixLineEnds reads the first line of src and wraps src so that lone CRs
// (old Mac Excel, or one stray in a CRLF file) become LFs, as a spreadsheet
// reads them: each is a line end. It returns the reader to use (which
// yields the first line again) and the first line as read.
func fixLineEnds(src io.Reader) (io.Reader, []byte, error) {
	prefix, err := readFirstLine(src)
	if err != nil {
		return nil, nil, err
	}
	if len(prefix) > 0 {
		src = io.MultiReader(bytes.NewReader(prefix), src)
	}
	return &crToLF{r: src}, prefix, nil
}

// detectDelimiter picks ',', ';' or TAB for a header line: the one whose
// split gives the most known column names, else the most frequent one
// outside quotes. Ties go to ','.
func detectDelimiter(line []byte, isColumn func(string) bool) rune {
	cands := [...]byte{',', ';', '\t'}
	if isColumn != nil {
		best, bestN := byte(0), 0
		for _, d := range cands {
			if n := countKnown(line, d, isColumn); n > bestN {
				best, bestN = d, n
			}
		}
		if best != 0 {
			return rune(best)
		}
	}
	var counts [3]int
	inQuote := false
	for _, b := range line {
		if b == '"' {
			inQuote = !inQuote
			continue
		}
		if inQuote {
			continue
		}
		for i, d := range cands {
			if b == d {
				counts[i]++
			}
		}
	}
	best := 0
	for i := range counts {
		if counts[i] > counts[best] {
			best = i
		}
	}
	return rune(cands[best])
}

// countKnown splits line on d outside quotes and counts the names isColumn knows.
func countKnown(line []byte, d byte, isColumn func(string) bool) int {
	n, start := 0, 0
	inQuote := false
	check := func(s []byte) {
		name := strings.TrimSpace(string(s))
		if len(name) >= 2 && name[0] == '"' && name[len(name)-1] == '"' {
			name = strings.TrimSpace(strings.ReplaceAll(name[1:len(name)-1], `""`, `"`))
		}
		if isColumn(name) {
			n++
		}
	}
	for i, b := range line {
		switch {
		case b == '"':
			inQuote = !inQuote
		case b == d && !inQuote:
			check(line[start:i])
			start = i + 1
		}
	}
	check(line[start:])
	return n
}

// recordLimiter sits under the bufio.Reader of encoding/csv and stops one
// record from growing without bound: once more than limit bytes have been
// handed out since the record started (limit includes the bufio read-ahead,
// so the record itself is past Options.MaxRecordBytes), it fails the read
// with errRecordTooLong and then skips the rest of the current line, so
// that reading can go on with the next one. Memory stays bounded whatever
// the length of a line.
type recordLimiter struct {
	r        io.Reader
	n        int64 // bytes handed out
	recStart int64 // offset where the current record starts (set by csvReader)
	lastNL   int64 // offset just after the last LF handed out
	limit    int64
	skipping bool
	// multiLine says the record that tripped the limit spans line breaks:
	// likely a quote that is never closed.
	multiLine bool
	// kept holds the bytes handed out from offset keptAt on, which is at
	// or before recStart: the text of the current record, for a record
	// encoding/csv cannot parse. Bounded like the record itself.
	kept   []byte
	keptAt int64
}

// openQuote tells whether the record that started at offset start and was
// cut at the limit is inside a quoted field: an odd number of quotes since
// it started (a doubled quote counts
// two). Then the rest of the file belongs to that field, as a spreadsheet
// reads it, and no later line may be taken for a row.
func (l *recordLimiter) openQuote(start int64) bool {
	from := start - l.keptAt
	return from >= 0 && from <= int64(len(l.kept)) && bytes.Count(l.kept[from:], []byte{'"'})%2 == 1
}

// text returns the bytes between two offsets of the current record
// without the line breaks around them, or "" when they are not kept.
func (l *recordLimiter) text(from, to int64) string {
	if from < l.keptAt || to > l.keptAt+int64(len(l.kept)) || from > to {
		return ""
	}
	return strings.Trim(string(l.kept[from-l.keptAt:to-l.keptAt]), "\r\n")
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.skipping {
		return l.skip(p)
	}
	if l.n-l.recStart > l.limit {
		l.multiLine = l.lastNL > l.recStart
		l.skipping = true
		return 0, errRecordTooLong
	}
	n, err := l.r.Read(p)
	l.handOut(p[:n])
	return n, err
}

func (l *recordLimiter) handOut(p []byte) {
	if i := bytes.LastIndexByte(p, '\n'); i >= 0 {
		l.lastNL = l.n + int64(i) + 1
	}
	if drop := l.recStart - l.keptAt; drop > 0 {
		l.kept = l.kept[:copy(l.kept, l.kept[min(drop, int64(len(l.kept))):])]
		l.keptAt = l.recStart
	}
	l.kept = append(l.kept, p...)
	l.n += int64(len(p))
}

// skip drops bytes up to and including the next LF.
func (l *recordLimiter) skip(p []byte) (int, error) {
	for {
		n, err := l.r.Read(p)
		if i := bytes.IndexByte(p[:n], '\n'); i >= 0 {
			l.skipping = false
			m := copy(p, p[i+1:n])
			l.recStart, l.lastNL = l.n, l.n
			l.handOut(p[:m])
			if m == 0 && err == nil {
				return l.Read(p)
			}
			return m, err
		}
		if err != nil {
			return 0, err
		}
	}
}
