package schema

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/morbulk/morbulk/internal/source"
)

// Status is the verdict on one row.
type Status string

// The verdicts of validation.
const (
	StatusValid   Status = "valid"   // the row will be sent
	StatusInvalid Status = "invalid" // the row has errors and is not sent
	StatusSkipped Status = "skipped" // nothing to change: no request is made
)

// Problem is an error or warning about one column of a row ("" = the whole row).
type Problem struct {
	Column  string `json:"column"`
	Message string `json:"message"`
}

// KV is one parameter that will be sent: its code and its value.
type KV struct {
	Key   string
	Value string
}

// Outcome is the validation result of one row.
type Outcome struct {
	Status   Status
	UserID   string    // normalised user_id, "" when absent or invalid
	Params   []KV      // the exact parameters to send, in hash order (valid rows)
	Errors   []Problem // every error of the row
	Warnings []Problem // what the server will really do, when it is surprising
}

// Header maps the columns of a CSV file to parameters.
type Header struct {
	params []int    // table index per column, -1 when unusable
	names  []string // canonical (lower-case, trimmed) name per column
}

// ResolveHeader maps header names to parameters. Problems are file errors:
// when there is any, nothing from the file may be sent.
func (s *Schema) ResolveHeader(names []string) (*Header, []Problem) {
	h := &Header{params: make([]int, len(names)), names: make([]string, len(names))}
	var probs []Problem
	firstCol := make(map[int]int) // table index -> 1-based column
	hasUserID := false
	for i, raw := range names {
		h.params[i] = -1
		name := strings.ToLower(strings.TrimSpace(raw))
		h.names[i] = name
		if strings.HasPrefix(name, resultPrefix) {
			continue // a result column of a morbulk CSV report fed back: not an input
		}
		if name == "" {
			probs = append(probs, Problem{Column: "", Message: "header column " + strconv.Itoa(i+1) + " has no name: name it or delete the column"})
			continue
		}
		idx, ok := s.ix[name]
		if !ok {
			msg := "unknown column " + strconv.Quote(strings.TrimSpace(raw)) + " (header column " + strconv.Itoa(i+1) + ")"
			if sug := s.Suggest(name); sug != "" {
				msg += ": did you mean " + sug + "?"
			} else {
				msg += ": see `morbulk schema` for the column names"
			}
			probs = append(probs, Problem{Column: strings.TrimSpace(raw), Message: msg})
			continue
		}
		if prev, dup := firstCol[idx]; dup {
			msg := "column " + name + " appears twice in the header (columns " + strconv.Itoa(prev) + " and " + strconv.Itoa(i+1) + ")"
			if h.names[prev-1] != name {
				msg = "columns " + h.names[prev-1] + " and " + name + " are the same parameter (" + table[idx].Code + ", columns " + strconv.Itoa(prev) + " and " + strconv.Itoa(i+1) + ")"
			}
			probs = append(probs, Problem{Column: name, Message: msg + ": keep one of them"})
			continue
		}
		firstCol[idx] = i + 1
		h.params[i] = idx
		if table[idx].Code == "user_id" {
			hasUserID = true
		}
	}
	if !hasUserID {
		probs = append(probs, Problem{Column: "user_id", Message: "no user_id column: every row must say which user to change"})
	}
	return h, probs
}

// resultPrefix starts the result columns of a morbulk CSV report; such
// columns are ignored so that a report can be fixed and fed back as it is.
const resultPrefix = "_"

// neutralised lists the first characters the CSV report protects with a
// leading apostrophe so that a spreadsheet does not run the cell as a formula.
const neutralised = "=+-@\t\r"

// Validator judges rows one by one and remembers the user ids it has seen,
// so that the same user twice in one run is caught. It is not safe for
// concurrent use; one run uses one Validator across all its files.
type Validator struct {
	s     *Schema
	seen  idSet
	today func() time.Time
	// Scratch space reused row after row: the values found per parameter
	// and the indices that are set, so that a row costs no allocation here.
	cells  [nParams]cell
	set    []int
	userID int
	// special marks the parameters that take part in a date group or a
	// warning; rows with none of them skip those checks.
	special [nParams]bool
	specIdx [len(specialCodes)]int
}

