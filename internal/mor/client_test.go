package mor

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// seen is what a test server received.
type seen struct {
	Method, Path, ContentType, RawQuery, Body string
	Form                                      url.Values // query and body merged, as Rails does
}

// recorder serves body with the given headers and records the last request.
func recorder(t *testing.T, status int, header http.Header, body string) (*httptest.Server, *atomic.Pointer[seen]) {
	t.Helper()
	var last atomic.Pointer[seen]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(raw))
		qs, _ := url.ParseQuery(r.URL.RawQuery)
		for k, v := range qs {
			form[k] = append(form[k], v...)
		}
		last.Store(&seen{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), RawQuery: r.URL.RawQuery, Body: string(raw), Form: form})
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &last
}

// client builds a Client for base with test defaults, changed by edit.
func client(t *testing.T, base string, edit func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: base + "/billing", User: "admin", Password: "admin1", Secret: "secret", Timeout: 2 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// TestUpdateHeadersIgnored: the body decides, whatever Content-Type or Content-Disposition say (doc §1.4).
func TestUpdateHeadersIgnored(t *testing.T) {
	t.Parallel()
	headers := map[string]http.Header{
		"text/html":          {"Content-Type": {"text/html"}, "Content-Disposition": {`attachment; filename="mor_api_response.html"`}},
		"text/xml":           {"Content-Type": {"text/xml"}, "Content-Disposition": {`attachment; filename="mor_api_response.xml"`}},
		"inline test=1":      {"Content-Type": {"text/html; charset=utf-8"}},
		"no content type":    {"Content-Type": {""}},
		"application/octets": {"Content-Type": {"application/octet-stream"}, "Content-Disposition": {"attachment"}},
	}
	bodies := []struct {
		name     string
		body     string
		class    Class
		sentinel error
	}{
		{"mor11 updated", decl + "<status>User was updated</status>\n", Updated, nil},                                                                               // root level
		{"mor11 two roots", decl + "<error>User was not updated</error>\n<message>Username has already been taken</message>\n", RowError, ErrNotUpdated},            // not well-formed
		{"mor11 api disabled", "<status>API Requests are disabled</status>\n", Systemic, ErrAPIDisabled},                                                            // no declaration
		{"page updated", decl + "<page>\n  <status>User was updated</status>\n</page>\n", Updated, nil},                                                             // <page>
		{"page not updated", decl + "<page>\n  <error>User was not updated</error>\n  <message>Email must be unique</message>\n</page>\n", RowError, ErrNotUpdated}, // <page> + message
		{"status error", decl + "<status>\n  <error>API Requests are disabled</error>\n</status>\n", Systemic, ErrAPIDisabled},                                      // <status><error>
		{"x3 access denied", decl + "<page>\n  <error>Access Denied</error>\n</page>\n", RowError, ErrAccessDenied},                                                 // X3 text
	}
	for hname, h := range headers {
		for _, b := range bodies {
			t.Run(hname+"/"+b.name, func(t *testing.T) {
				t.Parallel()
				srv, _ := recorder(t, 200, h, b.body)
				res := client(t, srv.URL, nil).Update(context.Background(), Params{{"user_id", "5"}, {"u15", "1"}})
				if res.Class != b.class || (b.sentinel != nil && !errors.Is(res.Err, b.sentinel)) || (b.sentinel == nil && res.Err != nil) {
					t.Fatalf("class %v err %v; want %v %v", res.Class, res.Err, b.class, b.sentinel)
				}
				if res.HTTPStatus != 200 || res.Latency <= 0 {
					t.Errorf("HTTPStatus %d, latency %v", res.HTTPStatus, res.Latency)
				}
			})
		}
	}
}

// TestUpdateRequestShape checks what the server receives for each method and profile.
func TestUpdateRequestShape(t *testing.T) {
	t.Parallel()
	row := q(t, "user_id=42&u23=John&u17=Smith&u15=1&credit=10.5&a8=john@example.com")
	const hash42 = "6ffcdd5e041abb7559cbd6c2c3ee5d7813903e0c"
	tests := []struct {
		name     string
		edit     func(*Config)
		method   string
		path     string
		keys     []string // every key received, sorted
		hash     string   // "" when no hash must be sent
		password bool
	}{
		// Default: POST, form body, p sent because it is set, full hash.
		{"default post", nil, "POST", "/billing/api/user_update_api",
			[]string{"a8", "credit", "hash", "p", "u", "u15", "u17", "u23", "user_id"}, hash42, true},
		// GET: everything in the query string, no body.
		{"get", func(c *Config) { c.Method = "get" }, "GET", "/billing/api/user_update_api",
			[]string{"a8", "credit", "hash", "p", "u", "u15", "u17", "u23", "user_id"}, hash42, true},
		// Trailing slash in the base URL.
		{"trailing slash", func(c *Config) { c.BaseURL += "/" }, "POST", "/billing/api/user_update_api",
			[]string{"a8", "credit", "hash", "p", "u", "u15", "u17", "u23", "user_id"}, hash42, true},
		// mor11: legacy hash over user_id only, password sent.
		{"mor11", func(c *Config) { c.Profile, _ = ParseProfile("mor11") }, "POST", "/billing/api/user_update_api",
			[]string{"a8", "credit", "hash", "p", "u", "u15", "u17", "u23", "user_id"}, sha1hex("42secret"), true},
		// x3: the password is sent when set (it finds a reseller's own key).
		{"x3", func(c *Config) { c.Profile, _ = ParseProfile("x3") }, "POST", "/billing/api/user_update_api",
			[]string{"a8", "credit", "hash", "p", "u", "u15", "u17", "u23", "user_id"}, hash42, true},
		// x3 without a password configured: none sent.
		{"x3 no password", func(c *Config) { c.Profile, _ = ParseProfile("x3"); c.Password = "" }, "POST", "/billing/api/user_update_api",
			[]string{"a8", "credit", "hash", "u", "u15", "u17", "u23", "user_id"}, hash42, false},
		// x4: renamed method; the password is not sent.
		{"x4", func(c *Config) { c.Profile, _ = ParseProfile("x4") }, "POST", "/billing/api/user_details_update",
			[]string{"a8", "credit", "hash", "u", "u15", "u17", "u23", "user_id"}, hash42, false},
		// Hash mode override beats the profile.
		{"override", func(c *Config) { c.Profile, _ = ParseProfile("mor12"); c.HashMode = HashLegacy }, "POST", "/billing/api/user_update_api",
			[]string{"a8", "credit", "hash", "p", "u", "u15", "u17", "u23", "user_id"}, sha1hex("42secret"), true},
		// No hash, no password configured on the default profile.
		{"no hash no password", func(c *Config) { c.NoHash = true; c.Password = ""; c.Secret = "" }, "POST", "/billing/api/user_update_api",
			[]string{"a8", "credit", "u", "u15", "u17", "u23", "user_id"}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, last := recorder(t, 200, nil, decl+"<page><status>User was updated</status></page>")
			res := client(t, srv.URL, tc.edit).Update(context.Background(), row)
			if res.Class != Updated {
				t.Fatalf("class %v: %v", res.Class, res.Err)
			}
			got := last.Load()
			if got.Method != tc.method || got.Path != tc.path {
				t.Errorf("%s %s, want %s %s", got.Method, got.Path, tc.method, tc.path)
			}
			if tc.method == "POST" && (got.ContentType != "application/x-www-form-urlencoded" || got.RawQuery != "") {
				t.Errorf("POST content type %q, query %q", got.ContentType, got.RawQuery)
			}
			if tc.method == "GET" && got.Body != "" {
				t.Errorf("GET with a body %q", got.Body)
			}
			keys := make([]string, 0, len(got.Form))
			for k, v := range got.Form {
				keys = append(keys, k)
				if len(v) != 1 {
					t.Errorf("key %s sent %d times", k, len(v))
				}
			}
			slices.Sort(keys)
			if !slices.Equal(keys, tc.keys) {
				t.Errorf("keys %v, want %v", keys, tc.keys)
			}
			for _, p := range row {
				if got.Form.Get(p.Key) != p.Value {
					t.Errorf("%s = %q, want %q", p.Key, got.Form.Get(p.Key), p.Value)
				}
			}
			if got.Form.Get("u") != "admin" {
				t.Errorf("u = %q", got.Form.Get("u"))
			}
			if tc.password && got.Form.Get("p") != "admin1" {
				t.Errorf("p = %q", got.Form.Get("p"))
			}
			if got.Form.Get("hash") != tc.hash {
				t.Errorf("hash = %q, want %q", got.Form.Get("hash"), tc.hash)
			}
			if tc.hash != "" && res.Hash.Hex != tc.hash {
				t.Errorf("Result.Hash = %q", res.Hash.Hex)
			}
		})
	}
}

