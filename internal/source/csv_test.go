package source

import (
	"bytes"
	"encoding/csv"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/unicode"
)

func utf16be(s string) []byte {
	b, err := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func TestCSVReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		opts    Options
		delim   string // Info().Delimiter, when set
		enc     string // Info().Encoding, when set
		rows    []string
		issues  map[int][]string
		fileErr string
	}{
		{
			// Old Mac Excel ends lines with a lone CR.
			name: "bare CR line ends",
			in:   "user_id,u17\r1,Smith\r2,\"Two\rLines\"\r3,Lee\r",
			rows: []string{`2@2 user_id="1" u17="Smith"`, `3@3 user_id="2" u17="Two\nLines"`, `4@5 user_id="3" u17="Lee"`},
		},
		{
			// LF only, no line end at the end of the file.
			name: "LF without final line end",
			in:   "user_id,u17\n1,Smith\n2,Lee",
			rows: []string{`2@2 user_id="1" u17="Smith"`, `3@3 user_id="2" u17="Lee"`},
		},
		{
			// UTF-16BE with BOM is decoded like UTF-16LE.
			name: "UTF-16BE", in: string(utf16be("user_id;u17\r\n7;Åsa\r\n")),
			enc: "utf-16be with BOM", delim: ";",
			rows: []string{`2@2 user_id="7" u17="Åsa"`},
		},
		{
			// A bare quote makes that row invalid; the next row reads normally.
			name: "bare quote then good row",
			in:   "user_id,u17\n1,Sm\"ith\n2,Lee\n",
			rows: []string{`2@2 user_id="1"`, `3@3 user_id="2" u17="Lee"`},
			issues: map[int][]string{2: {`u17: a quote (") inside a field that does not start with a quote (line 2, position 5)`,
				"quote the whole field and double any quote inside it"}},
		},
		{
			// A stray quote after a closing quote: same.
			name: "extraneous quote then good row",
			in:   "user_id,u17,u23\n1,\"Sm\"ith,x\n2,Lee,y\n",
			rows: []string{`2@2 user_id="1"`, `3@3 user_id="2" u17="Lee" u23="y"`},
			issues: map[int][]string{2: {"u17: a quote inside a quoted field is not doubled, or the field is not closed (line 2",
				"double any quote inside it"}},
		},
		{
			// A quote that is never closed swallows the rest of the file: one invalid row at the line it started.
			name: "unterminated quote",
			in:   "user_id,u17\n1,Smith\n2,\"Lee\n3,Kim\n4,Ann\n",
			rows: []string{`2@2 user_id="1" u17="Smith"`, `3@3 user_id="2"`},
			issues: map[int][]string{3: {"u17: a quoted field opened on line 3 is never closed, so lines 3-",
				"quote the whole field"}},
		},
		{
			// Empty lines are rows, as a spreadsheet opening the file shows them.
			name: "blank lines",
			in:   "user_id\n\n1\n\n\n2\n",
			rows: []string{`3@3 user_id="1"`, `6@6 user_id="2"`},
		},
		{
			// A record over two lines is one row; the empty line after it is a row.
			name: "blank line after a multi-line record",
			in:   "user_id,u17\n1,\"a\nb\"\n\n2,c\n",
			rows: []string{`2@2 user_id="1" u17="a\nb"`, `4@5 user_id="2" u17="c"`},
		},
		{
			// A NUL byte is reported (binary data, UTF-16 without BOM).
			name:   "NUL in a field",
			in:     "user_id,u17\n1,a\x00b\n",
			rows:   []string{"2@2 user_id=\"1\" u17=\"a\\x00b\""},
			issues: map[int][]string{2: {"u17: contains a NUL byte (position 2)"}},
		},
		{
			// A header in UTF-16 without BOM is refused as a whole.
			name:    "UTF-16 without BOM",
			in:      "u\x00s\x00e\x00r\x00_\x00i\x00d\x00\n\x00",
			fileErr: "NUL bytes",
		},
		{
			// Bytes that are not even Windows-1252.
			name:   "not UTF-8 nor Windows-1252",
			in:     "user_id,u17\n1,a\x81b\n",
			rows:   []string{"2@2 user_id=\"1\" u17=\"a\\x81b\""},
			issues: map[int][]string{2: {"u17: not valid UTF-8 (byte 0x81 at position 2); the file is not UTF-8"}},
		},
		{
			// ISO-8859-1 on request.
			name: "iso-8859-1", in: "user_id,u17\n1,Ren\xe9e\n", opts: Options{Encoding: "iso-8859-1"},
			enc:  "iso-8859-1",
			rows: []string{`2@2 user_id="1" u17="Renée"`},
		},
		{
			// A BOM wins over --encoding.
			name: "BOM beats --encoding", in: "\xef\xbb\xbfuser_id\nMü\n", opts: Options{Encoding: "windows-1252"},
			enc:  "utf-8 with BOM",
			rows: []string{`2@2 user_id="Mü"`},
		},
		{
			// A forced delimiter is used even when another would split better.
			name: "forced delimiter", in: "user_id;u17,u23\n1;a,b\n", opts: Options{Delimiter: ','},
			rows: []string{`2@2 user_id;u17="1;a" u23="b"`},
		},
		{
			// Without IsColumn, the most frequent candidate outside quotes wins.
			name: "frequency detection", in: "\"a,b\";c;d\n1;2;3\n", opts: Options{IsColumn: func(string) bool { return false }},
			delim: ";",
			rows:  []string{`2@2 a,b="1" c="2" d="3"`},
		},
		{
			// A tie goes to ','.
			name: "tie prefers comma", in: "a,b;c\n1,2;3\n", delim: ",",
			rows: []string{`2@2 a="1" b;c="2;3"`},
		},
		{
			// Several missing and extra values.
			name: "field counts",
			in:   "a,b,c,d\n1\n1,2,3,4,5,6\n",
			rows: []string{`2@2 a="1"`, `3@3 a="1" b="2" c="3" d="4"`},
			issues: map[int][]string{2: {"1 fields where the header has 4 (no value for b, c, d)"},
				3: {`6 fields where the header has 4 (extra values "5", "6")`}},
		},
		{
			// A stray lone CR in a CRLF file is a line end too, as a
			// spreadsheet shows it: two rows, not one with three fields.
			name: "lone CR inside CRLF",
			in:   "user_id,u17\r\n1001,Smith\r1002,Jones\r\n",
			rows: []string{`2@2 user_id="1001" u17="Smith"`, `3@3 user_id="1002" u17="Jones"`},
		},
		{
			// The same after LF line ends.
			name: "lone CR inside LF",
			in:   "user_id,u17\n1001,Smith\r1002,Jones\n",
			rows: []string{`2@2 user_id="1001" u17="Smith"`, `3@3 user_id="1002" u17="Jones"`},
		},
		{
			// Field limit: the column is named.
			name: "field limit", in: "a,b\n1," + strings.Repeat("x", 20) + "\n2,y\n", opts: Options{MaxFieldBytes: 10},
			rows:   []string{`2@2 a="1" b="` + strings.Repeat("x", 20) + `"`, `3@3 a="2" b="y"`},
			issues: map[int][]string{2: {"b: the value is 20 bytes long, more than the limit of 10 bytes"}},
		},
		{
			// The header only: a file error, as for an empty file.
			name: "header only", in: "user_id,u17\r\n", fileErr: "the file has a header but no rows below it",
		},
		{
			// An empty file is a file error.
			name: "empty file", in: "", fileErr: "the file is empty: expected a header row naming the columns",
		},
		{
			// A BOM and blank lines only: still empty.
			name: "BOM only", in: "\xef\xbb\xbf\r\n\n", fileErr: "the file is empty",
		},
		{
			// A malformed header is a file error with its line.
			name: "malformed header", in: "user_id,\"u17\n", fileErr: "the header row is malformed",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := tc.opts
			if opts.IsColumn == nil {
				opts.IsColumn = isColumn
			}
			r, err := OpenCSV("t.csv", strings.NewReader(tc.in), opts)
			var rows []Row
			if err == nil {
				if tc.delim != "" && r.Info().Delimiter != tc.delim {
					t.Errorf("delimiter = %q, want %q", r.Info().Delimiter, tc.delim)
				}
				if tc.enc != "" && r.Info().Encoding != tc.enc {
					t.Errorf("encoding = %q, want %q", r.Info().Encoding, tc.enc)
				}
				rows, err = readAll(t, r)
			}
			checkFileErr(t, err, tc.fileErr)
			checkRows(t, rows, tc.rows, tc.issues)
			for _, row := range rows {
				if row.File != "t.csv" {
					t.Errorf("row %d file = %q", row.Num, row.File)
				}
			}
		})
	}
}