// NewValidator returns a validator for one run. today gives the current
// date (for warnings about past block dates); nil means time.Now.
func (s *Schema) NewValidator(today func() time.Time) *Validator {
	if today == nil {
		today = time.Now
	}
	v := &Validator{s: s, today: today, userID: s.ix["user_id"]}
	for k, code := range specialCodes {
		v.specIdx[k] = s.ix[code]
		if code != "credit" && code != "u2" && code != "u3" {
			v.special[s.ix[code]] = true
		}
	}
	return v
}

// specialCodes are the parameters that checkGroups and warn look at; the
// sp* constants index them.
var specialCodes = [...]string{"ay", "am", "ad", "by", "bm", "bd", "i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8",
	"u21", "cyberplat_active", "pgui", "pcsv", "ppdf", "u3", "warning_email_active", "user_warning_email_hour",
	"accountant_type", "u13", "own_providers", "credit", "unlimited", "pswd", "u20", "accountant_type_invalid", "email_warning_sent_test", "u2"}

const (
	spAY = iota
	spAM
	spAD
	spBY
	spBM
	spBD
	spI1
	spI2
	spI3
	spI4
	spI5
	spI6
	spI7
	spI8
	spU21
	spCyberplat
	spPGUI
	spPCSV
	spPPDF
	spU3
	spWarnActive
	spWarnHour
	spAccountantType
	spU13
	spOwnProviders
	spCredit
	spUnlimited
	spPswd
	spU20
	spATInvalid
	spEWST
	spU2
)

// cell is a value found in a row for one parameter.
type cell struct {
	name    string // the name the user wrote (canonical form), for messages
	value   string
	set     bool
	flagged bool // the reader already reported this cell: present, but not judged again
}

const nParams = 96 // > len(table); checked in tests

// Check validates one row. For CSV rows h is the file's header; for YAML
// rows h is nil and keys are resolved per item. The parameters to send are
// appended to params[:0] (pass nil, or a buffer to reuse).
func (v *Validator) Check(row source.Row, h *Header, params []KV) Outcome {
	cells := &v.cells
	for _, i := range v.set {
		cells[i] = cell{}
	}
	v.set = v.set[:0]
	out := Outcome{Params: params[:0]}
	empty := true
	var flagged []string // columns the reader already reported: their values are not judged again
	for _, is := range row.Issues {
		col := strings.ToLower(strings.TrimSpace(is.Column))
		out.Errors = append(out.Errors, Problem{Column: col, Message: is.Message})
		if col != "" {
			flagged = append(flagged, col)
		}
	}
	for i := range row.Fields {
		f := &row.Fields[i]
		idx, name := -1, ""
		if h != nil {
			if f.Col < 1 || f.Col > len(h.params) {
				continue
			}
			idx, name = h.params[f.Col-1], h.names[f.Col-1]
		} else {
			name = strings.ToLower(strings.TrimSpace(f.Key))
			j, ok := v.s.ix[name]
			if !ok {
				if f.Value != "" || f.Null || f.NonScalar || f.Quoted {
					empty = false
				}
				msg := "unknown key " + strconv.Quote(strings.TrimSpace(f.Key))
				if sug := v.s.Suggest(name); sug != "" {
					msg += ": did you mean " + sug + "?"
				}
				out.Errors = append(out.Errors, Problem{Column: name, Message: msg})
				continue
			}
			idx = j
			if cells[idx].set && !cells[idx].flagged {
				out.Errors = append(out.Errors, Problem{Column: name, Message: "the same parameter is given twice in this item (" + cells[idx].name + " and " + name + "): keep one"})
				continue
			}
		}
		if idx < 0 {
			continue
		}
		switch {
		case f.NonScalar:
			empty = false
			out.Errors = append(out.Errors, Problem{Column: name, Message: "must be a single value, not a list or a mapping"})
			continue
		case f.Null:
			empty = false
			out.Errors = append(out.Errors, Problem{Column: name, Message: "an unquoted " + f.Value + " is YAML null: quote it ('" + f.Value + "') to mean the text, or leave the key out to keep the current value"})
			continue
		}
		val := f.Value
		if n := len(val); n > 0 && (val[0] <= ' ' || val[n-1] <= ' ' || val[0] >= 0x80 || val[n-1] >= 0x80) {
			val = strings.TrimSpace(val) // the common case has nothing to trim
		}
		if val == "" {
			continue // empty means "leave unchanged"
		}
		if len(flagged) > 0 && slices.Contains(flagged, name) {
			empty = false
			if !cells[idx].set { // counts as given (user_id, date groups) without a second error
				cells[idx] = cell{name: name, value: val, set: true, flagged: true}
				v.set = append(v.set, idx)
			}
			continue
		}
		if len(val) > 1 && val[0] == '\'' && strings.IndexByte(neutralised, val[1]) >= 0 {
			val = val[1:] // a report cell morbulk protected from formula evaluation, fed back
		}
		empty = false
		cells[idx] = cell{name: name, value: val, set: true}
		v.set = append(v.set, idx)
	}
	if empty && len(out.Errors) == 0 {
		out.Status = StatusSkipped
		out.Params = out.Params[:0]
		return out
	}
	slices.Sort(v.set) // table order is hash order: params come out in sending order
	// A row the reader could not take apart at all has its reason already:
	// "user_id is required" would only be a false second error.
	if !cells[v.userID].set && (len(row.Issues) == 0 || len(row.Fields) > 0) {
		out.Errors = append(out.Errors, Problem{Column: "user_id", Message: "user_id is required: say which user this row changes"})
	}
	v.checkValues(cells, &out)
	special := false
	for _, i := range v.set {
		special = special || v.special[i]
	}
	if special {
		v.checkGroups(cells, &out)
		v.warn(cells, &out)
	}
	// The same user twice in one run: the later row is an error, unless one
	// of the two changes nothing (a skipped row sends no request).
	if out.UserID != "" && (len(out.Params) > 1 || len(out.Errors) > 0) {
		if id, err := strconv.ParseUint(out.UserID, 10, 64); err == nil && !v.seen.add(id) {
			out.Errors = append(out.Errors, Problem{Column: cells[v.userID].name, Message: "user_id " + out.UserID + " already appears in an earlier row of this run: merge the two rows so that the user is changed once"})
		}
	}
	switch {
	case len(out.Errors) > 0:
		out.Status = StatusInvalid
		out.Params = out.Params[:0]
	case len(out.Params) <= 1:
		out.Status = StatusSkipped
		out.Params = out.Params[:0]
	default:
		out.Status = StatusValid
	}
	return out
}

