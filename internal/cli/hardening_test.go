package cli_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/morbulk/morbulk/internal/cli"
	"github.com/morbulk/morbulk/internal/morsim"
	"github.com/morbulk/morbulk/internal/report"
)

// hzAdmin are the credentials of the seeds khWriteSeed writes.
var hzAdmin = map[string]string{"MORBULK_USER": "admin", "MORBULK_PASSWORD": "admin1", "MORBULK_SECRET": "secret"}

// hzRun runs morbulk in process with getenv and returns the exit status and stderr.
func hzRun(t *testing.T, getenv map[string]string, args ...string) (int, string) {
	t.Helper()
	var stderr, stdout scBuffer
	code := cli.Main(args, cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return getenv[k] }})
	return code, string(stderr.Bytes())
}

// hzSim opens a seeded simulator (users first..first+n-1) that is not listening.
func hzSim(t *testing.T, first, n int) *morsim.Sim {
	t.Helper()
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.yaml")
	khWriteSeed(t, seed, first, n, "")
	s, err := morsim.Open(context.Background(), morsim.Config{DBPath: filepath.Join(dir, "sim.db"), SeedPath: seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestNoCredentialFlags: a password or key given as a flag value is a usage
// error (exit 2) that does not echo the value; they show in process lists.
func TestNoCredentialFlags(t *testing.T) {
	t.Parallel()
	b := make([]byte, 8)
	rand.Read(b)
	val := "Pw-" + hex.EncodeToString(b)
	for _, args := range [][]string{
		{"apply", "--sim", "--password", val, "x.csv"},
		{"apply", "--sim", "--password=" + val, "x.csv"},
		{"apply", "--sim", "--secret", val, "x.csv"},
		{"apply", "--sim", "--api-secret-key", val, "x.csv"},
		{"doctor", "--sim", "--password", val},
		{"hash", "--secret", val, "user_id=1"},
		{"apply", "--sim", "-p" + val, "x.csv"}, // a one-letter flag with the value glued on
		{"validate", "-s" + val, "x.csv"},
	} {
		code, stderr := hzRun(t, nil, args...)
		if code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d (usage)", args, code, cli.ExitUsage)
		}
		if strings.Contains(stderr, val) {
			t.Errorf("%v: the value is echoed: %s", args, stderr)
		}
		if !strings.Contains(stderr, "not taken on the command line") {
			t.Errorf("%v: stderr does not say where the credential goes instead: %s", args, stderr)
		}
	}
}

// TestReportFileModes: every file apply writes holds customer data and is
// mode 0600, also when it existed before with a looser mode, and after a resume.
func TestReportFileModes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed, input := filepath.Join(dir, "seed.yaml"), filepath.Join(dir, "in.csv")
	khWriteSeed(t, seed, 1001, 3, "")
	// 1001 updated, 1777 refused by the server (failed), 1002 invalid.
	if err := os.WriteFile(input, []byte("user_id,last_name,email\n1001,A,\n1777,B,\n1002,C,not-an-email\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	j, c, f := filepath.Join(dir, "r", "j.jsonl"), filepath.Join(dir, "r", "j.csv"), filepath.Join(dir, "r", "failed.csv")
	os.Mkdir(filepath.Join(dir, "r"), 0o755)
	for _, p := range []string{c, f} { // left from an earlier run, readable by all
		if err := os.WriteFile(p, []byte("old\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"apply", "--sim", "--sim-seed", seed, "--sim-db", filepath.Join(dir, "sim.db"), "--report", j, "--report", c,
		"--failed-out", f, "--progress", "none", "--rate", "0", input}
	for i, extra := range [][]string{nil, {"--resume"}} {
		code, stderr := hzRun(t, nil, append(append(args[:len(args)-1:len(args)-1], extra...), input)...)
		if code != cli.ExitRowsFailed {
			t.Fatalf("run %d: exit %d, want %d:\n%s", i+1, code, cli.ExitRowsFailed, stderr)
		}
		files := []string{j, c, f, report.RunsPath(j)}
		if html, _ := filepath.Glob(filepath.Join(dir, "r", "*.html")); len(html) > 0 {
			files = append(files, html...)
		}
		for _, p := range files {
			st, err := os.Stat(p)
			if err != nil {
				t.Errorf("run %d: %v", i+1, err)
				continue
			}
			if m := st.Mode().Perm(); m != 0o600 {
				t.Errorf("run %d: %s has mode %#o, want 0600", i+1, filepath.Base(p), m)
			}
		}
	}
}

// TestTLS: a self-signed certificate is a systemic stop (exit 4) unless
// --insecure, which works and warns; requests are POSTs unless --method GET.
func TestTLS(t *testing.T) {
	t.Parallel()
	sim := hzSim(t, 1001, 3)
	var mu sync.Mutex
	methods := map[string]int{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		methods[r.Method]++
		mu.Unlock()
		sim.Handler().ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are expected
	srv.StartTLS()
	defer srv.Close()
	dir := t.TempDir()
	input := filepath.Join(dir, "in.csv")
	khWriteInput(t, input, 1001, 3)
	n := 0
	apply := func(extra ...string) (int, string) {
		n++
		args := append([]string{"apply", "--url", srv.URL + "/billing", "--report", filepath.Join(dir, strconv.Itoa(n)+".jsonl"),
			"--progress", "none", "--rate", "0", "--retries", "0"}, extra...)
		return hzRun(t, hzAdmin, append(args, input)...)
	}
	seen := func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		m := map[string]int{}
		for k, v := range methods {
			m[k] = v
			delete(methods, k)
		}
		return m
	}

	code, stderr := apply()
	if code != cli.ExitStopped || !strings.Contains(stderr, "certificate") {
		t.Errorf("self-signed certificate: exit %d, want %d with a certificate error:\n%s", code, cli.ExitStopped, stderr)
	}
	if m := seen(); len(m) != 0 {
		t.Errorf("self-signed certificate: the handler got requests %v, want none", m)
	}

	code, stderr = apply("--insecure")
	if code != cli.ExitOK || !strings.Contains(stderr, "--insecure") || !strings.Contains(stderr, "NOT verified") {
		t.Errorf("--insecure: exit %d, want 0 with a warning:\n%s", code, stderr)
	}
	if m := seen(); m[http.MethodPost] != 3 || len(m) != 1 {
		t.Errorf("--insecure: the server saw %v, want 3 POSTs and nothing else", m)
	}

	// The simulator refuses GET (Allow GET API off): a systemic stop.
	code, stderr = apply("--insecure", "--method", "GET")
	if code != cli.ExitStopped || !strings.Contains(stderr, "GET") {
		t.Errorf("--method GET: exit %d, want %d:\n%s", code, cli.ExitStopped, stderr)
	}
	if m := seen(); m[http.MethodGet] < 1 || m[http.MethodPost] != 0 {
		t.Errorf("--method GET: the server saw %v, want GETs only", m)
	}
}

// TestRedirectToAnotherHost: a redirect to another host is not followed (the
// form and the credentials would go there); the run stops (exit 4).
func TestRedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	var other atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	defer elsewhere.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(elsewhere.URL, "http://"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://localhost:"+port+r.URL.Path, http.StatusTemporaryRedirect) // 307 keeps POST and its body
	}))
	defer srv.Close()
	dir := t.TempDir()
	input := filepath.Join(dir, "in.csv")
	khWriteInput(t, input, 1001, 3)
	code, stderr := hzRun(t, hzAdmin, "apply", "--url", srv.URL+"/billing", "--report", filepath.Join(dir, "j.jsonl"),
		"--progress", "none", "--rate", "0", "--retries", "0", input)
	if code != cli.ExitStopped || !strings.Contains(stderr, "redirect") {
		t.Errorf("exit %d, want %d with a redirect error:\n%s", code, cli.ExitStopped, stderr)
	}
	if n := other.Load(); n != 0 {
		t.Errorf("the other host got %d requests, want 0", n)
	}
}

// TestHostileServer: a server that answers with an endless, huge, slow,
// malformed or foreign body cannot hang or crash apply: every row ends failed
// with its cause, well within the deadline.
func TestHostileServer(t *testing.T) {
	t.Parallel()
	chunk := []byte(strings.Repeat("<x>", 10922))
	for _, c := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		// a body that never ends
		{"endless body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/xml")
			w.Write([]byte("<?xml version=\"1.0\"?><page><status>"))
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}},
		// 64 MB, announced
		{"huge body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/xml")
			w.Header().Set("Content-Length", strconv.Itoa(64<<20))
			for i := 0; i < (64<<20)/len(chunk) && r.Context().Err() == nil; i++ {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}},
		// one byte a second
		{"slow body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/xml")
			for _, b := range []byte("<page><status>User was updated</status></page>") {
				w.Write([]byte{b})
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(time.Second):
				}
			}
		}},
		// headers that never come
		{"no answer", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // only then does net/http see the client leave
			<-r.Context().Done()
		}},
		{"invalid XML", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/xml")
			w.Write([]byte("<?xml version=\"1.0\"?><page><status>User was upd<<&&"))
		}},
		{"HTML page 200", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<!DOCTYPE html><html><head><title>Login</title></head><body><form>Please log in</form></body></html>"))
		}},
		{"HTML error page 500", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("<html><body><h1>We're sorry, but something went wrong.</h1></body></html>"))
		}},
		// not HTTP at all
		{"garbage response", func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 2OO OK\r\nContent-Length: -5\r\n\x00\x01\x02\r\n\r\n")
			buf.Flush()
		}},
		{"empty 200", func(w http.ResponseWriter, r *http.Request) {}},
		// a proxy page that happens to hold a <status> element
		{"HTML page with status", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body><div><status>User was updated</status></div></body></html>"))
		}},
		// two answers in one: the outcome is unknown
		{"two statuses", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><page><status>User was updated</status><status>Incorrect hash</status></page>`))
		}},
		// a refusal written as a <status>
		{"refusal in status", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><page><status>User was not updated: Email is invalid</status></page>`))
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(c.handler)
			defer srv.Close()
			dir := t.TempDir()
			input, journal := filepath.Join(dir, "in.csv"), filepath.Join(dir, "j.jsonl")
			khWriteInput(t, input, 1001, 3)
			start := time.Now()
			code, stderr := hzRun(t, hzAdmin, "apply", "--url", srv.URL+"/billing", "--report", journal, "--progress", "none",
				"--rate", "0", "--workers", "2", "--retries", "0", "--timeout", "500ms", "--max-consecutive-failures", "0", input)
			elapsed := time.Since(start)
			if elapsed > 5*time.Second {
				t.Errorf("took %s for 3 rows with --timeout 500ms", elapsed)
			}
			if code != cli.ExitRowsFailed {
				t.Errorf("exit %d, want %d:\n%s", code, cli.ExitRowsFailed, stderr)
			}
			recs := khReadRecords(t, journal)
			if len(recs) != 3 {
				t.Fatalf("%d records, want 3:\n%s", len(recs), stderr)
			}
			for _, r := range recs {
				if r.Status != report.StatusFailed || len(r.Errors) == 0 || r.Errors[0].Message == "" {
					t.Errorf("row %d: %s %+v, want failed with a cause", r.Row, r.Status, r.Errors)
				}
			}
			t.Logf("%s in %s: %s", c.name, elapsed.Round(time.Millisecond), recs[0].Errors[0].Message)
		})
	}
}

