package mor

import (
	"errors"
	"fmt"
	"strings"
)

// Class is what an answer means for the row and for the run.
type Class int

// The classes. The zero Class is "not classified".
const (
	// Updated: "User was updated" (for Details: the details came back).
	Updated Class = iota + 1
	// RowError: the server refused this row (user not found, tariff not
	// found, no rights, validation messages, any other <error>). The run goes on.
	RowError
	// Systemic: every row would fail the same way (Bad login, Incorrect hash,
	// API or GET disabled, unknown method, redirect to another host, TLS, HTTP
	// 4xx). The run should stop and the user fix the configuration.
	Systemic
	// Transient: HTTP 5xx, 429, connection errors, timeouts, truncated bodies.
	// The row's fate is unknown; retrying is safe for user_update_api (doc §7.3 #11).
	Transient
	// Protocol: the server answered 200 but not with a MOR answer (an HTML
	// page, garbage, a body over the size cap). The row's fate is unknown.
	// Usually a wrong base URL when every row gets it.
	Protocol
)

// String names the class for reports.
func (c Class) String() string {
	switch c {
	case Updated:
		return "updated"
	case RowError:
		return "row-error"
	case Systemic:
		return "systemic"
	case Transient:
		return "transient"
	case Protocol:
		return "protocol"
	default:
		return "unclassified"
	}
}

// Sentinel errors. A Result's Err wraps exactly one of them; test with errors.Is
// and print Fix(err) for the advice.
var (
	// Systemic.
	ErrBadLogin        = errors.New("bad login")
	ErrIncorrectHash   = errors.New("incorrect hash")
	ErrAPIDisabled     = errors.New("API requests are disabled")
	ErrGETDisabled     = errors.New("GET requests are disabled")
	ErrUndefinedMethod = errors.New("the server does not know this API method")
	ErrRedirect        = errors.New("redirect refused")
	ErrTLS             = errors.New("TLS certificate not accepted")
	ErrHTTPStatus      = errors.New("unexpected HTTP status")

	// Row errors.
	ErrUserNotFound   = errors.New("user was not found")
	ErrTariffNotFound = errors.New("tariff not found")
	ErrNoEditRights   = errors.New("no rights to edit this user")
	ErrAccessDenied   = errors.New("access denied")
	ErrNotUpdated     = errors.New("user was not updated")
	ErrTooShort       = errors.New("value too short")
	ErrRejected       = errors.New("rejected by the server")
	ErrInvalidRow     = errors.New("invalid row parameters")

	// Transient.
	ErrServer      = errors.New("server error")
	ErrRateLimited = errors.New("rate limited")
	ErrNetwork     = errors.New("network error")
	ErrTimeout     = errors.New("timeout")
	ErrTruncated   = errors.New("response truncated")
	ErrCanceled    = errors.New("canceled")

	// Protocol.
	ErrProtocol = errors.New("not a MOR API answer")
	ErrTooLarge = errors.New("response too large")
)

// Fix says in plain words what to do about err, or "" when there is no advice.
func Fix(err error) string {
	switch {
	case errors.Is(err, ErrIncorrectHash):
		return "check the API secret key (MORBULK_SECRET; Settings -> API -> API Secret Key, or the reseller's own key), " +
			"the hash mode (--hash-mode legacy for MOR 11 as documented, full for later servers, or --profile), " +
			"for a reseller on X3 his password as well (the server finds his own key by user name and password; without it the admin's key applies), " +
			"and that the row has no parameter the server hashes but morbulk does not know (check a row with `morbulk hash --explain KEY=VALUE...`)"
	case errors.Is(err, ErrBadLogin):
		return "check the user name (MORBULK_USER or --user) and the password (MORBULK_PASSWORD or --password-file): " +
			"MOR 11 and 12 check both, X3 and later only the user name, which must be an admin, reseller or accountant"
	case errors.Is(err, ErrAPIDisabled):
		return "enable Allow API in Settings -> Setup -> Settings -> API (Allow API globally)"
	case errors.Is(err, ErrGETDisabled):
		return "use POST (the default; drop --method GET), or enable Allow GET API in Settings -> API (not recommended: GET puts the password in logs)"
	case errors.Is(err, ErrUndefinedMethod):
		return "the API method name is wrong for this server: use --profile x4 for user_details_update, or another profile for user_update_api"
	case errors.Is(err, ErrRedirect):
		return "set the base URL to the address the server redirects to (e.g. https:// instead of http://, or the final host)"
	case errors.Is(err, ErrTLS):
		return "the server's certificate is not trusted: fix the certificate or add its CA to the system trust store"
	case errors.Is(err, ErrHTTPStatus):
		return "check the base URL (usually https://host/billing) and any proxy or firewall in front of MOR"
	case errors.Is(err, ErrAccessDenied):
		return "the API user must be an admin, reseller or accountant, and may not edit user 0 or (accountant) himself, nor set usertype beyond its rights"
	case errors.Is(err, ErrNoEditRights):
		return "give the accountant's group the Manage Users right at Read/Edit"
	case errors.Is(err, ErrUserNotFound):
		return "check user_id: the user must exist and belong to the API user (admin: owner 0; reseller: his own users)"
	case errors.Is(err, ErrTariffNotFound):
		return "the tariff (u5) must exist and belong to the API user's owner"
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrProtocol):
		return "check the base URL: it should point to the MOR GUI root (usually https://host/billing)"
	case errors.Is(err, ErrRateLimited):
		return "lower --rate or --workers"
	}
	return ""
}

