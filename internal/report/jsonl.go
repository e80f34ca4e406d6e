package report

import (
	"bufio"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// JSONL writes one JSON object per record and flushes after each one, so a
// journal read after a crash holds every record written before it.
type JSONL struct {
	w   *bufio.Writer
	buf []byte
	// FlushEvery controls flushing: 1 flushes every record (journals), n > 1
	// every n records (bulk validation). 0 means 1.
	FlushEvery int
	n          int
}

// NewJSONL writes records to w.
func NewJSONL(w io.Writer) *JSONL {
	return &JSONL{w: bufio.NewWriterSize(w, 256<<10)}
}

// Write encodes one record; records carried from an earlier run are
// already in the journal and are skipped.
func (j *JSONL) Write(r *Record) error {
	if r.Carried {
		return nil
	}
	j.buf = AppendJSON(j.buf[:0], r)
	j.buf = append(j.buf, '\n')
	if _, err := j.w.Write(j.buf); err != nil {
		return err
	}
	j.n++
	if j.FlushEvery <= 1 || j.n%j.FlushEvery == 0 {
		return j.w.Flush()
	}
	return nil
}

// Close flushes what is buffered.
func (j *JSONL) Close() error { return j.w.Flush() }

// AppendJSON appends the JSON object of r to b, with the keys in a fixed
// order and params in the order they are sent.
func AppendJSON(b []byte, r *Record) []byte {
	b = append(b, `{"file":`...)
	b = appendString(b, r.File)
	b = append(b, `,"row":`...)
	b = strconv.AppendInt(b, int64(r.Row), 10)
	b = append(b, `,"line":`...)
	b = strconv.AppendInt(b, int64(r.Line), 10)
	b = append(b, `,"status":`...)
	b = appendString(b, r.Status)
	b = append(b, `,"user_id":`...)
	b = appendString(b, r.UserID)
	b = append(b, `,"params":{`...)
	for i, p := range r.Params {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, p.Key)
		b = append(b, ':')
		b = appendString(b, masked(p.Key, p.Value))
	}
	b = append(b, `},"errors":`...)
	b = appendIssues(b, r.Errors)
	b = append(b, `,"warnings":`...)
	b = appendIssues(b, r.Warnings)
	if r.Run > 0 {
		b = append(b, `,"run":`...)
		b = strconv.AppendInt(b, int64(r.Run), 10)
	}
	if r.Attempts > 0 || r.Reason != "" || r.Response != nil {
		b = append(b, `,"attempts":`...)
		b = strconv.AppendInt(b, int64(r.Attempts), 10)
		b = append(b, `,"http_status":`...)
		b = strconv.AppendInt(b, int64(r.HTTPStatus), 10)
		b = append(b, `,"latency_ms":`...)
		b = strconv.AppendFloat(b, r.LatencyMS, 'f', 1, 64)
		b = append(b, `,"sent_at":`...)
		if r.SentAt.IsZero() {
			b = append(b, `null`...)
		} else {
			b = appendString(b, r.SentAt.UTC().Format(time.RFC3339Nano))
		}
		if r.Response != nil {
			b = append(b, `,"response":{"status":`...)
			b = appendString(b, r.Response.Status)
			b = append(b, `,"error":`...)
			b = appendString(b, r.Response.Error)
			b = append(b, `,"messages":[`...)
			for i, m := range r.Response.Messages {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendString(b, m)
			}
			b = append(b, `]}`...)
		}
		if r.Reason != "" {
			b = append(b, `,"reason":`...)
			b = appendString(b, r.Reason)
		}
	}
	return append(b, '}')
}

func appendIssues(b []byte, is []Issue) []byte {
	b = append(b, '[')
	for i, x := range is {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"column":`...)
		b = appendString(b, x.Column)
		b = append(b, `,"message":`...)
		b = appendString(b, x.Message)
		b = append(b, '}')
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// safeASCII marks the bytes a JSON string can hold as they are.
var safeASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString appends s as a JSON string; invalid UTF-8 becomes U+FFFD
// (the report must stay valid JSON; the input itself is never rewritten).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	plain := true
	for i := 0; i < len(s); i++ {
		if !safeASCII[s[i]] {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
