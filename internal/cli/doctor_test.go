package cli_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDoctorSim runs `morbulk doctor --sim` against the simulator seeded
// from samples/seed.yaml, in every profile and with wrong credentials.
func TestDoctorSim(t *testing.T) {
	t.Parallel()
	const (
		wrongSecret   = "Wr0ng-K3y-7f1c"
		wrongPassword = "Wr0ng-Pa55-9d2e"
	)
	tests := []struct {
		name    string
		profile string
		env     map[string]string
		args    []string // besides --sim, --sim-seed, --sim-db, --sim-profile
		code    int
		want    []*regexp.Regexp // each must match stdout
		not     []string         // must not be in stdout or stderr
	}{
		// The sample seed's admin, every check ok, in every era.
		{name: "ok mor11", profile: "mor11", code: 0, want: allOK("admin", "mor11")},
		{name: "ok mor12", profile: "mor12", code: 0, want: allOK("admin", "mor12")},
		{name: "ok x3", profile: "x3", code: 0, want: allOK("admin", "x3")},
		{name: "ok x4", profile: "x4", code: 0, want: allOK("admin", "x4")},
		// A reseller reading one of his users, with the key --sim picks for
		// him: the global key in MOR 11, his own from MOR 12 on (X3 finds it
		// by u and p, and the x3 profile sends p when it is set).
		{name: "reseller mor11", profile: "mor11", args: []string{"--user", "reseller1", "--user-id", "2001"}, code: 0, want: allOK("reseller1", "mor11")},
		{name: "reseller mor12", profile: "mor12", args: []string{"--user", "reseller1", "--user-id", "2001"}, code: 0, want: allOK("reseller1", "mor12")},
		{name: "reseller x3", profile: "x3", args: []string{"--user", "reseller1", "--user-id", "2001"}, code: 0, want: allOK("reseller1", "x3")},
		{name: "reseller x4", profile: "x4", args: []string{"--user", "reseller1", "--user-id", "2001"}, code: 0, want: allOK("reseller1", "x4")},
		// A wrong secret: the secret check fails (exit 4), names the secret
		// and says where to set it; the later checks are skipped.
		{name: "wrong secret mor12", profile: "mor12", env: map[string]string{"MORBULK_SECRET": wrongSecret}, code: 4,
			want: wrongSecretOut(), not: []string{wrongSecret, "all checks passed"}},
		{name: "wrong secret x3", profile: "x3", env: map[string]string{"MORBULK_SECRET": wrongSecret}, code: 4,
			want: wrongSecretOut(), not: []string{wrongSecret, "all checks passed"}},
		{name: "wrong secret mor11", profile: "mor11", env: map[string]string{"MORBULK_SECRET": wrongSecret}, code: 4,
			want: wrongSecretOut(), not: []string{wrongSecret, "all checks passed"}},
		// A wrong password on MOR 12: user_details answers "User was not
		// found" there (doc §5.1), which doctor cannot tell from a user out
		// of sight, so the login check fails and names both causes.
		{name: "wrong password mor12", profile: "mor12", env: map[string]string{"MORBULK_PASSWORD": wrongPassword}, code: 4,
			want: []*regexp.Regexp{
				regexp.MustCompile(`(?m)^\[FAIL\] +login as admin +not confirmed: reading user 0 gave User was not found`),
				regexp.MustCompile(`fix: .*wrong user name or password`),
				regexp.MustCompile(`(?m)^\[skipped\] +read user 0`),
			},
			not: []string{wrongPassword, "all checks passed"}},
		// A reseller with the default --user-id 0 on X3: the login is
		// confirmed (X3 checks it first), the read is a warning that says
		// to give one of his users.
		{name: "reseller without user-id x3", profile: "x3", args: []string{"--user", "reseller1"}, code: 0,
			want: []*regexp.Regexp{
				regexp.MustCompile(`(?m)^\[ok\] +login as reseller1`),
				regexp.MustCompile(`(?m)^\[warn\] +read user 0 +User was not found`),
				regexp.MustCompile(`fix: .*give --user-id`),
				regexp.MustCompile(`(?m)^no check failed, but 1 warning\(s\)`),
			}},
		// X3 ignores the password, and the x3 profile does not send it.
		{name: "wrong password x3", profile: "x3", env: map[string]string{"MORBULK_PASSWORD": wrongPassword}, code: 0,
			want: allOK("admin", "x3"), not: []string{wrongPassword}},
		// A user that does not exist: Bad login in X3, a failed login check.
		{name: "unknown user x3", profile: "x3", args: []string{"--user", "nobody"}, env: map[string]string{"MORBULK_SECRET": "secret"}, code: 4,
			want: []*regexp.Regexp{
				regexp.MustCompile(`(?m)^\[ok\] +secret key`),
				regexp.MustCompile(`(?m)^\[FAIL\] +login as nobody +the server answered: Bad login`),
				regexp.MustCompile(`fix: check the user name \(MORBULK_USER`),
			}},
		// Hash checking is on: --no-hash fails at the secret check.
		{name: "no hash", profile: "x4", args: []string{"--no-hash"}, code: 4,
			want: []*regexp.Regexp{regexp.MustCompile(`(?m)^\[FAIL\] +secret key.*Incorrect hash`), regexp.MustCompile(`fix: the server checks hashes`)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"doctor", "--sim", "--sim-seed", "../../samples/seed.yaml",
				"--sim-db", filepath.Join(t.TempDir(), "sim.db"), "--sim-profile", tc.profile}, tc.args...)
			code, out, errOut := mainRun(t, tc.env, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, re := range tc.want {
				if !re.MatchString(out) {
					t.Errorf("stdout does not match %s:\n%s", re, out)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(out, n) || strings.Contains(errOut, n) {
					t.Errorf("output shows %q:\nstdout:\n%s\nstderr:\n%s", n, out, errOut)
				}
			}
			if tc.code == 4 && !strings.Contains(errOut, "a check failed") {
				t.Errorf("stderr does not say why it stopped:\n%s", errOut)
			}
		})
	}
}

