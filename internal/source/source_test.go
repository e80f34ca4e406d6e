package source

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sharedCases is the project's shared folder of real-world inputs; the same
// files are copied under testdata/cases so that the tests never depend on it.
const sharedCases = "../../../shared/cases"

// summary renders a row as "num@line key=value ..." for compact comparisons;
// YAML flags are shown as suffixes: 'q' quoted, '~' null, '{}' non-scalar.
func summary(r Row) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(r.Num) + "@" + strconv.Itoa(r.Line))
	for _, f := range r.Fields {
		b.WriteString(" " + f.Key + "=" + strconv.Quote(f.Value))
		switch {
		case f.Quoted:
			b.WriteString("q")
		case f.Null:
			b.WriteString("~")
		case f.NonScalar:
			b.WriteString("{}")
		}
	}
	return b.String()
}

// issues renders the issues of a row as "column: message; ...".
func issues(r Row) string {
	var s []string
	for _, is := range r.Issues {
		s = append(s, is.Column+": "+is.Message)
	}
	return strings.Join(s, "; ")
}

// readAll reads every row, copying the Fields (the reader reuses the slice).
func readAll(t testing.TB, r Reader) ([]Row, error) {
	t.Helper()
	var rows []Row
	for {
		row, err := r.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		row.Fields = append([]Field(nil), row.Fields...)
		rows = append(rows, row)
		if len(rows) > 1e6 {
			t.Fatal("no end to the rows")
		}
	}
}

// isColumn knows the columns of the case files, as package schema will.
func isColumn(name string) bool {
	switch strings.ToLower(name) {
	case "user_id", "u4", "u5", "u15", "u17", "u23", "a7", "a8", "i1", "credit", "tax1_value", "ay", "am", "ad":
		return true
	}
	return false
}

// caseTest is one input file and what the reader must make of it.
type caseTest struct {
	name    string
	file    string // under testdata/cases (and the shared folder)
	opts    Options
	info    Info             // Format, Encoding, Delimiter, Header compared when set
	rows    []string         // summaries, in order
	issues  map[int][]string // row Num -> substrings expected in its issues; rows not listed must have none
	fileErr string           // substring of the expected *FileError (from Open or Next)
	extra   func(*testing.T, []Row)
}

