package schema

import (
	"slices"
	"strings"
	"testing"

	"github.com/morbulk/morbulk/internal/source"
)

func TestCheckRows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header []string
		vals   []string
		status Status
		sent   string   // the parameters sent, "k=v k=v"
		errs   []string // "column: substrings"
	}{
		{
			// B15 row 2: empty cells are not sent, never as 0 or false.
			name:   "empty cells not sent",
			header: []string{"user_id", "u15", "u17", "credit", "tax1_value"},
			vals:   []string{"1141", "", "Newman", "", ""},
			status: StatusValid, sent: "user_id=1141 u17=Newman",
		},
		{
			// B15 row 3: an explicit 0 is sent.
			name:   "explicit zero sent",
			header: []string{"user_id", "u15", "u17", "credit", "tax1_value"},
			vals:   []string{"1142", "1", "", "0", ""},
			status: StatusValid, sent: "user_id=1142 u15=1 credit=0",
		},
		{
			// A cell of spaces is empty too.
			name:   "blank cell not sent",
			header: []string{"user_id", "u17", "u23"},
			vals:   []string{"5", "  ", "Ann"},
			status: StatusValid, sent: "user_id=5 u23=Ann",
		},
		{
			// B15 row 4: a row with only user_id has nothing to change.
			name:   "only user_id skipped",
			header: []string{"user_id", "u15", "u17"},
			vals:   []string{"1143", "", ""},
			status: StatusSkipped,
		},
		{
			// B08 row 6: a row whose cells are all empty is skipped.
			name:   "all empty skipped",
			header: []string{"user_id", "u15", "u17", "u23"},
			vals:   []string{"", "", "", ""},
			status: StatusSkipped,
		},
		{
			// A short row with no cells at all is skipped.
			name:   "no fields skipped",
			header: []string{"user_id", "u17"},
			status: StatusSkipped,
		},
		{
			// user_id blank while other cells are filled.
			name:   "missing user_id",
			header: []string{"user_id", "u17"},
			vals:   []string{"", "Smith"},
			status: StatusInvalid,
			errs:   []string{"user_id: user_id is required"},
		},
		{
			// Every error of the row is reported, not only the first.
			name:   "several errors",
			header: []string{"user_id", "u15", "credit", "a8"},
			vals:   []string{"x1", "yes", "1,5", "nope"},
			status: StatusInvalid,
			errs:   []string{"user_id: whole number", "u15: 0 or 1", "credit: decimal comma", "a8: not a valid email"},
		},
		{
			// The parameters come out in the server's hash order, whatever the column order.
			name:   "hash order",
			header: []string{"a8", "i1", "credit", "u17", "pgui", "user_id", "u5"},
			vals:   []string{"x@example.com", "2", "5", "Lee", "1", "9", "3"},
			status: StatusValid,
			sent:   "user_id=9 u5=3 u17=Lee pgui=1 credit=5 i1=2 a8=x@example.com",
		},
		{
			// Aliases are sent under their codes.
			name:   "aliases sent as codes",
			header: []string{"User_ID", "last_name", "tariff_id", "email"},
			vals:   []string{"3", "Lee", "02", "lee@example.com"},
			status: StatusValid,
			sent:   "user_id=3 u5=2 u17=Lee a8=lee@example.com",
		},
		{
			// A report cell morbulk protected with an apostrophe, fed back: the apostrophe goes.
			name:   "fed-back formula cell",
			header: []string{"user_id", "u17"},
			vals:   []string{"4", "'=SUM(A1)"},
			status: StatusValid, sent: "user_id=4 u17==SUM(A1)",
		},
		{
			// The same for the other protected first characters.
			name:   "fed-back protected cells",
			header: []string{"user_id", "u17", "u23", "a0"},
			vals:   []string{"4", "'@home", "'+1 street", "'-x"},
			status: StatusValid, sent: "user_id=4 u17=@home u23=+1 street a0=-x",
		},
		{
			// An apostrophe before an ordinary character is the user's own.
			name:   "apostrophe kept",
			header: []string{"user_id", "u17", "u23"},
			vals:   []string{"4", "'Connor", "'"},
			status: StatusValid, sent: "user_id=4 u17='Connor u23='",
		},
		{
			// A protected negative credit fed back is still judged as a number.
			name:   "fed-back negative credit",
			header: []string{"user_id", "credit"},
			vals:   []string{"4", "'-5"},
			status: StatusInvalid,
			errs:   []string{"credit: must not be negative"},
		},
		{
			// Result columns of a fed-back CSV report are ignored.
			name:   "result columns ignored",
			header: []string{"_file", "_status", "_errors", "user_id", "u17"},
			vals:   []string{"old.csv", "invalid", "u17: bad", "8", "Lee"},
			status: StatusValid, sent: "user_id=8 u17=Lee",
		},
		{
			// A password is accepted and sent.
			name:   "password",
			header: []string{"user_id", "pswd"},
			vals:   []string{"8", "correct horse"},
			status: StatusValid, sent: "user_id=8 pswd=correct horse",
		},
		{
			// B17 row 2: a leap day in a leap year.
			name:   "leap day 2024",
			header: []string{"user_id", "ay", "am", "ad"},
			vals:   []string{"1161", "2024", "2", "29"},
			status: StatusValid, sent: "user_id=1161 ay=2024 am=2 ad=29",
		},
		{
			// 2000 is a leap year (divisible by 400).
			name:   "leap day 2000",
			header: []string{"user_id", "ay", "am", "ad"},
			vals:   []string{"1", "2000", "02", "29"},
			status: StatusValid, sent: "user_id=1 ay=2000 am=2 ad=29",
		},
		{
			// B17 row 3: 2023-02-29 does not exist, and is never sent as 2023-03-01.
			name:   "no leap day 2023",
			header: []string{"user_id", "ay", "am", "ad"},
			vals:   []string{"1162", "2023", "2", "29"},
			status: StatusInvalid,
			errs:   []string{"ad: 2023-02-29 does not exist|2023 is not a leap year|ay, am and ad"},
		},
		{
			// 1900 is not a leap year (divisible by 100, not by 400).
			name:   "no leap day 1900",
			header: []string{"user_id", "ay", "am", "ad"},
			vals:   []string{"1", "1900", "2", "29"},
			status: StatusInvalid,
			errs:   []string{"ad: 1900-02-29 does not exist|1900 is not a leap year"},
		},
		{
			// B17 row 4: April has 30 days.
			name:   "april 31",
			header: []string{"user_id", "ay", "am", "ad"},
			vals:   []string{"1163", "2024", "4", "31"},
			status: StatusInvalid,
			errs:   []string{"ad: 2024-04-31 does not exist|April has 30 days"},
		},
		{
			// B17 row 5: month 13.
			name:   "month 13",
			header: []string{"user_id", "ay", "am", "ad"},
			vals:   []string{"1164", "2024", "13", "1"},
			status: StatusInvalid,
			errs:   []string{"am: must be 1-12|13"},
		},
		{
			// Month 0 and day 0.
			name:   "month and day 0",
			header: []string{"user_id", "ay", "am", "ad"},
			vals:   []string{"1", "2024", "0", "0"},
			status: StatusInvalid,
			errs:   []string{"am: must be 1-12", "ad: must be 1-31"},
		},
		{
			// B17 row 6: a 2-digit year.
			name:   "two-digit year",
			header: []string{"user_id", "ay", "am", "ad"},
			vals:   []string{"1165", "24", "1", "1"},
			status: StatusInvalid,
			errs:   []string{"ay: 4-digit year|24"},
		},
		{
			// A year with a leading zero is not a 4-digit year.
			name:   "year 0999",
			header: []string{"user_id", "ay", "am", "ad"},
			vals:   []string{"1", "0999", "1", "1"},
			status: StatusInvalid,
			errs:   []string{"ay: 4-digit year"},
		},
		{
			// A 5-digit year.
			name:   "five-digit year",
			header: []string{"user_id", "by", "bm", "bd"},
			vals:   []string{"1", "20245", "1", "1"},
			status: StatusInvalid,
			errs:   []string{"by: 4-digit year"},
		},
		{
			// B17 row 7: the day is blank, and the missing column is named.
			name:   "day missing",
			header: []string{"user_id", "ay", "am", "ad"},
			vals:   []string{"1166", "2024", "5", ""},
			status: StatusInvalid,
			errs:   []string{"ad: must be given together (ad is blank)"},
		},
		{
			// Only the year: both other parts are named.
			name:   "year alone",
			header: []string{"user_id", "by"},
			vals:   []string{"1", "2030"},
			status: StatusInvalid,
			errs:   []string{"bm: by, bm and bd must be given together (bm is blank)", "bd: (bd is blank)"},
		},
		{
			// With aliases in the header the missing part is named by its alias.
			name:   "missing part by alias",
			header: []string{"user_id", "agreement_year", "agreement_month"},
			vals:   []string{"1", "2024", "5"},
			status: StatusInvalid,
			errs:   []string{"agreement_day: agreement_year, agreement_month and agreement_day must be given together (agreement_day is blank)"},
		},
		{
			// A date part that is itself wrong is reported once, without a date error.
			name:   "bad part no date error",
			header: []string{"user_id", "ay", "am", "ad"},
			vals:   []string{"1", "2024", "+2", "30"},
			status: StatusInvalid,
			errs:   []string{"am: must be 1-12|without a sign"},
		},
		{
			// The block-at date has its own group and calendar check.
			name:   "block-at February 30",
			header: []string{"user_id", "by", "bm", "bd"},
			vals:   []string{"1", "2031", "2", "30"},
			status: StatusInvalid,
			errs:   []string{"bd: 2031-02-30 does not exist|February has 28 days|by, bm and bd"},
		},
		{
			// Both date groups in one row, both valid (block-at in the future).
			name:   "both dates",
			header: []string{"user_id", "ay", "am", "ad", "by", "bm", "bd"},
			vals:   []string{"1", "2024", "12", "31", "2030", "01", "09"},
			status: StatusValid,
			sent:   "user_id=1 ay=2024 am=12 ad=31 by=2030 bm=1 bd=9",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := checkCSV(t, testSchema.NewValidator(fixedToday), tc.header, tc.vals...)
			if out.Status != tc.status {
				t.Fatalf("status %s, want %s; errors:\n%s", out.Status, tc.status, problems(out.Errors))
			}
			if got := sent(out); got != tc.sent {
				t.Errorf("sent %q, want %q", got, tc.sent)
			}
			wantProblems(t, "errors", out.Errors, tc.errs)
			if tc.status == StatusValid {
				if out.UserID != out.Params[0].Value {
					t.Errorf("UserID %q, first param %v", out.UserID, out.Params[0])
				}
			}
		})
	}
}

