package cli_test

// End-to-end tests of `morbulk apply`: the CLI runs in process through
// cli.Main and talks real HTTP to the simulator on a loopback port, either
// the one --sim starts (reopened afterwards from its database file) or one
// the test starts itself (to inject faults and count requests) and points
// --url at. Each test asserts the journal, the CSV report, the exit status
// and the simulator's database.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/morbulk/morbulk/internal/cli"
	"github.com/morbulk/morbulk/internal/morsim"
	"github.com/morbulk/morbulk/internal/report"
)

// The seed of most tests: admin/admin1 (key "secret"), users 1001-1080 with
// last_name LastNNNN, tariff 2; tariff 4 belongs to a reseller; 1777 is missing.
var apSeed = apAbs(filepath.Join("testdata", "apply", "seed.yaml"))

// apAdminEnv are the credentials of the test seed's admin, for --url runs.
func apAdminEnv() map[string]string {
	return map[string]string{"MORBULK_USER": "admin", "MORBULK_PASSWORD": "admin1", "MORBULK_SECRET": "secret"}
}

func apAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return a
}

// apBuffer is an io.Writer the CLI's goroutines may share.
type apBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *apBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *apBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// apInvocation is one in-process run of the CLI.
type apInvocation struct {
	args    []string
	getenv  map[string]string
	signals chan os.Signal // nil: none
	stdout  apBuffer
	stderr  apBuffer
}

func (iv *apInvocation) env() cli.Env {
	e := cli.Env{Stdout: &iv.stdout, Stderr: &iv.stderr, Getenv: func(k string) string { return iv.getenv[k] }}
	if iv.signals != nil {
		e.Signals = iv.signals
	}
	return e
}

// run runs the CLI to its end and returns the exit status.
func (iv *apInvocation) run() int { return cli.Main(iv.args, iv.env()) }

// apRun runs the CLI once and returns the exit status and stderr.
func apRun(t *testing.T, getenv map[string]string, args ...string) (int, string) {
	t.Helper()
	iv := &apInvocation{args: args, getenv: getenv}
	code := iv.run()
	return code, iv.stderr.String()
}

// apRecord is one journal record as the JSONL report writes it.
type apRecord struct {
	File       string            `json:"file"`
	Row        int               `json:"row"`
	Line       int               `json:"line"`
	Status     string            `json:"status"`
	UserID     string            `json:"user_id"`
	Params     map[string]string `json:"params"`
	Errors     []report.Issue    `json:"errors"`
	Warnings   []report.Issue    `json:"warnings"`
	Run        int               `json:"run"`
	Attempts   int               `json:"attempts"`
	HTTPStatus int               `json:"http_status"`
	LatencyMS  float64           `json:"latency_ms"`
	SentAt     *time.Time        `json:"sent_at"`
	Response   *report.Response  `json:"response"`
	Reason     string            `json:"reason"`
}

func (r apRecord) key() string { return fmt.Sprintf("%s#%d", filepath.Base(r.File), r.Row) }

func (r apRecord) errText() string {
	var parts []string
	for _, e := range r.Errors {
		parts = append(parts, e.Message)
	}
	return strings.Join(parts, "; ")
}

// apReadJournal parses every line of a journal strictly: each one complete and valid.
func apReadJournal(t *testing.T, path string) []apRecord {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read journal: %v", err)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		t.Fatalf("journal %s does not end with a newline (torn write)", path)
	}
	var out []apRecord
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var r apRecord
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("journal line %d: %v: %s", n, err, sc.Text())
		}
		out = append(out, r)
	}
	return out
}

// apReadCSV reads a CSV file into a header and rows keyed by column name.
func apReadCSV(t *testing.T, path string) ([]string, []map[string]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if len(all) == 0 {
		t.Fatalf("%s is empty", path)
	}
	var rows []map[string]string
	for _, rec := range all[1:] {
		m := map[string]string{}
		for i, h := range all[0] {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return all[0], rows
}

// apByKey indexes records by file#row and fails on a row with two records.
func apByKey(t *testing.T, recs []apRecord) map[string]apRecord {
	t.Helper()
	m := map[string]apRecord{}
	for _, r := range recs {
		if prev, dup := m[r.key()]; dup {
			t.Errorf("row %s has two records: %s and %s", r.key(), prev.Status, r.Status)
		}
		m[r.key()] = r
	}
	return m
}

// apCheckOneEach asserts that the journal holds exactly one record for each of
// the rows want (file#row keys) and nothing else, and that the CSV report
// holds the same rows with the same statuses.
func apCheckOneEach(t *testing.T, recs []apRecord, csvPath string, want []string) map[string]apRecord {
	t.Helper()
	m := apByKey(t, recs)
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("row %s has no record", k)
		}
	}
	if len(m) != len(want) {
		t.Errorf("journal has %d rows, want %d (%v)", len(m), len(want), apKeys(m))
	}
	if csvPath != "" {
		_, rows := apReadCSV(t, csvPath)
		if len(rows) != len(want) {
			t.Errorf("CSV report has %d rows, want %d", len(rows), len(want))
		}
		for _, row := range rows {
			k := filepath.Base(row["_file"]) + "#" + row["_row"]
			if j, ok := m[k]; !ok || j.Status != row["_status"] {
				t.Errorf("CSV report row %s: status %q, journal %q", k, row["_status"], j.Status)
			}
		}
	}
	return m
}

func apKeys(m map[string]apRecord) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// apRowKeys lists file#row keys for rows from..to of a file.
func apRowKeys(file string, from, to int) []string {
	var ks []string
	for r := from; r <= to; r++ {
		ks = append(ks, fmt.Sprintf("%s#%d", filepath.Base(file), r))
	}
	return ks
}

