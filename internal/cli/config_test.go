package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/morbulk/morbulk/internal/cli"
	"github.com/morbulk/morbulk/internal/morsim"
)

// TestConfigFile applies through named servers of a config file against
// the simulator: the entry chosen by --server, by the file's default and by
// MORBULK_CONFIG; flags over the environment over the file; and the
// mistakes a config can hold, each refused before anything is sent.
func TestConfigFile(t *testing.T) {
	t.Parallel()
	s, base := apStartSim(t, apSeed, morsim.Faults{})
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pw, key := write("pw", "admin1\n"), write("key", "secret\n")
	const leaked = "N0t-In-Th3-C0nfig"
	good := write("servers.yaml", fmt.Sprintf(`default: sim
servers:
  sim:
    url: %s
    user: admin
    profile: mor12
    password_file: %s
    secret_file: %s
  wrongkey:
    url: %s
    user: admin
    password_file: %s
    secret_file: %s
`, base, pw, key, base, pw, pw))
	in := apWriteInput(t, dir, "in.csv", apIDs(1001, 3))

	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		code  int
		want  string // in stderr
		sends bool   // requests reach the simulator
	}{
		// The file's default entry: URL, user, profile and both files from it.
		{name: "default entry", args: []string{"--config", good}, code: cli.ExitOK, sends: true},
		// MORBULK_CONFIG names the file; --server picks the entry.
		{name: "env config and --server", env: map[string]string{"MORBULK_CONFIG": good}, args: []string{"--server", "sim"}, code: cli.ExitOK, sends: true},
		// The entry's secret file holds the password: Incorrect hash stops the run.
		{name: "wrong secret file", args: []string{"--config", good, "--server", "wrongkey"}, code: cli.ExitStopped, want: "Incorrect hash", sends: true},
		// The environment overrides the file's secret file.
		{name: "env over file", env: map[string]string{"MORBULK_SECRET": "secret"}, args: []string{"--config", good, "--server", "wrongkey"}, code: cli.ExitOK, sends: true},
		// A flag overrides both: --user names a login that does not exist.
		{name: "flag over file", args: []string{"--config", good, "--user", "nobody"}, code: cli.ExitStopped, want: "Bad login", sends: true},
		// An unknown entry lists the known ones.
		{name: "unknown server", args: []string{"--config", good, "--server", "prod"}, code: cli.ExitUsage, want: `no server "prod" (it has: sim, wrongkey)`},
		// A password written in the file is refused, and never echoed.
		{name: "password in the file", args: []string{"--config", write("pw.yaml", "servers:\n  a:\n    url: "+base+"\n    password: "+leaked+"\n")},
			code: cli.ExitUsage, want: `credentials are not written in the config`},
		// A misspelt key is named with the keys that exist.
		{name: "unknown key", args: []string{"--config", write("typo.yaml", "servers:\n  a:\n    url: "+base+"\n    rat: 5\n")},
			code: cli.ExitUsage, want: `line 4: key "rat" is not a server key (url, user,`},
		// --server without any config file.
		{name: "server without config", args: []string{"--server", "sim"}, code: cli.ExitUsage, want: "needs a config file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the cases share the simulator's request count.
			before := s.Stats().Requests
			args := append([]string{"apply", "--report", filepath.Join(t.TempDir(), "j.jsonl"), "--rate", "0", "--progress", "none", "--no-html"}, tc.args...)
			code, stderr := apRun(t, tc.env, append(args, in)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if tc.want != "" && !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, stderr)
			}
			for _, secret := range []string{leaked, "admin1", "secret\n"} {
				if strings.Contains(stderr, secret) {
					t.Errorf("stderr shows %q:\n%s", secret, stderr)
				}
			}
			if sent := s.Stats().Requests > before; sent != tc.sends {
				t.Errorf("requests sent: %v, want %v", sent, tc.sends)
			}
		})
	}
}