// TestCheckDuplicateUserID: the same user twice in a run is an error on the
// later row, whatever the leading zeros, and across files of one run.
func TestCheckDuplicateUserID(t *testing.T) {
	t.Parallel()
	header := []string{"user_id", "u17"}
	tests := []struct {
		name string
		ids  []string // user_id of each row in order
		bad  []bool   // which rows must be refused as duplicates
	}{
		// Distinct ids are all fine.
		{"distinct", []string{"1", "2", "3"}, []bool{false, false, false}},
		// The second row with the same id is the one refused.
		{"same id", []string{"42", "7", "42"}, []bool{false, false, true}},
		// "0042" and "42" are the same user.
		{"leading zeros", []string{"0042", "42"}, []bool{false, true}},
		// A third occurrence is refused too.
		{"three times", []string{"5", "5", "005"}, []bool{false, true, true}},
		// Ids past the bitmap (the sparse map) are remembered too.
		{"large ids", []string{"200000000", "99999999999", "0200000000"}, []bool{false, false, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := testSchema.NewValidator(fixedToday)
			for i, id := range tc.ids {
				out := checkCSV(t, v, header, id, "Name")
				if !tc.bad[i] {
					if out.Status != StatusValid {
						t.Fatalf("row %d (%s): %s\n%s", i, id, out.Status, problems(out.Errors))
					}
					continue
				}
				if out.Status != StatusInvalid {
					t.Fatalf("row %d (%s): %s, want invalid", i, id, out.Status)
				}
				wantProblems(t, "errors", out.Errors, []string{"user_id: already appears in an earlier row|merge"})
				if out.UserID == "" {
					t.Errorf("row %d: the normalised user_id is still reported", i)
				}
			}
		})
	}
}

