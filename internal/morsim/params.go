package morsim

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBody caps a request body; MOR requests are a few hundred bytes.
const maxBody = 1 << 20

var errBodyTooLarge = errors.New("body larger than 1 MiB")

// params are the request parameters after Rails' merge: query string first,
// then the form body, the body winning; for a repeated key the last one wins
// (Rack's behaviour for keys without []).
type params map[string]string

func (p params) get(k string) (string, bool) {
	v, ok := p[k]
	return v, ok
}

func (p params) has(k string) bool {
	_, ok := p[k]
	return ok
}

// readParams merges the query string and an urlencoded body.
// INFERENCE: JSON bodies (which Rails 3.2 would also parse) are not supported.
func readParams(r *http.Request) (params, error) {
	p := params{}
	for k, vs := range r.URL.Query() {
		p[k] = vs[len(vs)-1]
	}
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return p, nil
	}
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		return p, nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read form body: %w", err)
	}
	if len(raw) > maxBody {
		return nil, fmt.Errorf("read form body: %w", errBodyTooLarge)
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, fmt.Errorf("parse form body: %w", err)
	}
	for k, vs := range form {
		p[k] = vs[len(vs)-1]
	}
	return p, nil
}

// rubyToI is Ruby's String#to_i: optional spaces and sign, then leading
// digits; anything unparsable gives 0. Saturates instead of overflowing.
func rubyToI(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\r\f\v")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' && i > 0 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		if n > (math.MaxInt64-int64(c-'0'))/10 {
			n = math.MaxInt64
			break
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		return -n
	}
	return n
}

// rubyToF is Ruby's String#to_f: the longest leading float literal, else 0.
func rubyToF(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\r\f\v")
	end := 0
	seenDigit, seenDot, seenExp := false, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			seenDigit = true
			end = i + 1
		case (c == '-' || c == '+') && (i == 0 || s[i-1] == 'e' || s[i-1] == 'E'):
		case c == '.' && !seenDot && !seenExp:
			seenDot = true
		case (c == 'e' || c == 'E') && seenDigit && !seenExp:
			seenExp = true
		default:
			i = len(s)
		}
	}
	if !seenDigit {
		return 0
	}
	f, err := strconv.ParseFloat(strings.TrimRight(s[:end], "eE+-"), 64)
	if err != nil {
		return 0
	}
	return f
}

// rubyFloatS is Ruby's Float#to_s for ordinary values: 18 -> "18.0", 10.5 -> "10.5".
func rubyFloatS(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
