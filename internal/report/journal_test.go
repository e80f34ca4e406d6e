package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// jtRecords are journal records: row 3 appears twice, failed then updated,
// and a second file has a row of its own.
func jtRecords() []*Record {
	return []*Record{
		{File: "a.csv", Row: 2, Line: 2, Status: StatusUpdated, UserID: "1001", Params: []KV{{"user_id", "1001"}, {"u17", "Smith"}}, Run: 1, Attempts: 1, HTTPStatus: 200},
		{File: "a.csv", Row: 3, Line: 3, Status: StatusFailed, UserID: "1002", Errors: []Issue{{Message: "timeout after 30s"}}, Run: 1, Attempts: 4},
		{File: "a.csv", Row: 4, Line: 5, Status: StatusInvalid, UserID: "x", Errors: []Issue{{Column: "user_id", Message: "not a number"}}, Run: 1},
		{File: "b.yaml", Row: 1, Line: 1, Status: StatusNotSent, UserID: "7", Reason: "not sent: --limit 1 reached", Run: 1},
		{File: "a.csv", Row: 3, Line: 3, Status: StatusUpdated, UserID: "1002", Params: []KV{{"user_id", "1002"}, {"pswd", "hunter22"}}, Run: 2, Attempts: 1, HTTPStatus: 200},
	}
}

// jtJournal encodes records as a journal and returns it with the offset
// where each line starts.
func jtJournal(recs []*Record) (b []byte, starts []int) {
	for _, r := range recs {
		starts = append(starts, len(b))
		b = AppendJSON(b, r)
		b = append(b, '\n')
	}
	return b, starts
}

func jtWrite(t *testing.T, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "j.jsonl")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// jtEntries lists every latest entry as "file#row=status/run".
func jtEntries(j *Journal) map[string]Entry {
	m := map[string]Entry{}
	j.Rows(func(file string, row int, e Entry) { m[file+"#"+strconv.Itoa(row)] = e })
	return m
}

func TestReadJournal(t *testing.T) {
	t.Parallel()
	full, starts := jtJournal(jtRecords())
	last := starts[len(starts)-1]
	complete := map[string]Entry{
		"a.csv#2": {StatusUpdated, 1}, "a.csv#3": {StatusUpdated, 2}, "a.csv#4": {StatusInvalid, 1}, "b.yaml#1": {StatusNotSent, 1},
	}
	withoutLast := map[string]Entry{
		"a.csv#2": {StatusUpdated, 1}, "a.csv#3": {StatusFailed, 1}, "a.csv#4": {StatusInvalid, 1}, "b.yaml#1": {StatusNotSent, 1},
	}
	damaged := bytes.Clone(full)
	copy(damaged[starts[1]:], `{"file":"a.csv","row":3,"li`+"\n") // a line cut short in the middle of the journal
	for _, c := range []struct {
		name    string
		data    []byte
		lines   int
		torn    bool
		valid   int
		entries map[string]Entry
		err     string // part of the error, "" = none
	}{
		// every line whole: duplicates keep the latest (row 3: failed in run 1, then updated in run 2)
		{"complete", full, 5, false, len(full), complete, ""},
		// an empty journal: a run killed before its first record
		{"empty", nil, 0, false, 0, map[string]Entry{}, ""},
		// a CRLF line end (an editor saved it) is still a whole line
		{"crlf", bytes.Replace(full, []byte("\n"), []byte("\r\n"), 1), 5, false, len(full) + 1, complete, ""},
		// a last line that is whole but is not JSON is a torn write too
		{"garbage last line", append(full[:last:last], "#%&\n"...), 4, true, last, withoutLast, ""},
		// an empty last line
		{"blank last line", append(bytes.Clone(full), '\n'), 5, true, len(full), complete, ""},
		// a damaged line with more after it is not a torn tail: an error that names the line
		{"damaged middle line", damaged, 0, false, 0, nil, "line 2 is damaged"},
		// a blank line in the middle
		{"blank middle line", append(append(full[:starts[1]:starts[1]], '\n'), full[starts[1]:]...), 0, false, 0, nil, "line 2 is damaged"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			j, err := ReadJournal(jtWrite(t, c.data))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want one saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if j.Lines != c.lines || j.Torn != c.torn || j.Valid != int64(c.valid) {
				t.Errorf("Lines %d Torn %v Valid %d, want %d %v %d", j.Lines, j.Torn, j.Valid, c.lines, c.torn, c.valid)
			}
			if got := jtEntries(j); !reflect.DeepEqual(got, c.entries) {
				t.Errorf("entries %v, want %v", got, c.entries)
			}
		})
	}
}

