package mor

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const decl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// railsErrorPage is Rails' public/500.html as served by MOR on a crash.
const railsErrorPage = `<!DOCTYPE html>
<html>
<head>
  <title>We're sorry, but something went wrong (500)</title>
  <style type="text/css">
    body { background-color: #fff; color: #666; text-align: center; font-family: arial, sans-serif; }
    h1 { font-size: 100%; color: #f00; line-height: 1.5em; }
  </style>
</head>

<body>
  <!-- This file lives in public/500.html -->
  <div class="dialog">
    <h1>We're sorry, but something went wrong.</h1>
  </div>
</body>
</html>
`

// detailsBody is the user_details answer of doc §5.1 (comments removed).
const detailsBody = decl + `<page>
  <pagename>Personal details</pagename>
  <language>en</language>
  <userid>0</userid>
  <details>
    <main_detail>
      <account>Postpaid</account>
      <balance>0.0000 USD</balance>
      <balance_number>0.0000</balance_number>
      <balance_currency>USD</balance_currency>
      <credit>Unlimited</credit>
    </main_detail>
    <other_details>
      <username/><first_name/><surname/><personalid/>
      <agreement_number/><agreement_date>2007-03-26</agreement_date>
      <taxation_country>Afghanistan</taxation_country>
      <vat_reg_number/><vat_percent>18.0</vat_percent>
    </other_details>
    <registration>
      <reg_address/><reg_postcode/><reg_city/>
      <reg_country/>
      <reg_state/>
      <reg_direction/>
      <reg_phone/><reg_mobile/><reg_fax/><reg_email/>
    </registration>
  </details>
</page>
`

// TestParseEnvelopes parses the exact bodies of doc §1.5 and §4.
func TestParseEnvelopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		envelope Envelope
		status   string // "" when no status without error child
		errs     []string
		msgs     []string
		class    Class
		sentinel error
	}{
		// MOR 11 success, root level.
		{"mor11 updated", decl + "<status>User was updated</status>\n", EnvelopeRoot, "User was updated", nil, nil, Updated, nil},
		// MOR 11 error, root level.
		{"mor11 incorrect hash", decl + "<error>Incorrect hash</error>\n", EnvelopeRoot, "", []string{"Incorrect hash"}, nil, Systemic, ErrIncorrectHash},
		// MOR 11 failed save: two roots, not well-formed XML.
		{"mor11 two roots", decl + "<error>User was not updated</error>\n<message>Username has already been taken</message>\n", EnvelopeRoot, "", []string{"User was not updated"}, []string{"Username has already been taken"}, RowError, ErrNotUpdated},
		// MOR 11 pre-check without declaration.
		{"mor11 api disabled", "<status>API Requests are disabled</status>\n", EnvelopeRoot, "API Requests are disabled", nil, nil, Systemic, ErrAPIDisabled},
		// MOR 11 GET disabled without declaration.
		{"mor11 get disabled", "<status>GET Requests are disabled</status>", EnvelopeRoot, "GET Requests are disabled", nil, nil, Systemic, ErrGETDisabled},
		// MOR 12/X3 success in <page>.
		{"page updated", decl + "<page>\n  <status>User was updated</status>\n</page>\n", EnvelopePage, "User was updated", nil, nil, Updated, nil},
		// MOR 12/X3 failed save in <page>.
		{"page not updated", decl + "<page>\n  <error>User was not updated</error>\n  <message>Email must be unique</message>\n</page>\n", EnvelopePage, "", []string{"User was not updated"}, []string{"Email must be unique"}, RowError, ErrNotUpdated},
		// MOR 12+ pre-check error: <status><error>.
		{"status error api disabled", decl + "<status>\n  <error>API Requests are disabled</error>\n</status>\n", EnvelopeRoot, "", []string{"API Requests are disabled"}, nil, Systemic, ErrAPIDisabled},
		// MOR 12+ GET disabled.
		{"status error get disabled", decl + "<status>\n  <error>GET Requests are disabled</error>\n</status>\n", EnvelopeRoot, "", []string{"GET Requests are disabled"}, nil, Systemic, ErrGETDisabled},
		// MOR 12 hash error in <page>.
		{"mor12 page incorrect hash", decl + "<page>\n  <error>Incorrect hash</error>\n</page>\n", EnvelopePage, "", []string{"Incorrect hash"}, nil, Systemic, ErrIncorrectHash},
		// X3 hash error from the before_filter: <status><error>, no <page>.
		{"x3 status incorrect hash", decl + "<status>\n  <error>Incorrect hash</error>\n</status>\n", EnvelopeRoot, "", []string{"Incorrect hash"}, nil, Systemic, ErrIncorrectHash},
		// Unknown API method.
		{"undefined method", "<error><type>Undefined method</type><name>foo</name></error>", EnvelopeRoot, "", nil, nil, Systemic, ErrUndefinedMethod},
		// Declaration with standalone, BOM and leading blank line.
		{"bom and standalone", "\xef\xbb\xbf\n<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><status>User was updated</status>", EnvelopeRoot, "User was updated", nil, nil, Updated, nil},
		// Escaped text is unescaped.
		{"escaped text", decl + "<page><error>User was not updated</error><message>Name &amp; &lt;x&gt;</message></page>", EnvelopePage, "", []string{"User was not updated"}, []string{"Name & <x>"}, RowError, ErrNotUpdated},
		// A translated success text: success by element, not recognised.
		{"unknown status text", decl + "<page><status>Vartotojas atnaujintas</status></page>", EnvelopePage, "Vartotojas atnaujintas", nil, nil, Updated, nil},
		// A systemic error anywhere wins over a row error.
		{"systemic wins", "<error>User was not found</error><error>Bad login</error>", EnvelopeRoot, "", []string{"User was not found", "Bad login"}, nil, Systemic, ErrBadLogin},
		// user_details answer.
		{"details", detailsBody, EnvelopePage, "", nil, nil, Updated, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseResponse([]byte(tc.body))
			if err != nil {
				t.Fatalf("ParseResponse: %v", err)
			}
			if r.Envelope != tc.envelope {
				t.Errorf("envelope = %v, want %v", r.Envelope, tc.envelope)
			}
			if r.Status != tc.status || r.HasStatus != (tc.status != "") {
				t.Errorf("status = %q (%v), want %q", r.Status, r.HasStatus, tc.status)
			}
			if !slices.Equal(r.Errors, tc.errs) {
				t.Errorf("errors = %q, want %q", r.Errors, tc.errs)
			}
			if !slices.Equal(r.Messages, tc.msgs) {
				t.Errorf("messages = %q, want %q", r.Messages, tc.msgs)
			}
			class, _, cerr := Classify(r)
			if class != tc.class {
				t.Errorf("class = %v, want %v (%v)", class, tc.class, cerr)
			}
			if (tc.sentinel == nil) != (cerr == nil) || (tc.sentinel != nil && !errors.Is(cerr, tc.sentinel)) {
				t.Errorf("error = %v, want %v", cerr, tc.sentinel)
			}
		})
	}
}