// TestUpdateEncoding: special characters survive the form encoding and are hashed raw.
func TestUpdateEncoding(t *testing.T) {
	t.Parallel()
	srv, last := recorder(t, 200, nil, "<status>User was updated</status>")
	row := Params{{"user_id", "7"}, {"u17", "O'Brien & Sons +50% #1 Žemaitė"}}
	c := client(t, srv.URL, func(c *Config) { c.Password = "p%#+&w" })
	if res := c.Update(context.Background(), row); res.Class != Updated {
		t.Fatal(res.Err)
	}
	got := last.Load()
	if got.Form.Get("u17") != row[1].Value || got.Form.Get("p") != "p%#+&w" {
		t.Errorf("u17 %q, p %q", got.Form.Get("u17"), got.Form.Get("p"))
	}
	if want := sha1hex("7" + row[1].Value + "secret"); got.Form.Get("hash") != want {
		t.Errorf("hash %s, want %s", got.Form.Get("hash"), want)
	}
}

// TestUpdateHTTPFailures covers non-200 answers and bodies that are not MOR answers.
func TestUpdateHTTPFailures(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name       string
		status     int
		header     http.Header
		body       string
		class      Class
		sentinel   error
		retryAfter time.Duration
		excerpt    string
	}{
		// MOR crash: Rails' 500 page.
		{"500 rails page", 500, http.Header{"Content-Type": {"text/html"}}, railsErrorPage, Transient, ErrServer, 0, "We're sorry, but something went wrong"},
		// Proxy throttling with delay-seconds.
		{"429 seconds", 429, http.Header{"Retry-After": {"7"}}, "slow down", Transient, ErrRateLimited, 7 * time.Second, "slow down"},
		// 503 with an HTTP date 90 s ahead of the injected clock.
		{"503 date", 503, http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, "", Transient, ErrServer, 90 * time.Second, ""},
		// Retry-After in the past or unreadable gives 0.
		{"429 bad header", 429, http.Header{"Retry-After": {"soon"}}, "", Transient, ErrRateLimited, 0, ""},
		// 502 from a proxy.
		{"502", 502, nil, "<html><body><h1>502 Bad Gateway</h1></body></html>", Transient, ErrServer, 0, "502 Bad Gateway"},
		// 408.
		{"408", 408, nil, "", Transient, ErrTimeout, 0, ""},
		// Wrong base URL: 404.
		{"404", 404, nil, "<h1>Not Found</h1>", Systemic, ErrHTTPStatus, 0, "Not Found"},
		// Proxy authentication.
		{"401", 401, nil, "", Systemic, ErrHTTPStatus, 0, ""},
		// 200 with an HTML page (the GUI login page).
		{"200 html", 200, http.Header{"Content-Type": {"text/html"}}, "<html><head><title>MOR login</title></head><body>Please log in</body></html>", Protocol, ErrProtocol, 0, "MOR login Please log in"},
		// 200 with garbage.
		{"200 garbage", 200, nil, "\x00\x9f garbage", Protocol, ErrProtocol, 0, "garbage"},
		// 200 with an empty body.
		{"200 empty", 200, nil, "", Protocol, ErrProtocol, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := recorder(t, tc.status, tc.header, tc.body)
			res := client(t, srv.URL, func(c *Config) { c.Now = func() time.Time { return now } }).Update(context.Background(), Params{{"user_id", "1"}})
			if res.Class != tc.class || !errors.Is(res.Err, tc.sentinel) {
				t.Fatalf("class %v err %v; want %v %v", res.Class, res.Err, tc.class, tc.sentinel)
			}
			if res.HTTPStatus != tc.status {
				t.Errorf("HTTPStatus %d", res.HTTPStatus)
			}
			if res.RetryAfter != tc.retryAfter {
				t.Errorf("RetryAfter %v, want %v", res.RetryAfter, tc.retryAfter)
			}
			if !strings.Contains(res.Excerpt, tc.excerpt) || len(res.Excerpt) > 2*excerptLen {
				t.Errorf("excerpt %q, want it to contain %q", res.Excerpt, tc.excerpt)
			}
		})
	}
}

