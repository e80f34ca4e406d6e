package pipeline

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/morbulk/morbulk/internal/source"
)

// TestPrefetchKeepsRowsAndOrder reads a file through the prefetching reader
// and through the plain one and compares every row, across many batches.
func TestPrefetchKeepsRowsAndOrder(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("user_id,u17,u23\n")
	const n = 3*prefetchBatch + 17
	for i := range n {
		b.WriteString(strconv.Itoa(1000+i) + ",Last" + strconv.Itoa(i) + ",First\n")
		if i == 700 {
			b.WriteString("1,\"bad\"quote,x\n") // a malformed record in the middle
		}
	}
	plain, err := source.OpenCSV("p.csv", strings.NewReader(b.String()), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := source.OpenCSV("p.csv", strings.NewReader(b.String()), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pre := prefetch(pr)
	defer pre.Close()
	rows := 0
	for {
		want, werr := plain.Next()
		got, gerr := pre.Next()
		if !errors.Is(gerr, werr) && (werr == nil || gerr == nil || werr.Error() != gerr.Error()) {
			t.Fatalf("row %d: error %v, want %v", rows, gerr, werr)
		}
		if werr != nil {
			if !errors.Is(werr, io.EOF) {
				t.Fatalf("unexpected end: %v", werr)
			}
			break
		}
		rows++
		if got.Num != want.Num || got.Line != want.Line || len(got.Fields) != len(want.Fields) || len(got.Issues) != len(want.Issues) {
			t.Fatalf("row %d: got %+v, want %+v", rows, got, want)
		}
		for i := range want.Fields {
			if got.Fields[i] != want.Fields[i] {
				t.Fatalf("row %d field %d: got %+v, want %+v", rows, i, got.Fields[i], want.Fields[i])
			}
		}
	}
	if rows != n+1 {
		t.Fatalf("read %d rows, want %d", rows, n+1)
	}
	if _, err := pre.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the end: %v, want io.EOF again", err)
	}
}

// TestPrefetchCloseEarly stops reading in the middle without leaking the goroutine's work.
func TestPrefetchCloseEarly(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("user_id,u17\n")
	for i := range 5000 {
		b.WriteString(strconv.Itoa(i+1) + ",X\n")
	}
	r, err := source.OpenCSV("p.csv", strings.NewReader(b.String()), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pre := prefetch(r)
	if _, err := pre.Next(); err != nil {
		t.Fatal(err)
	}
	if err := pre.Close(); err != nil {
		t.Fatal(err)
	}
}
