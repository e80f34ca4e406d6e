package pipeline_test

// Unit tests of the Applier with small fakes for the caller, limiter and
// clock: the properties that do not need a server (one result per row, the
// stop rules, retries and backoff, shutdown while waiting for a turn). The
// end-to-end behaviour against the simulator is in internal/cli/apply_test.go.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/morbulk/morbulk/internal/pipeline"
	"github.com/morbulk/morbulk/internal/report"
)

// callerFunc adapts a function to pipeline.Caller.
type callerFunc func(ctx context.Context, params []report.KV) pipeline.Answer

func (f callerFunc) Call(ctx context.Context, params []report.KV) pipeline.Answer {
	return f(ctx, params)
}

// byUser answers by the row's user_id and counts the calls.
type byUser struct {
	calls  atomic.Int64
	answer func(userID string, call int64) pipeline.Answer
}

func (b *byUser) Call(_ context.Context, params []report.KV) pipeline.Answer {
	n := b.calls.Add(1)
	return b.answer(params[0].Value, n)
}

var (
	updated   = pipeline.Answer{Class: pipeline.Updated, HTTPStatus: 200}
	rowError  = pipeline.Answer{Class: pipeline.RowError, HTTPStatus: 200, Err: errors.New("user was not found")}
	systemic  = pipeline.Answer{Class: pipeline.Systemic, HTTPStatus: 200, Err: errors.New("bad login"), Fix: "check the password"}
	transient = pipeline.Answer{Class: pipeline.Transient, HTTPStatus: 503, Err: errors.New("server error: HTTP 503")}
)

// rows makes n input records: valid ones with user_id 1..n, except those
// whose number is in invalid.
func rows(n int, invalid ...int) []*report.Record {
	bad := map[int]bool{}
	for _, i := range invalid {
		bad[i] = true
	}
	out := make([]*report.Record, n)
	for i := range out {
		id := fmt.Sprint(i + 1)
		out[i] = &report.Record{File: "in.csv", Row: i + 2, Line: i + 2, UserID: id, Status: report.StatusValid,
			Params: []report.KV{{Key: "user_id", Value: id}, {Key: "u17", Value: "x"}}}
		if bad[i+1] {
			out[i].Status, out[i].Params = report.StatusInvalid, nil
		}
	}
	return out
}

// run applies recs and returns the records written, by row, and Run's error.
func run(t *testing.T, ap *pipeline.Applier, callCtx context.Context, recs []*report.Record) (map[int]*report.Record, error) {
	t.Helper()
	got := map[int]*report.Record{}
	err := ap.Run(context.Background(), callCtx, func(emit func(pipeline.Checked) error) error {
		for _, r := range recs {
			if err := emit(pipeline.Checked{Rec: r}); err != nil {
				return err
			}
		}
		return nil
	}, func(r *report.Record) error {
		if _, dup := got[r.Row]; dup {
			t.Errorf("row %d written twice", r.Row)
		}
		got[r.Row] = r
		return nil
	})
	if len(got) != len(recs) {
		t.Errorf("%d records written for %d rows", len(got), len(recs))
	}
	return got, err
}

func noSleep(context.Context, time.Duration) error { return nil }

