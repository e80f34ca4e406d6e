package schema

import (
	"strconv"
	"strings"
	"testing"

	"github.com/morbulk/morbulk/internal/source"
)

// fuzzNames are the keys the fuzzer picks from: every code and alias, in
// odd spellings too, plus names that are not parameters.
var fuzzNames = func() []string {
	var n []string
	for _, p := range Table() {
		n = append(n, p.Code)
		if p.Alias != "" {
			n = append(n, p.Alias)
		}
	}
	return append(n, "User_ID ", " U17", "LAST_NAME", "", "_status", "tax_value", "u_17", "frist_name", "bogus")
}()

// FuzzValidator feeds rows built from random keys and values, CSV-style
// (with a header) and YAML-style (without), and checks the invariants of
// an Outcome.
//
// sel picks the keys, two bytes per field: the first byte chooses the name,
// the second its YAML flags (bit 0 Null, bit 1 NonScalar, bit 2 Quoted) and
// whether the row carries a reader issue on that column (bit 3). vals holds
// the values separated by "|".
func FuzzValidator(f *testing.F) {
	idx := func(name string) byte {
		for i, n := range fuzzNames {
			if n == name {
				return byte(i)
			}
		}
		panic(name)
	}
	seed := func(yaml bool, vals string, names ...string) {
		sel := make([]byte, 0, 2*len(names))
		for _, n := range names {
			sel = append(sel, idx(n), 0)
		}
		f.Add(sel, vals, yaml)
	}
	seed(false, "1001|0|Smith|user1@example.com", "user_id", "u15", "u17", "a8")
	seed(true, "1001|0|Smith|user1@example.com", "user_id", "u15", "u17", "a8")
	seed(false, "1161|2024|2|29", "user_id", "ay", "am", "ad")
	seed(false, "7|2023|02|29|2020|1|1", "user_id", "ay", "am", "ad", "by", "bm", "bd")
	seed(false, "0042|1,234.50|0,5|1.5E+3", "user_id", "credit", "tax1_value", "u6")
	seed(true, "9|1|1|2|4|reseller|3", "user_id", "u21", "cyberplat_active", "pcsv", "ppdf", "u13", "accountant_type")
	seed(false, "1|'=SUM(A1)|6.12345E+09|#N/A", "user_id", "u17", "a7", "u23")
	seed(true, "1|x|y", "User_ID ", "u17", "last_name")
	seed(false, "1|1|2|3|4", "user_id", "i1", "i2", "i3", "i4")
	seed(false, "-01|1|5|-1", "u2", "warning_email_active", "user_id", "credit")
	f.Add([]byte{0, 0, 17, 1, 17, 2, 17, 4, 17, 8}, "5|Null|a|b|c", true)
	f.Add([]byte{0, 0, 200, 9, 255, 255}, "1|\xff\xfe|\n", false)

	s := New()
	f.Fuzz(func(t *testing.T, sel []byte, vals string, yamlMode bool) {
		if len(sel) > 64 {
			sel = sel[:64]
		}
		values := strings.Split(vals, "|")
		var names []string
		row := source.Row{File: "f", Num: 2, Line: 2}
		for i := 0; i+1 < len(sel); i += 2 {
			name := fuzzNames[int(sel[i])%len(fuzzNames)]
			fl := sel[i+1]
			val := values[len(names)%len(values)]
			fd := source.Field{Key: name, Value: val, Col: len(names) + 1, Line: 2}
			if yamlMode {
				fd.Null = fl&1 != 0
				fd.NonScalar = fl&2 != 0
				fd.Quoted = fl&4 != 0
			}
			if fl&8 != 0 {
				row.Issues = append(row.Issues, source.Issue{Column: name, Message: "reader issue"})
			}
			names = append(names, name)
			row.Fields = append(row.Fields, fd)
		}
		var h *Header
		if !yamlMode {
			var probs []Problem
			h, probs = s.ResolveHeader(names)
			for _, p := range probs {
				if p.Message == "" {
					t.Fatalf("header problem without a message: %+v", p)
				}
			}
		}
		v := s.NewValidator(fixedToday)
		// Twice: the second sees the first's user id and its scratch space.
		for pass := 0; pass < 2; pass++ {
			out := v.Check(row, h, nil)
			checkOutcome(t, s, out)
			if out.Status == StatusValid {
				recheck(t, s, out)
			}
		}
	})
}

