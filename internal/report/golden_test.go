package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenColumns are the input columns of the golden CSV report, as written
// in the input (note "Password" in mixed case).
var goldenColumns = []string{"user_id", "u17", "u23", "credit", "a7", "Password"}

// goldenRecords covers every status and the awkward characters.
func goldenRecords() []Record {
	sent := time.Date(2026, 3, 1, 9, 30, 15, 123456789, time.FixedZone("CET", 3600))
	return []Record{
		{
			// valid: unicode, a password that must be masked.
			File: "users.csv", Row: 2, Line: 2, Status: StatusValid, UserID: "1001",
			Params: []KV{{"user_id", "1001"}, {"u17", "Müller"}, {"u23", "Zoë 😀"}, {"pswd", "hunter22"}},
			Input:  []KV{{"user_id", "1001"}, {"u17", "Müller"}, {"u23", "Zoë 😀"}, {"Password", "hunter22"}},
		},
		{
			// invalid with several errors: a newline, quotes and commas in cells and messages.
			File: "users.csv", Row: 3, Line: 3, Status: StatusInvalid, UserID: "1002",
			Errors: []Issue{
				{Column: "u17", Message: "contains a line break: last_name must be one line"},
				{Column: "credit", Message: `"0,5" uses a decimal comma: write 0.5`},
				{Column: "", Message: "3 fields where the header has 4"},
			},
			Warnings: []Issue{{Column: "u21", Message: "u21 alone turns Cyberplat OFF"}},
			Input:    []KV{{"user_id", "1002"}, {"u17", "Two\nLines"}, {"u23", `Kim "KJ", Jr.`}, {"credit", "0,5"}},
		},
		{
			// skipped: nothing to change.
			File: "users.csv", Row: 5, Line: 6, Status: StatusSkipped, UserID: "1003",
			Input: []KV{{"user_id", "1003"}},
		},
		{
			// file_error: a whole-file record.
			File: "bad header.csv", Row: 0, Line: 1, Status: StatusFileError,
			Errors: []Issue{{Column: "u17", Message: "column u17 appears twice in the header (columns 2 and 4): keep one of them"}},
		},
		{
			// updated: the formula-looking cells are neutralised in CSV, the plain negative number is not.
			File: "users.csv", Row: 6, Line: 7, Status: StatusUpdated, UserID: "1004",
			Params:   []KV{{"user_id", "1004"}, {"u17", "=HYPERLINK(\"http://x\")"}, {"u23", "@admin"}, {"credit", "12.5"}, {"a7", "+49 30 123"}},
			Input:    []KV{{"user_id", "1004"}, {"u17", "=HYPERLINK(\"http://x\")"}, {"u23", "@admin"}, {"credit", "12.5"}, {"a7", "+49 30 123"}},
			Attempts: 1, HTTPStatus: 200, LatencyMS: 12.345, SentAt: sent,
			Response: &Response{Status: "User was updated"}, Run: 1,
		},
		{
			// failed: the server's messages, a tab and a <tag> in them.
			File: "users.csv", Row: 7, Line: 8, Status: StatusFailed, UserID: "1005",
			Params:   []KV{{"user_id", "1005"}, {"u9", "taken"}},
			Input:    []KV{{"user_id", "1005"}, {"u17", "-Smith"}},
			Attempts: 3, HTTPStatus: 500, LatencyMS: 2000, SentAt: sent.Add(time.Second),
			Response: &Response{Error: "User was not updated", Messages: []string{"Username has already been taken", "<b>\tbold</b> & co"}},
			Reason:   "server error after 3 attempts", Run: 2,
		},
		{
			// not_sent: stopped before sending, with a reason and no response.
			File: "users.csv", Row: 8, Line: 9, Status: StatusNotSent, UserID: "1006",
			Params: []KV{{"user_id", "1006"}, {"credit", "-12.5"}},
			Input:  []KV{{"user_id", "1006"}, {"credit", "-12.5"}, {"a7", "\r\nx"}},
			Reason: "interrupted before sending", Run: 2,
		},
	}
}