var caseTests = []caseTest{
	{
		// B01: the UTF-8 BOM is dropped and CRLF accepted.
		name: "B01 BOM header", file: "B01-bom-header.csv",
		info: Info{Format: "csv", Encoding: "utf-8 with BOM", Delimiter: ",", Header: []string{"user_id", "u15", "u17", "a8"}},
		rows: []string{
			`2@2 user_id="1001" u15="0" u17="Smith" a8="user1@example.com"`,
			`3@3 user_id="1002" u15="1" u17="Jones" a8="user2@example.com"`,
		},
	},
	{
		// B02: ';' is detected from the header because it splits it into known columns.
		name: "B02 semicolon", file: "B02-semicolon-delimiter.csv",
		info: Info{Format: "csv", Encoding: "utf-8", Delimiter: ";", Header: []string{"user_id", "u4", "u5", "u15", "u17"}},
		rows: []string{
			`2@2 user_id="1011" u4="1" u5="12" u15="0" u17="Becker"`,
			`3@3 user_id="1012" u4="2" u5="14" u15="1" u17="Wagner"`,
		},
	},
	{
		// B03 read as UTF-8: the Windows-1252 bytes are reported, never replaced.
		name: "B03 windows-1252 without --encoding", file: "B03-windows-1252.csv",
		info: Info{Format: "csv", Encoding: "utf-8", Delimiter: ","},
		rows: []string{
			"2@2 user_id=\"1021\" u17=\"M\\xfcller\" u23=\"J\\xfcrgen\"",
			`3@3 user_id="1022" u17="Smith" u23="Anna"`,
			"4@4 user_id=\"1023\" u17=\"Dupont\" u23=\"Ren\\xe9e\"",
		},
		issues: map[int][]string{
			2: {`u17: not valid UTF-8 (byte 0xFC at position 2); the file looks like Windows-1252: save it as "CSV UTF-8" or run with --encoding windows-1252`,
				"u23: not valid UTF-8 (byte 0xFC at position 2)"},
			4: {"u23: not valid UTF-8 (byte 0xE9 at position 4); the file looks like Windows-1252"},
		},
	},
	{
		// B03 with --encoding windows-1252: decoded to UTF-8.
		name: "B03 windows-1252 with --encoding", file: "B03-windows-1252.csv", opts: Options{Encoding: "windows-1252"},
		info: Info{Format: "csv", Encoding: "windows-1252", Delimiter: ","},
		rows: []string{
			`2@2 user_id="1021" u17="Müller" u23="Jürgen"`,
			`3@3 user_id="1022" u17="Smith" u23="Anna"`,
			`4@4 user_id="1023" u17="Dupont" u23="Renée"`,
		},
	},
	{
		// B04: "Unicode Text" from Excel: UTF-16LE with BOM, TAB-separated.
		name: "B04 UTF-16LE TAB", file: "B04-utf16-unicode-text.csv",
		info: Info{Format: "csv", Encoding: "utf-16le with BOM", Delimiter: "\t", Header: []string{"user_id", "u17", "u23", "u15"}},
		rows: []string{
			`2@2 user_id="1031" u17="Nowak" u23="Zofia" u15="0"`,
			`3@3 user_id="1032" u17="Åberg" u23="Linnéa" u15="1"`,
		},
	},
	{
		// B06: a quoted line break makes one row of lines 3-4; row 4 starts on line 5.
		name: "B06 quoted newline", file: "B06-quoted-newline-and-comma.csv",
		rows: []string{
			`2@2 user_id="1051" u17="Smith" u23="Anna, Maria" a8="user51@example.com"`,
			`3@3 user_id="1052" u17="Brown\nJr" u23="Tom" a8="user52@example.com"`,
			`4@5 user_id="1053" u17="Lee" u23="Kim \"KJ\"" a8="user53@example.com"`,
		},
		extra: func(t *testing.T, rows []Row) {
			// The fields after the line break start on line 4.
			if got := rows[1].Fields[2].Line; got != 4 {
				t.Errorf("row 3 u23 line = %d, want 4", got)
			}
			if got := rows[1].Fields[1].Line; got != 3 {
				t.Errorf("row 3 u17 line = %d, want 3", got)
			}
		},
	},
	{
		// B08: ragged rows keep the fields present and say what is missing or extra.
		name: "B08 ragged rows", file: "B08-ragged-rows.csv",
		rows: []string{
			`2@2 user_id="1071" u15="0" u17="Hall" u23="Ben"`,
			`3@3 user_id="1072" u15="1" u17="Ward"`,
			`4@4 user_id="1073" u15="0" u17="King" u23="Eva"`,
			`5@5 user_id="1074" u15="1" u17="Cole" u23="Ida"`,
			`6@6 user_id="" u15="" u17="" u23=""`,
		},
		issues: map[int][]string{
			3: {": 3 fields where the header has 4 (no value for u23)"},
			4: {`: 5 fields where the header has 4 (extra value "extra")`},
		},
	},
	{
		// B18: YAML scalars stay as written; an unquoted Null is flagged, a quoted one is text.
		name: "B18 YAML as text", file: "B18-yaml-norway-bools.yaml",
		info: Info{Format: "yaml", Encoding: "utf-8"},
		rows: []string{
			`1@1 user_id="1171" u17="No" u23="Yes" u15="0"`,
			`2@5 user_id="1172" u15="no"`,
			`3@7 user_id="1173" u15="off"`,
			`4@9 user_id="1174" u15="true"`,
			`5@11 user_id="1175" u17="Null"~`,
			`6@13 user_id="1176" u17="Null"q u15="1"q`,
		},
		extra: func(t *testing.T, rows []Row) {
			if f := rows[5].Fields[2]; f.Line != 15 || f.Col != 3 {
				t.Errorf("item 6 u15 at line %d col %d, want line 15 col 3", f.Line, f.Col)
			}
		},
	},
	{
		// B20: the alias bomb is refused as a whole, before any row.
		name: "B20 alias bomb", file: "B20-yaml-alias-bomb.yaml",
		fileErr: "YAML anchors and aliases are not allowed (the first alias, *a, is at line 4, in item 2): write each item out in full",
	},
}

