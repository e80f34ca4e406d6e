package report

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gocarina/gocsv"
)

// ResultPrefix starts the names of the result columns of a CSV report. The
// readers' schema ignores columns named so, which is what lets a report be
// fixed in a spreadsheet and fed back as it is.
const ResultPrefix = "_"

// CSV writes the spreadsheet report: the result columns first, then the
// input's own columns as read.
type CSV struct {
	w       gocsv.CSVWriter
	flush   func() error
	apply   bool
	columns []string       // input columns, as written in the input
	pos     map[string]int // input column -> position in columns
	row     []string

	// The input columns of consecutive rows of one file come in the same
	// order with the same header strings: their positions and masking are
	// looked up once and reused while the keys stay the same.
	keys   []string
	slots  []int  // position in columns, -1 if not a report column
	secret []bool // the column is a password: masked
}

// NewCSV writes a report whose input columns are columns (the header of the
// input, or the union of the headers of several inputs). apply adds the
// columns about requests.
func NewCSV(w io.Writer, columns []string, apply bool) (*CSV, error) {
	// csv.Writer's own buffer is 4 KiB: one system call per 4 KiB of a
	// report of 100 MB is measurable. It adopts a larger bufio.Writer as is.
	cw := csv.NewWriter(bufio.NewWriterSize(w, 256<<10))
	c := &CSV{w: gocsv.NewSafeCSVWriter(cw), flush: func() error { cw.Flush(); return cw.Error() }, apply: apply, columns: columns, pos: make(map[string]int, len(columns))}
	for i, col := range columns {
		c.pos[col] = i
	}
	head := []string{"file", "row", "line", "status", "user_id", "errors", "warnings"}
	if apply {
		head = append(head, "attempts", "http_status", "latency_ms", "sent_at", "response", "reason", "run")
	}
	for i := range head {
		head[i] = ResultPrefix + head[i]
	}
	c.row = make([]string, 0, len(head)+len(columns))
	if err := c.w.Write(append(head, columns...)); err != nil {
		return nil, err
	}
	return c, nil
}

// Write adds one record.
func (c *CSV) Write(r *Record) error {
	row := c.row[:0]
	row = append(row, r.File, strconv.Itoa(r.Row), strconv.Itoa(r.Line), r.Status, r.UserID, joinIssues(r.Errors), joinIssues(r.Warnings))
	if c.apply {
		sent := ""
		if !r.SentAt.IsZero() {
			sent = r.SentAt.UTC().Format(time.RFC3339Nano)
		}
		resp := ""
		if r.Response != nil {
			resp = strings.TrimSpace(strings.Join(append([]string{r.Response.Status, r.Response.Error}, r.Response.Messages...), " "))
		}
		row = append(row, strconv.Itoa(r.Attempts), strconv.Itoa(r.HTTPStatus), strconv.FormatFloat(r.LatencyMS, 'f', 1, 64), sent, resp, r.Reason, strconv.Itoa(r.Run))
	}
	base := len(row)
	for range c.columns {
		row = append(row, "")
	}
	c.lookup(r.Input)
	for j, kv := range r.Input {
		switch i := c.slots[j]; {
		case i >= 0:
			row[base+i] = kv.Value
			if c.secret[j] {
				row[base+i] = masked("pswd", kv.Value)
			}
		case kv.Key == "":
			row = append(row, kv.Value)
		}
	}
	for i := range row {
		row[i] = Neutralise(row[i])
	}
	c.row = row
	return c.w.Write(row)
}

// lookup fills c.slots and c.secret for the keys of in, reusing the last
// row's when the keys are the same.
func (c *CSV) lookup(in []KV) {
	same := len(in) == len(c.keys)
	for j := 0; same && j < len(in); j++ {
		same = in[j].Key == c.keys[j]
	}
	if same {
		return
	}
	c.keys, c.slots, c.secret = c.keys[:0], c.slots[:0], c.secret[:0]
	for _, kv := range in {
		i, ok := c.pos[kv.Key]
		if !ok {
			i = -1
		}
		c.keys = append(c.keys, kv.Key)
		c.slots = append(c.slots, i)
		c.secret = append(c.secret, secretKey(strings.ToLower(strings.TrimSpace(kv.Key))))
	}
}

// Close flushes the report.
func (c *CSV) Close() error { return c.flush() }

func joinIssues(is []Issue) string {
	var b strings.Builder
	for i, x := range is {
		if i > 0 {
			b.WriteString("; ")
		}
		if x.Column != "" {
			b.WriteString(x.Column)
			b.WriteString(": ")
		}
		b.WriteString(x.Message)
	}
	return b.String()
}

// Neutralise stops a spreadsheet from running a cell as a formula: a cell
// starting with = + - @ TAB or CR gets a leading ', unless it is a plain
// number with a minus or no sign. A leading plus is always protected: a
// spreadsheet would read "+37060000001" (a phone number) as the number
// 37060000001 and save it without the plus.
func Neutralise(s string) string {
	if s == "" || strings.IndexByte("=+-@\t\r", s[0]) < 0 {
		return s
	}
	if s[0] != '+' && isPlainNumber(s) {
		return s
	}
	return "'" + s
}

func isPlainNumber(s string) bool {
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
		case s[i] == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return true
}
