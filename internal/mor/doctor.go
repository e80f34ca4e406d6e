package mor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// UserDetails is what user_details (user_details_get on X4) returns.
type UserDetails struct {
	UserID string // <userid>: the caller's id on MOR 11/12, the target's on X3 (doc §5.1)
	Fields Params // leaf elements under <details> by name, in order: account, balance, ..., reg_email
}

// Details reads one user with user_details (X4: user_details_get), hashed
// as SHA1(user_id + key) whatever the hash mode (doc §5.1). It changes
// nothing on the server. Result.Class is Updated when the details came back.
func (c *Client) Details(ctx context.Context, userID string) (UserDetails, Result) {
	ps := Params{{Key: "user_id", Value: userID}}
	var h Hashed
	if !c.noHash {
		h = c.hasher.Hash(HashLegacy, ps, c.secret)
	}
	res := c.call(ctx, c.detailsURL, ps, h)
	if res.Class == Updated && !res.Response.HasDetails {
		res.Class, res.Recognised = Protocol, false
		res.Err = fmt.Errorf("%w: the answer has no <details> element", ErrProtocol)
	}
	return UserDetails{UserID: res.Response.UserID, Fields: res.Response.Details}, res
}

// CheckState is the outcome of one doctor check.
type CheckState int

// The check states.
const (
	CheckOK      CheckState = iota + 1 // passed
	CheckWarn                          // passed, with something to know
	CheckFail                          // failed: Fix says what to do
	CheckSkipped                       // not reached because an earlier check failed
)

// String names the state for output.
func (s CheckState) String() string {
	switch s {
	case CheckOK:
		return "ok"
	case CheckWarn:
		return "warn"
	case CheckFail:
		return "FAIL"
	case CheckSkipped:
		return "skipped"
	}
	return "?"
}

// Check is one line of the doctor's report.
type Check struct {
	Name   string     // what was checked, e.g. "login"
	State  CheckState // outcome
	Detail string     // what was seen, in plain words
	Fix    string     // what to do, when State is CheckFail or CheckWarn
}

// Doctor checks the server and the configuration with one read-only
// user_details call for userID ("" means 0, the admin; give a user the API
// user may see, e.g. one from the input file, when it is a reseller). The
// checks follow the order in which the server tests a request (doc §1.3):
// the server answers (connection, TLS, HTTP status, a MOR answer), the API
// is enabled, the method (GET/POST) is allowed, the API method exists, the
// secret (Incorrect hash: tested before the login), the login, and the read
// itself. A check after a failed one is CheckSkipped. Nothing on the server
// is changed.
func (c *Client) Doctor(ctx context.Context, userID string) []Check {
	if userID == "" {
		userID = "0"
	}
	det, res := c.Details(ctx, userID)
	err := res.Err
	checks := []Check{
		{Name: "server answers"},
		{Name: "API enabled"},
		{Name: "request method " + c.method},
		{Name: "API method " + c.profile.DetailsEndpoint},
		{Name: "secret key (hash, mode " + HashLegacy.String() + " for reads)"},
		{Name: "login as " + c.user},
		{Name: "read user " + userID},
	}
	// failedAt is the index of the failing check, len(checks) when none failed.
	failedAt := len(checks)
	fail := func(i int, detail string) {
		failedAt = i
		checks[i].State, checks[i].Detail, checks[i].Fix = CheckFail, detail, Fix(err)
	}
	switch {
	case res.Class == Transient || res.Class == Protocol ||
		errors.Is(err, ErrRedirect) || errors.Is(err, ErrTLS) || errors.Is(err, ErrHTTPStatus):
		fail(0, errText(err))
		if checks[0].Fix == "" {
			checks[0].Fix = "check the base URL (" + c.detailsURL + "), that the server is up and reachable from here, and any proxy or firewall"
		}
	case errors.Is(err, ErrAPIDisabled):
		fail(1, "the server answered: API Requests are disabled")
	case errors.Is(err, ErrGETDisabled):
		fail(2, "the server answered: GET Requests are disabled")
	case errors.Is(err, ErrUndefinedMethod):
		fail(3, errText(err))
	case errors.Is(err, ErrIncorrectHash):
		fail(4, "the server answered: Incorrect hash")
		if c.noHash {
			checks[4].Fix = "the server checks hashes: do not disable the hash, and set the API secret key"
		}
	case errors.Is(err, ErrBadLogin):
		fail(5, "the server answered: Bad login")
		if c.profile.Password == PasswordNotSent {
			checks[5].Fix += "; profile " + c.profile.Name + " does not send the password: if the server is MOR 11 or 12, use --profile mor11 or mor12"
		}
	case errors.Is(err, ErrAccessDenied):
		fail(5, errText(err))
		checks[5].Fix = "the API user must be an admin, reseller or accountant (a simple user is always refused)"
	}
	for i := range checks {
		switch {
		case i > failedAt:
			checks[i].State, checks[i].Detail = CheckSkipped, "not checked: an earlier check failed"
		case i < failedAt:
			checks[i].State = CheckOK
			checks[i].Detail = "passed: the server went on to the next check"
		}
	}
	if failedAt > 0 {
		checks[0].Detail = fmt.Sprintf("HTTP %d in %s", res.HTTPStatus, res.Latency.Round(100*time.Microsecond))
	}
	if failedAt == len(checks) {
		checks[1].Detail = "the API answered"
		checks[2].Detail = c.method + " accepted"
		if c.method == http.MethodGet {
			checks[2].State = CheckWarn
			checks[2].Fix = "GET puts the password and the hash in URLs and server logs: use POST"
		}
		checks[3].Detail = "the server knows " + c.profile.DetailsEndpoint
		checks[4].Detail = "the hash was accepted"
		if c.noHash {
			checks[4].State, checks[4].Detail = CheckWarn, "no hash sent and none required: hash checking is disabled on the server"
		}
		checks[5].Detail = "accepted"
		last := &checks[6]
		switch {
		case res.Class == Updated:
			last.State = CheckOK
			last.Detail = fmt.Sprintf("details returned (%d fields, userid %s)", len(det.Fields), orDash(det.UserID))
		case errors.Is(err, ErrUserNotFound) && c.profile.LoginByName:
			// X3 and later check the login first (Bad login): it passed.
			last.State = CheckWarn
			last.Detail = "User was not found"
			last.Fix = "user " + userID + " does not exist or is not visible to " + c.user +
				" (a reseller sees only his users and himself): give --user-id with one of them to check the read"
		case errors.Is(err, ErrUserNotFound):
			// MOR 11 and 12 answer user_details with "User was not found" for
			// a wrong user name or password too (doc §5.1): a login that
			// cannot be confirmed is not a pass.
			failedAt = 5
			checks[5].State, checks[5].Detail = CheckFail, "not confirmed: reading user "+userID+" gave User was not found"
			checks[5].Fix = "on MOR 11 and 12 this is the answer to a wrong user name or password (check MORBULK_USER and MORBULK_PASSWORD or --password-file), " +
				"or to a user out of sight: if " + c.user + " is a reseller, give --user-id with his own id or one of his users"
			last.State, last.Detail = CheckSkipped, "not checked: an earlier check failed"
		default:
			last.State = CheckFail
			last.Detail = errText(err)
			last.Fix = Fix(err)
		}
	}
	for i := range checks {
		checks[i].Detail = c.redact(checks[i].Detail)
	}
	return checks
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
