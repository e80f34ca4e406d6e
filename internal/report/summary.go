package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Summary counts the records of a run.
type Summary struct {
	Counts  map[string]int
	Total   int
	Started time.Time
	Ended   time.Time
	Sent    int // records that made at least one request
	Warned  int // records with at least one warning
}

// NewSummary starts counting at start.
func NewSummary(start time.Time) *Summary {
	return &Summary{Counts: make(map[string]int), Started: start}
}

// Add counts one record.
func (s *Summary) Add(r *Record) {
	s.Counts[r.Status]++
	s.Total++
	if r.Attempts > 0 {
		s.Sent++
	}
	if len(r.Warnings) > 0 {
		s.Warned++
	}
}

// Print writes the summary in a few lines.
func (s *Summary) Print(w io.Writer, verb string) {
	var parts []string
	for _, st := range Statuses {
		if n := s.Counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(st, "_", " ")))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "no rows")
	}
	el := s.Ended.Sub(s.Started)
	fmt.Fprintf(w, "%s %d rows in %s: %s\n", verb, s.Total, el.Round(time.Millisecond), strings.Join(parts, ", "))
	if s.Warned > 0 {
		fmt.Fprintf(w, "warnings: %d rows will not do exactly what they seem to say; read their warnings in the report\n", s.Warned)
	}
	if s.Sent > 0 && el > 0 {
		fmt.Fprintf(w, "requests: %d rows sent, %.1f rows/s achieved\n", s.Sent, float64(s.Sent)/el.Seconds())
	}
}
