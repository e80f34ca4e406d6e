package cli_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/morbulk/morbulk/internal/cli"
	"github.com/morbulk/morbulk/internal/mor"
	"github.com/morbulk/morbulk/internal/morsim"
)

// TestSimCommand starts `morbulk sim` in process, reads its base URL from
// the first line of stdout, sends a form POST as curl would (hash from
// mor.NewHasher), and stops it with a signal: exit 0, and the change is in
// the --db file.
func TestSimCommand(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "sim.db")
	outR, outW := io.Pipe()
	var stderr lockedWriter
	sig := make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() {
		code := cli.Main([]string{"sim", "--seed", "../../samples/seed.yaml", "--db", db, "--listen", "127.0.0.1:0"},
			cli.Env{Stdout: outW, Stderr: &stderr, Signals: sig})
		_ = outW.Close()
		done <- code
	}()
	t.Cleanup(func() { _ = outR.Close() }) // never leave Main blocked on a write

	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(outR)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, outR) // anything later
	}()
	var base string
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatalf("sim printed nothing; exit %d\nstderr:\n%s", <-done, stderr.String())
		}
		base = l
	case <-time.After(60 * time.Second):
		t.Fatalf("no base URL after 60 s\nstderr:\n%s", stderr.String())
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+/billing$`).MatchString(base) {
		t.Fatalf("first line %q is not the base URL", base)
	}

	// The request curl would send: the seed is mor12, so p is checked and the hash is Mode F.
	params := mor.Params{{Key: "user_id", Value: "1001"}, {Key: "u15", Value: "1"}, {Key: "u17", Value: "Curl"}}
	form := url.Values{"u": {"admin"}, "p": {"admin1"}, "test": {"1"},
		"hash": {mor.NewHasher().Hash(mor.HashFull, params, "secret").Hex}}
	for _, p := range params {
		form.Set(p.Key, p.Value)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	post := func(form url.Values) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/user_update_api", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST: %v", err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(body)
	}
	code, body := post(form)
	if code != http.StatusOK || !strings.Contains(body, "<status>User was updated</status>") || !strings.Contains(body, "<page>") {
		t.Errorf("HTTP %d, body:\n%s", code, body)
	}
	// The same request with a tampered value: the hash no longer matches.
	form.Set("u15", "0")
	if code, body := post(form); code != http.StatusOK || !strings.Contains(body, "<error>Incorrect hash</error>") {
		t.Errorf("tampered: HTTP %d, body:\n%s", code, body)
	}

	sig <- os.Interrupt
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after a signal, want 0 (graceful)\nstderr:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("sim did not stop 30 s after the signal")
	}
	if strings.Contains(stderr.String(), "admin1") {
		t.Errorf("the log shows the password:\n%s", stderr.String())
	}

	// The database file kept the update: reopened as it is, not reseeded.
	s, err := morsim.Open(context.Background(), morsim.Config{DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec, err := s.User(context.Background(), 1001)
	if err != nil {
		t.Fatal(err)
	}
	if rec.User.Int("blocked") != 1 || rec.User.Str("last_name") != "Curl" {
		t.Errorf("user 1001 blocked %d last_name %q, want 1 and Curl", rec.User.Int("blocked"), rec.User.Str("last_name"))
	}
	if s.Profile() != "mor12" {
		t.Errorf("profile %q, want the seed's mor12", s.Profile())
	}
}

// TestSimCommandErrors: a bad seed or address is a usage error (exit 2)
// and nothing is served.
func TestSimCommandErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		// The seed file does not exist.
		{"missing seed", []string{"sim", "--seed", filepath.Join(dir, "none.yaml"), "--db", filepath.Join(dir, "a.db"), "--listen", "127.0.0.1:0"}, "seed"},
		// An unknown profile.
		{"bad profile", []string{"sim", "--seed", "../../samples/seed.yaml", "--db", filepath.Join(dir, "b.db"), "--profile", "mor99", "--listen", "127.0.0.1:0"}, "mor99"},
		// An address that cannot be listened on.
		{"bad listen", []string{"sim", "--seed", "../../samples/seed.yaml", "--db", filepath.Join(dir, "c.db"), "--listen", "256.0.0.1:0"}, "256.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := mainRun(t, nil, tc.args...)
			if code != 2 {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing (no base URL)", out)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, errOut)
			}
		})
	}
}