func (v *Validator) checkValues(cells *[nParams]cell, out *Outcome) {
	for _, i := range v.set {
		c := &cells[i]
		p := &table[i]
		if c.flagged {
			continue
		}
		val, msg := checkValue(p, c.value)
		if msg != "" {
			out.Errors = append(out.Errors, Problem{Column: c.name, Message: msg})
			continue
		}
		if i == v.userID {
			out.UserID = val
			if val != c.value {
				out.Warnings = append(out.Warnings, Problem{Column: c.name, Message: "user_id " + strconv.Quote(c.value) + " is sent as " + val + " (leading zeros dropped): check that it is the user you mean"})
			}
		}
		c.value = val // the date check and the warnings judge what is sent ("-01" is -1)
		out.Params = append(out.Params, KV{Key: p.Code, Value: val})
	}
}

// checkGroups checks the split dates: all three parts or none, and a real date.
func (v *Validator) checkGroups(cells *[nParams]cell, out *Outcome) {
	for gi, g := range [2][3]string{{"ay", "am", "ad"}, {"by", "bm", "bd"}} {
		var idx [3]int
		n := 0
		for k := range g {
			idx[k] = v.specIdx[spAY+3*gi+k]
			if cells[idx[k]].set {
				n++
			}
		}
		if n == 0 {
			continue
		}
		useAlias := false // name the parts the way the row names them
		for k := range g {
			if c := cells[idx[k]]; c.set && c.name != table[idx[k]].Code {
				useAlias = true
			}
		}
		label := g[0] + ", " + g[1] + " and " + g[2]
		if useAlias {
			label = table[idx[0]].Alias + ", " + table[idx[1]].Alias + " and " + table[idx[2]].Alias
		}
		if n < 3 {
			for k := range g {
				if !cells[idx[k]].set {
					col := table[idx[k]].Code
					if useAlias {
						col = table[idx[k]].Alias
					}
					out.Errors = append(out.Errors, Problem{Column: col, Message: label + " must be given together (" + col + " is blank): fill in all three or leave all three blank"})
				}
			}
			continue
		}
		y, e1 := strconv.Atoi(cells[idx[0]].value)
		m, e2 := strconv.Atoi(cells[idx[1]].value)
		d, e3 := strconv.Atoi(cells[idx[2]].value)
		if e1 != nil || e2 != nil || e3 != nil || hasErrorOn(out, cells, idx) {
			continue // the part itself is already reported
		}
		if d > daysIn(y, m) {
			date := pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2)
			why := time.Month(m).String() + " has " + strconv.Itoa(daysIn(y, m)) + " days"
			if m == 2 && d == 29 {
				why = strconv.Itoa(y) + " is not a leap year"
			}
			out.Errors = append(out.Errors, Problem{Column: cells[idx[2]].name, Message: date + " does not exist (" + why + "): fix " + label})
			continue
		}
		if g[0] == "by" {
			t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
			now := v.today()
			if t.Before(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)) {
				out.Warnings = append(out.Warnings, Problem{Column: cells[idx[0]].name, Message: "the block-at date is in the past, so the nightly job will never block this user: to block now, set u15 (blocked) to 1"})
			}
		}
	}
}