// decoded is a JSONL record as a consumer reads it back.
type decoded struct {
	File       string            `json:"file"`
	Row        int               `json:"row"`
	Line       int               `json:"line"`
	Status     string            `json:"status"`
	UserID     string            `json:"user_id"`
	Params     map[string]string `json:"params"`
	Errors     []Issue           `json:"errors"`
	Warnings   []Issue           `json:"warnings"`
	Run        int               `json:"run"`
	Attempts   *int              `json:"attempts"`
	HTTPStatus *int              `json:"http_status"`
	LatencyMS  *float64          `json:"latency_ms"`
	SentAt     *string           `json:"sent_at"`
	Response   *Response         `json:"response"`
	Reason     string            `json:"reason"`
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run go test ./internal/report -update and review the diff)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestJSONLGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewJSONL(&buf)
	recs := goldenRecords()
	for i := range recs {
		if err := w.Write(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.jsonl.golden", buf.Bytes())

	// Parse it back: every line is a JSON object with the expected keys and values.
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	n := 0
	for sc.Scan() {
		line := sc.Bytes()
		rec := &recs[n]
		n++
		if !json.Valid(line) {
			t.Fatalf("line %d is not valid JSON: %s", n, line)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(line, &obj); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		for _, k := range []string{"file", "row", "line", "status", "user_id", "params", "errors", "warnings"} {
			if _, ok := obj[k]; !ok {
				t.Errorf("line %d: key %q missing", n, k)
			}
		}
		var got decoded
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields() // no key beyond the documented ones
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		if got.File != rec.File || got.Row != rec.Row || got.Line != rec.Line || got.Status != rec.Status || got.UserID != rec.UserID || got.Run != rec.Run || got.Reason != rec.Reason {
			t.Errorf("line %d: decoded %+v from %+v", n, got, rec)
		}
		if len(got.Params) != len(rec.Params) {
			t.Errorf("line %d: %d params, want %d", n, len(got.Params), len(rec.Params))
		}
		for _, p := range rec.Params {
			want := p.Value
			if p.Key == "pswd" {
				want = "********"
			}
			if got.Params[p.Key] != want {
				t.Errorf("line %d: param %s = %q, want %q", n, p.Key, got.Params[p.Key], want)
			}
		}
		if !slices.Equal(got.Errors, rec.Errors) && !(len(got.Errors) == 0 && len(rec.Errors) == 0) {
			t.Errorf("line %d: errors %v, want %v", n, got.Errors, rec.Errors)
		}
		if !slices.Equal(got.Warnings, rec.Warnings) && !(len(got.Warnings) == 0 && len(rec.Warnings) == 0) {
			t.Errorf("line %d: warnings %v, want %v", n, got.Warnings, rec.Warnings)
		}
		applied := rec.Attempts > 0 || rec.Reason != "" || rec.Response != nil
		if (got.Attempts != nil) != applied {
			t.Errorf("line %d: attempts present = %v, want %v", n, got.Attempts != nil, applied)
		}
		if applied {
			if *got.Attempts != rec.Attempts || *got.HTTPStatus != rec.HTTPStatus {
				t.Errorf("line %d: attempts %d status %d", n, *got.Attempts, *got.HTTPStatus)
			}
			switch {
			case rec.SentAt.IsZero() && got.SentAt != nil:
				t.Errorf("line %d: sent_at %q, want null", n, *got.SentAt)
			case !rec.SentAt.IsZero():
				at, err := time.Parse(time.RFC3339Nano, *got.SentAt)
				if err != nil || !at.Equal(rec.SentAt) || at.Location() != time.UTC {
					t.Errorf("line %d: sent_at %q (%v), want %v in UTC", n, *got.SentAt, err, rec.SentAt)
				}
			}
			if (got.Response == nil) != (rec.Response == nil) || (rec.Response != nil && (got.Response.Status != rec.Response.Status ||
				got.Response.Error != rec.Response.Error || !slices.Equal(got.Response.Messages, rec.Response.Messages))) {
				t.Errorf("line %d: response %+v, want %+v", n, got.Response, rec.Response)
			}
		}
	}
	if n != len(recs) {
		t.Errorf("%d lines, want %d", n, len(recs))
	}
	if bytes.Contains(buf.Bytes(), []byte("hunter22")) {
		t.Error("the password leaked into the JSONL report")
	}
}

func TestCSVGolden(t *testing.T) {
	t.Parallel()
	for _, apply := range []bool{false, true} {
		name := "report-validate.csv.golden"
		if apply {
			name = "report-apply.csv.golden"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			w, err := NewCSV(&buf, goldenColumns, apply)
			if err != nil {
				t.Fatal(err)
			}
			recs := goldenRecords()
			for i := range recs {
				if err := w.Write(&recs[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			golden(t, name, buf.Bytes())

			// Read it back as a spreadsheet would.
			rows, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(recs)+1 {
				t.Fatalf("%d rows, want %d", len(rows), len(recs)+1)
			}
			head := rows[0]
			for _, h := range head[:len(head)-len(goldenColumns)] {
				if !strings.HasPrefix(h, ResultPrefix) {
					t.Errorf("result column %q lacks the %q prefix", h, ResultPrefix)
				}
			}
			if !slices.Equal(head[len(head)-len(goldenColumns):], goldenColumns) {
				t.Errorf("input columns %v", head[len(head)-len(goldenColumns):])
			}
			col := func(row []string, name string) string { return row[slices.Index(head, name)] }
			if got := col(rows[1], "Password"); got != "********" {
				t.Errorf("password cell %q", got)
			}
			if got := col(rows[2], "u17"); got != "Two\nLines" {
				t.Errorf("multi-line cell %q", got)
			}
			if got := col(rows[2], "u23"); got != `Kim "KJ", Jr.` {
				t.Errorf("quoted cell %q", got)
			}
			if got := col(rows[2], "_errors"); !strings.HasPrefix(got, "u17: contains a line break") || !strings.Contains(got, `; credit: "0,5"`) {
				t.Errorf("errors cell %q", got)
			}
			if got := col(rows[5], "u17"); got != `'=HYPERLINK("http://x")` {
				t.Errorf("formula cell %q", got)
			}
			if got := col(rows[7], "credit"); got != "-12.5" {
				t.Errorf("number cell %q", got)
			}
			if bytes.Contains(buf.Bytes(), []byte("hunter22")) {
				t.Error("the password leaked into the CSV report")
			}
			if apply {
				if got := col(rows[5], "_sent_at"); got != "2026-03-01T08:30:15.123456789Z" {
					t.Errorf("sent_at %q", got)
				}
				if got := col(rows[6], "_response"); got != "User was not updated Username has already been taken <b>\tbold</b> & co" {
					t.Errorf("response %q", got)
				}
			} else if slices.Contains(head, "_sent_at") {
				t.Error("a validate report has apply columns")
			}
		})
	}
}
