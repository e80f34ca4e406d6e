package report

import (
	"slices"
	"testing"
)

type seqSink struct{ got []int }

func (s *seqSink) Write(r *Record) error { s.got = append(s.got, r.Seq); return nil }
func (s *seqSink) Close() error          { return nil }

// TestOrdered: records finishing out of order come out in input order,
// and a missing record holds at most max others.
func TestOrdered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   []int
		max  int
		want []int
	}{
		// out of order, all present: input order
		{"reorders", []int{2, 1, 4, 3, 5}, 10, []int{1, 2, 3, 4, 5}},
		// in order already: unchanged
		{"in order", []int{1, 2, 3}, 10, []int{1, 2, 3}},
		// row 1 never comes back in time: after 2 waiting, the earliest goes
		{"bounded wait", []int{2, 3, 4, 5, 1}, 2, []int{2, 3, 4, 5, 1}},
		// records without a sequence pass straight through
		{"no seq", []int{0, 2, 0, 1}, 10, []int{0, 0, 1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sink := &seqSink{}
			o := NewOrdered(sink, tc.max)
			for _, seq := range tc.in {
				if err := o.Write(&Record{Seq: seq}); err != nil {
					t.Fatal(err)
				}
			}
			if err := o.Close(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(sink.got, tc.want) {
				t.Fatalf("wrote %v, want %v", sink.got, tc.want)
			}
		})
	}
}