func hasErrorOn(out *Outcome, cells *[nParams]cell, idx [3]int) bool {
	for _, e := range out.Errors {
		for _, i := range idx {
			if e.Column == cells[i].name {
				return true
			}
		}
	}
	return false
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func pad(n, w int) string {
	s := strconv.Itoa(n)
	for len(s) < w {
		s = "0" + s
	}
	return s
}

// checkValue judges one non-empty trimmed value and returns what to send, or an error message.
func checkValue(p *Param, val string) (string, string) {
	switch p.Kind {
	case KindID:
		return checkID(p, val)
	case KindInt:
		return checkInt(p, val)
	case KindFlag:
		if val == "0" || val == "1" {
			return val, ""
		}
		return "", "must be 0 or 1 (got " + quote(val) + ")" + boolHint(val)
	case KindBit:
		want := itoa(p.Max)
		if val == "0" || val == want {
			return val, ""
		}
		msg := "must be 0 or " + want + " (got " + quote(val) + ")"
		if val == "1" && p.Max != 1 {
			switch {
			case strings.HasPrefix(p.Code, "i"):
				msg += ": MOR adds the i-values up, so 1 would make the invoice mask odd (\"use the system default\"); write " + want + " to turn this invoice on"
			default:
				msg += ": MOR adds pgui, pcsv and ppdf up, so 1 would turn on the GUI bit instead; write " + want + " to turn this one on"
			}
		}
		return "", msg + boolHint(val)
	case KindDecimal:
		return checkDecimal(p, val)
	case KindEnum:
		for _, v := range p.Values {
			if val == v {
				return val, ""
			}
		}
		for _, v := range p.Values {
			if strings.EqualFold(val, v) {
				return "", "must be written in lower case: " + v + " (got " + quote(val) + ")"
			}
		}
		return "", "must be one of " + strings.Join(p.Values, ", ") + " (got " + quote(val) + ")"
	case KindYear:
		if len(val) != 4 || !allDigits(val) || val[0] == '0' {
			return "", "must be a 4-digit year (got " + quote(val) + ")"
		}
		return val, ""
	case KindMonth:
		return checkRange(val, 1, 12, "must be 1-12")
	case KindDay:
		return checkRange(val, 1, 31, "must be 1-31")
	case KindEmail:
		if msg := checkText(p, val); msg != "" {
			return "", msg
		}
		if !validEmail(val) {
			return "", quote(val) + " is not a valid email address (expected name@example.com)"
		}
		return val, ""
	default: // KindText, KindSecret
		if msg := checkText(p, val); msg != "" {
			return "", msg
		}
		return val, ""
	}
}

func checkRange(val string, lo, hi int, what string) (string, string) {
	v, ok := parseDigits(val)
	if !ok || v < int64(lo) || v > int64(hi) {
		return "", what + " (got " + quote(val) + ")" + numberHint(val)
	}
	return canonical(val, v), ""
}

// canonical is val without leading zeros; val itself when it has none.
func canonical(val string, n int64) string {
	if len(val) == 1 || val[0] != '0' {
		return val
	}
	return itoa(n)
}

// parseDigits reads a base-10 whole number with no sign (leading zeros allowed).
func parseDigits(val string) (int64, bool) {
	if !allDigits(val) {
		return 0, false
	}
	t := strings.TrimLeft(val, "0")
	if len(t) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(t); i++ {
		n = n*10 + int64(t[i]-'0')
	}
	return n, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

func checkID(p *Param, val string) (string, string) {
	n, ok := parseDigits(val)
	if !ok {
		return "", "must be a whole number in base 10 (got " + quote(val) + ")" + numberHint(val)
	}
	if n < p.Min {
		if p.Code == "user_id" && n == 0 {
			return "", "user_id 0 is the admin account: change it in the MOR GUI, not in bulk"
		}
		return "", "must be at least " + itoa(p.Min) + " (got " + quote(val) + ")"
	}
	return canonical(val, n), ""
}

func checkInt(p *Param, val string) (string, string) {
	neg := strings.HasPrefix(val, "-")
	n, ok := parseDigits(strings.TrimPrefix(val, "-"))
	if !ok {
		return "", "must be " + p.Allowed() + " (got " + quote(val) + ")" + numberHint(val)
	}
	if neg {
		n = -n
	}
	for _, x := range p.Extra {
		if n == x {
			return itoa(n), ""
		}
	}
	if n < p.Min || n > p.Max {
		msg := "must be " + p.Allowed() + " (got " + quote(val) + ")"
		if p.Code == "u18" && n < 0 {
			msg += ": MOR stores a negative limit as 0, which means unlimited"
		}
		return "", msg
	}
	return itoa(n), ""
}

// checkDecimal accepts [-]digits[.digits] and explains every other shape.
func checkDecimal(p *Param, val string) (string, string) {
	s := val
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if plainDecimal(s) {
		if neg && !p.Negative {
			if p.Code == "credit" {
				return "", "must not be negative (got " + quote(val) + "): MOR silently stores a negative credit as 0; for unlimited credit send unlimited=1 instead"
			}
			return "", "must not be negative (got " + quote(val) + ")"
		}
		return val, ""
	}
	return "", decimalHint(val)
}

// plainDecimal tells whether s is digits, optionally a point and more digits.
func plainDecimal(s string) bool {
	if len(s) == 0 || len(s) > 24 {
		return false
	}
	digits, dot := 0, -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && dot < 0:
			dot = i
		default:
			return false
		}
	}
	return dot != 0 && dot != len(s)-1 && digits > 0
}