// normText folds a server text for matching: case, typographic apostrophes,
// surrounding space and trailing dots or exclamation marks (doc §7.3 #12).
func normText(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	s = strings.NewReplacer("\u2019", "'", "`", "'").Replace(s)
	return strings.TrimRight(s, ".!")
}

// sentinelFor maps a known text of any era (doc §4) to its sentinel, or nil.
func sentinelFor(text string) error {
	t := normText(text)
	switch t {
	case "user was updated":
		return nil
	case "incorrect hash":
		return ErrIncorrectHash
	case "bad login":
		return ErrBadLogin
	case "api requests are disabled":
		return ErrAPIDisabled
	case "get requests are disabled":
		return ErrGETDisabled
	case "user was not found":
		return ErrUserNotFound
	case "tariff not found", "tariff was not found":
		return ErrTariffNotFound
	case "you do not have rights to edit this", "you have no editing permission":
		return ErrNoEditRights
	case "don't be so smart", "dont be so smart", "access denied", "you are not authorized to view this page":
		return ErrAccessDenied
	case "user was not updated":
		return ErrNotUpdated
	}
	if strings.HasPrefix(t, "password must be longer than") || strings.HasPrefix(t, "username must be longer than") {
		return ErrTooShort
	}
	return ErrRejected
}

// classOf gives the class of a sentinel.
func classOf(err error) Class {
	switch {
	case err == nil:
		return Updated
	case errors.Is(err, ErrBadLogin), errors.Is(err, ErrIncorrectHash), errors.Is(err, ErrAPIDisabled),
		errors.Is(err, ErrGETDisabled), errors.Is(err, ErrUndefinedMethod), errors.Is(err, ErrRedirect),
		errors.Is(err, ErrTLS), errors.Is(err, ErrHTTPStatus):
		return Systemic
	case errors.Is(err, ErrServer), errors.Is(err, ErrRateLimited), errors.Is(err, ErrNetwork),
		errors.Is(err, ErrTimeout), errors.Is(err, ErrTruncated), errors.Is(err, ErrCanceled):
		return Transient
	case errors.Is(err, ErrProtocol), errors.Is(err, ErrTooLarge):
		return Protocol
	}
	return RowError
}

// Classify says what a parsed answer means: element first, text second. Any
// <error> is a row error unless its text is one of the systemic ones; a
// <status> without <error> is success unless its text is a known error (MOR
// 11's "<status>API Requests are disabled</status>"). The error wraps the
// sentinel and quotes the server's text; it is nil for Updated.
// recognised is false when a success was inferred from the element alone
// (an unknown <status> text, e.g. a translated server).
func Classify(r Response) (c Class, recognised bool, err error) {
	if r.UndefinedMethod != "" {
		err = fmt.Errorf("%w: %q", ErrUndefinedMethod, r.UndefinedMethod)
		return Systemic, true, err
	}
	if len(r.Errors) > 0 {
		// A systemic text anywhere wins; otherwise the first error decides.
		pick, s := r.Errors[0], sentinelFor(r.Errors[0])
		for _, e := range r.Errors[1:] {
			if es := sentinelFor(e); classOf(es) == Systemic && classOf(s) != Systemic {
				pick, s = e, es
			}
		}
		if s == nil { // "<error>User was updated</error>": not a success.
			s = ErrRejected
		}
		return classOf(s), s != ErrRejected, answerError(s, pick, r.Messages)
	}
	if r.HasStatus {
		s := sentinelFor(r.Status)
		switch {
		case s == nil:
			return Updated, true, nil
		case s == ErrRejected && strings.Contains(normText(r.Status), "user was updated"):
			// "User was updated, no errors": MOR's words with more; a success
			// still, but not the known text.
			return Updated, false, nil
		case s == ErrRejected && looksNegative(r.Status):
			// "User was not updated: Email is invalid" in a <status>: a
			// refusal in the wrong element is still a refusal.
			return RowError, false, answerError(s, r.Status, r.Messages)
		case s == ErrRejected: // unknown status text: success by element (a translated server).
			return Updated, false, nil
		default:
			return classOf(s), true, answerError(s, r.Status, r.Messages)
		}
	}
	if r.HasDetails {
		return Updated, true, nil
	}
	return Protocol, false, fmt.Errorf("%w: no status or error element", ErrProtocol)
}

// looksNegative tells whether an unknown status text reads as a refusal or
// a failure in English, so that it is not taken for a success.
func looksNegative(text string) bool {
	t := " " + normText(text) + " "
	for _, none := range []string{"no errors", "no error", "0 errors", "without errors", "without error"} {
		t = strings.ReplaceAll(t, none, "")
	}
	for _, w := range []string{" not ", " not-", "n't ", "cannot", "unable", "error", "fail", "denied", "disabled", "unavailable",
		"incorrect", "invalid", "wrong", "refused", "reject", "forbidden", "nothing", "already", "missing", "required", "blank", "no such"} {
		if strings.Contains(t, w) {
			return true
		}
	}
	return false
}

// answerError wraps the sentinel with the server's words.
func answerError(sentinel error, text string, messages []string) error {
	if len(messages) > 0 {
		return fmt.Errorf("%w: server said %q: %s", sentinel, text, strings.Join(messages, "; "))
	}
	return fmt.Errorf("%w: server said %q", sentinel, text)
}