// TestApplierStops checks the stop rules with one worker, so that the order
// of the answers is the order of the rows.
func TestApplierStops(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		cfg     pipeline.Config
		invalid []int
		answer  func(userID string, call int64) pipeline.Answer
		stop    error          // the stop reason Run reports (nil: none)
		calls   int64          // calls made
		want    map[string]int // statuses
		reason  string         // in the reason of every not_sent row
	}{
		{
			// Nothing goes wrong: every valid row is sent once and updated; invalid rows are passed on unsent.
			name: "all updated", invalid: []int{3},
			answer: func(string, int64) pipeline.Answer { return updated },
			calls:  9, want: map[string]int{"updated": 9, "invalid": 1},
		},
		{
			// A systemic answer stops the run at once, with the fix in the reason.
			name:   "systemic",
			answer: func(string, int64) pipeline.Answer { return systemic },
			stop:   pipeline.ErrSystemic, calls: 1, want: map[string]int{"failed": 1, "not_sent": 9}, reason: "check the password",
		},
		{
			// --max-errors 2: row errors go on until the second.
			name: "max errors", cfg: pipeline.Config{MaxErrors: 2},
			answer: func(id string, _ int64) pipeline.Answer {
				if id == "1" {
					return updated
				}
				return rowError
			},
			stop: pipeline.ErrMaxErrors, calls: 3, want: map[string]int{"updated": 1, "failed": 2, "not_sent": 7}, reason: "--max-errors 2",
		},
		{
			// Three transient failures in a row open the circuit.
			name: "circuit breaker", cfg: pipeline.Config{MaxConsecutiveFailures: 3},
			answer: func(string, int64) pipeline.Answer { return transient },
			stop:   pipeline.ErrCircuitOpen, calls: 3, want: map[string]int{"failed": 3, "not_sent": 7}, reason: "server is up",
		},
		{
			// A success between transient failures resets the count: the circuit stays closed.
			name: "circuit reset", cfg: pipeline.Config{MaxConsecutiveFailures: 3},
			answer: func(_ string, call int64) pipeline.Answer {
				if call%3 == 0 {
					return updated
				}
				return transient
			},
			calls: 10, want: map[string]int{"updated": 3, "failed": 7},
		},
		{
			// Row errors do not count as consecutive transient failures.
			name: "row errors keep the circuit closed", cfg: pipeline.Config{MaxConsecutiveFailures: 2},
			answer: func(string, int64) pipeline.Answer { return rowError },
			calls:  10, want: map[string]int{"failed": 10},
		},
		{
			// --limit 4 sends the first four valid rows (the invalid row 2 does not count) and is not a stop.
			name: "limit", cfg: pipeline.Config{Limit: 4}, invalid: []int{2},
			answer: func(string, int64) pipeline.Answer { return updated },
			calls:  4, want: map[string]int{"updated": 4, "invalid": 1, "not_sent": 5}, reason: "--limit 4 reached",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &byUser{answer: tc.answer}
			cfg := tc.cfg
			cfg.Workers, cfg.Sleep = 1, noSleep
			ap := pipeline.NewApplier(c, cfg)
			got, err := run(t, ap, context.Background(), rows(10, tc.invalid...))
			var stop *pipeline.StopError
			switch {
			case tc.stop == nil && err != nil:
				t.Errorf("Run: %v, want nil", err)
			case tc.stop != nil && (!errors.As(err, &stop) || !errors.Is(err, tc.stop)):
				t.Errorf("Run: %v, want a StopError for %v", err, tc.stop)
			}
			if n := c.calls.Load(); n != tc.calls {
				t.Errorf("%d calls, want %d", n, tc.calls)
			}
			counts := map[string]int{}
			for _, r := range got {
				counts[r.Status]++
				if r.Status == report.StatusNotSent && !strings.Contains(r.Reason, tc.reason) {
					t.Errorf("row %d: reason %q, want it to contain %q", r.Row, r.Reason, tc.reason)
				}
				if (r.Status == report.StatusNotSent || r.Status == report.StatusInvalid) && r.Attempts != 0 {
					t.Errorf("row %d (%s): %d attempts", r.Row, r.Status, r.Attempts)
				}
				if r.Run != 1 {
					t.Errorf("row %d: run %d, want 1", r.Row, r.Run)
				}
			}
			if fmt.Sprint(counts) != fmt.Sprint(tc.want) {
				t.Errorf("statuses %v, want %v", counts, tc.want)
			}
		})
	}
}