func decimalHint(val string) string {
	q := quote(val)
	lower := strings.ToLower(val)
	comma := strings.Count(val, ",")
	dot := strings.Count(val, ".")
	digitsOnly := strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || r == '-' || r == '.' {
			return r
		}
		return -1
	}, val)
	switch {
	case strings.Contains(lower, "nan") || strings.Contains(lower, "inf"):
		return q + " is not a finite number: write a plain decimal number such as 12.5"
	case isScientific(val):
		return "exponent notation " + q + " is not accepted: write the number in full, e.g. " + expand(val)
	case comma > 0 && dot > 0 && strings.LastIndex(val, ",") > strings.LastIndex(val, "."):
		return q + " uses locale grouping and a decimal comma: write " + strings.ReplaceAll(strings.ReplaceAll(val, ".", ""), ",", ".")
	case comma > 0 && dot > 0:
		return q + " has a thousands separator: write " + strings.ReplaceAll(val, ",", "")
	case comma == 1 && dot == 0 && len(val)-strings.IndexByte(val, ',') == 4:
		return q + " has a comma, which is either a decimal comma or a thousands separator: write " + strings.ReplaceAll(val, ",", ".") + " or " + strings.ReplaceAll(val, ",", "")
	case comma == 1 && dot == 0:
		return q + " uses a decimal comma: write " + strings.ReplaceAll(val, ",", ".")
	case comma > 1:
		return q + " has thousands separators: write " + strings.ReplaceAll(val, ",", "")
	case strings.ContainsAny(val, " \u00a0'_"):
		return q + " has grouping characters: write " + digitsOnly
	case strings.HasPrefix(val, "+"):
		return q + " has a plus sign: write " + val[1:]
	case strings.HasPrefix(val, ".") || strings.HasSuffix(val, "."):
		return q + " needs digits on both sides of the point, e.g. 0.5"
	case strings.ContainsAny(val, "$€£%"):
		return q + " holds a currency or percent sign: write the number alone"
	}
	return "must be a decimal number with . as the point, e.g. 12.5 (got " + q + ")"
}