// TestUpdateBodyLimits: a huge or endless body is capped, a slow one hits the deadline.
func TestUpdateBodyLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		maxBody  int64
		timeout  time.Duration
		class    Class
		sentinel error
		text     string
	}{
		// 10 kB when 1 kB is allowed.
		{"huge", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "<status>"+strings.Repeat("x", 10_000)+"</status>")
		}, 1024, time.Second, Protocol, ErrTooLarge, "response larger than 1024 bytes"},
		// Exactly the cap is fine.
		{"at the cap", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "<status>User was updated</status>"+strings.Repeat(" ", 1024-33))
		}, 1024, time.Second, Updated, nil, ""},
		// An endless body stops at the cap.
		{"endless", func(w http.ResponseWriter, r *http.Request) {
			chunk := []byte(strings.Repeat("<a>", 1000))
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, 64 << 10, 2 * time.Second, Protocol, ErrTooLarge, "response larger than 65536 bytes"},
		// One byte a second: the per-request deadline covers the body.
		{"one byte a second", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			for i := 0; i < 100; i++ {
				_, _ = w.Write([]byte("<"))
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(time.Second):
				}
			}
		}, 0, 300 * time.Millisecond, Transient, ErrTimeout, "timeout"},
		// No answer at all.
		{"no headers", func(_ http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // so the server notices the client leaving
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, 0, 300 * time.Millisecond, Transient, ErrTimeout, "timeout"},
		// Content-Length promises more than comes: truncated.
		{"truncated", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "100")
			_, _ = io.WriteString(w, "<status>User was")
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}, 0, time.Second, Transient, ErrTruncated, "response truncated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tc.handler)
			t.Cleanup(srv.Close)
			c := client(t, srv.URL, func(c *Config) { c.MaxBody, c.Timeout = tc.maxBody, tc.timeout })
			start := time.Now()
			res := c.Update(context.Background(), Params{{"user_id", "1"}})
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
			if res.Class != tc.class || (tc.sentinel != nil && !errors.Is(res.Err, tc.sentinel)) {
				t.Fatalf("class %v err %v; want %v %v", res.Class, res.Err, tc.class, tc.sentinel)
			}
			if tc.text != "" && !strings.Contains(res.Err.Error(), tc.text) {
				t.Errorf("error %q lacks %q", res.Err, tc.text)
			}
		})
	}
}