// allOK: the header names the user and profile, the seven checks are ok.
func allOK(user, profile string) []*regexp.Regexp {
	res := []*regexp.Regexp{
		regexp.MustCompile(`(?m)^user: ` + user + `, profile ` + profile + `, hash (legacy|full)$`),
		regexp.MustCompile(`(?m)^all checks passed$`),
		regexp.MustCompile(`(?m)^server: simulator http://127\.0\.0\.1:[0-9]+/billing \(profile ` + profile + `,`),
	}
	for _, check := range []string{"server answers", "API enabled", "request method POST", "API method user_details",
		"secret key", "login as " + user, "read user"} {
		res = append(res, regexp.MustCompile(`(?m)^\[ok\] +`+regexp.QuoteMeta(check)))
	}
	return res
}

// wrongSecretOut: the secret check fails, says what was seen and what to fix.
func wrongSecretOut() []*regexp.Regexp {
	return []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\[ok\] +API enabled`),
		regexp.MustCompile(`(?m)^\[FAIL\] +secret key \(hash, mode legacy for reads\) +the server answered: Incorrect hash$`),
		regexp.MustCompile(`(?m)^ +fix: check the API secret key \(MORBULK_SECRET;`),
		regexp.MustCompile(`(?m)^\[skipped\] +login as admin`),
		regexp.MustCompile(`(?m)^\[skipped\] +read user 0`),
	}
}

// TestCompletionValues: shell completion offers the values of the flags
// that take one of a few words.
func TestCompletionValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "apply", "--profile", ""}, []string{"mor11", "mor12", "x3", "x4"}},
		{[]string{"__complete", "doctor", "--sim-profile", ""}, []string{"mor11", "x4"}},
		{[]string{"__complete", "schema", "--format", ""}, []string{"table", "json", "csv", "yaml"}},
	} {
		_, out, _ := mainRun(t, nil, tc.args...)
		for _, w := range tc.want {
			if !strings.Contains("\n"+out, "\n"+w+"\n") {
				t.Errorf("%v: %q not offered:\n%s", tc.args, w, out)
			}
		}
	}
}