// apWriteInput writes a CSV changing last_name to NewNNNN and credit for each
// id, in order: row 2 is ids[0].
func apWriteInput(t *testing.T, dir, name string, ids []int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("user_id,last_name,credit\n")
	for _, id := range ids {
		fmt.Fprintf(&b, "%d,New%d,%d.25\n", id, id, id%100)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func apIDs(from, n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = from + i
	}
	return ids
}

// apStartSim starts a simulator with seed on a fresh database on a loopback
// port and returns it with its base URL. It is shut down at the end of the test.
func apStartSim(t *testing.T, seed string, f morsim.Faults) (*morsim.Sim, string) {
	t.Helper()
	ctx := context.Background()
	s, err := morsim.Open(ctx, morsim.Config{DBPath: filepath.Join(t.TempDir(), "sim.db"), SeedPath: seed, Faults: f})
	if err != nil {
		t.Fatalf("open simulator: %v", err)
	}
	base, err := s.Start(ctx, "127.0.0.1:0")
	if err != nil {
		s.Close()
		t.Fatalf("start simulator: %v", err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_ = s.Shutdown(sctx)
		_ = s.Close()
	})
	return s, base
}

// apReopen opens the database an in-process --sim run left behind.
func apReopen(t *testing.T, dbPath string) *morsim.Sim {
	t.Helper()
	if _, err := os.Stat(dbPath); err != nil {
		t.Fatalf("simulator database: %v", err)
	}
	s, err := morsim.Open(context.Background(), morsim.Config{DBPath: dbPath})
	if err != nil {
		t.Fatalf("apReopen simulator database: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// apLastName reads a user's last name from the simulator.
func apLastName(t *testing.T, s *morsim.Sim, id int) string {
	t.Helper()
	u, err := s.User(context.Background(), int64(id))
	if err != nil {
		t.Fatalf("user %d: %v", id, err)
	}
	return u.User.Str("last_name")
}

// apCheckDB asserts that each id's last_name in the simulator is NewNNNN when
// its row was updated and the seed's LastNNNN otherwise.
func apCheckDB(t *testing.T, s *morsim.Sim, file string, ids []int, m map[string]apRecord) {
	t.Helper()
	for i, id := range ids {
		k := fmt.Sprintf("%s#%d", filepath.Base(file), i+2)
		want := fmt.Sprintf("Last%d", id)
		if m[k].Status == report.StatusUpdated {
			want = fmt.Sprintf("New%d", id)
		}
		if got := apLastName(t, s, id); got != want {
			t.Errorf("user %d (row %s, %s): last_name %q in the simulator, want %q", id, k, m[k].Status, got, want)
		}
	}
}

func apCount(m map[string]apRecord) map[string]int {
	c := map[string]int{}
	for _, r := range m {
		c[r.Status]++
	}
	return c
}

// TestApplyStatuses runs apply --sim over inputs that produce every per-row
// status and checks journal, CSV report, exit status and database.
func TestApplyStatuses(t *testing.T) {
	t.Parallel()
	mixed := apAbs(filepath.Join("testdata", "apply", "mixed.csv"))
	bad := apAbs(filepath.Join("testdata", "apply", "badheader.csv"))
	type want struct {
		status string
		err    string // substring of the row's errors ("" = none)
		resp   string // the server's <error> ("" = none)
	}
	cases := []struct {
		name     string
		files    func(dir string) []string
		wantCode int
		rows     map[string]want
		// db checks: user id -> column (a.COLUMN: of his address) -> value after the run
		db map[int]map[string]string
	}{
		{
			// Every row valid and updated: exit 0 and the values are in the database.
			name:     "all updated",
			files:    func(dir string) []string { return []string{apWriteInput(t, dir, "good.csv", []int{1010, 1011, 1012})} },
			wantCode: cli.ExitOK,
			rows: map[string]want{"good.csv#2": {status: "updated"}, "good.csv#3": {status: "updated"},
				"good.csv#4": {status: "updated"}},
			db: map[int]map[string]string{1010: {"last_name": "New1010", "credit": "10.25"}, 1012: {"last_name": "New1012"}},
		},
		{
			// One file with every row outcome, one with a bad header: exit 3;
			// failed rows carry the server's error, nothing of the bad file is sent.
			name:     "every status",
			files:    func(string) []string { return []string{mixed, bad} },
			wantCode: cli.ExitRowsFailed,
			rows: map[string]want{
				"mixed.csv#2":     {status: "updated"},
				"mixed.csv#3":     {status: "updated"},
				"mixed.csv#4":     {status: "failed", err: "user was not found", resp: "User was not found"},
				"mixed.csv#5":     {status: "failed", err: "tariff not found", resp: "Tariff not found"},
				"mixed.csv#6":     {status: "failed", err: "Username has already been taken", resp: "User was not updated"},
				"mixed.csv#7":     {status: "invalid", err: "not a valid email address"},
				"mixed.csv#8":     {status: "skipped"},
				"mixed.csv#9":     {status: "updated"},
				"badheader.csv#1": {status: "file_error", err: `unknown column "nonsense"`},
				"badheader.csv#2": {status: "file_error", err: "nothing from this file is sent"},
				"badheader.csv#3": {status: "file_error", err: "nothing from this file is sent"},
			},
			db: map[int]map[string]string{
				1001: {"last_name": "Smith", "first_name": "Anna", "credit": "50.5"},
				1002: {"first_name": "Ben", "last_name": "Last1002"},
				1003: {"tariff_id": "2"},                  // tariff 4 refused
				1004: {"username": "user1004"},            // taken name refused
				1005: {"a.email": "user1005@example.com"}, // invalid row never sent
				1007: {"tariff_id": "5", "credit": "12.25"},
				1008: {"first_name": "First1008"}, // the bad file is not sent
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			j, c, db := filepath.Join(dir, "j.jsonl"), filepath.Join(dir, "j.csv"), filepath.Join(dir, "x.db")
			args := append([]string{"apply", "--sim", "--sim-seed", apSeed, "--sim-db", db, "--report", j, "--report", c,
				"--rate", "0", "--progress", "none"}, tc.files(dir)...)
			code, stderr := apRun(t, nil, args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.wantCode, stderr)
			}
			var wantKeys []string
			for k := range tc.rows {
				wantKeys = append(wantKeys, k)
			}
			m := apCheckOneEach(t, apReadJournal(t, j), c, wantKeys)
			for k, w := range tc.rows {
				r := m[k]
				if r.Status != w.status {
					t.Errorf("row %s: status %q, want %q (errors %q)", k, r.Status, w.status, r.errText())
				}
				if w.err == "" && len(r.Errors) > 0 {
					t.Errorf("row %s: unexpected errors %q", k, r.errText())
				}
				if w.err != "" && !strings.Contains(r.errText(), w.err) {
					t.Errorf("row %s: errors %q, want them to contain %q", k, r.errText(), w.err)
				}
				gotResp := ""
				if r.Response != nil {
					gotResp = r.Response.Error
				}
				if gotResp != w.resp {
					t.Errorf("row %s: server error %q, want %q", k, gotResp, w.resp)
				}
				switch r.Status {
				case report.StatusUpdated, report.StatusFailed:
					if r.Attempts != 1 || r.HTTPStatus != 200 || r.SentAt == nil || r.Run != 1 {
						t.Errorf("row %s: attempts %d, http %d, sent_at %v, run %d; want 1, 200, a time, 1", k, r.Attempts, r.HTTPStatus, r.SentAt, r.Run)
					}
				default:
					if r.Attempts != 0 || r.SentAt != nil {
						t.Errorf("row %s (%s) was sent: attempts %d", k, r.Status, r.Attempts)
					}
				}
			}
			s := apReopen(t, db)
			for id, cols := range tc.db {
				u, err := s.User(context.Background(), int64(id))
				if err != nil {
					t.Fatal(err)
				}
				for col, want := range cols {
					got := u.User.Str(col)
					if a, ok := strings.CutPrefix(col, "a."); ok {
						got = u.Address.Str(a)
					}
					if got != want {
						t.Errorf("user %d %s = %q in the simulator, want %q", id, col, got, want)
					}
				}
			}
		})
	}
}

// TestApplyUsage checks that mistakes on the command line exit 2 and do nothing.
func TestApplyUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		args    []string // after "apply", before the report flags and the input
		journal bool     // create the journal beforehand
		runs    bool     // and its runs file, as apply writes it
		want    string   // in stderr
	}{
		// Neither a server nor the simulator.
		{name: "no target", args: nil, want: "no server: give --url"},
		// Both a server and the simulator.
		{name: "url and sim", args: []string{"--sim", "--url", "http://127.0.0.1:9/billing"}, want: "either --url or --sim, not both"},
		// A flag value that is not a number.
		{name: "bad flag value", args: []string{"--sim", "--workers", "many"}, want: "--workers"},
		// A flag that does not exist.
		{name: "unknown flag", args: []string{"--sim", "--fast"}, want: "unknown flag: --fast"},
		// Workers out of range.
		{name: "workers zero", args: []string{"--sim", "--workers", "0"}, want: "--workers 0"},
		// --no-retry-failed means nothing without --resume.
		{name: "no-retry-failed alone", args: []string{"--sim", "--no-retry-failed"}, want: "only makes sense with --resume"},
		// An existing journal is never overwritten.
		{name: "journal exists", args: []string{"--sim"}, journal: true, runs: true, want: "already exists: add --resume"},
		// Nor is a file that is not a journal (validate's report): no hint to resume it.
		{name: "not a journal", args: []string{"--sim"}, journal: true, want: "already exists and is not an apply journal"},
		// --resume of a journal that does not exist.
		{name: "resume nothing", args: []string{"--sim", "--resume"}, want: "does not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := apWriteInput(t, dir, "in.csv", []int{1001})
			j, db := filepath.Join(dir, "j.jsonl"), filepath.Join(dir, "x.db")
			if tc.journal {
				if err := os.WriteFile(j, []byte("keep\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tc.runs {
				if err := report.WriteRuns(j, []report.RunInfo{{Run: 1}}); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"apply"}, tc.args...)
			args = append(args, "--sim-seed", apSeed, "--sim-db", db, "--report", j, "--progress", "none", in)
			code, stderr := apRun(t, nil, args...)
			if code != cli.ExitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, cli.ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q, want it to contain %q", stderr, tc.want)
			}
			// Nothing was done: no simulator, no journal (or the old one untouched).
			if _, err := os.Stat(db); err == nil {
				t.Errorf("the simulator database %s was created", db)
			}
			b, err := os.ReadFile(j)
			switch {
			case tc.journal && string(b) != "keep\n":
				t.Errorf("the existing journal was changed: %q", b)
			case !tc.journal && err == nil:
				t.Errorf("a journal was written: %q", b)
			}
		})
	}
}

