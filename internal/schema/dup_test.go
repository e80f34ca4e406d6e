package schema

import "testing"

// TestDuplicateAfterSkippedRow: a row that changes nothing sends no request,
// so it does not make a later row for the same user a duplicate; two rows
// that both change the user do.
func TestDuplicateAfterSkippedRow(t *testing.T) {
	t.Parallel()
	s := New()
	header := []string{"user_id", "u17"}
	h, _ := s.ResolveHeader(header)
	v := s.NewValidator(fixedToday)
	steps := []struct {
		vals []string
		want Status
	}{
		{[]string{"42", ""}, StatusSkipped},        // nothing to change: not counted
		{[]string{"42", "Smith"}, StatusValid},     // the first real change of user 42
		{[]string{"0042", "Jones"}, StatusInvalid}, // a second change of the same user
		{[]string{"42", ""}, StatusSkipped},        // skipped rows are never duplicates
	}
	for i, st := range steps {
		out := v.Check(csvRow(header, st.vals...), h, nil)
		if out.Status != st.want {
			t.Fatalf("step %d: %s, want %s (%v)", i, out.Status, st.want, out.Errors)
		}
	}
}

// TestLeadingZerosWarn: "007" is sent as 7, and the row says so.
func TestLeadingZerosWarn(t *testing.T) {
	t.Parallel()
	s := New()
	header := []string{"user_id", "u17"}
	h, _ := s.ResolveHeader(header)
	out := s.NewValidator(fixedToday).Check(csvRow(header, "007", "Smith"), h, nil)
	if out.Status != StatusValid || out.UserID != "7" || len(out.Warnings) != 1 || out.Warnings[0].Column != "user_id" {
		t.Fatalf("%s user_id %q warnings %v", out.Status, out.UserID, out.Warnings)
	}
	out = s.NewValidator(fixedToday).Check(csvRow(header, "7", "Smith"), h, nil)
	if len(out.Warnings) != 0 {
		t.Fatalf("no leading zeros, yet warnings %v", out.Warnings)
	}
}
