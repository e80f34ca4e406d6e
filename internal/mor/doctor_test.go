package mor

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestDetails reads a user and checks the request: endpoint, read hash, no stray key.
func TestDetails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		profile string
		path    string
		mode    HashMode // the client's update mode must not change the read hash
	}{
		{"default", "", "/billing/api/user_details", HashFull},      // user_details
		{"mor11", "mor11", "/billing/api/user_details", HashLegacy}, // user_details, p sent
		{"x4", "x4", "/billing/api/user_details_get", HashFull},     // renamed method
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, last := recorder(t, 200, http.Header{"Content-Type": {"text/xml"}}, detailsBody)
			c := client(t, srv.URL, func(c *Config) { c.Profile, _ = ParseProfile(tc.profile); c.Secret = "456789" })
			det, res := c.Details(context.Background(), "123")
			if res.Class != Updated || res.Err != nil {
				t.Fatalf("class %v err %v", res.Class, res.Err)
			}
			got := last.Load()
			if got.Path != tc.path || got.Method != "POST" {
				t.Errorf("%s %s", got.Method, got.Path)
			}
			if h := got.Form.Get("hash"); h != "f7c3bc1d808e04732adf679965ccc34ca7ae3441" {
				t.Errorf("hash %s", h)
			}
			for k := range got.Form {
				if k != "u" && k != "p" && k != "user_id" && k != "hash" {
					t.Errorf("stray key %s", k)
				}
			}
			if det.UserID != "0" || len(det.Fields) != 24 {
				t.Errorf("UserID %q, %d fields", det.UserID, len(det.Fields))
			}
		})
	}
}

// TestDoctor runs the checks against servers that fail at each stage.
func TestDoctor(t *testing.T) {
	t.Parallel()
	type want struct {
		failAt int        // index of the failing check, -1 when none fails
		warnAt int        // index of a warned check, -1 when none
		last   CheckState // state of the last check (read user)
	}
	body := func(s string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, s)
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		edit    func(*Config)
		want    want
	}{
		// Everything fine.
		{"ok", body(detailsBody), nil, want{-1, -1, CheckOK}},
		// GET works but is discouraged.
		{"ok get", body(detailsBody), func(c *Config) { c.Method = "GET" }, want{-1, 2, CheckOK}},
		// HTTP 500.
		{"500", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, railsErrorPage, 500) }, nil, want{0, -1, CheckSkipped}},
		// Not the API: an HTML page.
		{"html", body("<html><body>Welcome to MOR</body></html>"), nil, want{0, -1, CheckSkipped}},
		// MOR 11 API disabled.
		{"api disabled", body("<status>API Requests are disabled</status>"), nil, want{1, -1, CheckSkipped}},
		// MOR 12+ GET disabled.
		{"get disabled", body(decl + "<status>\n  <error>GET Requests are disabled</error>\n</status>\n"), func(c *Config) { c.Method = "GET" }, want{2, -1, CheckSkipped}},
		// Unknown method.
		{"undefined method", body("<error><type>Undefined method</type><name>user_details_get</name></error>"), nil, want{3, -1, CheckSkipped}},
		// X3 hash error.
		{"incorrect hash", body(decl + "<status>\n  <error>Incorrect hash</error>\n</status>\n"), nil, want{4, -1, CheckSkipped}},
		// Bad login.
		{"bad login", body(decl + "<page><error>Bad login</error></page>"), nil, want{5, -1, CheckSkipped}},
		// Simple user as API user.
		{"access denied", body(decl + "<page><error>Access Denied</error></page>"), nil, want{5, -1, CheckSkipped}},
		// MOR 11/12 (the password is sent): a bad login or a user out of
		// sight, which cannot be told apart: the login check fails.
		{"user not found", body(decl + "<page><error>User was not found</error></page>"), nil, want{5, -1, CheckSkipped}},
		// X3 and later check the login first: it passed, the read is a warning.
		{"user not found x3", body(decl + "<page><error>User was not found</error></page>"), func(c *Config) { c.Profile, _ = ParseProfile("x3") }, want{-1, 6, CheckWarn}},
		// Hash checking off on the server.
		{"no hash", body(detailsBody), func(c *Config) { c.NoHash = true }, want{-1, 4, CheckOK}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if !strings.HasSuffix(r.URL.Path, "/api/user_details") {
					t.Errorf("doctor called %s", r.URL.Path) // read-only: never the update method
				}
				tc.handler(w, r)
			}))
			t.Cleanup(srv.Close)
			checks := client(t, srv.URL, tc.edit).Doctor(context.Background(), "")
			if len(checks) != 7 {
				t.Fatalf("%d checks", len(checks))
			}
			for i, ch := range checks {
				var wantState CheckState
				switch {
				case i == tc.want.failAt:
					wantState = CheckFail
				case tc.want.failAt >= 0 && i > tc.want.failAt:
					wantState = CheckSkipped
				case i == tc.want.warnAt:
					wantState = CheckWarn
				case i == len(checks)-1:
					wantState = tc.want.last
				default:
					wantState = CheckOK
				}
				if ch.State != wantState {
					t.Errorf("check %d %q = %v (%s), want %v", i, ch.Name, ch.State, ch.Detail, wantState)
				}
				if (ch.State == CheckFail) && (ch.Fix == "" || ch.Detail == "") {
					t.Errorf("check %d %q fails without detail or fix: %+v", i, ch.Name, ch)
				}
			}
			if hits.Load() != 1 {
				t.Errorf("%d requests, want 1", hits.Load())
			}
		})
	}
}