// TestApplyEarlyStop checks every reason to stop a run early: the run stops
// at once (the simulator saw few requests), the other rows are not_sent with
// a reason that says what to check, and every row has exactly one record.
func TestApplyEarlyStop(t *testing.T) {
	t.Parallel()
	const rows, workers = 40, 4
	cases := []struct {
		name     string
		args     []string
		env      map[string]string // overrides of apAdminEnv
		faults   morsim.Faults
		setup    func(*morsim.Sim) error
		ids      []int // default 1001..1040
		wantCode int
		failed   string // substring of the errors of the rows that failed ("" = no failed rows)
		reason   string // substring of the reason of the rows not sent
		maxReq   int64  // at most this many requests reach the simulator
	}{
		{
			// MOR 12 checks the password: a wrong one is "Bad login" for every row.
			name: "bad login", args: []string{"--profile", "mor12"}, env: map[string]string{"MORBULK_PASSWORD": "wrong1"},
			wantCode: cli.ExitStopped, failed: "bad login", reason: "check the user name (MORBULK_USER", maxReq: 2 * workers,
		},
		{
			// A wrong secret key: "Incorrect hash".
			name: "incorrect hash", env: map[string]string{"MORBULK_SECRET": "not-the-key"},
			wantCode: cli.ExitStopped, failed: "incorrect hash", reason: "check the API secret key", maxReq: 2 * workers,
		},
		{
			// Allow API off on the server.
			name:     "API disabled",
			setup:    func(s *morsim.Sim) error { return s.SetConfline(context.Background(), morsim.ConfAllowAPI, 0, "0") },
			wantCode: cli.ExitStopped, failed: "API requests are disabled", reason: "enable Allow API", maxReq: 2 * workers,
		},
		{
			// GET asked for, the server allows only POST.
			name: "GET disabled", args: []string{"--method", "GET"},
			wantCode: cli.ExitStopped, failed: "GET requests are disabled", reason: "drop --method GET", maxReq: 2 * workers,
		},
		{
			// Every request answered 503: the circuit breaker opens after 3 rows in a row.
			name: "circuit breaker 503", args: []string{"--max-consecutive-failures", "3", "--retries", "1"},
			faults:   morsim.Faults{Error503: 1},
			wantCode: cli.ExitStopped, failed: "HTTP 503", reason: "check that the server is up", maxReq: (3 + workers) * 2,
		},
		{
			// Every connection dropped: the same breaker.
			name: "circuit breaker drop", args: []string{"--max-consecutive-failures", "3", "--retries", "1"},
			faults:   morsim.Faults{Drop: 1},
			wantCode: cli.ExitStopped, failed: "network error", reason: "check that the server is up", maxReq: (3 + workers) * 2,
		},
		{
			// Rows the server refuses one by one: --max-errors 3 stops the run.
			name: "max errors", args: []string{"--max-errors", "3"}, ids: apIDs(5001, rows),
			wantCode: cli.ExitStopped, failed: "user was not found", reason: "--max-errors 3", maxReq: 3 + workers,
		},
		{
			// A canary: only the first 5 valid rows are sent; exit 0.
			name: "limit", args: []string{"--limit", "5"},
			wantCode: cli.ExitOK, reason: "--limit 5 reached", maxReq: 5,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, base := apStartSim(t, apSeed, tc.faults)
			if tc.setup != nil {
				if err := tc.setup(s); err != nil {
					t.Fatal(err)
				}
			}
			dir := t.TempDir()
			ids := tc.ids
			if ids == nil {
				ids = apIDs(1001, rows)
			}
			in := apWriteInput(t, dir, "in.csv", ids)
			j, c := filepath.Join(dir, "j.jsonl"), filepath.Join(dir, "j.csv")
			env := apAdminEnv()
			for k, v := range tc.env {
				env[k] = v
			}
			args := append([]string{"apply", "--url", base, "--report", j, "--report", c, "--rate", "0",
				"--workers", strconv.Itoa(workers), "--progress", "none"}, tc.args...)
			code, stderr := apRun(t, env, append(args, in)...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.wantCode, stderr)
			}
			if tc.wantCode == cli.ExitStopped && !strings.Contains(stderr, tc.reason) {
				t.Errorf("stderr does not say what to check (%q):\n%s", tc.reason, stderr)
			}
			m := apCheckOneEach(t, apReadJournal(t, j), c, apRowKeys(in, 2, rows+1))
			st := s.Stats()
			if st.Requests > tc.maxReq {
				t.Errorf("the simulator got %d requests for %d rows, want at most %d: the run did not stop at once", st.Requests, rows, tc.maxReq)
			}
			attempts := 0
			counts := apCount(m)
			for k, r := range m {
				attempts += r.Attempts
				switch r.Status {
				case report.StatusNotSent:
					if !strings.Contains(r.Reason, tc.reason) {
						t.Errorf("row %s not_sent with reason %q, want it to contain %q", k, r.Reason, tc.reason)
					}
					if r.Attempts != 0 {
						t.Errorf("row %s not_sent after %d attempts", k, r.Attempts)
					}
				case report.StatusFailed:
					if tc.failed == "" || !strings.Contains(r.errText(), tc.failed) {
						t.Errorf("row %s failed with %q, want %q", k, r.errText(), tc.failed)
					}
				case report.StatusUpdated:
					if tc.failed != "" {
						t.Errorf("row %s updated although every request fails", k)
					}
				default:
					t.Errorf("row %s: status %s", k, r.Status)
				}
			}
			if int64(attempts) != st.Requests {
				t.Errorf("the journal records %d attempts, the simulator got %d requests", attempts, st.Requests)
			}
			if counts[report.StatusNotSent] < rows-int(tc.maxReq) {
				t.Errorf("%d rows not_sent, want at least %d", counts[report.StatusNotSent], rows-int(tc.maxReq))
			}
			if tc.failed != "" && counts[report.StatusFailed] == 0 {
				t.Errorf("no row failed")
			}
			if tc.name == "limit" {
				// The first five valid rows, in input order, and only they.
				for i := range rows {
					k := fmt.Sprintf("in.csv#%d", i+2)
					if want := map[bool]string{true: "updated", false: "not_sent"}[i < 5]; m[k].Status != want {
						t.Errorf("row %s: %s, want %s", k, m[k].Status, want)
					}
				}
				if !strings.Contains(m["in.csv#7"].Reason, "--resume") {
					t.Errorf("the limit reason %q does not say how to go on", m["in.csv#7"].Reason)
				}
			}
			if tc.ids == nil {
				apCheckDB(t, s, in, ids, m)
			}
		})
	}
}