// TestUpdateRedirects: no other host, no downgrade, no method change; same host is followed.
func TestUpdateRedirects(t *testing.T) {
	t.Parallel()
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		otherHits.Add(1)
		_, _ = io.WriteString(w, "<status>User was updated</status>")
	}))
	t.Cleanup(other.Close)
	_, otherPort, _ := net.SplitHostPort(other.Listener.Addr().String())

	tests := []struct {
		name     string
		location func(self string) string
		code     int
		class    Class
	}{
		// Same address, 307 keeps method and body: followed.
		{"same host 307", func(self string) string { return self + "/billing/api/moved" }, 307, Updated},
		// Another host name (localhost vs 127.0.0.1): refused.
		{"other host", func(string) string { return "http://localhost:" + otherPort + "/billing/api/user_update_api" }, 307, Systemic},
		// 302 turns the POST into a GET without the form: refused.
		{"method change", func(self string) string { return self + "/billing/api/moved" }, 302, Systemic},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/billing/api/moved" {
					_ = r.ParseForm()
					if r.Method != "POST" || r.PostForm.Get("hash") == "" {
						http.Error(w, "form lost", 400)
						return
					}
					_, _ = io.WriteString(w, "<status>User was updated</status>")
					return
				}
				http.Redirect(w, r, tc.location(srv.URL), tc.code)
			}))
			t.Cleanup(srv.Close)
			res := client(t, srv.URL, nil).Update(context.Background(), Params{{"user_id", "1"}})
			if res.Class != tc.class {
				t.Fatalf("class %v err %v, want %v", res.Class, res.Err, tc.class)
			}
			if tc.class == Systemic && !errors.Is(res.Err, ErrRedirect) {
				t.Errorf("err %v, want ErrRedirect", res.Err)
			}
		})
	}
	if n := otherHits.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