// TestParseDetails reads the fields of user_details.
func TestParseDetails(t *testing.T) {
	t.Parallel()
	r, err := ParseResponse([]byte(detailsBody))
	if err != nil {
		t.Fatal(err)
	}
	if !r.HasDetails || r.UserID != "0" {
		t.Fatalf("HasDetails %v, UserID %q", r.HasDetails, r.UserID)
	}
	for _, want := range []Param{{"account", "Postpaid"}, {"credit", "Unlimited"}, {"agreement_date", "2007-03-26"}, {"taxation_country", "Afghanistan"}, {"reg_email", ""}} {
		if v, ok := r.Details.Get(want.Key); !ok || v != want.Value {
			t.Errorf("%s = %q (%v), want %q", want.Key, v, ok, want.Value)
		}
	}
	if _, ok := r.Details.Get("main_detail"); ok {
		t.Error("a group element is listed as a field")
	}
	if len(r.Details) != 24 { // 5 main, 9 other, 10 registration
		t.Errorf("%d fields, want 24", len(r.Details))
	}
}

// TestClassifyEveryText puts every error text of every era (doc §4) in each
// envelope it can come in, and checks class and sentinel.
func TestClassifyEveryText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text     string
		class    Class
		sentinel error
	}{
		{"User was updated", Updated, nil},                                      // success (in <status>)
		{"API Requests are disabled", Systemic, ErrAPIDisabled},                 // §4 #1
		{"GET Requests are disabled", Systemic, ErrGETDisabled},                 // §4 #2
		{"Incorrect hash", Systemic, ErrIncorrectHash},                          // §4 #3
		{"Bad login", Systemic, ErrBadLogin},                                    // §4 #4
		{"Don't be so smart", RowError, ErrAccessDenied},                        // §4 #5, MOR 11/12
		{"Dont be so smart", RowError, ErrAccessDenied},                         // the wiki's spelling
		{"Access Denied", RowError, ErrAccessDenied},                            // X3
		{"User was not found", RowError, ErrUserNotFound},                       // §4 #6
		{"You do not have rights to edit this", RowError, ErrNoEditRights},      // §4 #7a
		{"You have no editing permission", RowError, ErrNoEditRights},           // the wiki's text
		{"Don't be so smart...", RowError, ErrAccessDenied},                     // §4 #7b/c translation
		{"Tariff not found", RowError, ErrTariffNotFound},                       // §4 #7d MOR 11/12
		{"Tariff was not found", RowError, ErrTariffNotFound},                   // X3
		{"Password must be longer than 5 characters", RowError, ErrTooShort},    // §4 #7e X3
		{"Username must be longer than 3 characters", RowError, ErrTooShort},    // §4 #7f X3
		{"User was not updated", RowError, ErrNotUpdated},                       // §4 #8
		{"You are not authorized to view this page", RowError, ErrAccessDenied}, // later servers
		{"User id must be present", RowError, ErrRejected},                      // later servers: any other text
		{"Something new", RowError, ErrRejected},                                // unknown error text
		{"  bad LOGIN.  ", Systemic, ErrBadLogin},                               // case, spaces, trailing dot
		{"Don\u2019t be so smart!", RowError, ErrAccessDenied},                  // typographic apostrophe
		{"incorrect hash...", Systemic, ErrIncorrectHash},                       // trailing dots
	}
	wrap := map[string]func(string) string{
		"root":         func(s string) string { return decl + "<error>" + s + "</error>\n" },
		"page":         func(s string) string { return decl + "<page>\n  <error>" + s + "</error>\n</page>\n" },
		"status-error": func(s string) string { return decl + "<status>\n  <error>" + s + "</error>\n</status>\n" },
	}
	for _, tc := range tests {
		for env, w := range wrap {
			body := w(tc.text)
			class, sentinel := tc.class, tc.sentinel
			if sentinel == nil { // "User was updated" inside <error> is not a success.
				body = decl + "<page>\n  <status>" + tc.text + "</status>\n</page>\n"
				if env != "page" {
					body = "<status>" + tc.text + "</status>"
				}
			}
			r, err := ParseResponse([]byte(body))
			if err != nil {
				t.Errorf("%s %q: %v", env, tc.text, err)
				continue
			}
			got, _, cerr := Classify(r)
			if got != class || (sentinel != nil && !errors.Is(cerr, sentinel)) || (sentinel == nil && cerr != nil) {
				t.Errorf("%s %q: class %v err %v; want %v %v", env, tc.text, got, cerr, class, sentinel)
			}
			if cerr != nil && !strings.Contains(cerr.Error(), strings.TrimSpace(tc.text)) {
				t.Errorf("%s %q: error %q does not quote the server's text", env, tc.text, cerr)
			}
		}
	}
}