// TestCSVRowsGivenBack: a row that cannot be taken as read keeps what a
// report needs to give it back whole: the values past the header (Extra)
// or, when encoding/csv cannot parse it, its text as written (Raw).
func TestCSVRowsGivenBack(t *testing.T) {
	t.Parallel()
	in := "user_id;u17;credit\r\n1;Lee;1;5\r\n\r\n2;=HYP(\"x\");-5\r\n3;\"Kim\r\nLee\"x;1\r\n4;Ann;2\r\n"
	r, err := OpenCSV("t.csv", iotest.HalfReader(strings.NewReader(in)), Options{IsColumn: isColumn})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		num   int
		extra []string
		raw   string
	}{
		{num: 2, extra: []string{"5"}},       // one field too many: a decimal comma
		{num: 4, raw: `2;=HYP("x");-5`},      // a bare quote, after a blank line
		{num: 5, raw: "3;\"Kim\r\nLee\"x;1"}, // a stray quote after a quoted line break
		{num: 6},                             // a good row: nothing extra
	}
	if len(rows) != len(tests) {
		t.Fatalf("%d rows, want %d", len(rows), len(tests))
	}
	for i, tc := range tests {
		row := rows[i]
		if row.Num != tc.num || strings.Join(row.Extra, "|") != strings.Join(tc.extra, "|") || row.Raw != tc.raw {
			t.Errorf("row %d: num %d, extra %q, raw %q; want row %d, extra %q, raw %q", i, row.Num, row.Extra, row.Raw, tc.num, tc.extra, tc.raw)
		}
	}
}