// TestUpdateConnectionErrors: refused connections and cancellation.
func TestUpdateConnectionErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	res := client(t, "http://"+addr, nil).Update(context.Background(), Params{{"user_id", "1"}})
	if res.Class != Transient || !errors.Is(res.Err, ErrNetwork) {
		t.Errorf("refused: class %v err %v", res.Class, res.Err)
	}

	srv, _ := recorder(t, 200, nil, "<status>User was updated</status>")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res = client(t, srv.URL, nil).Update(ctx, Params{{"user_id", "1"}})
	if res.Class != Transient || !errors.Is(res.Err, ErrCanceled) || !errors.Is(res.Err, context.Canceled) {
		t.Errorf("canceled: class %v err %v", res.Class, res.Err)
	}
}

// TestUpdateInvalidRow: rows that would add or override client parameters are not sent.
func TestUpdateInvalidRow(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	c := client(t, srv.URL, nil)
	tests := []struct {
		name string
		row  Params
	}{
		{"u in row", Params{{"user_id", "1"}, {"u", "other"}}},     // would override the caller
		{"p in row", Params{{"user_id", "1"}, {"p", "x"}}},         // would leak/override the password
		{"hash in row", Params{{"user_id", "1"}, {"hash", "abc"}}}, // the client computes it
		{"test in row", Params{{"user_id", "1"}, {"test", "1"}}},   // never sent
		{"duplicate", Params{{"user_id", "1"}, {"u5", "2"}, {"u5", "3"}}},
		{"empty key", Params{{"user_id", "1"}, {"", "3"}}},
	}
	for _, tc := range tests {
		res := c.Update(context.Background(), tc.row)
		if res.Class != RowError || !errors.Is(res.Err, ErrInvalidRow) {
			t.Errorf("%s: class %v err %v", tc.name, res.Class, res.Err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests sent", hits.Load())
	}
}

// TestNewConfig: configuration errors, never quoting a secret.
func TestNewConfig(t *testing.T) {
	t.Parallel()
	base := Config{BaseURL: "https://mor.example/billing", User: "admin", Password: "Pw-123456", Secret: "Key-987654"}
	mor11, _ := ParseProfile("mor11")
	tests := []struct {
		name string
		edit func(*Config)
		ok   bool
	}{
		{"ok", func(*Config) {}, true},                                                             // all set
		{"no base", func(c *Config) { c.BaseURL = "" }, false},                                     // missing
		{"ftp", func(c *Config) { c.BaseURL = "ftp://mor.example" }, false},                        // wrong scheme
		{"userinfo", func(c *Config) { c.BaseURL = "https://admin:Pw-123456@mor.example" }, false}, // credentials in URL
		{"query", func(c *Config) { c.BaseURL = "https://mor.example/billing?x=1" }, false},        // query
		{"no user", func(c *Config) { c.User = " " }, false},                                       // u empty
		{"no secret", func(c *Config) { c.Secret = "" }, false},                                    // hash impossible
		{"no secret no hash", func(c *Config) { c.Secret = ""; c.NoHash = true }, true},            // allowed
		{"mor11 no password", func(c *Config) { c.Profile = mor11; c.Password = "" }, false},       // p is checked
		{"method", func(c *Config) { c.Method = "PUT" }, false},                                    // only POST/GET
		{"negative body", func(c *Config) { c.MaxBody = -1 }, false},                               // nonsense
		{"negative timeout", func(c *Config) { c.Timeout = -1 }, false},                            // nonsense
	}
	for _, tc := range tests {
		cfg := base
		tc.edit(&cfg)
		c, err := New(cfg)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.name, err)
		}
		if err != nil && (strings.Contains(err.Error(), "Pw-123456") || strings.Contains(err.Error(), "Key-987654")) {
			t.Errorf("%s: secret in error %q", tc.name, err)
		}
		if c != nil && c.UpdateURL() != "https://mor.example/billing/api/user_update_api" {
			t.Errorf("%s: URL %s", tc.name, c.UpdateURL())
		}
	}
}

