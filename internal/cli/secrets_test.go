package cli_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/morbulk/morbulk/internal/cli"
	"github.com/morbulk/morbulk/internal/morsim"
)

// scBuffer is a writer the CLI's goroutines and the test may share.
type scBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *scBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *scBuffer) Bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.b.Bytes())
}

// scRandom is a random hex string: the part of a secret no other text has.
func scRandom(t *testing.T) string {
	t.Helper()
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// scForms are the forms in which a secret could leak: as is, its random
// core alone, URL-, JSON- and HTML-escaped, and the hex of its SHA-1 (what
// MOR stores for a password).
func scForms(secret, core string) []string {
	j, _ := json.Marshal(secret)
	sum := sha1.Sum([]byte(secret))
	return []string{secret, core, url.QueryEscape(secret), url.PathEscape(secret), string(j[1 : len(j)-1]),
		html.EscapeString(secret), hex.EncodeToString(sum[:]), strings.ToUpper(hex.EncodeToString(sum[:]))}
}

// TestSecretsNeverWritten runs every command, with right and wrong
// credentials from the environment and from files, at --log-level debug, and
// searches every byte morbulk wrote (stdout, stderr, every file in the report
// folder) for the password and the secret key in any form. The simulator's
// own database is the server side and is kept out of the report folder.
func TestSecretsNeverWritten(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "reports")
	for _, d := range []string{in, out} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// Unusual values: characters that change under URL, JSON and HTML escaping.
	pwCore, skCore, badPwCore, badSkCore := scRandom(t), scRandom(t), scRandom(t), scRandom(t)
	pw := "Pw-" + pwCore + "+&= %/\"<é"
	sk := "Sk-" + skCore + "?#&+ <'>"
	badPw := "Pw-" + badPwCore + "&x"
	badSk := "Sk-" + badSkCore + "%y"
	secrets := map[string][]string{"password": scForms(pw, pwCore), "secret": scForms(sk, skCore),
		"wrong password": scForms(badPw, badPwCore), "wrong secret": scForms(badSk, badSkCore)}

	yamlQuote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	seed := filepath.Join(in, "seed.yaml")
	seedText := "profile: mor12\nsettings:\n  allow_api: true\n  api_secret_key: " + yamlQuote(sk) + "\nusers:\n" +
		"  - {id: 0, username: admin, password: " + yamlQuote(pw) + ", usertype: admin, owner_id: 0}\n" +
		"  - {id: 1001, username: u1001, usertype: user, owner_id: 0, last_name: Old}\n" +
		"  - {id: 1002, username: u1002, usertype: user, owner_id: 0, last_name: Old}\n"
	if err := os.WriteFile(seed, []byte(seedText), 0o600); err != nil {
		t.Fatal(err)
	}
	input := filepath.Join(in, "changes.csv")
	// One valid row, one the server refuses (missing user), one invalid.
	if err := os.WriteFile(input, []byte("user_id,last_name,email\n1001,Smith,a@example.com\n1777,Nobody,\n1002,Jones,not-an-email\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := func(name, content string) string {
		p := filepath.Join(in, name)
		if err := os.WriteFile(p, []byte(content+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pwFile, skFile, badPwFile, badSkFile := file("pw", pw), file("sk", sk), file("badpw", badPw), file("badsk", badSk)

	_, base := apStartSim(t, seed, morsim.Faults{})

	right := map[string]string{"MORBULK_USER": "admin", "MORBULK_PASSWORD": pw, "MORBULK_SECRET": sk}
	wrongPw := map[string]string{"MORBULK_USER": "admin", "MORBULK_PASSWORD": badPw, "MORBULK_SECRET": sk}
	wrongSk := map[string]string{"MORBULK_USER": "admin", "MORBULK_PASSWORD": pw, "MORBULK_SECRET": badSk}
	userOnly := map[string]string{"MORBULK_USER": "admin"}
	n := 0
	rep := func() []string { // fresh report paths for each run
		n++
		p := filepath.Join(out, fmt.Sprintf("run%02d", n))
		return []string{"--report", p + ".jsonl", "--report", p + ".csv", "--failed-out", p + "-failed.csv"}
	}
	apply := func(extra ...string) []string {
		args := append([]string{"--log-level", "debug", "apply", "--progress", "none", "--rate", "0", "--retries", "0"}, rep()...)
		return append(append(args, extra...), input)
	}
	simDB := func() string { n++; return filepath.Join(in, fmt.Sprintf("sim%02d.db", n)) }

	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
	}{
		// commands that need no credentials still see them in the environment
		{"validate", right, []string{"--log-level", "debug", "validate", "--report", filepath.Join(out, "v.jsonl"), "--report", filepath.Join(out, "v.csv"), input}, cli.ExitRowsFailed},
		{"schema", right, []string{"--log-level", "debug", "schema"}, cli.ExitOK},
		{"schema json", right, []string{"--log-level", "debug", "schema", "--format", "json"}, cli.ExitOK},
		// the built-in simulator, credentials from the environment
		{"apply --sim", right, apply("--sim", "--sim-seed", seed, "--sim-db", simDB()), cli.ExitRowsFailed},
		{"apply --sim json logs", right, append([]string{"--log-format", "json"}, apply("--sim", "--sim-seed", seed, "--sim-db", simDB())...), cli.ExitRowsFailed},
		// a server over loopback, right and wrong credentials, from the environment and from files
		{"apply --url right", right, apply("--url", base), cli.ExitRowsFailed},
		{"apply --url files", userOnly, apply("--url", base, "--password-file", pwFile, "--secret-file", skFile), cli.ExitRowsFailed},
		{"apply --url wrong password", wrongPw, apply("--url", base), cli.ExitStopped},
		{"apply --url wrong secret", wrongSk, apply("--url", base), cli.ExitStopped},
		{"apply --url wrong password file", userOnly, apply("--url", base, "--password-file", badPwFile, "--secret-file", skFile), cli.ExitStopped},
		{"apply --url wrong secret file", userOnly, apply("--url", base, "--password-file", pwFile, "--secret-file", badSkFile), cli.ExitStopped},
		// GET puts p and hash in the URL: they must not reach the error texts
		{"apply --url GET", right, apply("--url", base, "--method", "GET"), cli.ExitStopped},
		{"apply --url GET wrong", wrongPw, apply("--url", base, "--method", "GET"), cli.ExitStopped},
		{"hash", right, []string{"--log-level", "debug", "hash", "user_id=1001", "u17=Smith", "pswd=" + "x"}, cli.ExitOK},
		{"hash --explain", right, []string{"--log-level", "debug", "hash", "--explain", "user_id=007", "pgui=1", "u15=1"}, cli.ExitOK},
		{"hash --secret-file", userOnly, []string{"--log-level", "debug", "hash", "--secret-file", skFile, "--explain", "user_id=1001"}, cli.ExitOK},
		{"doctor --url right", right, []string{"--log-level", "debug", "doctor", "--url", base}, cli.ExitOK},
		// -1: on MOR 11/12 user_details answers a wrong password with "User was
		// not found", which doctor reports as a warning only; the status is not the point here
		{"doctor --url wrong password", wrongPw, []string{"--log-level", "debug", "doctor", "--url", base}, -1},
		{"doctor --url wrong secret", wrongSk, []string{"--log-level", "debug", "doctor", "--url", base}, cli.ExitStopped},
		{"doctor --url files", userOnly, []string{"--log-level", "debug", "doctor", "--url", base, "--password-file", pwFile, "--secret-file", skFile}, cli.ExitOK},
		{"doctor --sim", right, []string{"--log-level", "debug", "doctor", "--sim", "--sim-seed", seed, "--sim-db", simDB()}, cli.ExitOK},
		// a credential file that cannot be read: the error names the file, not its content
		{"apply missing secret file", userOnly, apply("--url", base, "--password-file", pwFile, "--secret-file", filepath.Join(in, "nope")), cli.ExitUsage},
	}
	for _, c := range cases {
		var stdout, stderr scBuffer
		code := cli.Main(c.args, cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return c.env[k] }})
		if c.code >= 0 && code != c.code {
			t.Errorf("%s: exit %d, want %d; stderr:\n%s", c.name, code, c.code, stderr.Bytes())
		}
		for _, b := range [][]byte{stdout.Bytes(), stderr.Bytes()} {
			scCheck(t, c.name, b, secrets)
		}
	}

	// sim, briefly: it prints its URL, then stops at the first interrupt.
	{
		var stdout, stderr scBuffer
		sig := make(chan os.Signal, 1)
		done := make(chan int, 1)
		go func() {
			done <- cli.Main([]string{"--log-level", "debug", "sim", "--seed", seed, "--db", simDB(), "--listen", "127.0.0.1:0"},
				cli.Env{Stdout: &stdout, Stderr: &stderr, Signals: sig, Getenv: func(k string) string { return right[k] }})
		}()
		for deadline := time.Now().Add(10 * time.Second); !bytes.Contains(stdout.Bytes(), []byte("http://")); {
			if time.Now().After(deadline) {
				t.Fatalf("sim printed no URL in 10 s; stderr:\n%s", stderr.Bytes())
			}
			time.Sleep(20 * time.Millisecond)
		}
		sig <- syscall.SIGINT
		if code := <-done; code != cli.ExitOK {
			t.Errorf("sim: exit %d; stderr:\n%s", code, stderr.Bytes())
		}
		scCheck(t, "sim", stdout.Bytes(), secrets)
		scCheck(t, "sim", stderr.Bytes(), secrets)
	}

	// report, when the command exists: it rebuilds a report from a journal.
	if cli.Main([]string{"report", "--help"}, cli.Env{}) == cli.ExitOK {
		var stderr scBuffer
		journals, _ := filepath.Glob(filepath.Join(out, "run*.jsonl"))
		if len(journals) == 0 {
			t.Fatal("no journal written")
		}
		code := cli.Main([]string{"--log-level", "debug", "report", "--html", filepath.Join(out, "rebuilt.html"), journals[0]},
			cli.Env{Stdout: &stderr, Stderr: &stderr, Getenv: func(k string) string { return right[k] }})
		if code != cli.ExitOK {
			t.Errorf("report: exit %d:\n%s", code, stderr.Bytes())
		}
		scCheck(t, "report", stderr.Bytes(), secrets)
	}

	// Every file morbulk wrote.
	files := 0
	err := filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		scCheck(t, filepath.Base(path), b, secrets)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Errorf("only %d report files written: the runs did not get far enough to test anything", files)
	}
	// The check itself works: the seed file holds the password.
	if b, _ := os.ReadFile(seed); !bytes.Contains(b, []byte(pwCore)) {
		t.Fatal("the search would not find the password")
	}
	t.Logf("%d commands, %d report files: no password or secret key, raw, escaped or SHA-1, in any output", len(cases)+2, files)
}

// scCheck fails the test if b holds any form of any secret.
func scCheck(t *testing.T, where string, b []byte, secrets map[string][]string) {
	t.Helper()
	for name, forms := range secrets {
		for _, f := range forms {
			if i := bytes.Index(b, []byte(f)); i >= 0 {
				lo, hi := max(0, i-80), min(len(b), i+len(f)+40)
				t.Errorf("%s: the %s leaked (as %q): ...%s...", where, name, f, b[lo:hi])
			}
		}
	}
}