// TestCSVRecordLimit: over-long lines become invalid rows and reading goes
// on; memory stays bounded because the limiter fails the record.
func TestCSVRecordLimit(t *testing.T) {
	t.Parallel()
	const limit = 1000
	long := strings.Repeat("y", 3*csvBufSize) // far past limit + read-ahead
	tests := []struct {
		name    string
		in      string
		rows    []string
		issues  map[int][]string
		fileErr string
	}{
		{
			// A little over the limit: caught after the read, the row is kept.
			name: "soft limit", in: "a,b\n1," + strings.Repeat("x", 1500) + "\n2,z\n",
			rows:   []string{`2@2 a="1" b="` + strings.Repeat("x", 1500) + `"`, `3@3 a="2" b="z"`},
			issues: map[int][]string{2: {": this row is 1503 bytes long, more than the limit of 1000 bytes"}},
		},
		{
			// A huge single line: the limiter stops it, the rest of the line is skipped.
			name: "hard limit single line", in: "a,b\n1,x\n2," + long + "\n3,z\n",
			rows:   []string{`2@2 a="1" b="x"`, "", `4@4 a="3" b="z"`},
			issues: map[int][]string{3: {": line 3 is longer than the limit of 1000 bytes; the rest of it was skipped"}},
		},
		{
			// A huge line without any line end, first field included.
			name: "hard limit no line end", in: "a,b\n" + long,
			rows:   []string{""},
			issues: map[int][]string{2: {"line 2 is longer than the limit"}},
		},
		{
			// An unclosed quote in a big file: one file error, not garbage rows.
			name: "hard limit across lines", in: "a,b\n1,\"x\n" + strings.Repeat("2,y\n", csvBufSize/2),
			fileErr: "t.csv:2: the row starting here (row 2) runs inside a quoted field",
		},
		{
			// A quote opened on one huge line and never closed: the lines
			// after it belong to that field, none may be taken for a row.
			name: "hard limit inside a quote on one line", in: "a,b\n1,\"" + long + "\n2,z\n",
			fileErr: "t.csv:2: the row starting here (row 2) runs inside a quoted field",
		},
		{
			// Doubled quotes on a huge line are not an open quote.
			name: "hard limit with doubled quotes", in: "a,b\n1,\"x\"\"y\"," + long + "\n3,z\n",
			rows:   []string{"", `3@3 a="3" b="z"`},
			issues: map[int][]string{2: {"line 2 is longer than the limit"}},
		},
		{
			// A header longer than the limit.
			name: "long header", in: long + "\n1\n", fileErr: "header line is longer than the limit",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := OpenCSV("t.csv", strings.NewReader(tc.in), Options{MaxRecordBytes: limit, MaxFieldBytes: 1 << 20})
			var rows []Row
			if err == nil {
				rows, err = readAll(t, r)
			}
			checkFileErr(t, err, tc.fileErr)
			// "" in tc.rows means: do not compare the summary (values too long to spell out).
			for i := range tc.rows {
				if tc.rows[i] == "" && i < len(rows) {
					tc.rows[i] = summary(rows[i])
				}
			}
			checkRows(t, rows, tc.rows, tc.issues)
		})
	}
}

