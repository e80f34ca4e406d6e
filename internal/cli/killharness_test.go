package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/morbulk/morbulk/internal/cli"
	"github.com/morbulk/morbulk/internal/morsim"
	"github.com/morbulk/morbulk/internal/report"
)

// The kill harness: a real morbulk process applying 5,000 rows to the
// simulator is killed with SIGKILL at random moments and resumed, 20 times,
// then resumed to the end. After every kill it checks what the next run is
// allowed to send again, and at the end that every row has exactly one final
// result and the simulator holds exactly what the input asked.

const (
	khUsers   = 5000
	khFirstID = 100001
	khKills   = 20
	khWorkers = 4
)

// khBuild compiles cmd/morbulk into dir. The binary goes to the test's own
// temporary folder rather than tmp/ in the module, so that two test runs (or
// two engineers) never overwrite each other's binary.
func khBuild(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("go env GOMOD: not inside the module")
	}
	bin := filepath.Join(dir, "morbulk")
	build := exec.Command("go", "build", "-o", bin, "./cmd/morbulk")
	build.Dir = filepath.Dir(gomod)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// khWriteSeed writes a simulator seed with the admin (admin/admin1, key
// "secret") and admin-owned users ids first..first+n-1, plus faults (YAML
// lines under "faults:", may be empty).
func khWriteSeed(t *testing.T, path string, first, n int, faults string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("profile: mor12\nsettings:\n  allow_api: true\n  api_secret_key: secret\nusers:\n")
	b.WriteString("  - {id: 0, username: admin, password: admin1, usertype: admin, owner_id: 0}\n")
	for id := first; id < first+n; id++ {
		fmt.Fprintf(&b, "  - {id: %d, username: u%d, usertype: user, owner_id: 0, last_name: Old, credit: 1, blocked: 0, postpaid: 1}\n", id, id)
	}
	if faults != "" {
		b.WriteString("faults:\n" + faults)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// khWant is what the input asks for user id: last name, credit and blocked.
func khWant(id int) (last string, credit float64, blocked int64) {
	return "L" + strconv.Itoa(id), float64(id%997) + 0.25, int64(id % 2)
}

// khWriteInput writes a CSV changing users first..first+n-1 (row r is user first+r-2).
func khWriteInput(t *testing.T, path string, first, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("user_id,last_name,credit,blocked\n")
	for id := first; id < first+n; id++ {
		last, credit, blocked := khWant(id)
		fmt.Fprintf(&b, "%d,%s,%s,%d\n", id, last, strconv.FormatFloat(credit, 'f', 2, 64), blocked)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// khRecord is the part of a journal record the checks need.
type khRecord struct {
	File     string `json:"file"`
	Row      int    `json:"row"`
	Status   string `json:"status"`
	UserID   string `json:"user_id"`
	Run      int    `json:"run"`
	Attempts int    `json:"attempts"`
	Errors   []struct {
		Column  string `json:"column"`
		Message string `json:"message"`
	} `json:"errors"`
}

// khReadRecords decodes every complete line of a journal, in order.
func khReadRecords(t *testing.T, path string) []khRecord {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recs []khRecord
	for i, line := range bytes.SplitAfter(b, []byte("\n")) {
		if len(line) == 0 || line[len(line)-1] != '\n' {
			continue // a torn tail
		}
		var r khRecord
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("journal line %d: %v: %q", i+1, err, line)
		}
		recs = append(recs, r)
	}
	return recs
}

// khEdits counts the user_edited audit rows per user in a simulator
// database, read only: opening it with morsim.Open would seed a database a
// kill left without its schema, and change the scenario.
func khEdits(t *testing.T, db string) map[int64]int {
	t.Helper()
	edits := map[int64]int{}
	if _, err := os.Stat(db); errors.Is(err, os.ErrNotExist) {
		return edits
	}
	// The "sqlite" driver is registered by morsim (modernc.org/sqlite).
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var tables int
	if err := conn.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type='table' AND name='actions'`).Scan(&tables); err != nil {
		t.Fatalf("read simulator database: %v", err)
	}
	if tables == 0 {
		return edits // killed before the seed was committed
	}
	rows, err := conn.Query(`SELECT target_id, count(*) FROM actions WHERE action = 'user_edited' GROUP BY target_id`)
	if err != nil {
		t.Fatalf("read simulator database: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		edits[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return edits
}

// khUpdated is the set of rows a journal records as updated: exactly what a
// resumed run must not send again.
func khUpdated(t *testing.T, journal string) map[int]bool {
	t.Helper()
	set := map[int]bool{}
	if _, err := os.Stat(journal); errors.Is(err, os.ErrNotExist) {
		return set
	}
	j, err := report.ReadJournal(journal)
	if err != nil {
		t.Fatalf("ReadJournal after a kill: %v", err)
	}
	j.Rows(func(_ string, row int, e report.Entry) {
		if e.Status == report.StatusUpdated {
			set[row] = true
		}
	})
	return set
}

// khCutLastLine cuts the journal's last complete line in the middle, as a
// kill inside a write would, and returns the row it described.
func khCutLastLine(t *testing.T, journal string) (row int, status string) {
	t.Helper()
	b, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	b = b[:bytes.LastIndexByte(b, '\n')+1] // drop a torn tail already there
	if len(b) == 0 {
		return 0, ""
	}
	start := bytes.LastIndexByte(b[:len(b)-1], '\n') + 1
	var r khRecord
	if err := json.Unmarshal(b[start:], &r); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(journal, int64(start+(len(b)-start)/2)); err != nil {
		t.Fatal(err)
	}
	return r.Row, r.Status
}

func TestKillHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("kill harness: builds the binary and runs for about a minute")
	}
	dir := t.TempDir()
	bin := khBuild(t, dir)
	seed, db, input := filepath.Join(dir, "seed.yaml"), filepath.Join(dir, "sim.db"), filepath.Join(dir, "input.csv")
	journal, csvReport := filepath.Join(dir, "j.jsonl"), filepath.Join(dir, "j.csv")
	khWriteSeed(t, seed, khFirstID, khUsers, "")
	khWriteInput(t, input, khFirstID, khUsers)
	args := []string{"apply", "--sim", "--sim-seed", seed, "--sim-db", db, "--report", journal, "--report", csvReport,
		"--rate", "400", "--workers", strconv.Itoa(khWorkers), "--progress", "none"}

	// run starts one process; kill > 0 kills it after that long unless it ends first.
	run := func(kill time.Duration) (killed bool, code int, stderr string) {
		a := append([]string(nil), args...)
		if _, err := os.Stat(journal); err == nil {
			a = append(a, "--resume")
		}
		cmd := exec.Command(bin, append(a, input)...)
		cmd.Dir = dir
		var errb bytes.Buffer
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var timeout <-chan time.Time
		if kill > 0 {
			timeout = time.After(kill)
		}
		select {
		case <-done:
		case <-timeout:
			if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
				t.Fatal(err)
			}
			<-done
		case <-time.After(90 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Fatalf("morbulk did not finish within 90 s; stderr:\n%s", errb.String())
		}
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, -1, errb.String()
		}
		return false, cmd.ProcessState.ExitCode(), errb.String()
	}

	rng := rand.New(rand.NewPCG(20240605, 5))
	edits := map[int64]int{} // user_edited per user after the last kill
	resent := 0              // users edited again by a run, summed over runs
	tornSeen, cutRow := 0, 0
	kills := 0
	for kills < khKills {
		// The rows the next run must not send again: those the journal calls
		// updated, read as the next run will read it.
		carried := khUpdated(t, journal)
		killed, code, stderr := run(time.Duration(100+rng.IntN(600)) * time.Millisecond)
		if !killed {
			t.Fatalf("run ended with exit %d before its kill (kill %d): too few rows left to kill it; stderr:\n%s", code, kills+1, stderr)
		}
		kills++
		now := khEdits(t, db)
		for id, n := range now {
			if extra := n - edits[id]; extra > 0 && carried[int(id)-khFirstID+2] {
				t.Errorf("kill %d: user %d was edited %d more time(s) although the journal already recorded it updated", kills, id, extra)
			}
			if n > edits[id] && edits[id] > 0 {
				resent++
			}
		}
		edits = now
		if b, err := os.ReadFile(journal); err == nil && len(b) > 0 && b[len(b)-1] != '\n' {
			tornSeen++
		}
		if kills == khKills/2 {
			// (d) a kill in the middle of a write, made certain: cut the last record in two.
			var status string
			cutRow, status = khCutLastLine(t, journal)
			t.Logf("kill %d: cut the journal's last line (row %d, %s) in the middle", kills, cutRow, status)
		}
	}
	carried := khUpdated(t, journal)
	killed, code, stderr := run(0)
	if killed || code != 0 {
		for _, r := range khReadRecords(t, journal) {
			if r.Status != report.StatusUpdated {
				t.Errorf("row %d run %d: %s %+v", r.Row, r.Run, r.Status, r.Errors)
				break
			}
		}
		t.Fatalf("final resume: exit %d, want 0; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "resuming") {
		t.Errorf("final run did not say it resumed; stderr:\n%s", stderr)
	}
	final := khEdits(t, db)
	for id, n := range final {
		if n > edits[id] && carried[int(id)-khFirstID+2] {
			t.Errorf("final run: user %d edited again although the journal already recorded it updated", id)
		}
		if n > edits[id] && edits[id] > 0 {
			resent++
		}
	}

	// (a) the journal: per row, records until the first updated one, then none.
	idx, err := report.ReadJournal(journal)
	if err != nil || idx.Torn {
		t.Fatalf("final journal: torn %v, err %v", idx != nil && idx.Torn, err)
	}
	recs := khReadRecords(t, journal)
	updatedRun := map[int]int{}
	for _, r := range recs {
		if r.File != input {
			t.Fatalf("record for file %q, want %q", r.File, input)
		}
		if r.Row < 2 || r.Row > khUsers+1 {
			t.Fatalf("record for row %d, outside the input", r.Row)
		}
		if run, ok := updatedRun[r.Row]; ok {
			t.Errorf("row %d: a %s record in run %d after it was updated in run %d", r.Row, r.Status, r.Run, run)
		}
		if r.Status == report.StatusUpdated {
			updatedRun[r.Row] = r.Run
		}
	}
	for row := 2; row <= khUsers+1; row++ {
		e, ok := idx.Latest(input, row)
		if !ok || e.Status != report.StatusUpdated || e.Run != updatedRun[row] {
			t.Errorf("row %d: final journal entry %+v (present %v), want updated in run %d", row, e, ok, updatedRun[row])
		}
	}

	// (a) the spreadsheet report covers each row exactly once, _run naming the run that applied it.
	f, err := os.Open(csvReport)
	if err != nil {
		t.Fatal(err)
	}
	table, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range table[0] {
		col[h] = i
	}
	seen := map[int]bool{}
	for _, line := range table[1:] {
		row, _ := strconv.Atoi(line[col["_row"]])
		run, _ := strconv.Atoi(line[col["_run"]])
		if seen[row] {
			t.Errorf("CSV report: row %d twice", row)
		}
		seen[row] = true
		if line[col["_status"]] != report.StatusUpdated || run != updatedRun[row] {
			t.Errorf("CSV report row %d: status %s run %d, want updated run %d", row, line[col["_status"]], run, updatedRun[row])
		}
	}
	if len(seen) != khUsers {
		t.Errorf("CSV report: %d rows, want %d", len(seen), khUsers)
	}

	// The runs file numbers the runs 1..n without a gap.
	runs, err := report.ReadRuns(journal)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range runs {
		if r.Run != i+1 {
			t.Errorf("runs file: entry %d is run %d", i, r.Run)
		}
	}
	if _, err := os.Stat(report.RunsPath(journal) + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("runs file: temporary file left behind (%v)", err)
	}

	// (b) and (c): the simulator holds exactly what the input asked, and
	// users were edited again only for sends a kill cut short.
	ctx := context.Background()
	s, err := morsim.Open(ctx, morsim.Config{DBPath: db})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	extra := 0
	for id := khFirstID; id < khFirstID+khUsers; id++ {
		u, err := s.User(ctx, int64(id))
		if err != nil {
			t.Fatal(err)
		}
		last, credit, blocked := khWant(id)
		if got := u.User.Str("last_name"); got != last {
			t.Errorf("user %d: last_name %q, want %q", id, got, last)
		}
		if got := u.User.Float("credit"); got != credit {
			t.Errorf("user %d: credit %v, want %v", id, got, credit)
		}
		if got := u.User.Int("blocked"); got != blocked {
			t.Errorf("user %d: blocked %d, want %d", id, got, blocked)
		}
		n := final[int64(id)]
		if n < 1 {
			t.Errorf("user %d: never edited", id)
		}
		extra += n - 1
	}
	allowed := kills * khWorkers
	if cutRow > 0 {
		allowed++ // the record cut in two on purpose
	}
	if extra > allowed {
		t.Errorf("%d repeated edits over %d kills, more than %d (kills x workers, + the cut record)", extra, kills, allowed)
	}
	t.Logf("kills survived: %d (SIGKILL after 100-700 ms); runs: %d; rows checked: %d (journal %d records, CSV, database); "+
		"repeated edits: %d over %d users (allowed %d); torn tails seen after kills: %d; journal line cut on purpose: row %d",
		kills, len(runs), khUsers, len(recs), extra, resent, allowed, tornSeen, cutRow)
}

// TestResumeAfterTornJournal cuts a journal in the middle of its last line,
// as a kill inside a write leaves it, and resumes in process: the torn record
// is dropped, its row is sent again, and no other row is.
func TestResumeAfterTornJournal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const first, n = 7001, 30
	seed, db, input, journal := filepath.Join(dir, "seed.yaml"), filepath.Join(dir, "sim.db"), filepath.Join(dir, "in.csv"), filepath.Join(dir, "j.jsonl")
	khWriteSeed(t, seed, first, n, "")
	khWriteInput(t, input, first, n)
	args := []string{"apply", "--sim", "--sim-seed", seed, "--sim-db", db, "--report", journal, "--rate", "0", "--workers", "2", "--progress", "none"}

	var stderr bytes.Buffer
	if code := cli.Main(append(args, "--limit", "20", input), cli.Env{Stderr: &stderr}); code != 0 {
		t.Fatalf("first run: exit %d; stderr:\n%s", code, stderr.String())
	}
	cutRow, status := khCutLastLine(t, journal)
	if status != report.StatusUpdated {
		t.Fatalf("last journal line is %s, want an updated row to cut", status)
	}
	j, err := report.ReadJournal(journal)
	if err != nil || !j.Torn {
		t.Fatalf("ReadJournal of the cut journal: torn %v, err %v; want torn and no error", j != nil && j.Torn, err)
	}

	stderr.Reset()
	if code := cli.Main(append(args, "--resume", input), cli.Env{Stderr: &stderr}); code != 0 {
		t.Fatalf("resume: exit %d; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "torn_tail_cut=true") {
		t.Errorf("resume did not log that it cut the torn tail; stderr:\n%s", stderr.String())
	}
	j, err = report.ReadJournal(journal)
	if err != nil || j.Torn {
		t.Fatalf("journal after resume: torn %v, err %v", j != nil && j.Torn, err)
	}
	for row := 2; row <= n+1; row++ {
		if e, ok := j.Latest(input, row); !ok || e.Status != report.StatusUpdated {
			t.Errorf("row %d: %+v, want updated", row, e)
		}
	}
	edits := khEdits(t, db)
	for id := first; id < first+n; id++ {
		want := 1
		if id == first+cutRow-2 {
			want = 2 // its record was lost: sent again, harmlessly
		}
		if edits[int64(id)] != want {
			t.Errorf("user %d edited %d times, want %d", id, edits[int64(id)], want)
		}
	}
}
