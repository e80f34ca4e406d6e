package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/morbulk/morbulk/internal/cli"
	"github.com/morbulk/morbulk/internal/morsim"
	"github.com/morbulk/morbulk/internal/report"
)

// TestFaultSoak applies rows to a simulator on a loopback port where a fifth
// of the requests fail in mixed ways (HTTP 500, 503, 429 with Retry-After,
// dropped connections, requests that never get an answer, cut by --timeout).
// Every row must end updated or failed with its cause, exactly once; the exit
// status must say which; and no run may leave a goroutine behind, neither
// morbulk's nor the server's for a connection morbulk kept open.
func TestFaultSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("fault soak: about 40 s, a minute with -race")
	}
	const first, total = 200001, 3500
	dir := t.TempDir()
	seed := filepath.Join(dir, "seed.yaml")
	khWriteSeed(t, seed, first, total, "")

	ctx := context.Background()
	faults := morsim.Faults{Error500: 0.05, Error503: 0.04, TooMany429: 0.04, RetryAfter: time.Second, Drop: 0.04, Hang: 0.03, Seed: 7}
	sim, base := apStartSim(t, seed, faults)
	env := map[string]string{"MORBULK_USER": "admin", "MORBULK_PASSWORD": "admin1", "MORBULK_SECRET": "secret"}

	// The phases run one after the other (not in parallel: each counts goroutines).
	for _, ph := range []struct {
		name      string
		first, n  int
		retries   string
		minFailed int // at least this many rows must fail
	}{
		// generous retries: practically every row gets through
		{"retries-6", first, 3000, "6", 0},
		// no retries: a fifth of the rows fail, each with its cause, exit 3
		{"retries-0", first + 3000, 500, "0", 50},
	} {
		input, journal := filepath.Join(dir, ph.name+".csv"), filepath.Join(dir, ph.name+".jsonl")
		khWriteInput(t, input, ph.first, ph.n)
		statsBefore := sim.Stats()
		before := runtime.NumGoroutine()
		var stderr bytes.Buffer
		start := time.Now()
		code := cli.Main([]string{"apply", "--url", base, "--report", journal, "--report", filepath.Join(dir, ph.name+".csv.out.csv"),
			"--rate", "0", "--workers", "16", "--retries", ph.retries, "--max-consecutive-failures", "0", "--timeout", "300ms",
			"--progress", "none", input}, cli.Env{Stderr: &stderr, Getenv: func(k string) string { return env[k] }})
		elapsed := time.Since(start)

		after := runtime.NumGoroutine()
		for deadline := time.Now().Add(5 * time.Second); after > before && time.Now().Before(deadline); after = runtime.NumGoroutine() {
			time.Sleep(50 * time.Millisecond)
		}
		if after > before {
			var b bytes.Buffer
			pprof.Lookup("goroutine").WriteTo(&b, 1)
			t.Errorf("%s: goroutines: %d before apply, %d after (5 s to settle); left:\n%s", ph.name, before, after, b.String())
		}

		recs := khReadRecords(t, journal)
		rows := map[int]int{}
		counts := map[string]int{}
		causes := map[string]int{}
		attempts := 0
		for _, r := range recs {
			rows[r.Row]++
			counts[r.Status]++
			attempts += r.Attempts
			switch r.Status {
			case report.StatusUpdated:
			case report.StatusFailed:
				if len(r.Errors) == 0 || r.Errors[0].Message == "" {
					t.Errorf("%s: row %d failed without a cause", ph.name, r.Row)
					continue
				}
				cause, _, _ := strings.Cut(r.Errors[0].Message, ":")
				causes[cause]++
			default:
				t.Errorf("%s: row %d: status %s, want updated or failed", ph.name, r.Row, r.Status)
			}
		}
		for row := 2; row <= ph.n+1; row++ {
			if rows[row] != 1 {
				t.Errorf("%s: row %d: %d records, want exactly 1", ph.name, row, rows[row])
			}
		}
		if len(recs) != ph.n {
			t.Errorf("%s: journal: %d records, want %d", ph.name, len(recs), ph.n)
		}
		if counts[report.StatusFailed] < ph.minFailed {
			t.Errorf("%s: %d failed rows, want at least %d", ph.name, counts[report.StatusFailed], ph.minFailed)
		}
		want := cli.ExitOK
		if counts[report.StatusFailed] > 0 {
			want = cli.ExitRowsFailed
		}
		if code != want {
			t.Errorf("%s: exit %d with %d failed rows, want %d; stderr:\n%s", ph.name, code, counts[report.StatusFailed], want, stderr.String())
		}

		st := sim.Stats()
		injected := int64(0)
		var kinds []string
		for k, v := range st.Faults {
			injected += v - statsBefore.Faults[k]
			kinds = append(kinds, k+"="+strconv.FormatInt(v-statsBefore.Faults[k], 10))
		}
		sort.Strings(kinds)
		requests := st.Requests - statsBefore.Requests
		if injected == 0 {
			t.Errorf("%s: the simulator injected no fault", ph.name)
		}
		if up := st.Updated - statsBefore.Updated; up < int64(counts[report.StatusUpdated]) {
			t.Errorf("%s: the simulator updated %d times, fewer than the %d rows reported updated", ph.name, up, counts[report.StatusUpdated])
		}
		// The rows reported updated hold what the input asked.
		for _, r := range recs {
			if r.Status != report.StatusUpdated {
				continue
			}
			id := ph.first + r.Row - 2
			u, err := sim.User(ctx, int64(id))
			if err != nil {
				t.Fatal(err)
			}
			last, credit, blocked := khWant(id)
			if u.User.Str("last_name") != last || u.User.Float("credit") != credit || u.User.Int("blocked") != blocked {
				t.Errorf("%s: user %d reported updated but holds %v %v %v", ph.name, id, u.User.Str("last_name"), u.User.Float("credit"), u.User.Int("blocked"))
			}
		}
		t.Logf("%s: %d rows in %s, exit %d: %d updated, %d failed %s; %d attempts, %d requests at the simulator; "+
			"faults injected: %d (%.1f%%: %s); goroutines %d before, %d after",
			ph.name, ph.n, elapsed.Round(time.Millisecond), code, counts[report.StatusUpdated], counts[report.StatusFailed], fmt.Sprint(causes),
			attempts, requests, injected, 100*float64(injected)/float64(max(requests, 1)), strings.Join(kinds, " "), before, after)
	}
}
