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