// isScientific tells whether val looks like 1.5E+3 or 6.12345E+09.
func isScientific(val string) bool {
	i := strings.IndexAny(val, "eE")
	if i < 0 {
		return false
	}
	mant, exp := val[:i], val[i+1:]
	if mant == "" || exp == "" {
		return false
	}
	mant = strings.TrimPrefix(mant, "-")
	exp = strings.TrimPrefix(strings.TrimPrefix(exp, "+"), "-")
	whole, f, _ := strings.Cut(mant, ".")
	return allDigits(whole) && (f == "" || allDigits(f)) && allDigits(exp)
}

// expand writes a number in exponent notation in full, for hints.
func expand(val string) string {
	f, err := strconv.ParseFloat(val, 64)
	if err != nil {
		return "1500"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func numberHint(val string) string {
	switch {
	case isScientific(val):
		return ": this is scientific notation, as a spreadsheet writes a long number; format the column as Text and export again"
	case strings.HasPrefix(val, "-") || strings.HasPrefix(val, "+"):
		return ": write it without a sign"
	case strings.HasPrefix(strings.ToLower(val), "0x") || strings.HasPrefix(strings.ToLower(val), "0o") || strings.HasPrefix(strings.ToLower(val), "0b"):
		return ": write it in base 10"
	case strings.ContainsAny(val, "_, '\u00a0"):
		return ": write the digits alone, without separators"
	case strings.Contains(val, "."):
		return ": it must be a whole number"
	}
	return ""
}

func boolHint(val string) string {
	switch strings.ToLower(val) {
	case "yes", "y", "true", "on", "no", "n", "false", "off":
		return ": write 1 for yes/on/true and 0 for no/off/false"
	}
	return ""
}

var spreadsheetErrors = []string{"#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#ERROR!"}

// checkText enforces one line of valid UTF-8 without control characters,
// within the length limit, and catches values a spreadsheet has mangled.
func checkText(p *Param, val string) string {
	ascii := true
	for i := 0; i < len(val); i++ {
		c := val[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if c < 0x20 || c == 0x7f {
			ascii = false // the slow loop below names the problem
			break
		}
	}
	if ascii {
		if p.MaxLen > 0 && len(val) > p.MaxLen {
			return "is " + strconv.Itoa(len(val)) + " characters long; the limit is " + strconv.Itoa(p.MaxLen)
		}
		return mangled(val)
	}
	if !utf8.ValidString(val) {
		return "not valid UTF-8: save the file as UTF-8 or name its encoding with --encoding"
	}
	for _, r := range val {
		switch {
		case r == '\n' || r == '\r':
			return "contains a line break: " + p.Name() + " must be one line"
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			return fmt.Sprintf("contains the control character U+%04X: remove it", r)
		case r == '\ufeff' || r == '\u200b' || r == '\u2060':
			// A byte-order mark from files pasted together, or a zero-width
			// space: invisible, and it would be stored in the account.
			return fmt.Sprintf("contains the invisible character U+%04X (a byte-order mark or zero-width space, often from copying between files): delete it", r)
		}
	}
	if p.MaxLen > 0 {
		if n := utf8.RuneCountInString(val); n > p.MaxLen {
			return "is " + strconv.Itoa(n) + " characters long; the limit is " + strconv.Itoa(p.MaxLen)
		}
	}
	return mangled(val)
}

// mangled catches values a spreadsheet has visibly mangled.
func mangled(val string) string {
	if val[0] >= '0' && val[0] <= '9' && strings.ContainsAny(val, "eE") && isScientific(val) {
		return quote(val) + " is scientific notation: the spreadsheet turned a long number into a float and dropped digits; format the column as Text and export again"
	}
	if val[0] == '#' {
		for _, e := range spreadsheetErrors {
			if strings.EqualFold(val, e) {
				return quote(val) + " is a spreadsheet error value, not data: fix the formula in the sheet"
			}
		}
	}
	return ""
}

// validEmail accepts local@domain.tld with the usual ASCII characters.
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || len(s) > 254 || strings.Contains(domain, "@") {
		return false
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !(isAlnum(c) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0) {
			return false
		}
	}
	labels := 0
	tld := ""
	for rest := domain; ; {
		l, next, more := strings.Cut(rest, ".")
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !(isAlnum(l[i]) || l[i] == '-') {
				return false
			}
		}
		labels++
		tld = l
		if !more {
			break
		}
		rest = next
	}
	return labels >= 2 && len(tld) >= 2 && !allDigits(tld)
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func quote(s string) string {
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return strconv.Quote(s)
}
