package schema

import (
	"strings"
	"testing"
	"time"

	"github.com/morbulk/morbulk/internal/source"
)

// fixedToday is the "today" of every validator in these tests, so that the
// block-at warning does not depend on the day the tests run.
var fixedToday = func() time.Time { return time.Date(2025, 6, 15, 13, 0, 0, 0, time.UTC) }

// testSchema is shared: a Schema is safe for concurrent use.
var testSchema = New()

// csvRow builds a CSV-style row: one field per header column, values in order.
// Fewer values than columns give a short (ragged) row.
func csvRow(header []string, vals ...string) source.Row {
	row := source.Row{File: "t.csv", Num: 2, Line: 2}
	for i, v := range vals {
		row.Fields = append(row.Fields, source.Field{Key: header[i], Value: v, Col: i + 1, Line: 2})
	}
	return row
}

// checkCSV resolves header (which must have no problems) and checks one row
// of vals with v.
func checkCSV(t *testing.T, v *Validator, header []string, vals ...string) Outcome {
	t.Helper()
	h, probs := testSchema.ResolveHeader(header)
	if len(probs) > 0 {
		t.Fatalf("header %q: %v", header, probs)
	}
	return v.Check(csvRow(header, vals...), h, nil)
}

// yamlRow builds a YAML-style row (no header) from fields in order.
func yamlRow(fields ...source.Field) source.Row {
	row := source.Row{File: "t.yaml", Num: 1, Line: 1}
	for i, f := range fields {
		f.Col = i + 1
		if f.Line == 0 {
			f.Line = i + 1
		}
		row.Fields = append(row.Fields, f)
	}
	return row
}

// kv makes a plain YAML field.
func kv(key, val string) source.Field { return source.Field{Key: key, Value: val} }

// sent renders the parameters of an outcome as "k=v k=v".
func sent(out Outcome) string {
	parts := make([]string, len(out.Params))
	for i, p := range out.Params {
		parts[i] = p.Key + "=" + p.Value
	}
	return strings.Join(parts, " ")
}

// problems renders problems one per line as "column: message".
func problems(ps []Problem) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Column + ": " + p.Message
	}
	return strings.Join(parts, "\n")
}

// wantProblems checks that got has exactly one problem per entry of want, on
// the same column, and that the message holds every substring of the entry
// ("column: sub1|sub2"). want entries and problems are matched in order.
func wantProblems(t *testing.T, what string, got []Problem, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d, want %d:\n%s\nwant:\n%s", what, len(got), len(want), problems(got), strings.Join(want, "\n"))
	}
	for i, w := range want {
		col, subs, ok := strings.Cut(w, ": ")
		if !ok {
			t.Fatalf("bad want %q", w)
		}
		if got[i].Column != col {
			t.Errorf("%s %d: column %q, want %q (%s)", what, i, got[i].Column, col, got[i].Message)
		}
		for _, sub := range strings.Split(subs, "|") {
			if !strings.Contains(got[i].Message, sub) {
				t.Errorf("%s %d on %s: %q does not contain %q", what, i, col, got[i].Message, sub)
			}
		}
	}
}
