package report

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFailedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "failed.csv")
	fw, err := CreateFailed(path, []string{"user_id", "u17", "credit"})
	if err != nil {
		t.Fatal(err)
	}
	recs := goldenRecords()
	recs = append(recs, Record{Status: StatusFailed, Input: []KV{{"user_id", "9"}, {"u17", "=cmd"}, {"credit", "-3"}}})
	for i := range recs {
		if err := fw.Write(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	if fw.N != 3 {
		t.Errorf("N = %d, want 3 (the invalid and the two failed rows)", fw.N)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"user_id", "u17", "credit"},  // the input's header, no result columns
		{"1002", "Two\nLines", "0,5"}, // the invalid row, cells as read
		{"1005", "'-Smith", ""},       // the failed row: protected from formulas
		{"9", "'=cmd", "-3"},          // a plain negative number is left alone
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %q", rows)
	}
	for i := range want {
		for j := range want[i] {
			if rows[i][j] != want[i][j] {
				t.Errorf("row %d col %d: %q, want %q", i, j, rows[i][j], want[i][j])
			}
		}
	}

	if _, err := CreateFailed(filepath.Join(dir, "failed.jsonl"), nil); err == nil {
		t.Error("a failed-rows file not named .csv was accepted")
	}
}

// TestCellsPastTheHeader: cells with no column (a row's values past the
// header, or the text of a row that could not be parsed) follow the input
// columns in the failed-rows file and the CSV report, so the row comes back
// whole and stays invalid when fed back unfixed.
func TestCellsPastTheHeader(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cols := []string{"user_id", "u17", "credit"}
	rec := Record{File: "in.csv", Row: 2, Line: 2, Status: StatusInvalid, UserID: "1003",
		Input: []KV{{"user_id", "1003"}, {"u17", "Lee"}, {"credit", "1"}, {"", "5"}, {"", "=x"}}}
	fw, err := CreateFailed(filepath.Join(dir, "failed.csv"), cols)
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(&rec); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	var rep bytes.Buffer
	cw, err := NewCSV(&rep, cols, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := cw.Write(&rec); err != nil {
		t.Fatal(err)
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	failed, err := os.ReadFile(filepath.Join(dir, "failed.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, got, want string
	}{
		{"failed-rows file", strings.Split(string(failed), "\n")[1], "1003,Lee,1,5,'=x"},
		{"CSV report", strings.Split(rep.String(), "\n")[1], "in.csv,2,2,invalid,1003,,,1003,Lee,1,5,'=x"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: row %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