// TestParseNotMOR: HTML pages and garbage are protocol errors with a short excerpt.
func TestParseNotMOR(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, excerpt string
	}{
		{"rails 500 page", railsErrorPage, "We're sorry, but something went wrong"}, // HTML
		{"garbage", "\x00\x01binary\xff\xfe garbage <<<", "binary"},                 // not XML
		{"empty", "", ""},                                         // nothing
		{"blank", " \n\t", ""},                                    // white space only
		{"other xml", "<foo>bar</foo>", "bar"},                    // XML without MOR elements
		{"unterminated declaration", "<?xml version=", ""},        // broken declaration
		{"unclosed", decl + "<page><status>User was updated", ""}, // truncated body
		{"nested too deep", strings.Repeat("<a>", 100) + "<status>x</status>" + strings.Repeat("</a>", 100), ""},
		{"json", `{"status":"User was updated"}`, `User was updated`}, // a JSON answer
		// An HTML page holding a <status> element is a page, not a MOR answer.
		{"html with status", `<html><body><div><status>User was updated</status></div></body></html>`, "an HTML page"},
		// Two <status> elements that disagree: the outcome is unknown.
		{"two statuses", decl + "<page><status>User was updated</status><status>Incorrect hash</status></page>", "disagree"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseResponse([]byte(tc.body))
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("err = %v, want ErrProtocol", err)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error too long: %d bytes", len(err.Error()))
			}
			if !strings.Contains(err.Error(), tc.excerpt) {
				t.Errorf("error %q lacks %q", err, tc.excerpt)
			}
			if strings.Contains(err.Error(), "background-color") {
				t.Errorf("style leaked into the excerpt: %q", err)
			}
		})
	}
}

