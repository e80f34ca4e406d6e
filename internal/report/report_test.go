package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestNeutralise(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"=SUM(A1)", "'=SUM(A1)"},                             // a formula
		{"+SUM(A1)", "'+SUM(A1)"},                             // a formula with +
		{"-SUM(A1)", "'-SUM(A1)"},                             // a formula with -
		{"@SUM(A1)", "'@SUM(A1)"},                             // a Lotus-style function
		{"\tcmd", "'\tcmd"},                                   // a leading TAB
		{"\rcmd", "'\rcmd"},                                   // a leading CR
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"}, // the classic DDE payload
		{"+49 30 123", "'+49 30 123"},                         // a phone number with a space is not a plain number
		{"-", "'-"},                                           // a sign alone
		{"+", "'+"},                                           // a plus alone
		{"-.", "-."},                                          // a sign and a lone point pass as a number: harmless, no formula
		{"-12.5", "-12.5"},                                    // a plain negative number stays a number
		{"+3", "'+3"},                                         // a leading plus: a spreadsheet would drop it
		{"+37060000001", "'+37060000001"},                     // a phone number would come back as 37060000001
		{"-0", "-0"},                                          // negative zero
		{"-.5", "-.5"},                                        // a number with no leading digit
		{"-1.2.3", "'-1.2.3"},                                 // two points: not a number
		{"-1e5", "'-1e5"},                                     // an exponent is not a plain number
		{"12.5", "12.5"},                                      // no sign, nothing to do
		{"Smith", "Smith"},                                    // text
		{"", ""},                                              // empty
		{"a=b", "a=b"},                                        // = later in the text
		{"'=x", "'=x"},                                        // already protected text starts with '
		{" =x", " =x"},                                        // a leading space is not a trigger
		{"\n=x", "\n=x"},                                      // nor a leading LF
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := Neutralise(tc.in); got != tc.want {
				t.Errorf("Neutralise(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestCSVNeutralisesEveryColumn: result columns (errors quoting a value)
// are protected as well as the input cells.
func TestCSVNeutralisesEveryColumn(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w, err := NewCSV(&buf, []string{"u17"}, false)
	if err != nil {
		t.Fatal(err)
	}
	r := &Record{File: "=evil.csv", Row: 2, Line: 2, Status: StatusInvalid, UserID: "-1",
		Warnings: []Issue{{Message: "@warn"}}, Input: []KV{{"u17", "+x"}, {"unknown", "=dropped"}}}
	if err := w.Write(r); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	if got, want := lines[1], "'=evil.csv,2,2,invalid,-1,,'@warn,'+x"; got != want {
		t.Errorf("row %q, want %q", got, want)
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path string // under a temporary folder
		err  error  // wanted error, nil for success
	}{
		{"jsonl", "r.jsonl", nil},                   // JSONL by extension
		{"csv", "r.csv", nil},                       // CSV by extension
		{"upper case", "R.JSONL", nil},              // the extension in any case
		{"nested folder", "a/b/c/r.csv", nil},       // missing folders are created
		{"unknown extension", "r.txt", ErrFormat},   // no such format
		{"no extension", "report", ErrFormat},       // no extension at all
		{"json is not jsonl", "r.json", ErrFormat},  // close, but not a format we write
		{"html not yet", "r.html", ErrFormat},       // not (yet) a format
		{"double extension", "r.csv.gz", ErrFormat}, // compressed reports are not written
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), tc.path)
			w, err := Create(path, Options{Columns: []string{"user_id"}})
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				if !strings.Contains(err.Error(), tc.path) {
					t.Errorf("error %q does not name the file", err)
				}
				if _, serr := os.Stat(path); !os.IsNotExist(serr) {
					t.Errorf("a file was created for a refused format")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(&Record{File: "in.csv", Row: 2, Line: 2, Status: StatusValid, UserID: "1"}); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600: reports hold customer data", st.Mode().Perm())
			}
			if st.Size() == 0 {
				t.Error("empty report")
			}
		})
	}
}

func TestCreateAppend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		ext    string
		append bool
		lines  int // lines after two runs of one record each
	}{
		{"jsonl append", ".jsonl", true, 2},     // a journal keeps the first run's records
		{"jsonl truncate", ".jsonl", false, 1},  // without Append the file starts over
		{"csv truncate", ".csv", false, 2},      // header + one record
		{"csv ignores append", ".csv", true, 2}, // a CSV report always starts over (one header)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "r"+tc.ext)
			for run := 1; run <= 2; run++ {
				w, err := Create(path, Options{Append: tc.append, Columns: []string{"user_id"}})
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Write(&Record{File: "in.csv", Row: run + 1, Status: StatusValid, Run: run}); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(b), "\n"); n != tc.lines {
				t.Errorf("%d lines, want %d:\n%s", n, tc.lines, b)
			}
		})
	}
}

