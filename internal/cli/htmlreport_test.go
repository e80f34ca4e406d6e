package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/morbulk/morbulk/internal/cli"
)

// htmlRun runs the CLI and returns its exit status and stderr.
func htmlRun(args ...string) (int, string) {
	var stderr bytes.Buffer
	code := cli.Main(args, cli.Env{Stderr: &stderr})
	return code, stderr.String()
}

// TestHTMLReportWiring: validate and apply write the HTML report beside
// their other reports (or at --html, or not with --no-html), and 'morbulk
// report' rebuilds it from the journal.
func TestHTMLReportWiring(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "changes.csv")
	if err := os.WriteFile(in, []byte("user_id,credit,email\n2,10.5,a@example.com\n3,\"0,5\",b@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	read := func(p string) string {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// validate: beside the first report, printed with the others.
	v := filepath.Join(dir, "v.jsonl")
	code, stderr := htmlRun("validate", "--report", v, "--report", filepath.Join(dir, "v.csv"), in)
	if code != cli.ExitRowsFailed {
		t.Fatalf("validate: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, filepath.Join(dir, "v.html")) {
		t.Errorf("validate does not print the HTML report's path:\n%s", stderr)
	}
	page := read(filepath.Join(dir, "v.html"))
	for _, want := range []string{"morbulk validate report", "2 rows: 1 valid, 1 invalid", `href="v.csv"`, `href="v.jsonl"`, "uses a decimal comma"} {
		if !strings.Contains(page, want) {
			t.Errorf("validate's HTML report lacks %q", want)
		}
	}

	// --html chooses the path; --no-html writes none.
	other := filepath.Join(dir, "sub", "page.html")
	if code, stderr := htmlRun("validate", "--report", filepath.Join(dir, "w.jsonl"), "--html", other, in); code != cli.ExitRowsFailed {
		t.Fatalf("validate --html: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(read(other), `href="../w.jsonl"`) {
		t.Error("--html: the link to the journal is not relative")
	}
	if code, stderr := htmlRun("validate", "--report", filepath.Join(dir, "n.jsonl"), "--no-html", in); code != cli.ExitRowsFailed {
		t.Fatalf("validate --no-html: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "n.html")); err == nil {
		t.Error("--no-html wrote an HTML report")
	}
	if code, _ := htmlRun("validate", "--html", other, "--no-html", in); code != cli.ExitUsage {
		t.Errorf("--html with --no-html: exit %d, want %d", code, cli.ExitUsage)
	}

	// apply on the simulator.
	j := filepath.Join(dir, "a.jsonl")
	code, stderr = htmlRun("apply", "--sim", "--sim-seed", filepath.Join("..", "..", "samples", "seed.yaml"), "--sim-db", filepath.Join(dir, "sim.db"),
		"--progress", "none", "--rate", "0", "--report", j, "--report", filepath.Join(dir, "a.csv"), "--failed-out", filepath.Join(dir, "a-failed.csv"), in)
	if code != cli.ExitRowsFailed {
		t.Fatalf("apply: exit %d\n%s", code, stderr)
	}
	page = read(filepath.Join(dir, "a.html"))
	for _, want := range []string{"morbulk apply report", "simulator", `href="a-failed.csv"`, "Requests over time", `id="rows-data"`} {
		if !strings.Contains(page, want) {
			t.Errorf("apply's HTML report lacks %q", want)
		}
	}

	// report: rebuilt from the journal.
	rebuilt := filepath.Join(dir, "rebuilt.html")
	if code, stderr := htmlRun("report", "--html", rebuilt, j); code != cli.ExitOK {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	if p := read(rebuilt); !strings.Contains(p, "morbulk apply report") || !strings.Contains(p, "2 rows:") {
		t.Error("the rebuilt report is not the apply run's")
	}
	if code, _ := htmlRun("report", filepath.Join(dir, "missing.jsonl")); code != cli.ExitUsage {
		t.Errorf("report of a missing journal: exit %d, want %d", code, cli.ExitUsage)
	}
}