func runCase(t *testing.T, tc caseTest, path string) {
	t.Helper()
	opts := tc.opts
	opts.IsColumn = isColumn
	start := time.Now()
	r, err := Open(path, opts)
	var rows []Row
	if err == nil {
		info := r.Info()
		if tc.info.Format != "" && info.Format != tc.info.Format {
			t.Errorf("format = %q, want %q", info.Format, tc.info.Format)
		}
		if tc.info.Encoding != "" && info.Encoding != tc.info.Encoding {
			t.Errorf("encoding = %q, want %q", info.Encoding, tc.info.Encoding)
		}
		if tc.info.Delimiter != "" && (info.Delimiter != tc.info.Delimiter || !info.Detected) {
			t.Errorf("delimiter = %q (detected %v), want %q detected", info.Delimiter, info.Detected, tc.info.Delimiter)
		}
		if tc.info.Header != nil && strings.Join(info.Header, "|") != strings.Join(tc.info.Header, "|") {
			t.Errorf("header = %q, want %q", info.Header, tc.info.Header)
		}
		rows, err = readAll(t, r)
		if cerr := r.Close(); cerr != nil {
			t.Errorf("close: %v", cerr)
		}
	}
	checkFileErr(t, err, tc.fileErr)
	if tc.fileErr != "" {
		if len(rows) > 0 {
			t.Errorf("got %d rows before the file error", len(rows))
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %v", d)
		}
		return
	}
	checkRows(t, rows, tc.rows, tc.issues)
	if tc.extra != nil && !t.Failed() {
		tc.extra(t, rows)
	}
}

func checkFileErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v, want a *FileError containing %q", err, want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %q, want it to contain %q", err, want)
	}
}

func checkRows(t *testing.T, rows []Row, want []string, wantIssues map[int][]string) {
	t.Helper()
	for i := 0; i < max(len(rows), len(want)); i++ {
		var got, w string
		if i < len(rows) {
			got = summary(rows[i])
		}
		if i < len(want) {
			w = want[i]
		}
		if got != w {
			t.Errorf("row %d:\n got  %s\n want %s", i, got, w)
		}
	}
	for _, r := range rows {
		is := issues(r)
		subs := wantIssues[r.Num]
		if len(subs) == 0 && is != "" {
			t.Errorf("row %d: unexpected issues: %s", r.Num, is)
		}
		for _, s := range subs {
			if !strings.Contains(is, s) {
				t.Errorf("row %d: issues %q lack %q", r.Num, is, s)
			}
		}
	}
}

// TestCaseFiles reads the case files copied under testdata/cases.
func TestCaseFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range caseTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runCase(t, tc, filepath.Join("testdata", "cases", tc.file))
		})
	}
}

// TestSharedCaseFiles reads the same cases from the shared folder, so that a
// change there is noticed; it is skipped when the folder is absent.
func TestSharedCaseFiles(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(sharedCases); err != nil {
		t.Skipf("no shared cases folder: %v", err)
	}
	for _, tc := range caseTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(sharedCases, tc.file)
			shared, err := os.ReadFile(path)
			if err != nil {
				t.Skipf("case file gone: %v", err)
			}
			if local, _ := os.ReadFile(filepath.Join("testdata", "cases", tc.file)); !bytes.Equal(shared, local) {
				t.Errorf("%s differs from its copy in testdata/cases: copy it again", path)
			}
			runCase(t, tc, path)
		})
	}
}

// TestOpen covers choosing the reader by extension and the errors of Open.
func TestOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		path    string
		opts    Options
		format  string
		wantErr error  // errors.Is target
		errText string // substring
	}{
		// Upper-case extensions are fine.
		{name: "CSV upper case", path: write("a.CSV", "user_id\n1\n"), format: "csv"},
		// .tsv and .txt are CSV too (the delimiter is detected).
		{name: "TSV", path: write("a.tsv", "user_id\tu17\n1\tx\n"), format: "csv"},
		{name: "TXT", path: write("a.txt", "user_id\n1\n"), format: "csv"},
		// .yml is YAML.
		{name: "YML", path: write("a.Yml", "- user_id: 1\n"), format: "yaml"},
		// Other names are refused.
		{name: "xlsx", path: write("a.xlsx", "PK"), wantErr: ErrUnknownFormat, errText: "a.xlsx"},
		// A missing file names the file and wraps the os error.
		{name: "missing", path: filepath.Join(dir, "missing.csv"), wantErr: os.ErrNotExist, errText: "missing.csv"},
		// An unknown --encoding is an error from Open.
		{name: "bad encoding", path: write("b.csv", "user_id\n"), opts: Options{Encoding: "ebcdic"},
			wantErr: ErrUnknownEncoding, errText: "ebcdic"},
		// Encoding names are matched loosely.
		{name: "latin1 alias", path: write("c.csv", "user_id\n"), opts: Options{Encoding: "Latin1"}, format: "csv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := Open(tc.path, tc.opts)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("error = %v, want %v naming %q", err, tc.wantErr, tc.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got := r.Info().Format; got != tc.format {
				t.Errorf("format = %q, want %q", got, tc.format)
			}
		})
	}
}