// TestApplierRetries checks the attempts and the waits between them.
func TestApplierRetries(t *testing.T) {
	t.Parallel()
	retryAfter := func(d time.Duration) pipeline.Answer {
		a := transient
		a.HTTPStatus, a.RetryAfter = 429, d
		return a
	}
	cases := []struct {
		name     string
		retry    pipeline.Retry
		jitter   float64
		answers  []pipeline.Answer // one per attempt; the last one repeats
		status   string
		attempts int
		sleeps   []time.Duration
	}{
		{
			// Exponential backoff, the lowest jitter: half of base, base, ...
			name: "backoff", retry: pipeline.Retry{Max: 3, Base: 100 * time.Millisecond, Cap: time.Second},
			answers: []pipeline.Answer{transient, transient, transient, updated}, status: "updated", attempts: 4,
			sleeps: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond},
		},
		{
			// Full jitter at its top: almost the whole backoff; the cap bounds it.
			name: "backoff capped", retry: pipeline.Retry{Max: 3, Base: 100 * time.Millisecond, Cap: 250 * time.Millisecond}, jitter: 0.5,
			answers: []pipeline.Answer{transient}, status: "failed", attempts: 4,
			sleeps: []time.Duration{75 * time.Millisecond, 150 * time.Millisecond, 187500 * time.Microsecond},
		},
		{
			// Retry-After longer than the backoff is honoured.
			name: "retry-after", retry: pipeline.Retry{Max: 2, Base: 100 * time.Millisecond, Cap: time.Second, RetryAfterCap: time.Minute},
			answers: []pipeline.Answer{retryAfter(2 * time.Second), updated}, status: "updated", attempts: 2,
			sleeps: []time.Duration{2 * time.Second},
		},
		{
			// Retry-After beyond its cap is cut to the cap.
			name: "retry-after capped", retry: pipeline.Retry{Max: 1, Base: 100 * time.Millisecond, Cap: time.Second, RetryAfterCap: time.Minute},
			answers: []pipeline.Answer{retryAfter(time.Hour), updated}, status: "updated", attempts: 2,
			sleeps: []time.Duration{time.Minute},
		},
		{
			// A row error is final: no retry.
			name: "row error", retry: pipeline.Retry{Max: 3},
			answers: []pipeline.Answer{rowError}, status: "failed", attempts: 1,
		},
		{
			// Retries exhausted: failed, with the last answer's HTTP status.
			name: "exhausted", retry: pipeline.Retry{Max: 2, Base: time.Millisecond},
			answers: []pipeline.Answer{transient}, status: "failed", attempts: 3,
			sleeps: []time.Duration{500 * time.Microsecond, time.Millisecond},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var sleeps []time.Duration
			n := 0
			c := callerFunc(func(context.Context, []report.KV) pipeline.Answer {
				a := tc.answers[min(n, len(tc.answers)-1)]
				n++
				return a
			})
			ap := pipeline.NewApplier(c, pipeline.Config{Workers: 1, Retry: tc.retry, Jitter: func() float64 { return tc.jitter },
				Sleep: func(_ context.Context, d time.Duration) error {
					mu.Lock()
					defer mu.Unlock()
					sleeps = append(sleeps, d)
					return nil
				}})
			got, _ := run(t, ap, context.Background(), rows(1))
			r := got[2]
			if r.Status != tc.status || r.Attempts != tc.attempts {
				t.Errorf("%s after %d attempts, want %s after %d", r.Status, r.Attempts, tc.status, tc.attempts)
			}
			if fmt.Sprint(sleeps) != fmt.Sprint(tc.sleeps) {
				t.Errorf("slept %v, want %v", sleeps, tc.sleeps)
			}
			if want := tc.answers[min(tc.attempts, len(tc.answers))-1].HTTPStatus; r.HTTPStatus != want {
				t.Errorf("http status %d, want the last answer's %d", r.HTTPStatus, want)
			}
		})
	}
}

// gate is a limiter whose Wait blocks until the test opens it or ctx ends,
// and which records how many goroutines wait at once.
type gate struct {
	open    chan struct{}
	waiting atomic.Int64
	most    atomic.Int64
	entered chan struct{} // one value per Wait call
	hold    time.Duration // how long an open gate still takes
}

func newGate() *gate { return &gate{open: make(chan struct{}), entered: make(chan struct{}, 1024)} }

func (g *gate) Wait(ctx context.Context) error {
	n := g.waiting.Add(1)
	defer g.waiting.Add(-1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	g.entered <- struct{}{}
	select {
	case <-g.open:
		time.Sleep(g.hold)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestApplierStopWhileWaiting checks that rows waiting for their turn when
// the run stops (first Ctrl-C) or is aborted (second Ctrl-C) are never sent
// and are reported not_sent, not failed.
func TestApplierStopWhileWaiting(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		abort bool // cancel the calls' context instead of Stop
	}{
		// Stop: the limiter lets the waiting workers go, but the run has stopped.
		{name: "stop"},
		// Abort: the wait itself is cancelled.
		{name: "abort", abort: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newGate()
			var calls atomic.Int64
			c := callerFunc(func(context.Context, []report.KV) pipeline.Answer { calls.Add(1); return updated })
			ap := pipeline.NewApplier(c, pipeline.Config{Workers: 4, Limiter: g, Sleep: noSleep})
			callCtx, abort := context.WithCancel(context.Background())
			defer abort()
			done := make(chan map[int]*report.Record, 1)
			go func() {
				got, _ := run(t, ap, callCtx, rows(8))
				done <- got
			}()
			<-g.entered // a worker is waiting for its turn
			ap.Stop(&pipeline.StopError{Reason: pipeline.ErrInterrupted, Detail: "stopped by the user"})
			if tc.abort {
				abort()
			} else {
				close(g.open)
			}
			var got map[int]*report.Record
			select {
			case got = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return")
			}
			if n := calls.Load(); n != 0 {
				t.Errorf("%d rows sent after the stop", n)
			}
			for _, r := range got {
				if r.Status != report.StatusNotSent || r.Attempts != 0 || !strings.Contains(r.Reason, "interrupted") {
					t.Errorf("row %d: %s after %d attempts (%q), want not_sent with the stop reason", r.Row, r.Status, r.Attempts, r.Reason)
				}
			}
		})
	}
}

// TestApplierStopDuringRetryWait: a row waiting out a long Retry-After when
// the run stops is not tried again: the wait ends at once and the row is
// failed with its last answer (a resume sends it again).
func TestApplierStopDuringRetryWait(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	first := make(chan struct{})
	c := callerFunc(func(context.Context, []report.KV) pipeline.Answer {
		if calls.Add(1) == 1 {
			close(first)
		}
		a := transient
		a.HTTPStatus, a.RetryAfter = 429, time.Hour
		return a
	})
	ap := pipeline.NewApplier(c, pipeline.Config{Workers: 1, Retry: pipeline.Retry{Max: 3, Base: time.Millisecond, Cap: time.Hour, RetryAfterCap: time.Hour}})
	done := make(chan map[int]*report.Record, 1)
	go func() {
		got, _ := run(t, ap, context.Background(), rows(1))
		done <- got
	}()
	<-first
	ap.Stop(&pipeline.StopError{Reason: pipeline.ErrInterrupted, Detail: "stopped by the user"})
	var got map[int]*report.Record
	select {
	case got = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return: the retry wait ignored the stop")
	}
	r := got[2]
	if r == nil || r.Status != report.StatusFailed || r.Attempts != 1 || calls.Load() != 1 {
		t.Fatalf("row: %+v after %d calls; want failed after 1 attempt", r, calls.Load())
	}
	if len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "not tried again: the run stopped") {
		t.Errorf("errors %v, want the reason it was not tried again", r.Errors)
	}
}

