package source

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addCaseSeeds seeds a fuzz target with the case files of one kind.
func addCaseSeeds(f *testing.F, ext string) {
	for _, dir := range []string{filepath.Join("testdata", "cases"), sharedCases} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"+ext))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
}

// FuzzCSVReader: no panic; Num strictly increases by one from 2; every row
// starts on a later line than the one before; the reader ends.
func FuzzCSVReader(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a;b\r1;\"x\r\"\"y\"\r", "a\tb\n1\t\"2\n3\"\n", "a,b\n1,x\"y\n2,\"z\n",
		"\xff\xfea\x00,\x00b\x00\n\x00", "\xef\xbb\xbfa\n\n\n1\n", "a,b\n1,\xfc\x00,3\n",
	} {
		f.Add([]byte(s))
	}
	addCaseSeeds(f, ".csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := OpenCSV("f.csv", bytes.NewReader(data), Options{MaxRecordBytes: 256, MaxFieldBytes: 64, IsColumn: isColumn})
		if err != nil {
			return
		}
		prevNum, prevLine := 1, 0
		for {
			row, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return
			}
			// Rows count up by one, or by more over empty lines (one per line skipped).
			if row.Num <= prevNum || row.Num-prevNum > row.Line-prevLine && prevLine > 0 {
				t.Fatalf("row %d at line %d after row %d at line %d", row.Num, row.Line, prevNum, prevLine)
			}
			if row.Line <= prevLine {
				t.Fatalf("row %d at line %d, after line %d", row.Num, row.Line, prevLine)
			}
			if len(row.Fields) > len(r.Info().Header) {
				t.Fatalf("row %d has %d fields for %d columns", row.Num, len(row.Fields), len(r.Info().Header))
			}
			for _, fl := range row.Fields {
				if fl.Line < row.Line {
					t.Fatalf("row %d: field %s on line %d before the row's line %d", row.Num, fl.Key, fl.Line, row.Line)
				}
			}
			if r.Info().Encoding == "utf-8" && !strings.Contains(issues(row), "UTF-8") {
				for _, fl := range row.Fields {
					if !plainText(fl.Value) && strings.IndexByte(fl.Value, 0) < 0 && !validUTF8(fl.Value) {
						t.Fatalf("row %d: value %q not UTF-8 and no issue", row.Num, fl.Value)
					}
				}
			}
			prevNum, prevLine = row.Num, row.Line
		}
	})
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
