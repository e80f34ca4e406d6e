package mor

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	leakPassword = "Pa55&w0rd+%#?"
	leakSecret   = "S3cr#t/K3y=&<x>"
)

// TestSecretsNeverLeak sends requests with known password and secret to
// servers that fail in every way, some echoing the whole request back, and
// checks that no error or result text holds either (raw or encoded).
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	// echo returns everything the server received: query and body, raw and decoded.
	echo := func(r *http.Request) string {
		body, _ := io.ReadAll(r.Body)
		dq, _ := url.QueryUnescape(r.URL.RawQuery)
		db, _ := url.QueryUnescape(string(body))
		return r.URL.String() + " " + string(body) + " " + dq + " " + db
	}
	var other *httptest.Server
	other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, echo(r)) }))
	t.Cleanup(other.Close)
	_, otherPort, _ := net.SplitHostPort(other.Listener.Addr().String())

	handlers := map[string]http.HandlerFunc{
		// 500 page quoting the request.
		"500 echo": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "<h1>Error</h1>"+echo(r), 500) },
		// 200 garbage quoting the request.
		"garbage echo": func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "\x00junk "+echo(r)) },
		// A MOR-looking answer whose texts quote the request (XML-escaped).
		"xml echo": func(w http.ResponseWriter, r *http.Request) {
			e := html.EscapeString(echo(r))
			_, _ = io.WriteString(w, "<page><error>"+e+"</error><message>"+e+"</message></page>")
		},
		// A success status quoting the request.
		"status echo": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "<status>"+html.EscapeString(echo(r))+"</status>")
		},
		// 429 quoting the request.
		"429 echo": func(w http.ResponseWriter, r *http.Request) { http.Error(w, echo(r), 429) },
		// Too large, made of the request.
		"too large echo": func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, strings.Repeat(echo(r), 200)) },
		// Truncated answer quoting the request.
		"truncated echo": func(w http.ResponseWriter, r *http.Request) {
			e := echo(r)
			w.Header().Set("Content-Length", fmt.Sprint(len(e)+100))
			_, _ = io.WriteString(w, e)
			w.(http.Flusher).Flush()
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				_ = conn.Close()
			}
		},
		// Timeout.
		"timeout": func(_ http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
		},
		// Redirect to another host carrying the query string.
		"redirect other host": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://localhost:"+otherPort+"/x?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
		},
		// Redirect to the same host carrying the query, then a 404 echo.
		"redirect same host 404": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/moved" {
				http.Error(w, echo(r), 404)
				return
			}
			http.Redirect(w, r, "/moved?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
		},
		// Undefined method quoting the request.
		"undefined method echo": func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "<error><type>Undefined method</type><name>"+html.EscapeString(echo(r))+"</name></error>")
		},
	}
	forbidden := []string{}
	for _, s := range []string{leakPassword, leakSecret} {
		forbidden = append(forbidden, s, url.QueryEscape(s), url.PathEscape(s), html.EscapeString(s))
	}
	check := func(t *testing.T, what, text string) {
		t.Helper()
		for _, f := range forbidden {
			if strings.Contains(text, f) {
				t.Errorf("%s holds %q: %s", what, f, text)
			}
		}
	}
	checkResult := func(t *testing.T, res Result) {
		t.Helper()
		check(t, "result", fmt.Sprintf("%+v", res))
		for err := res.Err; err != nil; err = errors.Unwrap(err) {
			check(t, "error chain", err.Error())
		}
		check(t, "hashed string", res.Hash.String())
	}
	for _, method := range []string{"POST", "GET"} {
		for name, h := range handlers {
			t.Run(method+"/"+name, func(t *testing.T) {
				t.Parallel()
				srv := httptest.NewServer(h)
				t.Cleanup(srv.Close)
				c := client(t, srv.URL, func(c *Config) {
					c.Method, c.Password, c.Secret, c.Timeout = method, leakPassword, leakSecret, 300*time.Millisecond
					c.MaxBody = 4096
				})
				res := c.Update(context.Background(), Params{{"user_id", "1"}, {"u17", "Smith"}})
				if res.Class == Updated && name != "status echo" {
					t.Errorf("unexpected success")
				}
				checkResult(t, res)
				_, dres := c.Details(context.Background(), "1")
				checkResult(t, dres)
				for _, ch := range c.Doctor(context.Background(), "1") {
					check(t, "doctor", fmt.Sprintf("%+v", ch))
				}
			})
		}
		// Refused connection.
		t.Run(method+"/refused", func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			_ = ln.Close()
			c := client(t, "http://"+addr, func(c *Config) { c.Method, c.Password, c.Secret = method, leakPassword, leakSecret })
			checkResult(t, c.Update(context.Background(), Params{{"user_id", "1"}}))
		})
	}
	// ExplainHash prints hashes, never the key.
	for _, line := range ExplainHash(Params{{"user_id", "1"}}, HashFull, leakSecret) {
		check(t, "explain", line)
	}
}