// TestCheckParamsBuffer: the params buffer passed in is reused, and a
// validator's scratch space does not leak from one row into the next.
func TestCheckParamsBuffer(t *testing.T) {
	t.Parallel()
	v := testSchema.NewValidator(fixedToday)
	h, _ := testSchema.ResolveHeader([]string{"user_id", "u17", "u23", "credit"})
	buf := make([]KV, 0, 8)
	out := v.Check(csvRow([]string{"user_id", "u17", "u23", "credit"}, "1", "A", "B", "5"), h, buf)
	if sent(out) != "user_id=1 u17=A u23=B credit=5" {
		t.Fatalf("first row: %s", sent(out))
	}
	if &out.Params[:1][0] != &buf[:1][0] {
		t.Error("the params buffer was not reused")
	}
	out = v.Check(csvRow([]string{"user_id", "u17", "u23", "credit"}, "2", "", "C", ""), h, nil)
	if sent(out) != "user_id=2 u23=C" {
		t.Fatalf("second row carries values of the first: %s", sent(out))
	}
}

func TestCheckReaderIssues(t *testing.T) {
	t.Parallel()
	header := []string{"user_id", "u17", "u23"}
	tests := []struct {
		name   string
		vals   []string
		issues []source.Issue
		status Status
		errs   []string
	}{
		{
			// B03: the reader flags bad bytes in u17; the value is not judged a second time.
			name:   "flagged column judged once",
			vals:   []string{"1021", "M\xfcller", "Anna"},
			issues: []source.Issue{{Column: "u17", Message: "not valid UTF-8 (byte 0xFC): the file looks like Windows-1252"}},
			status: StatusInvalid,
			errs:   []string{"u17: byte 0xFC|Windows-1252"},
		},
		{
			// The issue's column is matched trimmed and in any case.
			name:   "flagged column any case",
			vals:   []string{"1", "M\xfcller", ""},
			issues: []source.Issue{{Column: " U17", Message: "bad bytes"}},
			status: StatusInvalid,
			errs:   []string{"u17: bad bytes"},
		},
		{
			// B08: a whole-row issue (field count) makes the row invalid.
			name:   "row issue",
			vals:   []string{"1072", "Ward"},
			issues: []source.Issue{{Message: "3 fields where the header has 4"}},
			status: StatusInvalid,
			errs:   []string{": 3 fields"},
		},
		{
			// Issues and value errors are both reported.
			name:   "issue and value error",
			vals:   []string{"1", "\xff", "Two\nLines"},
			issues: []source.Issue{{Column: "u17", Message: "not valid UTF-8"}},
			status: StatusInvalid,
			errs:   []string{"u17: not valid UTF-8", "u23: line break"},
		},
		{
			// A flagged user_id is given: no second error saying it is required.
			name:   "flagged user_id",
			vals:   []string{"10\xfc", "Lee", ""},
			issues: []source.Issue{{Column: "user_id", Message: "not valid UTF-8 (byte 0xFC)"}},
			status: StatusInvalid,
			errs:   []string{"user_id: byte 0xFC"},
		},
		{
			// A row whose cells are all empty but which has an issue is not skipped.
			name:   "issue on an empty row",
			vals:   []string{"", "", ""},
			issues: []source.Issue{{Message: "a bare quote"}},
			status: StatusInvalid,
			errs:   []string{": a bare quote", "user_id: required"},
		},
		{
			// A row the reader could not take apart (a YAML item that does
			// not parse, no fields at all) has its reason: no false second
			// error saying user_id is required.
			name:   "unreadable row",
			vals:   []string{},
			issues: []source.Issue{{Message: "item 1 cannot be read: line 3: mapping values are not allowed"}},
			status: StatusInvalid,
			errs:   []string{": cannot be read"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := testSchema.NewValidator(fixedToday)
			h, _ := testSchema.ResolveHeader(header)
			row := csvRow(header, tc.vals...)
			row.Issues = tc.issues
			out := v.Check(row, h, nil)
			if out.Status != tc.status {
				t.Fatalf("status %s, want %s:\n%s", out.Status, tc.status, problems(out.Errors))
			}
			wantProblems(t, "errors", out.Errors, tc.errs)
		})
	}
}

