package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/morbulk/morbulk/internal/cli"
	"github.com/morbulk/morbulk/internal/report"
)

// These tests come from a new user's trial: each one is a way a real user
// lost data or got a wrong answer before it was fixed.

// TestOutputNeverOverwritesInput: a report, HTML or failed-rows path that
// names an input file is refused, and the input is left as it was.
func TestOutputNeverOverwritesInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args func(in, dir string) []string
	}{
		// validate --report mine.csv mine.csv
		{"validate report", func(in, dir string) []string {
			return []string{"validate", "--no-html", "--report", in, in}
		}},
		// validate --html mine.csv mine.csv
		{"validate html", func(in, dir string) []string {
			return []string{"validate", "--report", filepath.Join(dir, "r.jsonl"), "--html", in, in}
		}},
		// apply --failed-out mine.csv mine.csv, the input named by another spelling
		{"apply failed-out", func(in, dir string) []string {
			return []string{"apply", "--sim", "--sim-seed", apSeed, "--sim-db", filepath.Join(dir, "s.db"),
				"--report", filepath.Join(dir, "j.jsonl"), "--failed-out", filepath.Join(dir, ".", "mine.csv"), in}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := apWriteInput(t, dir, "mine.csv", apIDs(1001, 3))
			before, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			code, stderr := apRun(t, apAdminEnv(), tc.args(in, dir)...)
			if code != cli.ExitUsage || !strings.Contains(stderr, "both an input file and an output") {
				t.Fatalf("exit %d, want %d with the reason; stderr:\n%s", code, cli.ExitUsage, stderr)
			}
			after, err := os.ReadFile(in)
			if err != nil || string(after) != string(before) {
				t.Fatalf("the input changed: %q (err %v)", after, err)
			}
		})
	}
}

// TestJournalOneRunAtATime: while a run holds the journal, another run on
// it is refused instead of interleaving its records.
func TestJournalOneRunAtATime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := apWriteInput(t, dir, "in.csv", apIDs(1001, 4))
	j := filepath.Join(dir, "j.jsonl")
	db := filepath.Join(dir, "s.db")
	base := []string{"apply", "--sim", "--sim-seed", apSeed, "--sim-db", db, "--no-html", "--progress", "none", "--report", j}
	if code, stderr := apRun(t, apAdminEnv(), append(base, "--limit", "2", in)...); code != cli.ExitOK {
		t.Fatalf("first run: exit %d; stderr:\n%s", code, stderr)
	}
	held, err := report.OpenJournal(j, true) // another run is writing it
	if err != nil {
		t.Fatal(err)
	}
	code, stderr := apRun(t, apAdminEnv(), append(base, "--resume", in)...)
	held.Close()
	if code != cli.ExitUsage || !strings.Contains(stderr, "another morbulk run is writing") {
		t.Fatalf("resume while locked: exit %d, want %d; stderr:\n%s", code, cli.ExitUsage, stderr)
	}
	if code, stderr := apRun(t, apAdminEnv(), append(base, "--resume", in)...); code != cli.ExitOK {
		t.Fatalf("resume once released: exit %d; stderr:\n%s", code, stderr)
	}
	// Run 1: 2 updated and 2 not_sent; the refused run: nothing; run 2: the 2 not sent.
	recs := apReadJournal(t, j)
	if len(recs) != 6 {
		t.Fatalf("journal has %d records, want 6", len(recs))
	}
	for _, r := range recs[4:] {
		if r.Run != 2 || r.Status != "updated" {
			t.Errorf("record %+v: want run 2, updated", r)
		}
	}
}