// TestClassifyUnknownStatus: a <status> text morbulk does not know is a
// success by its element (a translated server) but not recognised, unless it
// reads as a refusal; the same text twice is no conflict.
func TestClassifyUnknownStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body       string
		class      Class
		recognised bool
	}{
		{decl + "<page><status>Vartotojas atnaujintas</status></page>", Updated, false},                  // Lithuanian "User was updated"
		{decl + "<page><status>User was not updated: Email is invalid</status></page>", RowError, false}, // a refusal in <status>
		{decl + "<page><status>Service temporarily unavailable</status></page>", RowError, false},        // not a success
		{decl + "<page><status>Update failed</status></page>", RowError, false},                          // not a success
		{decl + "<page><status>Cannot update user</status></page>", RowError, false},                     // a refusal
		{decl + "<page><status>Unable to update user</status></page>", RowError, false},                  // a refusal
		{decl + "<page><status>User update rejected</status></page>", RowError, false},                   // a refusal
		{decl + "<page><status>Nothing was updated</status></page>", RowError, false},                    // a refusal
		{decl + "<page><status>User was not-updated</status></page>", RowError, false},                   // a refusal
		{decl + "<page><status>Username has already been taken</status></page>", RowError, false},        // a model error as a status
		{decl + "<page><status>User was updated, no errors</status></page>", Updated, false},             // MOR's words and more
		{decl + "<page><status>User was updated. Not sent: nothing</status></page>", Updated, false},     // MOR's words and more
		{decl + "<page><status>Käyttäjä päivitetty, 0 errors</status></page>", Updated, false},           // "0 errors" is no error
		{decl + "<page><status>User was updated</status><status>user was updated.</status></page>", Updated, true},
	}
	for _, tc := range tests {
		r, err := ParseResponse([]byte(tc.body))
		if err != nil {
			t.Errorf("%q: %v", tc.body, err)
			continue
		}
		c, rec, _ := Classify(r)
		if c != tc.class || rec != tc.recognised {
			t.Errorf("%q: class %v recognised %v, want %v %v", tc.body, c, rec, tc.class, tc.recognised)
		}
	}
}

// TestExcerpt keeps one short readable line.
func TestExcerpt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"rails page", railsErrorPage, 200, "We're sorry, but something went wrong (500) We're sorry, but something went wrong."}, // style and comment dropped
		{"cut", "abcdef", 3, "abc"},                          // length cap
		{"controls", "a\x00\x1b[31mb\r\nc", 20, "a [31mb c"}, // control characters dropped
		{"invalid utf8", "a\xffb", 10, "ab"},                 // invalid bytes dropped
		{"less-than text", "a < b", 10, "a < b"},             // not a tag
		{"script", "<script>alert(1)</script>ok", 10, "ok"},  // script dropped
		{"title and h1", "<html><head><title>503 Service Unavailable</title></head><body><h1>503 Service Unavailable</h1></body></html>", 200, "503 Service Unavailable"}, // said once
	}
	for _, tc := range tests {
		if got := Excerpt([]byte(tc.in), tc.max); got != tc.want {
			t.Errorf("%s: Excerpt = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// FuzzParseResponse: no input makes the parser or the classifier panic.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		decl + "<status>User was updated</status>\n",
		decl + "<error>User was not updated</error>\n<message>Username has already been taken</message>\n",
		decl + "<page>\n  <error>User was not updated</error>\n  <message>Email must be unique</message>\n</page>\n",
		decl + "<status>\n  <error>API Requests are disabled</error>\n</status>\n",
		"<error><type>Undefined method</type><name>foo</name></error>",
		railsErrorPage, detailsBody, "", "<?xml", "<a><b></a>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseResponse(body)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("error does not wrap ErrProtocol: %v", err)
			}
			return
		}
		c, _, cerr := Classify(r)
		if (c == Updated) != (cerr == nil) {
			t.Fatalf("class %v with error %v", c, cerr)
		}
		_ = Excerpt(body, 160)
	})
}