// TestCRToLF checks the bare-CR transformer at every buffer boundary.
func TestCRToLF(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"a\rb\r", "a\nb\n"},         // lone CRs
		{"a\r\nb\r\n", "a\r\nb\r\n"}, // CRLF untouched (or LF across a boundary)
		{"a\r\r\nb", "a\n\r\nb"},     // CR then CRLF
		{"\r", "\n"},                 // at the very end
		{"", ""},
	}
	for _, tc := range tests {
		for _, oneByte := range []bool{false, true} {
			var src io.Reader = strings.NewReader(tc.in)
			if oneByte {
				src = iotest.OneByteReader(src)
			}
			got, err := io.ReadAll(&crToLF{r: src})
			if err != nil {
				t.Fatal(err)
			}
			// encoding/csv reads CRLF and LF alike: compare with CRLF folded.
			norm := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
			if norm(string(got)) != norm(tc.want) || strings.Count(string(got), "\n") != strings.Count(tc.want, "\n") {
				t.Errorf("crToLF(%q, oneByte=%v) = %q, want %q", tc.in, oneByte, got, tc.want)
			}
		}
	}
}

// TestCSVSmallReads feeds the reader one byte at a time (pipes, UTF-16).
func TestCSVSmallReads(t *testing.T) {
	t.Parallel()
	in := utf16be("user_id,u17\r1,\"a\rb\"\r2,c\r")
	r, err := OpenCSV("t.csv", iotest.OneByteReader(bytes.NewReader(in)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rows, []string{`2@2 user_id="1" u17="a\nb"`, `3@4 user_id="2" u17="c"`}, nil)
}

// benchCSV generates n rows of 12 columns.
func benchCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("user_id,u15,u17,u23,a8,a7,credit,tax1_value,u4,u5,ay,am\n")
	for i := 0; i < n; i++ {
		b.WriteString("100")
		b.WriteString(strings.Repeat("7", i%3))
		b.WriteString(",1,Smith,Anna,user@example.com,0612345678,10.25,0.19,1,12,2024,5\n")
	}
	return b.Bytes()
}