// TestDoctorRefused: a server that does not answer fails the first check.
func TestDoctorRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	checks := client(t, "http://"+addr, nil).Doctor(context.Background(), "5")
	if checks[0].State != CheckFail || !strings.Contains(checks[0].Detail, "refused") || checks[0].Fix == "" {
		t.Errorf("first check %+v", checks[0])
	}
}

// TestFix: every systemic sentinel has advice.
func TestFix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{ErrIncorrectHash, "MORBULK_SECRET"},            // secret, mode
		{ErrBadLogin, "the password (MORBULK_PASSWORD"}, // login
		{ErrAPIDisabled, "Allow API"},                   // setting
		{ErrGETDisabled, "POST"},                        // method
		{ErrUndefinedMethod, "--profile"},               // endpoint name
		{ErrRedirect, "base URL"},                       // redirect
		{ErrTLS, "certificate"},                         // TLS
		{ErrHTTPStatus, "base URL"},                     // 404
		{errors.Join(ErrNetwork), ""},                   // no advice
	}
	for _, tc := range tests {
		got := Fix(tc.err)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("Fix(%v) = %q, want it to contain %q", tc.err, got, tc.want)
		}
	}
}

// TestExplainHash finds the usual causes of "Incorrect hash" in a row.
func TestExplainHash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		row  string
		mode HashMode
		want []string // substrings that must appear, in any line
		not  []string // substrings that must not appear
	}{
		// A clean row: both hashes printed, they differ, hint to the other mode.
		{"clean", "user_id=42&u23=John&u17=Smith&u15=1&credit=10.5&a8=john@example.com", HashFull,
			[]string{`"42 1 Smith John 10.5 john@example.com ****" -> 6ffcdd5e041abb7559cbd6c2c3ee5d7813903e0c`, `"42 ****" -> `, "try --hash-mode legacy"},
			[]string{"secret", "not a user_update_api parameter"}},
		// pgui and user_warning_email_hour are never hashed.
		{"never hashed", "user_id=1&pgui=1&user_warning_email_hour=5", HashFull,
			[]string{"pgui is sent but the server never hashes it", "user_warning_email_hour is sent but the server never hashes it"}, nil},
		// Stray parameters the server hashes.
		{"stray", "user_id=1&id=17&email=a@b.c&tariff_id=3", HashFull,
			[]string{"id is not a user_update_api parameter but the server hashes it", "email is not", "tariff_id is not"}, nil},
		// Unknown names the server ignores.
		{"unknown", "user_id=1&colour=red", HashFull, []string{"colour is not a user_update_api parameter: the server ignores it"}, nil},
		// user_id forms.
		{"leading zeros", "user_id=007", HashFull, []string{`user_id "007" has leading zeros: the server hashes it as 7`}, nil},
		{"signed", "user_id=-7", HashFull, []string{"not digits only"}, nil},
		{"spaced id", "user_id=+7", HashFull, []string{"not digits only"}, nil},
		{"missing id", "u15=1", HashFull, []string{"user_id is missing"}, nil},
		// Uppercase hash carried by the row.
		{"uppercase hash", "user_id=1&hash=ABCDEF", HashFull, []string{"upper-case", "remove it"}, nil},
		// Empty values and spaces.
		{"empty", "user_id=1&tax4_name=", HashFull, []string{"tax4_name is empty"}, nil},
		{"spaces", "user_id=1&u17=+Smith", HashFull, []string{`u17=" Smith" has surrounding spaces`}, nil},
		// Repeated key.
		{"duplicate", "user_id=1&u5=1&u5=2", HashFull, []string{"u5 appears more than once"}, nil},
		// Legacy mode: hint to full.
		{"legacy", "user_id=7&i1=2&i4=16", HashLegacy, []string{"mode in use: legacy", "try --hash-mode full", "8feae87de095b423843ff0af05c1008cd2be04a2"}, nil},
		// Only user_id: both modes agree, no hint.
		{"user_id only", "user_id=581", HashLegacy, []string{"b3b8a6f4063a0569212c91098627a9c394283bd6"}, []string{"try --hash-mode"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key := "secret"
			if tc.name == "user_id only" {
				key = "asdfghjkl"
			}
			out := strings.Join(ExplainHash(q(t, tc.row), tc.mode, key), "\n")
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in:\n%s", w, out)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out, n) {
					t.Errorf("unexpected %q in:\n%s", n, out)
				}
			}
		})
	}
}