// TestCreateTruncates: an existing report is started over.
func TestCreateTruncates(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "r.jsonl")
	if err := os.WriteFile(path, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if len(b) != 0 {
		t.Errorf("not truncated: %q", b)
	}
}

// TestCreateFolderIsFile: a report path under a file is an error, not a panic.
func TestCreateFolderIsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(filepath.Join(dir, "f", "r.csv"), Options{}); err == nil {
		t.Fatal("no error for a folder that is a file")
	}
}

// failWriter fails every Write, and records Close.
type failWriter struct {
	err    error
	closed bool
}

func (f *failWriter) Write(*Record) error { return f.err }
func (f *failWriter) Close() error        { f.closed = true; return f.err }

func TestMulti(t *testing.T) {
	t.Parallel()
	var jb, cb bytes.Buffer
	c, err := NewCSV(&cb, []string{"u17"}, false)
	if err != nil {
		t.Fatal(err)
	}
	m := Multi{NewJSONL(&jb), c}
	recs := goldenRecords()
	for i := range recs {
		if err := m.Write(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(jb.String(), "\n"); n != len(recs) {
		t.Errorf("JSONL has %d lines, want %d", n, len(recs))
	}
	if !strings.Contains(cb.String(), "not_sent") || !strings.HasPrefix(cb.String(), "_file,") {
		t.Errorf("CSV did not get every record:\n%s", cb.String())
	}

	// The first error is returned, and every writer is still closed.
	e1, e2 := errors.New("one"), errors.New("two")
	a, b := &failWriter{err: e1}, &failWriter{err: e2}
	m = Multi{a, b}
	if err := m.Write(&recs[0]); !errors.Is(err, e1) {
		t.Errorf("Write: %v, want %v", err, e1)
	}
	if err := m.Close(); !errors.Is(err, e1) || !a.closed || !b.closed {
		t.Errorf("Close: %v, closed %v %v", err, a.closed, b.closed)
	}
	if err := (Multi{}).Close(); err != nil {
		t.Errorf("empty Multi: %v", err)
	}
}

func TestJSONLFlushEvery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		every int
		after []int // bytes visible (in lines) after each of 4 writes
	}{
		{"default flushes every record", 0, []int{1, 2, 3, 4}}, // 0 means 1
		{"every record", 1, []int{1, 2, 3, 4}},                 // journals
		{"every 3", 3, []int{0, 0, 3, 3}},                      // bulk validation
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			j := NewJSONL(&buf)
			j.FlushEvery = tc.every
			for i, want := range tc.after {
				if err := j.Write(&Record{Row: i + 2, Status: StatusValid}); err != nil {
					t.Fatal(err)
				}
				if got := strings.Count(buf.String(), "\n"); got != want {
					t.Errorf("after write %d: %d lines visible, want %d", i+1, got, want)
				}
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(buf.String(), "\n"); got != 4 {
				t.Errorf("after Close: %d lines", got)
			}
		})
	}
}

// errWriter fails every write.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	if err := NewJSONL(errWriter{}).Write(&Record{}); err == nil {
		t.Error("JSONL: no error from a failing writer")
	}
	c, err := NewCSV(errWriter{}, []string{"u17"}, false)
	if err != nil {
		t.Fatal(err) // the header is buffered
	}
	if err := c.Write(&Record{}); err != nil {
		t.Fatal(err) // so is the record
	}
	if err := c.Close(); err == nil {
		t.Error("CSV: no error from a failing writer on Close")
	}
}