// BenchmarkCSVReader compares the reader with a bare encoding/csv loop over
// the same 1e5 rows x 12 columns; ns/row is reported for both.
func BenchmarkCSVReader(b *testing.B) {
	const rows = 100_000
	data := benchCSV(rows)
	b.Run("source", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			r, err := OpenCSV("bench.csv", bytes.NewReader(data), Options{IsColumn: isColumn})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				row, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil || len(row.Issues) > 0 {
					b.Fatal(err, row.Issues)
				}
				n++
			}
			if n != rows {
				b.Fatalf("%d rows", n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
	})
	b.Run("encoding-csv", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			cr := csv.NewReader(bytes.NewReader(data))
			cr.ReuseRecord = true
			cr.FieldsPerRecord = -1
			n := -1
			for {
				_, err := cr.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != rows {
				b.Fatalf("%d rows", n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
	})
}

// repeatReader yields n copies of byte c.
type repeatReader struct {
	n int64
	c byte
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n)]
	for i := range p {
		p[i] = r.c
	}
	r.n -= int64(len(p))
	return len(p), nil
}

// TestCSVHugeLineBoundedMemory: a 256 MiB line (think 2 GB) is cut at the
// record limit: reading goes on and allocates a small, fixed amount.
func TestCSVHugeLineBoundedMemory(t *testing.T) {
	// Not parallel: it measures allocations, which are counted process-wide.
	in := io.MultiReader(strings.NewReader("a,b\n1,"), &repeatReader{n: 256 << 20, c: 'x'}, strings.NewReader("\n2,z\n"))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := OpenCSV("t.csv", in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strconv.Itoa(row.Num)+"@"+strconv.Itoa(row.Line)+" "+issues(row))
	}
	runtime.ReadMemStats(&after)
	want := []string{"2@2 b: the value is longer than the limit of 65536 bytes; " +
		": line 2 is longer than the limit of 1048576 bytes; the rest of it was skipped", "3@3 "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("rows = %q, want %q", got, want)
	}
	// A loose bound: the line alone is 256 MiB.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
}