// TestUnconfirmedSuccess: a server that answers a <status> with a text
// morbulk does not know (a translated MOR) gets its rows counted updated,
// each with a warning saying so, and the summary counts them.
func TestUnconfirmedSuccess(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<page>\n  <status>Vartotojas atnaujintas</status>\n</page>\n"))
	}))
	defer srv.Close()
	dir := t.TempDir()
	input, journal := filepath.Join(dir, "in.csv"), filepath.Join(dir, "j.jsonl")
	khWriteInput(t, input, 1001, 3)
	code, stderr := hzRun(t, hzAdmin, "apply", "--url", srv.URL+"/billing", "--report", journal, "--progress", "none", "--rate", "0", "--no-html", input)
	if code != cli.ExitOK {
		t.Fatalf("exit %d, want 0:\n%s", code, stderr)
	}
	for _, r := range apReadJournal(t, journal) {
		if r.Status != report.StatusUpdated || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0].Message, `"Vartotojas atnaujintas" is not MOR's`) {
			t.Errorf("row %d: %s, warnings %+v; want updated with the warning", r.Row, r.Status, r.Warnings)
		}
	}
	if !strings.Contains(stderr, "warnings: 3 rows") {
		t.Errorf("the summary does not count the warned rows:\n%s", stderr)
	}
}