// TestApplierStopDuringLimiterWait: rows waiting for a slow limiter's turn
// when the run stops are not_sent at once; the run does not sit out the
// turns (one every 5 s here).
func TestApplierStopDuringLimiterWait(t *testing.T) {
	t.Parallel()
	first := make(chan struct{})
	var calls atomic.Int64
	c := callerFunc(func(context.Context, []report.KV) pipeline.Answer {
		if calls.Add(1) == 1 {
			close(first)
		}
		return updated
	})
	ap := pipeline.NewApplier(c, pipeline.Config{Workers: 4, Limiter: rate.NewLimiter(0.2, 1), Sleep: noSleep})
	done := make(chan map[int]*report.Record, 1)
	go func() {
		got, _ := run(t, ap, context.Background(), rows(6))
		done <- got
	}()
	<-first
	start := time.Now()
	ap.Stop(&pipeline.StopError{Reason: pipeline.ErrInterrupted, Detail: "stopped by the user"})
	var got map[int]*report.Record
	select {
	case got = <-done:
	case <-time.After(4 * time.Second):
		t.Fatal("Run sat out the limiter's turns after the stop")
	}
	t.Logf("ended %s after the stop", time.Since(start).Round(time.Millisecond))
	n := map[string]int{}
	for _, r := range got {
		n[r.Status]++
	}
	if n[report.StatusUpdated] != 1 || n[report.StatusNotSent] != 5 || calls.Load() != 1 {
		t.Errorf("statuses %v after %d calls; want 1 updated, 5 not_sent", n, calls.Load())
	}
}

// TestApplierOneWaiterAtATime checks that only one worker at a time holds
// a turn of the limiter, so that a stall cannot release one per worker at once.
func TestApplierOneWaiterAtATime(t *testing.T) {
	t.Parallel()
	g := newGate()
	g.hold = time.Millisecond // a turn takes a while, as a paced one does
	close(g.open)
	slow := callerFunc(func(context.Context, []report.KV) pipeline.Answer {
		time.Sleep(time.Millisecond)
		return updated
	})
	ap := pipeline.NewApplier(slow, pipeline.Config{Workers: 8, Limiter: g, Sleep: noSleep})
	got, err := run(t, ap, context.Background(), rows(200))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if r.Status != report.StatusUpdated {
			t.Fatalf("row %d: %s", r.Row, r.Status)
		}
	}
	if m := g.most.Load(); m != 1 {
		t.Errorf("%d workers waited in the limiter at once, want 1", m)
	}
}

// TestApplierWriteError checks that a failing writer ends the run with its
// error instead of blocking the workers.
func TestApplierWriteError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk full")
	ap := pipeline.NewApplier(callerFunc(func(context.Context, []report.KV) pipeline.Answer { return updated }),
		pipeline.Config{Workers: 4, Sleep: noSleep})
	recs := rows(5000)
	n := 0
	done := make(chan error, 1)
	go func() {
		done <- ap.Run(context.Background(), context.Background(), func(emit func(pipeline.Checked) error) error {
			for _, r := range recs {
				if err := emit(pipeline.Checked{Rec: r}); err != nil {
					return err
				}
			}
			return nil
		}, func(*report.Record) error {
			if n++; n == 5 {
				return boom
			}
			return nil
		})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), "write result of in.csv row") {
			t.Errorf("Run: %v, want the write error with the row", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run blocked after the writer failed")
	}
}