// TestResumeByContent: the same file named by another path resumes the run
// (nothing already updated is sent again); a changed file does not.
func TestResumeByContent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	in := apWriteInput(t, dir, "in.csv", apIDs(1001, 5))
	other := filepath.Join(dir, "sub", "..", "in.csv") // the same file, spelled otherwise
	j := filepath.Join(dir, "j.jsonl")
	base := []string{"apply", "--sim", "--sim-seed", apSeed, "--sim-db", filepath.Join(dir, "s.db"), "--no-html", "--progress", "none", "--report", j}
	if code, stderr := apRun(t, apAdminEnv(), append(base, "--limit", "3", in)...); code != cli.ExitOK {
		t.Fatalf("first run: exit %d; stderr:\n%s", code, stderr)
	}
	if code, stderr := apRun(t, apAdminEnv(), append(base, "--resume", other)...); code != cli.ExitOK {
		t.Fatalf("resume by another path: exit %d; stderr:\n%s", code, stderr)
	}
	sent := map[string]int{}
	for _, r := range apReadJournal(t, j) {
		if r.File != in {
			t.Errorf("record names %q, want the first run's name %q", r.File, in)
		}
		if r.Status == "updated" {
			sent[r.UserID]++
		}
	}
	if len(sent) != 5 {
		t.Fatalf("updated users %v, want 5", sent)
	}
	for id, n := range sent {
		if n != 1 {
			t.Errorf("user %s updated %d times, want once", id, n)
		}
	}
}

// TestHashMapsAliases: a readable name is hashed as the code sent on the wire.
func TestHashMapsAliases(t *testing.T) {
	t.Parallel()
	env := map[string]string{"MORBULK_SECRET": "secret"}
	last := func(out string) string {
		lines := strings.Split(strings.TrimSpace(out), "\n")
		return lines[len(lines)-1]
	}
	a := &apInvocation{args: []string{"hash", "user_id=42", "last_name=Smith"}, getenv: env}
	b := &apInvocation{args: []string{"hash", "user_id=42", "u17=Smith"}, getenv: env}
	if a.run() != cli.ExitOK || b.run() != cli.ExitOK {
		t.Fatalf("hash failed: %s %s", a.stderr.String(), b.stderr.String())
	}
	if last(a.stdout.String()) != last(b.stdout.String()) {
		t.Fatalf("alias hashed as %s, code as %s", last(a.stdout.String()), last(b.stdout.String()))
	}
}

// TestApplyFlagChecks: values that used to be accepted and mean something else.
func TestApplyFlagChecks(t *testing.T) {
	t.Parallel()
	for _, flag := range [][]string{{"--rate", "NaN"}, {"--rate", "+Inf"}, {"--timeout", "0s"}} {
		dir := t.TempDir()
		in := apWriteInput(t, dir, "in.csv", apIDs(1001, 1))
		args := append([]string{"apply", "--sim", "--sim-seed", apSeed, "--sim-db", filepath.Join(dir, "s.db"), "--report", filepath.Join(dir, "j.jsonl")}, flag...)
		if code, stderr := apRun(t, apAdminEnv(), append(args, in)...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d, want %d; stderr:\n%s", flag, code, cli.ExitUsage, stderr)
		}
	}
}

// TestSimSeedBuiltIn: --sim works from any folder, with the seed built in.
func TestSimSeedBuiltIn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("user_id,last_name\n1001,Built\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stderr := apRun(t, nil, "apply", "--sim", "--sim-db", filepath.Join(dir, "s.db"), "--no-html", "--progress", "none",
		"--report", filepath.Join(dir, "j.jsonl"), in)
	if code != cli.ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
}

// TestValidateInterrupt: Ctrl-C stops validate (it used to be swallowed),
// with status 130 and a report of the rows checked so far.
func TestValidateInterrupt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := apWriteInput(t, dir, "big.csv", apIDs(100000, 200000))
	sig := make(chan os.Signal, 1)
	sig <- os.Interrupt // pressed as the run starts
	iv := &apInvocation{args: []string{"validate", "--no-html", "--report", filepath.Join(dir, "r.jsonl"), in}, signals: sig}
	if code := iv.run(); code != cli.ExitInterrupted {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, cli.ExitInterrupted, iv.stderr.String())
	}
	if !strings.Contains(iv.stderr.String(), "interrupted") {
		t.Errorf("stderr does not say it was interrupted:\n%s", iv.stderr.String())
	}
}