// TestAppendString: every control character, invalid UTF-8 and the JS line
// separators produce valid JSON that decodes to what encoding/json makes of
// the same string.
func TestAppendString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		raw  string // the exact encoding, when it matters
	}{
		{name: "empty", in: "", raw: `""`},                             // nothing
		{name: "plain", in: "Smith", raw: `"Smith"`},                   // nothing to escape
		{name: "quote and backslash", in: `a"b\c`, raw: `"a\"b\\c"`},   // the two JSON escapes
		{name: "newline", in: "a\nb", raw: `"a\nb"`},                   // short escape
		{name: "CR", in: "a\rb", raw: `"a\rb"`},                        // short escape
		{name: "tab", in: "a\tb", raw: `"a\tb"`},                       // short escape
		{name: "NUL", in: "a\x00b", raw: `"a\u0000b"`},                 // long escape
		{name: "unit separator", in: "\x1f", raw: `"\u001f"`},          // the last control character
		{name: "DEL", in: "\x7f", raw: "\"\x7f\""},                     // DEL is allowed raw in JSON
		{name: "HTML", in: "<a>&", raw: `"\u003ca\u003e\u0026"`},       // escaped like encoding/json
		{name: "invalid byte", in: "M\xfcller", raw: `"M\ufffdller"`},  // Windows-1252 ü
		{name: "truncated rune", in: "a\xc3", raw: `"a\ufffd"`},        // a cut multibyte sequence
		{name: "two bad bytes", in: "\xff\xfe", raw: `"\ufffd\ufffd"`}, // one replacement per byte
		{name: "surrogate", in: "\xed\xa0\x80"},                        // an encoded UTF-16 surrogate is invalid UTF-8
		{name: "overlong", in: "\xc0\xaf"},                             // an overlong '/'
		{name: "line separator", in: "a\u2028b", raw: `"a\u2028b"`},    // breaks JavaScript parsers
		{name: "paragraph separator", in: "a\u2029b", raw: `"a\u2029b"`},
		{name: "replacement char", in: "\ufffd", raw: "\"\ufffd\""}, // a real U+FFFD stays as it is
		{name: "unicode", in: "Zoë 😀 日本", raw: "\"Zoë 😀 日本\""},      // multibyte passes through
		{name: "NEL", in: "a\u0085b", raw: "\"a\u0085b\""},          // C1 controls are valid JSON raw
	}
	for c := 0; c < 0x20; c++ {
		// Every C0 control character.
		tests = append(tests, struct {
			name string
			in   string
			raw  string
		}{name: "control " + string(rune('@'+c)), in: "x" + string(rune(c)) + "y"})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := appendString([]byte("prefix"), tc.in)
			if !bytes.HasPrefix(got, []byte("prefix")) {
				t.Fatalf("prefix lost: %q", got)
			}
			got = got[len("prefix"):]
			checkJSONString(t, tc.in, got)
			if tc.raw != "" && string(got) != tc.raw {
				t.Errorf("appendString(%q) = %s, want %s", tc.in, got, tc.raw)
			}
		})
	}
}

// checkJSONString checks that enc is valid JSON and means what encoding/json
// means by s.
func checkJSONString(t *testing.T, s string, enc []byte) {
	t.Helper()
	if !json.Valid(enc) || !utf8.Valid(enc) {
		t.Fatalf("not valid JSON: %q", enc)
	}
	if bytes.ContainsAny(enc, "\u2028\u2029") {
		t.Errorf("raw U+2028/U+2029 in %q", enc)
	}
	for _, c := range enc {
		if c < 0x20 {
			t.Fatalf("raw control byte %#x in %q", c, enc)
		}
	}
	var got string
	if err := json.Unmarshal(enc, &got); err != nil {
		t.Fatal(err)
	}
	std, _ := json.Marshal(s)
	var want string
	if err := json.Unmarshal(std, &want); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("decodes to %q, encoding/json gives %q", got, want)
	}
	if utf8.ValidString(s) && got != s {
		t.Errorf("valid UTF-8 %q decodes to %q", s, got)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\x00\x1f\x7f", "\xff", "\u2028\u2029", "<&>", "Zoë\xc3", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkJSONString(t, s, appendString(nil, s))
	})
}