// TestApplyRetries injects transient faults: every row still ends updated,
// the journal records the extra attempts, and they add up with what the
// simulator counted.
func TestApplyRetries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		faults morsim.Faults
		args   []string
		kinds  []string // fault kinds that must have happened
		// exact: each fault costs exactly one more attempt. With a short
		// --timeout a slow answer on a loaded machine may also be retried,
		// so there a fault costs at least one.
		exact bool
	}{
		{
			// A share of every HTTP failure and of dropped connections.
			name:   "5xx 429 drop",
			faults: morsim.Faults{Error500: 0.1, Error502: 0.1, Error503: 0.1, TooMany429: 0.05, Drop: 0.05, Seed: 7},
			kinds:  []string{"500", "502", "503", "429", "drop"},
			exact:  true,
		},
		{
			// Requests that never get an answer: the client gives up after --timeout and retries.
			name:   "hang past the timeout",
			faults: morsim.Faults{Hang: 0.25, Seed: 3},
			args:   []string{"--timeout", "300ms"},
			kinds:  []string{"hang"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const rows = 30
			s, base := apStartSim(t, apSeed, tc.faults)
			dir := t.TempDir()
			ids := apIDs(1001, rows)
			in := apWriteInput(t, dir, "in.csv", ids)
			j, c := filepath.Join(dir, "j.jsonl"), filepath.Join(dir, "j.csv")
			// Enough retries that no row runs out of them: P(9 faults in a row) < 1e-5.
			args := append([]string{"apply", "--url", base, "--report", j, "--report", c, "--rate", "0", "--workers", "4",
				"--retries", "8", "--max-consecutive-failures", "0", "--progress", "none"}, tc.args...)
			code, stderr := apRun(t, apAdminEnv(), append(args, in)...)
			if code != cli.ExitOK {
				t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
			}
			m := apCheckOneEach(t, apReadJournal(t, j), c, apRowKeys(in, 2, rows+1))
			st := s.Stats()
			attempts, retried := 0, 0
			for k, r := range m {
				if r.Status != report.StatusUpdated || r.HTTPStatus != 200 {
					t.Errorf("row %s: %s (http %d), want updated: %s", k, r.Status, r.HTTPStatus, r.errText())
				}
				attempts += r.Attempts
				if r.Attempts > 1 {
					retried++
				}
			}
			var faults int64
			for _, k := range tc.kinds {
				if st.Faults[k] == 0 {
					t.Errorf("no %s fault was injected (%v): the test proves nothing about it", k, st.Faults)
				}
			}
			for _, n := range st.Faults {
				faults += n
			}
			if retried == 0 {
				t.Errorf("no row records more than one attempt")
			}
			// Each fault costs one more attempt of its row.
			extra := int64(attempts - rows)
			if int64(attempts) != st.Requests || extra < faults || (tc.exact && extra != faults) {
				t.Errorf("journal: %d attempts for %d rows; simulator: %d requests, %d faults (%v)", attempts, rows, st.Requests, faults, st.Faults)
			}
			if st.Updated < rows || (tc.exact && st.Updated != rows) {
				t.Errorf("the simulator answered %d updates, want %d", st.Updated, rows)
			}
			apCheckDB(t, s, in, ids, m)
		})
	}
}

// apArrivals records when each user_id's requests reached the simulator.
type apArrivals struct {
	mu sync.Mutex
	at map[string][]time.Time
}

