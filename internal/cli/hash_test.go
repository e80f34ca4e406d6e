package cli_test

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/morbulk/morbulk/internal/cli"
)

// lockedWriter is an io.Writer safe for the goroutines of an in-process run
// (the simulator logs from its handlers).
type lockedWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// mainRun runs morbulk in process with the given environment variables and
// returns the exit status, stdout and stderr.
func mainRun(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr lockedWriter
	code := cli.Main(args, cli.Env{
		Stdout: &stdout,
		Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
	})
	return code, stdout.String(), stderr.String()
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// lineWith is the first line of s starting with prefix, "" if none.
func lineWith(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestHashVectors: every user_update_api vector of doc §2.5 through
// `morbulk hash`; the last line of stdout is the hash alone.
func TestHashVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		flags []string // --mode / --profile
		args  string   // KEY=VALUE ... as typed
		key   string
		str   string // the "string:" line: hashed values with the key masked
		want  string
	}{
		// [WIKI] user_id only.
		{"wiki 581", nil, "user_id=581", "asdfghjkl", "581****", "b3b8a6f4063a0569212c91098627a9c394283bd6"},
		// The same in legacy mode: both modes agree on user_id alone.
		{"wiki 581 legacy", []string{"--mode", "legacy"}, "user_id=581", "asdfghjkl", "581****", "b3b8a6f4063a0569212c91098627a9c394283bd6"},
		// [TEST MOR 11] Mode L: u28 is not hashed.
		{"mor11 legacy", []string{"--mode", "legacy"}, "user_id=3 u28=0", "secret", "3****", "7f544a3f166563efce4dc5da5425cdd0d7a41634"},
		// The same through the mor11 profile, whose mode is legacy.
		{"mor11 profile", []string{"--profile", "mor11"}, "user_id=3 u28=0", "secret", "3****", "7f544a3f166563efce4dc5da5425cdd0d7a41634"},
		// [TEST X3] u15 before u25.
		{"x3 user 6", nil, "user_id=6 u15=0 u25=1", "secret", "601****", "51ba7ae4d5742527ba30e8dbe766e1b904611c3b"},
		// [TEST X3].
		{"x3 user 5", nil, "user_id=5 u15=1 u25=0", "secret", "510****", "136aa47d908785cb053cabedc90d6993912a57c2"},
		// [TEST X3] u5 before u15 before u25, whatever the request order.
		{"x3 u5 order", nil, "user_id=0 u15=1 u25=0 u5=1", "secret", "0110****", "4b63372c04043de439e7badcbb5dca7adfce3c46"},
		// [TEST X3].
		{"x3 user 2", nil, "user_id=2 u15=0 u25=1", "secret", "201****", "1fe850b1e66401c7e89f34b801f5c925f0816e31"},
		// [TEST X3] i4 comes before i1.
		{"x3 invoices 6", nil, "user_id=6 u15=0 u25=1 i1=2 i2=4 i3=8 i4=16", "secret", "60116248****", "20ab5a816cf25c00f94bea4cd31d428940065f3e"},
		// [TEST X3].
		{"x3 invoices 2", nil, "user_id=2 u15=0 u25=1 i1=2 i2=4 i3=8 i4=16", "secret", "20116248****", "016f269ecb34bd5ca7cf870cecdd57f4f947a8d8"},
		// [TEST X3] invoices only.
		{"x3 invoices only", nil, "user_id=6 i1=2 i2=4 i3=8 i4=16", "secret", "616248****", "fff425dbdebb6e863567b038851c6a15ef24d70e"},
		// [TEST X3] no user_id at all.
		{"x3 no user_id", nil, "warning_email_active=1", "secret", "1****", "bc2f114099d16656d37e45fd9e8744cb9386d462"},
		// [TEST X3].
		{"x3 warning", nil, "user_id=3 warning_email_active=1", "secret", "31****", "e8f6a1b208f255408b55fde9c935d8a6e6840ad9"},
		// [TEST X3] a8 is the address email.
		{"x3 email 2", nil, "user_id=2 a8=test_reseller@email.test", "secret", "2test_reseller@email.test****", "ab22e29a8ed57eae21cea69d354ef2992a135143"},
		// [TEST X3].
		{"x3 email 5", nil, "user_id=5 a8=test_reseller@email.test", "secret", "5test_reseller@email.test****", "b9cffa3c5cbca7c5e1a5586bc520c1c923c10034"},
		// Additional example: credit in the middle, u17 before u23.
		{"example 42", nil, "user_id=42 u23=John u17=Smith u15=1 credit=10.5 a8=john@example.com", "secret",
			"421SmithJohn10.5john@example.com****", "6ffcdd5e041abb7559cbd6c2c3ee5d7813903e0c"},
		// Additional example: i4 before i1.
		{"example i4 i1", nil, "user_id=7 i1=2 i4=16", "secret", "7162****", "8feae87de095b423843ff0af05c1008cd2be04a2"},
		// The read hash of user_details_get (user_id + key).
		{"details get", []string{"--mode", "legacy"}, "user_id=123", "456789", "123****", "f7c3bc1d808e04732adf679965ccc34ca7ae3441"},
		// pgui and user_warning_email_hour are never hashed: the x3 user 6 hash.
		{"never hashed", nil, "user_id=6 pgui=1 u15=0 user_warning_email_hour=5 u25=1", "secret", "601****", "51ba7ae4d5742527ba30e8dbe766e1b904611c3b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"hash"}, tc.flags...)
			args = append(args, strings.Fields(tc.args)...)
			code, out, errOut := mainRun(t, map[string]string{"MORBULK_SECRET": tc.key}, args...)
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if got := lastLine(out); got != tc.want {
				t.Errorf("last line %q, want %q\nstdout:\n%s", got, tc.want, out)
			}
			if got := lineWith(out, "string: "); got != "string: "+tc.str {
				t.Errorf("%q, want %q", got, "string: "+tc.str)
			}
			if strings.Contains(out, tc.key) || strings.Contains(errOut, tc.key) {
				t.Errorf("the secret %q is printed:\nstdout:\n%s\nstderr:\n%s", tc.key, out, errOut)
			}
		})
	}
}