// TestInputLimits: a 5 MB line and a 200 KB field are row errors that name
// the row (and the column, for the field), not crashes; the rows around them
// are applied.
func TestInputLimits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	seed, input, journal := filepath.Join(dir, "seed.yaml"), filepath.Join(dir, "in.csv"), filepath.Join(dir, "j.jsonl")
	khWriteSeed(t, seed, 1001, 5, "")
	f, err := os.Create(input)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("user_id,last_name,email\n")
	w.WriteString("1001,Before,\n")
	w.WriteString("1002," + strings.Repeat("L", 5<<20) + ",\n")        // row 3: a 5 MB line
	w.WriteString("1003,Field," + strings.Repeat("e", 200<<10) + "\n") // row 4: a 200 KB field
	w.WriteString("1004,\"" + strings.Repeat("q", 200<<10) + "\",\n")  // row 5: a quoted 200 KB field
	w.WriteString("1005,After,\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	code, stderr := hzRun(t, nil, "apply", "--sim", "--sim-seed", seed, "--sim-db", filepath.Join(dir, "sim.db"), "--report", journal,
		"--progress", "none", "--rate", "0", input)
	if code != cli.ExitRowsFailed {
		t.Fatalf("exit %d, want %d:\n%s", code, cli.ExitRowsFailed, stderr)
	}
	recs := khReadRecords(t, journal)
	byRow := map[int]khRecord{}
	for _, r := range recs {
		byRow[r.Row] = r
	}
	for _, c := range []struct {
		row    int
		status string
		column string // the column the error names ("" = none asked)
		text   string // part of the message
	}{
		{2, report.StatusUpdated, "", ""},
		{3, report.StatusInvalid, "", "longer than the limit"},
		{4, report.StatusInvalid, "email", "more than the limit"},
		{5, report.StatusInvalid, "last_name", "more than the limit"},
		{6, report.StatusUpdated, "", ""},
	} {
		r, ok := byRow[c.row]
		if !ok {
			t.Errorf("row %d: no record", c.row)
			continue
		}
		if r.Status != c.status {
			t.Errorf("row %d: %s %+v, want %s", c.row, r.Status, r.Errors, c.status)
			continue
		}
		if c.text == "" {
			continue
		}
		found := false
		for _, e := range r.Errors {
			if strings.Contains(e.Message, c.text) && (c.column == "" || e.Column == c.column) {
				found = true
			}
		}
		if !found {
			t.Errorf("row %d: errors %+v, want one in column %q saying %q", c.row, r.Errors, c.column, c.text)
		}
	}
	if len(recs) != 5 {
		t.Errorf("%d records, want 5 (one per row)", len(recs))
	}
}