func TestSummary(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		recs []Record
		el   time.Duration
		want string
	}{
		{
			// No rows at all.
			name: "empty", el: time.Second,
			want: "validated 0 rows in 1s: no rows\n",
		},
		{
			// Statuses in the order of Statuses, file_error spelt with a space.
			name: "validate",
			recs: []Record{{Status: StatusInvalid}, {Status: StatusValid}, {Status: StatusValid}, {Status: StatusFileError}, {Status: StatusSkipped}},
			el:   1500 * time.Millisecond,
			want: "validated 5 rows in 1.5s: 2 valid, 1 skipped, 1 invalid, 1 file error\n",
		},
		{
			// Sent rows add the rate line.
			name: "apply",
			recs: []Record{{Status: StatusUpdated, Attempts: 1}, {Status: StatusFailed, Attempts: 3}, {Status: StatusNotSent}, {Status: StatusUpdated, Attempts: 2}},
			el:   2 * time.Second,
			want: "validated 4 rows in 2s: 2 updated, 1 failed, 1 not sent\nrequests: 3 rows sent, 1.5 rows/s achieved\n",
		},
		{
			// No rate line when no time has passed.
			name: "instant",
			recs: []Record{{Status: StatusUpdated, Attempts: 1}},
			want: "validated 1 rows in 0s: 1 updated\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewSummary(start)
			for i := range tc.recs {
				s.Add(&tc.recs[i])
			}
			s.Ended = start.Add(tc.el)
			if s.Total != len(tc.recs) {
				t.Errorf("Total %d", s.Total)
			}
			var b strings.Builder
			s.Print(&b, "validated")
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}

// TestStatuses: every status constant is listed once in Statuses.
func TestStatuses(t *testing.T) {
	t.Parallel()
	all := []string{StatusValid, StatusInvalid, StatusSkipped, StatusFileError, StatusUpdated, StatusFailed, StatusNotSent}
	seen := map[string]bool{}
	for _, s := range Statuses {
		if seen[s] {
			t.Errorf("%s twice", s)
		}
		seen[s] = true
	}
	for _, s := range all {
		if !seen[s] {
			t.Errorf("%s missing from Statuses", s)
		}
	}
	if len(Statuses) != len(all) {
		t.Errorf("Statuses has %d entries, want %d", len(Statuses), len(all))
	}
}

func TestMasked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key, val, want string
	}{
		{"pswd", "secret", "********"},     // the code
		{"password", "secret", "********"}, // the alias
		{"pswd", "", "********"},           // even empty, so its length is not told
		{"u17", "secret", "secret"},        // anything else is shown
	}
	for _, tc := range tests {
		if got := masked(tc.key, tc.val); got != tc.want {
			t.Errorf("masked(%q, %q) = %q, want %q", tc.key, tc.val, got, tc.want)
		}
	}
}

// TestCSVColumnsPerFile: rows of files with different headers land in the
// right report columns, and a password is masked wherever its column is,
// also when the same header repeats over many rows.
func TestCSVColumnsPerFile(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w, err := NewCSV(&buf, []string{"user_id", "u17", "PSWD", "Last_Name"}, false)
	if err != nil {
		t.Fatal(err)
	}
	recs := []Record{
		{File: "a.csv", Row: 2, Status: StatusValid, Input: []KV{{"user_id", "1"}, {"u17", "A1"}, {"PSWD", "pw-a1"}}},
		{File: "a.csv", Row: 3, Status: StatusValid, Input: []KV{{"user_id", "2"}, {"u17", "A2"}, {"PSWD", "pw-a2"}}},
		{File: "b.csv", Row: 2, Status: StatusValid, Input: []KV{{"Last_Name", "B1"}, {"user_id", "3"}}},
		{File: "b.csv", Row: 3, Status: StatusValid, Input: []KV{{"Last_Name", "B2"}, {"user_id", "4"}, {"extra", "x"}}},
		{File: "a.csv", Row: 4, Status: StatusValid, Input: []KV{{"user_id", "5"}, {"u17", "A3"}, {"PSWD", "pw-a3"}}},
	}
	for i := range recs {
		if err := w.Write(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"1", "A1", "********", ""},
		{"2", "A2", "********", ""},
		{"3", "", "", "B1"},
		{"4", "", "", "B2"},
		{"5", "A3", "********", ""},
	}
	for i, w := range want {
		got := rows[i+1][len(rows[i+1])-4:]
		if !slices.Equal(got, w) {
			t.Errorf("row %d: input columns %q, want %q", i+1, got, w)
		}
	}
}

// BenchmarkAppendJSON encodes the journal line of a typical valid row of
// twelve parameters (bench/gencsv's columns).
func BenchmarkAppendJSON(b *testing.B) {
	r := Record{File: "/tmp/in.csv", Row: 1002, Line: 1002, Status: StatusValid, UserID: "101001",
		Params: []KV{{"user_id", "101001"}, {"u4", "2"}, {"u5", "2"}, {"u15", "1"}, {"u17", "Müller"}, {"u23", "Anna"},
			{"u25", "1"}, {"tax1_value", "1.5"}, {"credit", "1.01"}, {"a1", "Vilnius"}, {"a7", "+37060001001"}, {"a8", "user101001@example.com"}}}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendJSON(buf[:0], &r)
	}
	b.SetBytes(int64(len(buf)))
}