// TestHashCommand: where the secret comes from, what happens without one,
// and --explain.
func TestHashCommand(t *testing.T) {
	t.Parallel()
	const key = "Sup3r+S3cr3t/Key" // distinctive, with characters URL escaping changes
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(keyFile, []byte("secret\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		code     int
		last     string   // last line of stdout when code is 0
		contains []string // in stdout+stderr
	}{
		// --secret-file: the first line, without its line end.
		{"secret file", nil, []string{"hash", "--secret-file", keyFile, "user_id=6", "u15=0", "u25=1"}, 0,
			"51ba7ae4d5742527ba30e8dbe766e1b904611c3b", []string{"string: 601****"}},
		// The file wins over the environment (SHA1("581secret") by sha1sum).
		{"file before env", map[string]string{"MORBULK_SECRET": key}, []string{"hash", "--secret-file", keyFile, "user_id=581"}, 0,
			"472c6734c5e4eb5312c7f982fdd2c233570b560f", []string{"mode: full"}},
		// No secret anywhere: a usage error naming where to put it.
		{"no secret", nil, []string{"hash", "user_id=1"}, 2, "", []string{"MORBULK_SECRET", "--secret-file"}},
		// A missing secret file: usage error.
		{"missing secret file", nil, []string{"hash", "--secret-file", filepath.Join(dir, "none"), "user_id=1"}, 2, "", []string{"credential file"}},
		// A bad mode.
		{"bad mode", map[string]string{"MORBULK_SECRET": key}, []string{"hash", "--mode", "half", "user_id=1"}, 2, "", []string{"--mode", "legacy or full"}},
		// Not KEY=VALUE.
		{"bad argument", map[string]string{"MORBULK_SECRET": key}, []string{"hash", "user_id"}, 2, "", []string{"KEY=VALUE"}},
		// --explain names the never-hashed pgui and the leading zeros, the key masked.
		{"explain", map[string]string{"MORBULK_SECRET": key}, []string{"hash", "--explain", "user_id=007", "pgui=1", "u15=1"}, 0, "",
			[]string{"explain:", "pgui is sent but the server never hashes it", `user_id "007" has leading zeros`, "string: 71****", `"7 1 ****"`}},
		// Legacy mode with the distinctive key, explained.
		{"explain legacy", map[string]string{"MORBULK_SECRET": key}, []string{"hash", "--mode", "legacy", "--explain", "user_id=7", "u17=Smith"}, 0, "",
			[]string{"mode: legacy", "string: 7****", "try --hash-mode full"}},
		// X4 does not hash ignore_global_monitorings (doc §2.3): SHA1("1secret").
		{"x4 profile", map[string]string{"MORBULK_SECRET": "secret"}, []string{"hash", "--profile", "x4", "user_id=1", "ignore_global_monitorings=1"}, 0,
			"bc2f114099d16656d37e45fd9e8744cb9386d462", []string{"string: 1****"}},
		// MOR 12 and X3 do: SHA1("11secret") by sha1sum.
		{"x3 profile", map[string]string{"MORBULK_SECRET": "secret"}, []string{"hash", "--profile", "x3", "user_id=1", "ignore_global_monitorings=1"}, 0,
			"daa7eb1397f537557e0cacf423efa02afa76626b", []string{"string: 11****"}},
		// The secret in a password change stays masked too.
		{"pswd masked", map[string]string{"MORBULK_SECRET": key}, []string{"hash", "user_id=7", "pswd=NewPassw0rd!"}, 0, "",
			[]string{"string: 7****"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := mainRun(t, tc.env, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			if code == 0 {
				last := lastLine(out)
				if len(last) != 40 || strings.Trim(last, "0123456789abcdef") != "" {
					t.Errorf("last line %q is not a lowercase 40-character SHA-1", last)
				}
				if tc.last != "" && last != tc.last {
					t.Errorf("last line %q, want %q", last, tc.last)
				}
			}
			all := out + errOut
			for _, w := range tc.contains {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\nstdout:\n%s\nstderr:\n%s", w, out, errOut)
				}
			}
			for _, secret := range []string{key, url.QueryEscape(key), "NewPassw0rd!"} {
				if strings.Contains(all, secret) {
					t.Errorf("output shows the secret %q:\n%s", secret, all)
				}
			}
		})
	}
}