// checkOutcome asserts the invariants every Outcome must hold.
func checkOutcome(t *testing.T, s *Schema, out Outcome) {
	t.Helper()
	switch out.Status {
	case StatusValid:
		if len(out.Errors) > 0 {
			t.Fatalf("valid with errors: %v", out.Errors)
		}
		if len(out.Params) < 2 || out.Params[0].Key != "user_id" {
			t.Fatalf("valid without user_id first and something to change: %v", out.Params)
		}
		if out.UserID != out.Params[0].Value {
			t.Fatalf("UserID %q, user_id param %q", out.UserID, out.Params[0].Value)
		}
	case StatusInvalid:
		if len(out.Errors) == 0 {
			t.Fatalf("invalid without errors")
		}
		if len(out.Params) != 0 {
			t.Fatalf("invalid with params: %v", out.Params)
		}
	case StatusSkipped:
		if len(out.Errors) != 0 || len(out.Params) != 0 {
			t.Fatalf("skipped with errors %v or params %v", out.Errors, out.Params)
		}
	default:
		t.Fatalf("status %q", out.Status)
	}
	for _, e := range append(out.Errors, out.Warnings...) {
		if e.Message == "" {
			t.Fatalf("problem without a message on %q", e.Column)
		}
	}
	last := -1
	for _, kv := range out.Params {
		p, ok := s.Lookup(kv.Key)
		if !ok || p.Code != kv.Key {
			t.Fatalf("param key %q is not a code", kv.Key)
		}
		pos := s.ix[kv.Key]
		if pos <= last {
			t.Fatalf("params out of table order or repeated: %v", out.Params)
		}
		last = pos
		// What is sent is accepted as it is, and sent unchanged.
		again, msg := checkValue(p, kv.Value)
		if msg != "" || again != kv.Value {
			t.Fatalf("%s=%q re-validates as %q, %q", kv.Key, kv.Value, again, msg)
		}
		if kv.Value == "" || kv.Value != strings.TrimSpace(kv.Value) {
			t.Fatalf("%s=%q is empty or not trimmed", kv.Key, kv.Value)
		}
	}
}

// recheck sends the parameters of a valid outcome through a fresh validator
// as a YAML item of codes: the row must stay valid and send the same thing.
// (A value that starts with an apostrophe before = + - @ is the exception:
// it reads as a protected report cell, and loses the apostrophe once more.)
func recheck(t *testing.T, s *Schema, out Outcome) {
	t.Helper()
	var fields []source.Field
	for _, kv := range out.Params {
		if len(kv.Value) > 1 && kv.Value[0] == '\'' && strings.IndexByte(neutralised, kv.Value[1]) >= 0 {
			return
		}
		fields = append(fields, source.Field{Key: kv.Key, Value: kv.Value})
	}
	again := s.NewValidator(fixedToday).Check(yamlRow(fields...), nil, nil)
	if again.Status != StatusValid || sent(again) != sent(out) {
		t.Fatalf("sent %s; checked again: %s %s %v", sent(out), again.Status, sent(again), again.Errors)
	}
}

// BenchmarkCheck measures the validation of a typical 12-column row.
func BenchmarkCheck(b *testing.B) {
	s := New()
	header := []string{"user_id", "u4", "u5", "u15", "u17", "u23", "a8", "a7", "credit", "tax1_value", "i1", "u13"}
	h, probs := s.ResolveHeader(header)
	if len(probs) > 0 {
		b.Fatal(probs)
	}
	const nIDs = 4096
	ids := make([]string, nIDs)
	for i := range ids {
		ids[i] = strconv.Itoa(1000 + i)
	}
	row := csvRow(header, "", "1", "12", "0", "Müller", "Jürgen", "j.mueller@example.com", "+49 30 1234567", "1250.50", "19", "2", "user")
	var params []KV
	v := s.NewValidator(fixedToday)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%nIDs == 0 {
			v = s.NewValidator(fixedToday) // fresh ids, so that no row is a duplicate
		}
		row.Fields[0].Value = ids[i%nIDs]
		out := v.Check(row, h, params)
		if out.Status != StatusValid {
			b.Fatalf("%s %v", out.Status, out.Errors)
		}
		params = out.Params
		i++
	}
}