// TestForcedEncodingOnUTF8: --encoding windows-1252 or iso-8859-1 is not
// applied to a file that is valid UTF-8 with non-ASCII text, so Müller is
// not garbled into MÃ¼ller; real 8-bit files and ASCII files are unaffected.
func TestForcedEncodingOnUTF8(t *testing.T) {
	t.Parallel()
	// Valid UTF-8 whose first multi-byte sequence lies past the sniff window
	// and a window that ends inside a sequence.
	late := "user_id,u17\n1," + strings.Repeat("x", sniffSize) + "\n2,Müller\n"
	cut := "user_id,u17\n1," + strings.Repeat("x", sniffSize-len("user_id,u17\n1,")-1) + "ü\n"
	tests := []struct {
		name, in, enc string
		wantEnc       string
		wantNote      string
		rows          []string
	}{
		{name: "utf-8 with windows-1252", in: "user_id,u17\n1,Müller\n", enc: "windows-1252", wantEnc: "utf-8",
			wantNote: "the file is valid UTF-8, so --encoding windows-1252 was not applied to it",
			rows:     []string{`2@2 user_id="1" u17="Müller"`}},
		{name: "utf-8 with iso-8859-1", in: "user_id,u17\n1,Müller\n", enc: "latin1", wantEnc: "utf-8",
			wantNote: "the file is valid UTF-8, so --encoding iso-8859-1 was not applied to it",
			rows:     []string{`2@2 user_id="1" u17="Müller"`}},
		{name: "windows-1252", in: "user_id,u17\n1,M\xfcller\n2,\x80 5\n", enc: "windows-1252", wantEnc: "windows-1252",
			rows: []string{`2@2 user_id="1" u17="Müller"`, `3@3 user_id="2" u17="€ 5"`}},
		{name: "iso-8859-1", in: "user_id,u17\n1,M\xfcller\n", enc: "iso-8859-1", wantEnc: "iso-8859-1",
			rows: []string{`2@2 user_id="1" u17="Müller"`}},
		// Windows-1252 bytes that happen to form one valid UTF-8 pair ("Ã¼")
		// next to one that does not: the file is not valid UTF-8.
		{name: "windows-1252 mixed", in: "user_id,u17\n1,M\xc3\xbcller \xfc\n", enc: "windows-1252", wantEnc: "windows-1252",
			rows: []string{`2@2 user_id="1" u17="MÃ¼ller ü"`}},
		{name: "ascii windows-1252", in: "user_id,u17\n1,Muller\n", enc: "windows-1252", wantEnc: "windows-1252",
			rows: []string{`2@2 user_id="1" u17="Muller"`}},
		{name: "ascii iso-8859-1", in: "user_id,u17\n1,Muller\n", enc: "iso-8859-1", wantEnc: "iso-8859-1",
			rows: []string{`2@2 user_id="1" u17="Muller"`}},
		{name: "no option", in: "user_id,u17\n1,Müller\n", enc: "", wantEnc: "utf-8",
			rows: []string{`2@2 user_id="1" u17="Müller"`}},
		{name: "BOM", in: "\xef\xbb\xbfuser_id,u17\n1,Müller\n", enc: "windows-1252", wantEnc: "utf-8 with BOM",
			rows: []string{`2@2 user_id="1" u17="Müller"`}},
		// Only the start is looked at: ASCII there, so the option applies.
		{name: "late non-ASCII", in: late, enc: "windows-1252", wantEnc: "windows-1252",
			rows: []string{`2@2 user_id="1" u17="` + strings.Repeat("x", sniffSize) + `"`, `3@3 user_id="2" u17="MÃ¼ller"`}},
		{name: "window ends inside a sequence", in: cut, enc: "windows-1252", wantEnc: "windows-1252",
			rows: []string{`2@2 user_id="1" u17="` + strings.Repeat("x", sniffSize-len("user_id,u17\n1,")-1) + `Ã¼"`}},
	}
	t.Run("mixed after UTF-8 start", func(t *testing.T) {
		t.Parallel()
		// The 0xFC lies past the sniff window; a whole-file sniff would
		// have decoded the file as Windows-1252.
		pad := strings.Repeat("x", sniffSize)
		r, err := OpenCSV("t.csv", strings.NewReader("user_id,u17\n1,Müller"+pad+"\n2,M\xfcller\n"), Options{Encoding: "windows-1252", IsColumn: isColumn, MaxFieldBytes: 2 * sniffSize})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := readAll(t, r)
		if err != nil {
			t.Fatal(err)
		}
		checkRows(t, rows, []string{`2@2 user_id="1" u17="Müller` + pad + `"`, `3@3 user_id="2" u17="M\xfcller"`},
			map[int][]string{3: {"u17: not valid UTF-8 (byte 0xFC at position 2); the start of the file is UTF-8, so --encoding was not applied to it, but this value is not: the file mixes encodings; save it again as \"CSV UTF-8\""}})
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := OpenCSV("t.csv", strings.NewReader(tc.in), Options{Encoding: tc.enc, IsColumn: isColumn})
			if err != nil {
				t.Fatal(err)
			}
			if info := r.Info(); info.Encoding != tc.wantEnc || info.Note != tc.wantNote {
				t.Errorf("encoding, note = %q, %q; want %q, %q", info.Encoding, info.Note, tc.wantEnc, tc.wantNote)
			}
			rows, err := readAll(t, r)
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, rows, tc.rows, nil)
		})
	}
}

func TestLooksUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		whole bool
		want  bool
	}{
		{"", true, false},
		{"Muller", true, false},
		{"Müller", true, true},
		{"M\xfcller", true, false},
		{"M\xc3", true, false},     // the whole file ends inside a sequence
		{"M\xc3", false, false},    // only the cut-off sequence: nothing seen
		{"ü\xe2\x82", false, true}, // € cut off at the end of the window
		{"ü\xe2\x82", true, false},
		{"ü\x82", false, false}, // a stray continuation byte
		{"ü\xfc", false, false},
	}
	for _, tc := range tests {
		if got := looksUTF8([]byte(tc.in), tc.whole); got != tc.want {
			t.Errorf("looksUTF8(%q, %v) = %v, want %v", tc.in, tc.whole, got, tc.want)
		}
	}
}