// TestCheckReaderIssuesGroups: a flagged part of a split date counts as
// given, so the date is not also reported as incomplete; YAML keys the
// reader reports as duplicates are not reported a second time.
func TestCheckReaderIssuesGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		row    source.Row
		header []string // nil for YAML
		errs   []string
		warns  []string
	}{
		{
			// am has bad bytes: one error, on am.
			name:   "flagged month",
			header: []string{"user_id", "ay", "am", "ad"},
			row: func() source.Row {
				r := csvRow([]string{"user_id", "ay", "am", "ad"}, "1", "2024", "\xff", "1")
				r.Issues = []source.Issue{{Column: "am", Message: "not valid UTF-8"}}
				return r
			}(),
			errs: []string{"am: not valid UTF-8"},
		},
		{
			// A flagged day whose bytes still read as a number is not checked against the calendar.
			name:   "flagged day",
			header: []string{"user_id", "ay", "am", "ad"},
			row: func() source.Row {
				r := csvRow([]string{"user_id", "ay", "am", "ad"}, "1", "2023", "2", "29")
				r.Issues = []source.Issue{{Column: "ad", Message: "reader problem"}}
				return r
			}(),
			errs: []string{"ad: reader problem"},
		},
		{
			// A flagged password is not warned about as short.
			name:   "flagged password",
			header: []string{"user_id", "pswd"},
			row: func() source.Row {
				r := csvRow([]string{"user_id", "pswd"}, "1", "long enough \xff")
				r.Issues = []source.Issue{{Column: "pswd", Message: "not valid UTF-8"}}
				return r
			}(),
			errs: []string{"pswd: not valid UTF-8"},
		},
		{
			// The YAML reader flags a key given twice: that is the only error.
			name: "yaml duplicate key",
			row: func() source.Row {
				r := yamlRow(kv("user_id", "1"), kv("u17", "A"), kv("u17", "B"))
				r.Issues = []source.Issue{{Column: "u17", Message: "key \"u17\" appears twice"}}
				return r
			}(),
			errs: []string{"u17: appears twice"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var h *Header
			if tc.header != nil {
				h, _ = testSchema.ResolveHeader(tc.header)
			}
			out := testSchema.NewValidator(fixedToday).Check(tc.row, h, nil)
			if out.Status != StatusInvalid {
				t.Fatalf("status %s", out.Status)
			}
			wantProblems(t, "errors", out.Errors, tc.errs)
			wantProblems(t, "warnings", out.Warnings, tc.warns)
		})
	}
}