// TestReadJournalTornAtEveryByte cuts the last line at every byte: the
// records before it are all there, the cut one is not, and Valid is where
// it started, which is where resume truncates.
func TestReadJournalTornAtEveryByte(t *testing.T) {
	t.Parallel()
	full, starts := jtJournal(jtRecords())
	last := starts[len(starts)-1]
	dir := t.TempDir()
	for cut := last; cut <= len(full); cut++ {
		p := filepath.Join(dir, "j.jsonl")
		if err := os.WriteFile(p, full[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := ReadJournal(p)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		wantTorn, wantLines, wantValid, wantRow3 := cut > last && cut < len(full), 4, last, Entry{StatusFailed, 1}
		if cut == len(full) {
			wantLines, wantValid, wantRow3 = 5, len(full), Entry{StatusUpdated, 2}
		}
		if j.Torn != wantTorn || j.Lines != wantLines || j.Valid != int64(wantValid) {
			t.Fatalf("cut at %d of %d: Torn %v Lines %d Valid %d, want %v %d %d", cut, len(full), j.Torn, j.Lines, j.Valid, wantTorn, wantLines, wantValid)
		}
		if e, _ := j.Latest("a.csv", 3); e != wantRow3 {
			t.Fatalf("cut at %d: row 3 is %+v, want %+v", cut, e, wantRow3)
		}
		if _, ok := j.Latest("a.csv", 99); ok {
			t.Fatal("an unknown row has an entry")
		}
	}
}

func TestReadJournalMissing(t *testing.T) {
	t.Parallel()
	_, err := ReadJournal(filepath.Join(t.TempDir(), "none.jsonl"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err %v, want one wrapping os.ErrNotExist", err)
	}
}

func TestRunsRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	journal := filepath.Join(dir, "j.jsonl")
	if runs, err := ReadRuns(journal); err != nil || runs != nil {
		t.Fatalf("no runs file: %v %v, want nil nil", runs, err)
	}
	started := time.Date(2026, 3, 1, 9, 30, 0, 123, time.FixedZone("CET", 3600))
	runs := []RunInfo{
		{Run: 1, Started: started, Target: "https://billing.example.com/billing",
			Files:    []Fingerprint{{Path: "a.csv", Size: 10, SHA256: strings.Repeat("ab", 32)}, {Path: "b.yaml", Size: 0, SHA256: strings.Repeat("0", 64)}},
			Settings: map[string]string{"workers": "4", "rate": "5"}},
		{Run: 2, Started: started.Add(time.Hour), Target: "simulator", Files: []Fingerprint{{Path: "a.csv", Size: 10, SHA256: strings.Repeat("ab", 32)}}},
	}
	// A temporary file left by a kill, readable by all: it must not survive, nor give its mode.
	if err := os.WriteFile(RunsPath(journal)+".tmp", []byte("[{\"run\": 9"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range runs {
		if err := WriteRuns(journal, runs[:i+1]); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(RunsPath(journal)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("after %d runs: runs file mode %v (%v), want 0600", i+1, st.Mode().Perm(), err)
		}
		got, err := ReadRuns(journal)
		if err != nil {
			t.Fatal(err)
		}
		for k := range got { // the zone's name does not survive JSON, the instant does
			if !got[k].Started.Equal(runs[k].Started) {
				t.Errorf("run %d started %v, want %v", k+1, got[k].Started, runs[k].Started)
			}
			got[k].Started = runs[k].Started
		}
		if !reflect.DeepEqual(got, runs[:i+1]) {
			t.Errorf("after %d runs: read %+v, want %+v", i+1, got, runs[:i+1])
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != filepath.Base(RunsPath(journal)) {
		t.Errorf("files beside the journal: %v, want the runs file alone", entries)
	}
}

// TestWriteRunsAtomic: a write that fails leaves the previous runs file as
// it was, and no temporary file.
func TestWriteRunsAtomic(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		block func(journal string) // makes the write fail
	}{
		// the temporary file cannot be created
		{"tmp is a folder", func(j string) { os.MkdirAll(filepath.Join(RunsPath(j)+".tmp", "x"), 0o755) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			journal := filepath.Join(t.TempDir(), "j.jsonl")
			old := []RunInfo{{Run: 1, Target: "old"}}
			if err := WriteRuns(journal, old); err != nil {
				t.Fatal(err)
			}
			c.block(journal)
			if err := WriteRuns(journal, append(old, RunInfo{Run: 2, Target: "new"})); err == nil {
				t.Fatal("WriteRuns succeeded; the test did not block it")
			}
			got, err := ReadRuns(journal)
			if err != nil || !reflect.DeepEqual(got, old) {
				t.Errorf("after a failed write: %+v %v, want the old runs", got, err)
			}
		})
	}
	// A runs file that is not JSON is an error naming it, not an empty list.
	journal := filepath.Join(t.TempDir(), "j.jsonl")
	os.WriteFile(RunsPath(journal), []byte("[{\"run\": 1,"), 0o600)
	if _, err := ReadRuns(journal); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged runs file: err %v", err)
	}
}

func TestFingerprintFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"small", []byte("user_id,u17\n1001,Smith\n")},
		{"larger than a copy buffer", bytes.Repeat([]byte("0123456789abcdef"), 1<<14)},
	} {
		p := filepath.Join(dir, c.name+".csv")
		if err := os.WriteFile(p, c.data, 0o600); err != nil {
			t.Fatal(err)
		}
		fp, err := FingerprintFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(c.data)
		if want := (Fingerprint{Path: p, Size: int64(len(c.data)), SHA256: hex.EncodeToString(sum[:])}); fp != want {
			t.Errorf("%s: %+v, want %+v", c.name, fp, want)
		}
	}
	// One byte changed, same size: another fingerprint.
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	os.WriteFile(a, []byte("1001,Smith\n"), 0o600)
	os.WriteFile(b, []byte("1001,Smyth\n"), 0o600)
	fa, _ := FingerprintFile(a)
	fb, _ := FingerprintFile(b)
	if fa.Size != fb.Size || fa.SHA256 == fb.SHA256 {
		t.Errorf("same size, one byte apart: %+v %+v", fa, fb)
	}
	if _, err := FingerprintFile(filepath.Join(dir, "none.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err %v, want os.ErrNotExist", err)
	}
}

// FuzzReadJournal: any bytes give an index or an error, never a panic; Valid
// is a prefix of the input; a torn journal read again up to Valid is whole
// and has the same records, which is what resume relies on when it truncates.
func FuzzReadJournal(f *testing.F) {
	full, starts := jtJournal(jtRecords())
	f.Add(full)
	f.Add(full[:starts[len(starts)-1]+7])
	f.Add([]byte{})
	f.Add([]byte("\n"))
	f.Add([]byte("{}\n{\"row\":\"x\"}\n"))
	f.Add([]byte("null\n[1]\n"))
	f.Add([]byte(`{"file":"a","row":1,"status":"updated","run":1}` + "\r\n" + `{"file":"a","row":1,"status":"failed","run":2}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "fuzz.jsonl")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := ReadJournal(p)
		if err != nil {
			if j != nil {
				t.Fatal("an error with an index")
			}
			return
		}
		if j.Valid < 0 || j.Valid > int64(len(data)) {
			t.Fatalf("Valid %d outside 0..%d", j.Valid, len(data))
		}
		if j.Torn != (j.Valid < int64(len(data))) {
			t.Fatalf("Torn %v but Valid %d of %d bytes", j.Torn, j.Valid, len(data))
		}
		if j.Valid > 0 && data[j.Valid-1] != '\n' {
			t.Fatalf("Valid %d does not end a line", j.Valid)
		}
		if j.Lines > bytes.Count(data, []byte("\n")) {
			t.Fatalf("%d lines read from %d line ends", j.Lines, bytes.Count(data, []byte("\n")))
		}
		if !j.Torn {
			return
		}
		if err := os.WriteFile(p, data[:j.Valid], 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := ReadJournal(p)
		if err != nil || k.Torn || k.Lines != j.Lines || !reflect.DeepEqual(jtEntries(k), jtEntries(j)) {
			t.Fatalf("the journal cut at Valid %d: err %v, torn %v, %d lines (was %d)", j.Valid, err, k != nil && k.Torn, k.Lines, j.Lines)
		}
	})
}
