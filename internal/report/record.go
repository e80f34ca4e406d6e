package report

import "time"

// Statuses a record can have.
const (
	StatusValid     = "valid"
	StatusInvalid   = "invalid"
	StatusSkipped   = "skipped"
	StatusFileError = "file_error"
	StatusUpdated   = "updated"
	StatusFailed    = "failed"
	StatusNotSent   = "not_sent"
)

// Statuses lists every status in the order summaries show them.
var Statuses = []string{StatusUpdated, StatusValid, StatusSkipped, StatusInvalid, StatusFailed, StatusNotSent, StatusFileError}

// KV is a parameter and its value, as sent.
type KV struct {
	Key   string
	Value string
}

// Issue is an error or warning attached to a column ("" = the whole row).
type Issue struct {
	Column  string `json:"column"`
	Message string `json:"message"`
}

// Response is what the server answered to the last attempt.
type Response struct {
	Status   string   `json:"status,omitempty"`
	Error    string   `json:"error,omitempty"`
	Messages []string `json:"messages,omitempty"`
}

// Record is the one result of one input row.
type Record struct {
	File     string
	Row      int // spreadsheet row (CSV) or item (YAML); 0 for a whole-file record
	Line     int
	Status   string
	UserID   string
	Params   []KV
	Errors   []Issue
	Warnings []Issue
	Input    []KV // the input's own cells as read (column name as written, value); Key "" = a cell past the header, written after the columns

	// Set by apply.
	Attempts   int
	HTTPStatus int
	LatencyMS  float64
	SentAt     time.Time
	Response   *Response
	Reason     string // why a row was not sent
	Run        int    // which run (1 = first, 2 = first resume, ...) produced this result

	// Seq numbers the records of a run in input order, from 1 (not written
	// out); Ordered uses it to put results that finish out of order back.
	Seq int

	// Carried marks a row finished by an earlier run of a resumed journal:
	// the spreadsheet report shows it, the journal already has it.
	Carried bool
}

// Secret parameters are never written out.
func masked(key, value string) string {
	if secretKey(key) {
		return "********"
	}
	return value
}

// secretKey tells whether a parameter (code or alias, lower case) is a password.
func secretKey(key string) bool { return key == "pswd" || key == "password" }