func TestCheckYAML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fields []source.Field
		status Status
		sent   string
		errs   []string
	}{
		{
			// B18 item 1: text that looks like a boolean stays text; keys may be aliases.
			name:   "plain item",
			fields: []source.Field{kv("user_id", "1171"), kv("last_name", "No"), kv("u23", "Yes"), kv("u15", "0")},
			status: StatusValid, sent: "user_id=1171 u15=0 u17=No u23=Yes",
		},
		{
			// Keys are trimmed and matched in any case.
			name:   "key case",
			fields: []source.Field{kv("User_ID ", "3"), kv(" U17", "Lee")},
			status: StatusValid, sent: "user_id=3 u17=Lee",
		},
		{
			// B18 item 2: a YAML 1.1 boolean word in a flag.
			name:   "norway bool",
			fields: []source.Field{kv("user_id", "1172"), kv("u15", "no")},
			status: StatusInvalid,
			errs:   []string{"u15: 0 or 1|got \"no\""},
		},
		{
			// B18 item 5: an unquoted Null is YAML null.
			name:   "unquoted Null",
			fields: []source.Field{kv("user_id", "1175"), {Key: "u17", Value: "Null", Null: true}},
			status: StatusInvalid,
			errs:   []string{"u17: unquoted Null is YAML null|('Null')|leave the key out"},
		},
		{
			// ~ is null too.
			name:   "tilde null",
			fields: []source.Field{kv("user_id", "1"), {Key: "credit", Value: "~", Null: true}},
			status: StatusInvalid,
			errs:   []string{"credit: unquoted ~ is YAML null"},
		},
		{
			// B18 item 6: a quoted 'Null' is the text Null.
			name:   "quoted Null",
			fields: []source.Field{kv("user_id", "1176"), {Key: "u17", Value: "Null", Quoted: true}, kv("u15", "1")},
			status: StatusValid, sent: "user_id=1176 u15=1 u17=Null",
		},
		{
			// A list or a mapping is not a value.
			name:   "non-scalar",
			fields: []source.Field{kv("user_id", "1"), {Key: "u17", NonScalar: true}},
			status: StatusInvalid,
			errs:   []string{"u17: single value, not a list or a mapping"},
		},
		{
			// An unknown key with a suggestion.
			name:   "unknown key",
			fields: []source.Field{kv("user_id", "1"), kv("frist_name", "Ann")},
			status: StatusInvalid,
			errs:   []string{"frist_name: unknown key \"frist_name\"|did you mean first_name?"},
		},
		{
			// An unknown key with no close name still says it is unknown.
			name:   "unknown key no suggestion",
			fields: []source.Field{kv("user_id", "1"), kv("zzzzzzzz", "x")},
			status: StatusInvalid,
			errs:   []string{"zzzzzzzz: unknown key"},
		},
		{
			// An unknown key with an empty value is still an error, not a skip.
			name:   "unknown key empty value",
			fields: []source.Field{kv("user_id", "1"), kv("tax_value", "")},
			status: StatusInvalid,
			errs:   []string{"tax_value: did you mean tax1_value?"},
		},
		{
			// Code and alias of the same parameter in one item.
			name:   "code and alias",
			fields: []source.Field{kv("user_id", "1"), kv("u17", "Lee"), kv("last_name", "Kim")},
			status: StatusInvalid,
			errs:   []string{"last_name: same parameter is given twice|u17 and last_name"},
		},
		{
			// The same key twice (the reader normally flags it; the validator holds too).
			name:   "same key twice",
			fields: []source.Field{kv("user_id", "1"), kv("u15", "1"), kv("U15", "0")},
			status: StatusInvalid,
			errs:   []string{"u15: given twice"},
		},
		{
			// An empty value is not sent, as in CSV.
			name:   "empty value",
			fields: []source.Field{kv("user_id", "1"), kv("u17", ""), kv("u23", "Ann")},
			status: StatusValid, sent: "user_id=1 u23=Ann",
		},
		{
			// An item with only user_id is skipped.
			name:   "only user_id",
			fields: []source.Field{kv("user_id", "1")},
			status: StatusSkipped,
		},
		{
			// An empty mapping is skipped.
			name:   "empty item",
			status: StatusSkipped,
		},
		{
			// An item without user_id.
			name:   "no user_id",
			fields: []source.Field{kv("u17", "Lee")},
			status: StatusInvalid,
			errs:   []string{"user_id: required"},
		},
		{
			// A result key (a fed-back JSON-style report) is not special in YAML: it is unknown.
			name:   "result key unknown",
			fields: []source.Field{kv("user_id", "1"), kv("_status", "valid"), kv("u17", "Lee")},
			status: StatusInvalid,
			errs:   []string{"_status: unknown key"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := testSchema.NewValidator(fixedToday).Check(yamlRow(tc.fields...), nil, nil)
			if out.Status != tc.status {
				t.Fatalf("status %s, want %s:\n%s", out.Status, tc.status, problems(out.Errors))
			}
			if got := sent(out); got != tc.sent {
				t.Errorf("sent %q, want %q", got, tc.sent)
			}
			wantProblems(t, "errors", out.Errors, tc.errs)
		})
	}
}