// TestInjectedClient: an injected client is copied and gets the redirect policy.
func TestInjectedClient(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Timeout: time.Second}
	c, err := New(Config{BaseURL: "http://127.0.0.1/", User: "a", Secret: "s", HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if hc.CheckRedirect != nil {
		t.Error("the caller's client was modified")
	}
	if c.http == hc || c.http.CheckRedirect == nil {
		t.Error("no redirect policy on the copy")
	}
}

// TestUpdateTLSUntrusted: an untrusted certificate stops the run (Systemic, ErrTLS).
func TestUpdateTLSUntrusted(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "<status>User was updated</status>")
	}))
	t.Cleanup(srv.Close)
	res := client(t, srv.URL, nil).Update(context.Background(), Params{{"user_id", "1"}})
	if res.Class != Systemic || !errors.Is(res.Err, ErrTLS) {
		t.Errorf("untrusted: class %v err %v", res.Class, res.Err)
	}
	// The test server's own client trusts it.
	res = client(t, srv.URL, func(c *Config) { c.HTTPClient = srv.Client() }).Update(context.Background(), Params{{"user_id", "1"}})
	if res.Class != Updated {
		t.Errorf("trusted: class %v err %v", res.Class, res.Err)
	}
}

// TestUpdateRecognised: a success inferred from <status> alone is flagged.
func TestUpdateRecognised(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body       string
		recognised bool
	}{
		{"<status>User was updated</status>", true},                     // English
		{"<page><status>Vartotojas atnaujintas</status></page>", false}, // translated server
		{"<page><error>Nauja klaida</error></page>", false},             // unknown error text
		{"<page><error>Bad login</error></page>", true},                 // known error
	}
	for _, tc := range tests {
		srv, _ := recorder(t, 200, nil, tc.body)
		res := client(t, srv.URL, nil).Update(context.Background(), Params{{"user_id", "1"}})
		if res.Recognised != tc.recognised {
			t.Errorf("%s: recognised %v", tc.body, res.Recognised)
		}
	}
}

// TestUpdateCallerDeadline: the caller's own deadline counts as a timeout.
func TestUpdateCallerDeadline(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res := client(t, srv.URL, nil).Update(ctx, Params{{"user_id", "1"}})
	if res.Class != Transient || !errors.Is(res.Err, ErrTimeout) {
		t.Errorf("class %v err %v", res.Class, res.Err)
	}
}