func (a *apArrivals) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if q, err := url.ParseQuery(string(body)); err == nil {
			a.mu.Lock()
			a.at[q.Get("user_id")] = append(a.at[q.Get("user_id")], now)
			a.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

// TestApplyRetryAfter checks that a 429 with Retry-After: 1 delays the next
// attempt of its row by at least a second (the backoff alone would wait at
// most 250 ms). The simulator's handler is served behind a recorder of
// arrival times; only lower bounds are asserted, so a slow machine cannot
// make it fail.
func TestApplyRetryAfter(t *testing.T) {
	t.Parallel()
	const rows = 16
	s, err := morsim.Open(context.Background(), morsim.Config{DBPath: filepath.Join(t.TempDir(), "sim.db"), SeedPath: apSeed,
		Faults: morsim.Faults{TooMany429: 0.3, RetryAfter: time.Second, Seed: 11}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	rec := &apArrivals{at: map[string][]time.Time{}}
	srv := httptest.NewServer(rec.wrap(s.Handler()))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	in := apWriteInput(t, dir, "in.csv", apIDs(1001, rows))
	j := filepath.Join(dir, "j.jsonl")
	code, stderr := apRun(t, apAdminEnv(), "apply", "--url", srv.URL+morsim.Prefix, "--report", j, "--rate", "0", "--workers", "4",
		"--retries", "8", "--max-consecutive-failures", "0", "--progress", "none", in)
	if code != cli.ExitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	m := apCheckOneEach(t, apReadJournal(t, j), "", apRowKeys(in, 2, rows+1))
	retried := 0
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for k, r := range m {
		at := rec.at[r.UserID]
		if r.Status != report.StatusUpdated || len(at) != r.Attempts {
			t.Errorf("row %s: %s after %d attempts, the simulator saw %d", k, r.Status, r.Attempts, len(at))
			continue
		}
		if r.Attempts < 2 {
			continue
		}
		retried++
		for i := 1; i < len(at); i++ {
			if gap := at[i].Sub(at[i-1]); gap < time.Second {
				t.Errorf("row %s: attempt %d came %s after a 429 with Retry-After: 1", k, i+1, gap)
			}
		}
		// The journal's sent_at is the last attempt's: at least a second per 429 after the first.
		if min := at[0].Add(time.Duration(r.Attempts-1) * time.Second); r.SentAt.Before(min) {
			t.Errorf("row %s: last attempt sent at %s, want at or after %s", k, r.SentAt, min)
		}
	}
	if retried == 0 || s.Stats().Faults["429"] == 0 {
		t.Fatalf("no row was answered 429: the test proves nothing (faults %v)", s.Stats().Faults)
	}
}

// apWaitFor polls cond every few milliseconds until it holds or d passes.
func apWaitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestApplyInterrupt sends Ctrl-C on Env.Signals mid-run.
func TestApplyInterrupt(t *testing.T) {
	t.Parallel()
	t.Run("once", func(t *testing.T) {
		// One Ctrl-C: the requests in flight finish and are recorded as
		// updated, no new row is sent, the rest are not_sent; exit 130.
		t.Parallel()
		const rows = 60
		s, base := apStartSim(t, apSeed, morsim.Faults{Latency: 100 * time.Millisecond})
		dir := t.TempDir()
		ids := apIDs(1001, rows)
		in := apWriteInput(t, dir, "in.csv", ids)
		j, c := filepath.Join(dir, "j.jsonl"), filepath.Join(dir, "j.csv")
		iv := &apInvocation{getenv: apAdminEnv(), signals: make(chan os.Signal),
			args: []string{"apply", "--url", base, "--report", j, "--report", c, "--rate", "20", "--workers", "8", "--progress", "none", in}}
		done := make(chan int, 1)
		go func() { done <- iv.run() }()
		// Wait until a few rows are done and a request is in flight right now.
		apWaitFor(t, 20*time.Second, "a request in flight", func() bool {
			st := s.Stats()
			return st.Updated >= 5 && st.Requests > st.Updated
		})
		atSignal := s.Stats().Requests
		iv.signals <- os.Interrupt
		apWaitFor(t, 5*time.Second, "the interrupt message", func() bool { return strings.Contains(iv.stderr.String(), "interrupted") })
		stopped := time.Now() // the stop took effect before this
		var code int
		select {
		case code = <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("apply did not end after Ctrl-C")
		}
		if code != cli.ExitInterrupted {
			t.Fatalf("exit %d, want 130; stderr:\n%s", code, iv.stderr.String())
		}
		m := apCheckOneEach(t, apReadJournal(t, j), c, apRowKeys(in, 2, rows+1))
		st := s.Stats()
		counts := apCount(m)
		if counts[report.StatusUpdated]+counts[report.StatusNotSent] != rows || counts[report.StatusNotSent] == 0 {
			t.Errorf("statuses %v, want only updated and not_sent, some of each", counts)
		}
		// Every request that reached the server, including those in flight
		// at the signal, was answered and is recorded as updated.
		if int64(counts[report.StatusUpdated]) != st.Requests || st.Updated != st.Requests || st.Requests < atSignal {
			t.Errorf("journal: %d updated; simulator: %d requests, %d updates (%d at the signal)", counts[report.StatusUpdated], st.Requests, st.Updated, atSignal)
		}
		// No new row after the stop. The workers take their turns one at a
		// time, so at most one that had just passed its check may send
		// after; every worker waiting for a turn (6 of 8 here) must not.
		late := 0
		for _, r := range m {
			if r.SentAt != nil && r.SentAt.After(stopped) {
				late++
			}
		}
		if late > 1 {
			t.Errorf("%d rows were sent after the stop took effect, want at most 1", late)
		}
		t.Logf("requests: %d at the signal, %d in all; %d sent after the stop", atSignal, st.Requests, late)
		for k, r := range m {
			if r.Status == report.StatusNotSent && (!strings.Contains(r.Reason, "interrupted") || !strings.Contains(r.Reason, "--resume")) {
				t.Errorf("row %s: not_sent reason %q, want it to say interrupted and --resume", k, r.Reason)
			}
		}
		apCheckDB(t, s, in, ids, m)
	})
	t.Run("twice", func(t *testing.T) {
		// Two Ctrl-Cs: the requests in flight (each needing 3 s) are aborted
		// at once and recorded as failed; nothing is updated; exit 130.
		t.Parallel()
		const rows, workers = 20, 4
		s, base := apStartSim(t, apSeed, morsim.Faults{Latency: 3 * time.Second})
		dir := t.TempDir()
		ids := apIDs(1001, rows)
		in := apWriteInput(t, dir, "in.csv", ids)
		j, c := filepath.Join(dir, "j.jsonl"), filepath.Join(dir, "j.csv")
		iv := &apInvocation{getenv: apAdminEnv(), signals: make(chan os.Signal),
			args: []string{"apply", "--url", base, "--report", j, "--report", c, "--rate", "0", "--workers", strconv.Itoa(workers), "--progress", "none", in}}
		done := make(chan int, 1)
		go func() { done <- iv.run() }()
		apWaitFor(t, 20*time.Second, "every worker in flight", func() bool { return s.Stats().Requests >= workers })
		iv.signals <- os.Interrupt
		iv.signals <- os.Interrupt
		sent := time.Now()
		var code int
		select {
		case code = <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("apply did not end after two Ctrl-Cs")
		}
		if took := time.Since(sent); took > 2*time.Second {
			t.Errorf("apply took %s to end after the second Ctrl-C: the requests in flight (3 s each) were not aborted", took)
		}
		if code != cli.ExitInterrupted {
			t.Fatalf("exit %d, want 130; stderr:\n%s", code, iv.stderr.String())
		}
		m := apCheckOneEach(t, apReadJournal(t, j), c, apRowKeys(in, 2, rows+1))
		counts := apCount(m)
		if counts[report.StatusFailed] != workers || counts[report.StatusNotSent] != rows-workers {
			t.Errorf("statuses %v, want %d failed (aborted) and %d not_sent", counts, workers, rows-workers)
		}
		for k, r := range m {
			if r.Status == report.StatusFailed && !strings.Contains(r.errText(), "cancel") {
				t.Errorf("row %s failed with %q, want it to say it was canceled", k, r.errText())
			}
		}
		if st := s.Stats(); st.Updated != 0 {
			t.Errorf("the simulator updated %d users although every request was aborted", st.Updated)
		}
		apCheckDB(t, s, in, ids, m)
	})
}

// TestApplyFailedOut checks that --failed-out holds exactly the failed and
// invalid rows, cell for cell in the input's own columns, and that the file
// is accepted back as input.
func TestApplyFailedOut(t *testing.T) {
	t.Parallel()
	mixed := apAbs(filepath.Join("testdata", "apply", "mixed.csv"))
	dir := t.TempDir()
	j, fo := filepath.Join(dir, "j.jsonl"), filepath.Join(dir, "failed.csv")
	code, stderr := apRun(t, nil, "apply", "--sim", "--sim-seed", apSeed, "--sim-db", filepath.Join(dir, "x.db"),
		"--report", j, "--failed-out", fo, "--rate", "0", "--progress", "none", mixed)
	if code != cli.ExitRowsFailed {
		t.Fatalf("exit %d, want 3; stderr:\n%s", code, stderr)
	}
	m := apCheckOneEach(t, apReadJournal(t, j), "", apRowKeys(mixed, 2, 9))
	inHead, inRows := apReadCSV(t, mixed)
	want := map[string]map[string]string{} // user_id -> input row
	for i, row := range inRows {
		if st := m[fmt.Sprintf("mixed.csv#%d", i+2)].Status; st == report.StatusFailed || st == report.StatusInvalid {
			want[row["user_id"]] = row
		}
	}
	if len(want) != 4 {
		t.Fatalf("the mixed input should give 3 failed and 1 invalid rows, got %d", len(want))
	}
	head, rows := apReadCSV(t, fo)
	if strings.Join(head, ",") != strings.Join(inHead, ",") {
		t.Errorf("failed-out columns %v, want the input's %v", head, inHead)
	}
	if len(rows) != len(want) {
		t.Errorf("failed-out has %d rows, want %d", len(rows), len(want))
	}
	for _, row := range rows {
		w, ok := want[row["user_id"]]
		if !ok {
			t.Errorf("failed-out holds user %s, which neither failed nor was invalid", row["user_id"])
			continue
		}
		for _, h := range inHead {
			if row[h] != w[h] {
				t.Errorf("failed-out user %s column %s = %q, input %q", row["user_id"], h, row[h], w[h])
			}
		}
	}
	if !strings.Contains(stderr, fmt.Sprintf("failed rows: %d written to %s", len(want), fo)) {
		t.Errorf("stderr does not say where the failed rows went:\n%s", stderr)
	}
	// Fed back as it is, it validates: the server-refused rows are valid, the invalid one still invalid.
	vj := filepath.Join(dir, "v.jsonl")
	code, stderr = apRun(t, nil, "validate", "--report", vj, fo)
	if code != cli.ExitRowsFailed {
		t.Fatalf("validate failed-out: exit %d, want 3; stderr:\n%s", code, stderr)
	}
	vm := apCheckOneEach(t, apReadJournal(t, vj), "", apRowKeys(fo, 2, 5))
	for k, r := range vm {
		want := report.StatusValid
		if r.UserID == "1005" {
			want = report.StatusInvalid
		}
		if r.Status != want {
			t.Errorf("validate failed-out row %s (user %s): %s, want %s: %s", k, r.UserID, r.Status, want, r.errText())
		}
	}
	// Fixed, it validates clean.
	b, err := os.ReadFile(fo)
	if err != nil {
		t.Fatal(err)
	}
	fixed := filepath.Join(dir, "fixed.csv")
	if err := os.WriteFile(fixed, bytes.Replace(b, []byte("not-an-email"), []byte("user1005@example.org"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stderr := apRun(t, nil, "validate", "--report", filepath.Join(dir, "v2.jsonl"), fixed); code != cli.ExitOK {
		t.Errorf("validate the fixed failed-out: exit %d, want 0; stderr:\n%s", code, stderr)
	}
}

// TestFailedOutKeepsUnreadableRows: a row with a field too many (a decimal
// comma) or a quote encoding/csv cannot parse goes to --failed-out whole,
// and fed back unfixed it is invalid again: never valid with a value cut
// short (credit 1 for 1,5), never skipped with its cells lost.
func TestFailedOutKeepsUnreadableRows(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	body := "user_id,last_name,first_name,credit\n1001,=HYPERLINK(\"x\"),@bob,5\n1002,Smith,Ann,10\n1003,Normal,Joe,1,5\n"
	if err := os.WriteFile(in, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	fo := filepath.Join(dir, "failed.csv")
	code, stderr := apRun(t, nil, "apply", "--sim", "--sim-seed", apSeed, "--sim-db", filepath.Join(dir, "x.db"),
		"--report", filepath.Join(dir, "j.jsonl"), "--failed-out", fo, "--rate", "0", "--progress", "none", "--no-html", in)
	if code != cli.ExitRowsFailed {
		t.Fatalf("exit %d, want 3; stderr:\n%s", code, stderr)
	}
	b, err := os.ReadFile(fo)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"1001,=HYPERLINK(""x""),@bob,5"`, "1003,Normal,Joe,1,5\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("failed-out lacks %s:\n%s", want, b)
		}
	}
	vj := filepath.Join(dir, "v.jsonl")
	if code, stderr := apRun(t, nil, "validate", "--no-html", "--report", vj, fo); code != cli.ExitRowsFailed {
		t.Fatalf("validate failed-out: exit %d, want 3; stderr:\n%s", code, stderr)
	}
	for k, r := range apCheckOneEach(t, apReadJournal(t, vj), "", apRowKeys(fo, 2, 3)) {
		if r.Status != report.StatusInvalid {
			t.Errorf("fed back, row %s (user %s) is %s, want invalid", k, r.UserID, r.Status)
		}
	}
}

// TestFailedOutSeveralInputs: inputs that name the same columns in other
// spellings (and another delimiter) give one failed-rows file with one
// column per parameter, which validates when fed back.
func TestFailedOutSeveralInputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	if err := os.WriteFile(a, []byte("user_id,u17\n1777,Ghost\n1001,Ok\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte("User_ID; Last_Name \r\n1778;Other\r\n1002;Fine\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fo := filepath.Join(dir, "failed.csv")
	code, stderr := apRun(t, nil, "apply", "--sim", "--sim-seed", apSeed, "--sim-db", filepath.Join(dir, "x.db"),
		"--report", filepath.Join(dir, "j.jsonl"), "--report", filepath.Join(dir, "j.csv"), "--failed-out", fo, "--rate", "0", "--progress", "none", "--no-html", a, b)
	if code != cli.ExitRowsFailed {
		t.Fatalf("exit %d, want 3 (users 1777 and 1778 do not exist); stderr:\n%s", code, stderr)
	}
	head, rows := apReadCSV(t, fo)
	if strings.Join(head, ",") != "user_id,u17" || len(rows) != 2 || rows[1]["user_id"] != "1778" || rows[1]["u17"] != "Other" {
		t.Fatalf("failed-out header %q, rows %v; want user_id,u17 with both missing users", head, rows)
	}
	if h, _ := apReadCSV(t, filepath.Join(dir, "j.csv")); !strings.HasSuffix(strings.Join(h, ","), ",user_id,u17") {
		t.Errorf("CSV report header %q, want the merged input columns last", h)
	}
	vj := filepath.Join(dir, "v.jsonl")
	if code, stderr := apRun(t, nil, "validate", "--no-html", "--report", vj, fo); code != cli.ExitOK {
		t.Errorf("validate the failed-rows file: exit %d, want 0; stderr:\n%s", code, stderr)
	}
}

// TestResumeSimKeepsDatabase: a resumed --sim run without --sim-db goes on
// in the simulator database the run began in, so the rehearsal ends with
// every row applied to one database.
func TestResumeSimKeepsDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ids := apIDs(1001, 6)
	in := apWriteInput(t, dir, "in.csv", ids)
	db, j := filepath.Join(dir, "sim.db"), filepath.Join(dir, "j.jsonl")
	common := []string{"--sim", "--sim-seed", apSeed, "--report", j, "--rate", "0", "--progress", "none", "--no-html"}
	code, stderr := apRun(t, nil, append(append([]string{"apply", "--sim-db", db, "--limit", "2"}, common...), in)...)
	if code != cli.ExitOK {
		t.Fatalf("canary: exit %d; stderr:\n%s", code, stderr)
	}
	code, stderr = apRun(t, nil, append(append([]string{"apply", "--resume"}, common...), in)...)
	if code != cli.ExitOK {
		t.Fatalf("resume: exit %d; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "resuming in the simulator database of the earlier run") {
		t.Errorf("the resume does not say which database it uses:\n%s", stderr)
	}
	runs, err := report.ReadRuns(j)
	if err != nil || len(runs) != 2 || !filepath.IsAbs(runs[0].Settings["sim_db"]) {
		t.Errorf("runs file: %v, %+v; want 2 runs recording the database by an absolute path (a resume may run elsewhere)", err, runs)
	}

	s := apReopen(t, db)
	for _, id := range ids {
		if got, want := apLastName(t, s, id), fmt.Sprintf("New%d", id); got != want {
			t.Errorf("user %d: last name %q in %s, want %q", id, got, db, want)
		}
	}
}

// TestKilledAtStart: a run killed after creating its journal but before
// writing its runs file leaves an empty journal (and perhaps the runs
// file's temporary copy); nothing was sent, so the next run, with or
// without --resume, takes the journal over.
func TestKilledAtStart(t *testing.T) {
	t.Parallel()
	for _, resume := range []bool{false, true} {
		t.Run(fmt.Sprintf("resume=%v", resume), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := apWriteInput(t, dir, "in.csv", apIDs(1001, 3))
			j := filepath.Join(dir, "j.jsonl")
			for _, p := range []string{j, report.RunsPath(j) + ".tmp"} {
				if err := os.WriteFile(p, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"apply", "--sim", "--sim-seed", apSeed, "--sim-db", filepath.Join(dir, "sim.db"), "--report", j, "--rate", "0", "--progress", "none", "--no-html"}
			if resume {
				args = append(args, "--resume")
			}
			code, stderr := apRun(t, nil, append(args, in)...)
			if code != cli.ExitOK {
				t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
			}
			m := apCheckOneEach(t, apReadJournal(t, j), "", apRowKeys(in, 2, 4))
			for k, r := range m {
				if r.Status != report.StatusUpdated || r.Run != 1 {
					t.Errorf("row %s: %s in run %d, want updated in run 1", k, r.Status, r.Run)
				}
			}
			runs, err := report.ReadRuns(j)
			if err != nil || len(runs) != 1 {
				t.Errorf("runs file: %d runs, %v; want 1", len(runs), err)
			}
		})
	}
}

// TestKilledAtStartRace: two runs started together on the same empty
// journal (left by a run killed at its start): exactly one applies the
// rows, the other refuses (exit 2) and never claims them.
func TestKilledAtStartRace(t *testing.T) {
	t.Parallel()
	for i := range 10 {
		dir := t.TempDir()
		in := apWriteInput(t, dir, "in.csv", apIDs(1001, 3))
		j := filepath.Join(dir, "j.jsonl")
		if err := os.WriteFile(j, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		codes := make([]int, 2)
		errs := make([]string, 2)
		var wg sync.WaitGroup
		for k := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[k], errs[k] = apRun(t, nil, "apply", "--sim", "--sim-seed", apSeed, "--sim-db", filepath.Join(dir, fmt.Sprintf("sim%d.db", k)),
					"--report", j, "--rate", "0", "--progress", "none", "--no-html", in)
			}()
		}
		wg.Wait()
		ok, refused := 0, 0
		for k, c := range codes {
			switch c {
			case cli.ExitOK:
				ok++
			case cli.ExitUsage:
				refused++
			default:
				t.Errorf("trial %d run %d: exit %d:\n%s", i, k, c, errs[k])
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("trial %d: exits %v, want one 0 and one 2:\n%s\n---\n%s", i, codes, errs[0], errs[1])
		}
		apCheckOneEach(t, apReadJournal(t, j), "", apRowKeys(in, 2, 4))
		if runs, err := report.ReadRuns(j); err != nil || len(runs) != 1 {
			t.Fatalf("trial %d: %d runs recorded (%v), want 1", i, len(runs), err)
		}
	}
}

// TestApplyResume runs a canary, then resumes twice (without and with the
// failed rows), then refuses a changed input.
func TestApplyResume(t *testing.T) {
	t.Parallel()
	s, base := apStartSim(t, apSeed, morsim.Faults{})
	dir := t.TempDir()
	// Row 2: a missing user (fails); row 5: an invalid email; the rest good.
	in := filepath.Join(dir, "in.csv")
	input := "user_id,last_name,email\n1777,Ghost,\n1001,New1001,\n1002,New1002,\n1003,New1003,bad-email\n" +
		"1004,New1004,\n1005,New1005,\n1006,New1006,\n1007,New1007,\n"
	if err := os.WriteFile(in, []byte(input), 0o600); err != nil {
		t.Fatal(err)
	}
	j, c := filepath.Join(dir, "j.jsonl"), filepath.Join(dir, "j.csv")
	all := apRowKeys(in, 2, 9)
	apply := func(extra ...string) (int, string, int64) {
		before := s.Stats().Requests
		args := append([]string{"apply", "--url", base, "--report", j, "--report", c, "--rate", "0", "--progress", "none"}, extra...)
		code, stderr := apRun(t, apAdminEnv(), append(args, in)...)
		return code, stderr, s.Stats().Requests - before
	}
	runRecords := func(run int) map[string]apRecord {
		var out []apRecord
		for _, r := range apReadJournal(t, j) {
			if r.Run == run {
				out = append(out, r)
			}
		}
		return apByKey(t, out)
	}

	// Run 1, a canary of 3: rows 2-4 sent (row 2 fails), row 5 invalid, 6-9 not_sent.
	code, stderr, sent := apply("--limit", "3")
	if code != cli.ExitRowsFailed || sent != 3 {
		t.Fatalf("run 1: exit %d, %d requests; want 3 and 3; stderr:\n%s", code, sent, stderr)
	}
	m1 := apCheckOneEach(t, apReadJournal(t, j), c, all)
	if c := apCount(m1); c["updated"] != 2 || c["failed"] != 1 || c["invalid"] != 1 || c["not_sent"] != 4 {
		t.Fatalf("run 1 statuses %v", c)
	}

	// Run 2, --resume --no-retry-failed: only the 4 not_sent rows go.
	code, stderr, sent = apply("--resume", "--no-retry-failed")
	if code != cli.ExitRowsFailed || sent != 4 {
		t.Fatalf("run 2: exit %d, %d requests; want 3 (the carried failed row) and 4; stderr:\n%s", code, sent, stderr)
	}
	m2 := runRecords(2)
	if got := apKeys(m2); strings.Join(got, " ") != strings.Join(apRowKeys(in, 6, 9), " ") {
		t.Errorf("run 2 wrote records for rows %v, want the not_sent rows 6-9", got)
	}
	for k, r := range m2 {
		if r.Status != report.StatusUpdated {
			t.Errorf("run 2 row %s: %s", k, r.Status)
		}
	}
	// The spreadsheet report of run 2 shows every row once, with its latest status.
	_, rows := apReadCSV(t, c)
	if len(rows) != len(all) {
		t.Errorf("run 2 CSV report has %d rows, want %d", len(rows), len(all))
	}
	for _, row := range rows {
		want := map[string]string{"2": "failed", "5": "invalid"}[row["_row"]]
		if want == "" {
			want = "updated"
		}
		if row["_status"] != want {
			t.Errorf("run 2 CSV report row %s: %s, want %s", row["_row"], row["_status"], want)
		}
	}

	// Run 3, --resume: only the failed row goes again (and fails again).
	code, stderr, sent = apply("--resume")
	if code != cli.ExitRowsFailed || sent != 1 {
		t.Fatalf("run 3: exit %d, %d requests; want 3 and 1; stderr:\n%s", code, sent, stderr)
	}
	if m3 := runRecords(3); len(m3) != 1 || m3["in.csv#2"].Status != report.StatusFailed {
		t.Errorf("run 3 records %v, want only row 2, failed", apKeys(m3))
	}
	for id := 1001; id <= 1007; id++ {
		want := fmt.Sprintf("New%d", id)
		if id == 1003 {
			want = "Last1003"
		}
		if got := apLastName(t, s, id); got != want {
			t.Errorf("user %d last_name %q, want %q", id, got, want)
		}
	}

	// Run 4: the input changed since run 1: refused, nothing sent, journal untouched.
	before, err := os.ReadFile(j)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, []byte(input+"1008,New1008,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stderr, sent = apply("--resume")
	if code != cli.ExitUsage || sent != 0 {
		t.Fatalf("changed input: exit %d, %d requests; want 2 and 0; stderr:\n%s", code, sent, stderr)
	}
	if !strings.Contains(stderr, in) || !strings.Contains(stderr, "has changed") {
		t.Errorf("stderr does not name the changed file %s:\n%s", in, stderr)
	}
	if after, _ := os.ReadFile(j); !bytes.Equal(before, after) {
		t.Errorf("the journal changed although the resume was refused")
	}
}

// TestApplyPacing checks the shared rate limiter from the records' sent_at:
// --rate 20 --burst 1 with 8 workers never puts more than 21 requests in a
// one-second window, and the achieved rate is within 3 % of 20 (of what the
// server could take, should a loaded machine make that less). It takes
// about 10 s, so -short skips it. It is deliberately not parallel: it then
// runs before the parallel tests of the package start, so that their load
// does not add scheduling delays to the very timestamps it judges (a send
// held up 50 ms behind its token puts 22 sends into one second).
func TestApplyPacing(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 10 s; run without -short")
	}
	const rows, rateLimit, burst = 200, 20, 1
	// The sample seed has 600 users of the admin (1001-1600).
	s, base := apStartSim(t, apAbs(filepath.Join("..", "..", "samples", "seed.yaml")), morsim.Faults{})
	dir := t.TempDir()
	in := apWriteInput(t, dir, "in.csv", apIDs(1001, rows))
	j := filepath.Join(dir, "j.jsonl")
	code, stderr := apRun(t, apAdminEnv(), "apply", "--url", base, "--report", j, "--rate", strconv.Itoa(rateLimit), "--burst", strconv.Itoa(burst), "--workers", "8",
		"--progress", "none", in)
	if code != cli.ExitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	m := apCheckOneEach(t, apReadJournal(t, j), "", apRowKeys(in, 2, rows+1))
	var at []time.Time
	var latency float64 // ms, summed
	for k, r := range m {
		if r.Status != report.StatusUpdated || r.Attempts != 1 || r.SentAt == nil {
			t.Fatalf("row %s: %s after %d attempts: every row must be sent once for the timing to mean something", k, r.Status, r.Attempts)
		}
		at = append(at, *r.SentAt)
		latency += r.LatencyMS
	}
	if st := s.Stats(); st.Requests != rows {
		t.Fatalf("the simulator got %d requests, want %d", st.Requests, rows)
	}
	sort.Slice(at, func(a, b int) bool { return at[a].Before(at[b]) })
	// Sliding window [at[i], at[i]+1s).
	most, end, from := 0, 0, 0
	for i := range at {
		for end < len(at) && at[end].Sub(at[i]) < time.Second {
			end++
		}
		if end-i > most {
			most, from = end-i, i
		}
	}
	if most > rateLimit+burst {
		for i := from + 1; i < from+most; i++ {
			t.Logf("busiest window: gap %d: %s", i-from, at[i].Sub(at[i-1]))
		}
	}
	if most > rateLimit+burst {
		t.Errorf("a one-second window holds %d requests, want at most %d", most, rateLimit+burst)
	}
	achieved := float64(rows-1) / at[len(at)-1].Sub(at[0]).Seconds()
	// The limiter must deliver the rate whenever the server can take it:
	// 8 workers at the mean round trip measured in this run can send at
	// most capacity requests per second (far above 20 on an idle machine;
	// on a loaded one the round trips, not the limiter, may set the pace).
	capacity := 8 / (latency / float64(rows) / 1000)
	want := min(float64(rateLimit), capacity)
	if achieved < want*0.97 || achieved > rateLimit*1.03 {
		t.Errorf("achieved %.2f requests/s, want %.2f within 3 %% (rate %d; the server could take %.1f/s)", achieved, want, rateLimit, capacity)
	}
	t.Logf("busiest one-second window: %d requests; achieved %.3f requests/s; server capacity at 8 workers %.0f/s", most, achieved, capacity)
}