// TestCheckFieldOutsideHeader: a field whose column is not in the header
// (a reader bug or a ragged row) is ignored rather than crashing.
func TestCheckFieldOutsideHeader(t *testing.T) {
	t.Parallel()
	h, _ := testSchema.ResolveHeader([]string{"user_id", "u17"})
	row := csvRow([]string{"user_id", "u17"}, "1", "Lee")
	row.Fields = append(row.Fields, source.Field{Key: "extra", Value: "x", Col: 3}, source.Field{Key: "zero", Value: "y", Col: 0})
	out := testSchema.NewValidator(fixedToday).Check(row, h, nil)
	if out.Status != StatusValid || sent(out) != "user_id=1 u17=Lee" {
		t.Fatalf("%s %s %v", out.Status, sent(out), out.Errors)
	}
}

// TestCheckOrderMatchesTable: for every parameter alone with user_id, the
// parameters sent follow Table() order.
func TestCheckOrderMatchesTable(t *testing.T) {
	t.Parallel()
	pos := map[string]int{}
	for i, p := range Table() {
		pos[p.Code] = i
	}
	header := []string{"a8", "credit", "u17", "user_id", "i4", "i1", "pgui", "pcsv", "unlimited", "u2", "ay", "am", "ad"}
	vals := []string{"a@example.com", "1", "Lee", "1", "16", "2", "1", "2", "0", "5", "2020", "1", "1"}
	out := checkCSV(t, testSchema.NewValidator(fixedToday), header, vals...)
	if out.Status != StatusValid {
		t.Fatalf("%s:\n%s", out.Status, problems(out.Errors))
	}
	keys := make([]string, len(out.Params))
	for i, p := range out.Params {
		keys[i] = p.Key
	}
	if !slices.IsSortedFunc(keys, func(a, b string) int { return pos[a] - pos[b] }) {
		t.Errorf("params not in table order: %s", strings.Join(keys, " "))
	}
	if keys[0] != "user_id" || len(keys) != len(header) {
		t.Errorf("params: %s", strings.Join(keys, " "))
	}
}
