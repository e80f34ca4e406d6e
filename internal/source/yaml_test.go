package source

import (
	"bytes"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/text/encoding/unicode"
)

func TestYAMLReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		opts    Options
		rows    []string
		issues  map[int][]string
		fileErr string
	}{
		{
			// Scalars as written: nothing is converted; flags say quoted / null / non-scalar.
			name: "scalars as written",
			in: "- user_id: 0x1F\n  a: yes\n  b: 0o17\n  c: 1_000\n  d: ~\n  e: NULL\n  f:\n  g: \"on\"\n" +
				"  h: [1, 2]\n  i: {x: 1}\n  j: |\n    text\n  k: 007\n  l: !!str 5\n",
			rows: []string{`1@1 user_id="0x1F" a="yes" b="0o17" c="1_000" d="~"~ e="NULL"~ f="" g="on"q h=""{} i=""{} ` +
				`j="text\n"q k="007" l="5"`},
		},
		{
			// Several documents, each a list: item numbers run on across them.
			name: "multi-document lists",
			in:   "# users\n- user_id: 1\n---\n- user_id: 2\n\n  u17: B\n- user_id: 3\n...\n---\n- user_id: 4\n",
			rows: []string{`1@2 user_id="1"`, `2@4 user_id="2" u17="B"`, `3@7 user_id="3"`, `4@10 user_id="4"`},
		},
		{
			// One mapping per document: each document is one item.
			name: "mapping per document",
			in:   "user_id: 1\nu17: A\n---\nuser_id: 2\n",
			rows: []string{`1@1 user_id="1" u17="A"`, `2@4 user_id="2"`},
		},
		{
			// Flow style is parsed whole; lines still point into the file.
			name: "flow style",
			in:   "# list\n[{user_id: 1, u17: A},\n {user_id: 2}]\n",
			rows: []string{`1@2 user_id="1" u17="A"`, `2@3 user_id="2"`},
		},
		{
			// "--- [...]" on the marker line.
			name: "content on the document marker",
			in:   "--- [{user_id: 1}]\n--- \n- user_id: 2\n",
			rows: []string{`1@1 user_id="1"`, `2@3 user_id="2"`},
		},
		{
			// Flow mappings as list items are cut like block items.
			name: "flow items in a block list",
			in:   "- {user_id: 1, u17: A}\n- {user_id: 2}\n",
			rows: []string{`1@1 user_id="1" u17="A"`, `2@2 user_id="2"`},
		},
		{
			// A duplicate key is an Issue on that item only.
			name:   "duplicate key",
			in:     "- user_id: 1\n  u17: A\n  u17: B\n- user_id: 2\n",
			rows:   []string{`1@1 user_id="1" u17="A" u17="B"`, `2@4 user_id="2"`},
			issues: map[int][]string{1: {`u17: key "u17" appears twice in item 1 (lines 2 and 3)`}},
		},
		{
			// Items that are not mappings.
			name: "not a mapping",
			in:   "- user_id: 1\n- 5\n-\n- [a]\n",
			rows: []string{`1@1 user_id="1"`, `2@2`, `3@3`, `4@4`},
			issues: map[int][]string{2: {"item 2 is not a mapping of column: value"}, 3: {"item 3 is not a mapping"},
				4: {"item 4 is not a mapping"}},
		},
		{
			// A syntax error in one item: an Issue with the file's line, then the next item.
			name:   "syntax error isolated",
			in:     "- user_id: 1\n- user_id: 2\n  u17: \"open\n- user_id: 3\n",
			rows:   []string{`1@1 user_id="1"`, `2@2`, `3@4 user_id="3"`},
			issues: map[int][]string{2: {"item 2 cannot be read: line 3: YAML syntax error"}},
		},
		{
			// Bad indentation: a key at column 0 inside a list joins the item before it.
			name:   "key at column 0",
			in:     "- user_id: 1\nu17: x\n- user_id: 2\n",
			rows:   []string{`1@1`, `2@3 user_id="2"`},
			issues: map[int][]string{1: {"item 1 cannot be read"}},
		},
		{
			// A syntax error in a document parsed whole is a file error.
			name: "syntax error in flow document", in: "[{user_id: 1},\n {user_id: 2]\n", fileErr: "YAML syntax error",
		},
		{
			// A non-scalar key.
			name:   "complex key",
			in:     "- ? [a, b]\n  : 1\n  user_id: 2\n",
			rows:   []string{`1@3 user_id="2"`},
			issues: map[int][]string{1: {"item 1: the key at line 1 is not a column name"}},
		},
		{
			// An anchor without alias is refused too.
			name: "anchor only", in: "- user_id: 1\n- user_id: &x 2\n",
			fileErr: "(the first anchor, &x, is at line 2, in item 2)",
		},
		{
			// An alias inside the same item.
			name: "alias in the same item", in: "- user_id: 1\n- a: &x 2\n  b: *x\n",
			fileErr: "(the first alias, *x, is at line 3, in item 2)",
		},
		{
			// An alias in a flow document.
			name: "alias in flow document", in: "[{a: &x 1}, {b: *x}]\n",
			fileErr: "(the first alias, *x, is at line 1, in item 2)",
		},
		{
			// '&' and '*' inside values are not anchors.
			name: "ampersand in text", in: "- u17: Smith & Sons\n  u23: \"*star\"\n",
			rows: []string{`1@1 u17="Smith & Sons" u23="*star"q`},
		},
		{
			// An item over the record limit is an Issue; the next item is read.
			name: "item limit", in: "- u17: " + strings.Repeat("x", 200) + "\n- user_id: 2\n", opts: Options{MaxRecordBytes: 100},
			rows:   []string{`1@1`, `2@2 user_id="2"`},
			issues: map[int][]string{1: {"item 1 is longer than the limit of 100 bytes"}},
		},
		{
			// Empty input, comments only and an empty list: a file error, as
			// for an empty CSV file (a wrong export, not a file of no changes).
			name: "empty", in: "", fileErr: "the file holds no items",
		},
		{
			name: "comments only", in: "# nothing\n---\n# still nothing\n", fileErr: "the file holds no items",
		},
		{
			name: "empty list", in: "[]\n", fileErr: "the file holds no items",
		},
		{
			// Tags other than !!str would change what the text means: refused.
			name: "tags", in: "- u17: !!binary aGVsbG8=\n  u23: !!str Null\n",
			rows:   []string{`1@1 u17="aGVsbG8=" u23="Null"`},
			issues: map[int][]string{1: {"u17: the YAML tag !!binary is not allowed"}},
		},
		{
			// A UTF-8 BOM is dropped; CRLF line ends work.
			name: "BOM and CRLF", in: "\xef\xbb\xbf- user_id: 1\r\n  u17: A\r\n",
			rows: []string{`1@1 user_id="1" u17="A"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := OpenYAML("t.yaml", strings.NewReader(tc.in), tc.opts)
			var rows []Row
			if err == nil {
				rows, err = readAll(t, r)
			}
			checkFileErr(t, err, tc.fileErr)
			checkRows(t, rows, tc.rows, tc.issues)
		})
	}
}

// TestYAMLNotSeekable reads YAML from a reader that cannot rewind.
func TestYAMLNotSeekable(t *testing.T) {
	t.Parallel()
	in, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte("- user_id: 1\n- user_id: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := OpenYAML("t.yaml", iotest.OneByteReader(bytes.NewReader(in)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Info().Encoding; got != "utf-16le with BOM" {
		t.Errorf("encoding = %q", got)
	}
	rows, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rows, []string{`1@1 user_id="1"`, `2@2 user_id="2"`}, nil)
}

// TestYAMLBigAliasBomb: a much deeper bomb than B20 is refused quickly and
// in little memory, as the aliases are never expanded.
func TestYAMLBigAliasBomb(t *testing.T) {
	// Not parallel: it measures allocations, which are counted process-wide.
	var b strings.Builder
	b.WriteString("- u17: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 40; i++ {
		prev := "*a" + strconv.Itoa(i-1)
		b.WriteString("- u17: &a" + strconv.Itoa(i) + " [" + strings.Repeat(prev+",", 9) + prev + "]\n")
	}
	for _, flow := range []bool{false, true} {
		in := b.String()
		if flow {
			in = "[" + strings.ReplaceAll(strings.TrimSuffix(strings.ReplaceAll(in, "- u17:", "{u17:"), "\n"), "]\n", "]},\n") + "}]\n"
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := OpenYAML("bomb.yaml", strings.NewReader(in), Options{})
		runtime.ReadMemStats(&after)
		checkFileErr(t, err, "(the first alias, *a0, is at line 2, in item 2)")
		if d := time.Since(start); d > time.Second {
			t.Errorf("flow=%v: took %v", flow, d)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 50<<20 {
			t.Errorf("flow=%v: allocated %d bytes", flow, alloc)
		}
	}
}

// TestYAMLLongItemBoundedMemory: a huge item costs bounded memory.
func TestYAMLLongItemBoundedMemory(t *testing.T) {
	t.Parallel()
	in := "- u17: " + strings.Repeat("x", 8<<20) + "\n- user_id: 2\n"
	r, err := OpenYAML("t.yaml", strings.NewReader(in), Options{MaxRecordBytes: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(t, r)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, rows, []string{"1@1", `2@2 user_id="2"`}, map[int][]string{1: {"item 1 is longer than the limit"}})
}

// FuzzYAMLReader: no panic, item numbers strictly increase by one, every
// row has a line, and the reader ends.
func FuzzYAMLReader(f *testing.F) {
	for _, s := range []string{
		"- user_id: 1\n  u17: x\n", "user_id: 1\n---\n- a: b\n", "[{a: 1}, {b: &x 2}]", "- a: *x\n",
		"--- [1]\n...\n- : \n  ? [a]\n  : b\n", "- a: |\n    x\n- b: 'y'\n",
	} {
		f.Add([]byte(s))
	}
	addCaseSeeds(f, ".yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := OpenYAML("f.yaml", bytes.NewReader(data), Options{MaxRecordBytes: 4096})
		if err != nil {
			return
		}
		prev := 0
		for {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return
			}
			if row.Num != prev+1 {
				t.Fatalf("row %d after %d", row.Num, prev)
			}
			if row.Line < 1 || row.Line > lineBreaks(data)+1 {
				t.Fatalf("row %d at line %d", row.Num, row.Line)
			}
			prev = row.Num
		}
	})
}

// lineBreaks counts the line ends yaml.v3 knows: LF, CRLF, lone CR, and
// NEL, LS and PS (YAML 1.1), which it counts in its line numbers too.
func lineBreaks(b []byte) int {
	n := bytes.Count(b, []byte("\n")) + bytes.Count(b, []byte("\r")) - bytes.Count(b, []byte("\r\n"))
	for _, s := range []string{"\u0085", "\u2028", "\u2029"} {
		n += bytes.Count(b, []byte(s))
	}
	return n
}

// TestYAMLForcedEncodingOnUTF8: a UTF-8 YAML file is not decoded as the
// forced 8-bit encoding; a real Windows-1252 one is.
func TestYAMLForcedEncodingOnUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, enc, wantEnc, wantNote string
	}{
		{"utf-8", "- u17: Müller\n", "windows-1252", "utf-8",
			"the file is valid UTF-8, so --encoding windows-1252 was not applied to it"},
		{"windows-1252", "- u17: M\xfcller\n", "windows-1252", "windows-1252", ""},
		{"iso-8859-1", "- u17: M\xfcller\n", "iso-8859-1", "iso-8859-1", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, in := range []io.Reader{strings.NewReader(tc.in), iotest.OneByteReader(strings.NewReader(tc.in))} {
				r, err := OpenYAML("t.yaml", in, Options{Encoding: tc.enc})
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
				checkRows(t, rows, []string{`1@1 u17="Müller"`}, nil)
			}
		})
	}
}
