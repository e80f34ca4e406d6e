package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/morbulk/morbulk/internal/report"
)

// Class is what a call's answer means for the row and the run.
type Class int

// The classes of answers.
const (
	Updated   Class = iota + 1 // the server applied the row
	RowError                   // the server refused this row; the run goes on
	Systemic                   // every row would fail the same way: stop the run
	Transient                  // the row's fate is unknown and retrying is safe
	Unknown                    // the row's fate is unknown and retrying will not help (not a MOR answer)
)

// Answer is the outcome of one attempt.
type Answer struct {
	Class      Class
	Err        error // nil when Updated; never holds a credential
	HTTPStatus int
	Response   *report.Response
	RetryAfter time.Duration
	Latency    time.Duration
	// Fix says what to check when the answer is systemic.
	Fix string
	// Warning is something to know about an answer counted as it is, e.g.
	// a success inferred from the element alone; it goes to the row's warnings.
	Warning string
}

// Caller sends one row's parameters to the server.
type Caller interface {
	Call(ctx context.Context, params []report.KV) Answer
}

// Limiter paces requests; *rate.Limiter satisfies it.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Retry is the retry policy for transient answers.
type Retry struct {
	Max           int           // retries after the first attempt
	Base          time.Duration // first backoff
	Cap           time.Duration // longest backoff
	RetryAfterCap time.Duration // longest Retry-After honoured
}

// Config controls an apply run.
type Config struct {
	Workers                int
	Limiter                Limiter // nil: no pacing
	Retry                  Retry
	MaxConsecutiveFailures int // stop after this many rows in a row fail transiently (0: never)
	MaxErrors              int // stop after this many failed rows (0: never)
	Limit                  int // send only the first Limit valid rows (0: all)
	Run                    int // run number written into each record
	Now                    func() time.Time
	Sleep                  func(ctx context.Context, d time.Duration) error // nil: a timer
	Jitter                 func() float64                                   // in [0,1); nil: math/rand/v2
	// Carry tells whether a row already has a final result from an earlier
	// run (resume). Such a row is not sent; Carry fills in its earlier
	// status and run and marks it Carried, and it goes to the writer as is.
	Carry func(rec *report.Record) bool
}

// Stop reasons.
var (
	// ErrSystemic means the server refused the configuration: every row would fail.
	ErrSystemic = errors.New("the server refused the request for every row")
	// ErrCircuitOpen means too many rows in a row failed transiently.
	ErrCircuitOpen = errors.New("too many consecutive failures")
	// ErrMaxErrors means --max-errors was reached.
	ErrMaxErrors = errors.New("too many failed rows")
	// ErrInterrupted means the user asked to stop.
	ErrInterrupted = errors.New("interrupted")
)

// StopError says why a run stopped early and what to check.
type StopError struct {
	Reason error  // one of the Err* stop reasons
	Detail string // what happened, in words
	Fix    string // what to check
}

func (e *StopError) Error() string {
	msg := e.Reason.Error() + ": " + e.Detail
	if e.Fix != "" {
		msg += "; " + e.Fix
	}
	return msg
}

func (e *StopError) Unwrap() error { return e.Reason }

// Stats are counters a progress display may read while the run goes on.
type Stats struct {
	Read      atomic.Int64 // rows read and validated
	Done      atomic.Int64 // rows with a final result
	Sent      atomic.Int64 // rows sent (any answer)
	InFlight  atomic.Int64
	Updated   atomic.Int64
	Failed    atomic.Int64
	Requests  atomic.Int64 // HTTP attempts
	Retries   atomic.Int64
	limitHits atomic.Int64
}

// Applier runs the apply pipeline.
type Applier struct {
	cfg    Config
	caller Caller
	Stats  Stats

	limMu      sync.Mutex // serialises Limiter.Wait (see wait)
	stopOnce   sync.Once
	stopped    chan struct{} // closed when no new row may be sent
	stopMu     sync.Mutex
	stopErr    error
	consec     atomic.Int64
	failed     atomic.Int64
	validCount int // rows handed to workers (intake goroutine only)
}

// NewApplier returns an applier that sends through caller.
func NewApplier(caller Caller, cfg Config) *Applier {
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	if cfg.Run < 1 {
		cfg.Run = 1
	}
	return &Applier{cfg: cfg, caller: caller, stopped: make(chan struct{})}
}

// Stop stops taking new rows: rows not yet sent are reported not_sent with
// err as the reason. Requests in flight finish and are recorded. Safe to
// call many times and from any goroutine; the first reason wins.
func (a *Applier) Stop(err error) {
	a.stopOnce.Do(func() {
		a.stopMu.Lock()
		a.stopErr = err
		a.stopMu.Unlock()
		close(a.stopped)
	})
}

// Err is why the run stopped early, or nil.
func (a *Applier) Err() error {
	a.stopMu.Lock()
	defer a.stopMu.Unlock()
	return a.stopErr
}

func (a *Applier) isStopped() bool {
	select {
	case <-a.stopped:
		return true
	default:
		return false
	}
}

func (a *Applier) notSent(rec *report.Record, reason string) *report.Record {
	rec.Status = report.StatusNotSent
	rec.Reason = reason
	rec.Run = a.cfg.Run
	return rec
}

func (a *Applier) stopReason() string {
	if err := a.Err(); err != nil {
		return "not sent: the run stopped (" + err.Error() + ")"
	}
	return "not sent: the run stopped"
}

// Run reads rows through intake, sends the valid ones and hands every
// result to write, which is called from a single goroutine. callCtx
// governs requests in flight: cancelling it aborts them (the second
// Ctrl-C). Run returns a *StopError when the run stopped early, or the
// first infrastructure error (intake, write).
func (a *Applier) Run(ctx, callCtx context.Context, intake func(emit func(Checked) error) error, write func(*report.Record) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g, gctx := errgroup.WithContext(ctx)
	jobs := make(chan *report.Record, a.cfg.Workers)
	results := make(chan *report.Record, 4*a.cfg.Workers)

	// Intake: validation in order; valid rows go to the workers, the rest straight to the writer.
	g.Go(func() error {
		defer close(jobs)
		err := intake(func(c Checked) error {
			rec := c.Rec
			a.Stats.Read.Add(1)
			var out chan<- *report.Record = results
			switch {
			case a.cfg.Carry != nil && a.cfg.Carry(rec):
				// final in an earlier run: reported, not sent
			case rec.Status != report.StatusValid:
				rec.Run = a.cfg.Run
			case a.isStopped():
				a.notSent(rec, a.stopReason())
			case a.cfg.Limit > 0 && a.validCount >= a.cfg.Limit:
				a.Stats.limitHits.Add(1)
				a.notSent(rec, fmt.Sprintf("not sent: --limit %d reached (canary run); run again without --limit, with --resume", a.cfg.Limit))
			default:
				a.validCount++
				out = jobs
			}
			select {
			case out <- rec:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
		return err
	})

	// Waits (for a turn of the limiter, between retries) end at the first
	// stop: a row waiting is not in flight, and is not sent or tried again.
	waitCtx, cancelWaits := context.WithCancel(callCtx)
	defer cancelWaits()
	go func() {
		select {
		case <-a.stopped:
			cancelWaits()
		case <-waitCtx.Done():
		}
	}()

	// Workers.
	for range a.cfg.Workers {
		g.Go(func() error {
			for rec := range jobs {
				if a.isStopped() {
					a.notSent(rec, a.stopReason())
				} else {
					a.send(callCtx, waitCtx, rec)
				}
				select {
				case results <- rec:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		})
	}
	// Writer: the only goroutine that touches the reports.
	writerDone := make(chan error, 1)
	go func() {
		var werr error
		for rec := range results {
			if werr != nil {
				continue // drain so that producers never block
			}
			a.Stats.Done.Add(1)
			if err := write(rec); err != nil {
				werr = fmt.Errorf("write result of %s row %d: %w", rec.File, rec.Row, err)
				cancel(werr)
			}
		}
		writerDone <- werr
	}()

	err := g.Wait()
	close(results)
	if werr := <-writerDone; werr != nil {
		// The writer's error is the cause; the others only saw it cancel them.
		err = werr
	}
	if err != nil {
		return err
	}
	return a.Err()
}

// send makes the attempts for one row and fills in its result. ctx governs
// the requests, waitCtx the waits before them (it ends when the run stops).
func (a *Applier) send(ctx, waitCtx context.Context, rec *report.Record) {
	a.Stats.InFlight.Add(1)
	defer a.Stats.InFlight.Add(-1)
	rec.Run = a.cfg.Run
	var ans Answer
	for attempt := 0; ; attempt++ {
		var werr error
		if a.cfg.Limiter != nil {
			werr = a.wait(waitCtx)
		}
		if attempt == 0 && (werr != nil || a.isStopped()) {
			// The run stopped (or was aborted) while this row waited for
			// its turn: it was never sent.
			reason := a.stopReason()
			if !a.isStopped() {
				reason = "not sent: " + werr.Error()
			}
			a.notSent(rec, reason)
			return
		}
		if werr != nil { // a retry's turn never came: the last answer stands
			ans.Err = fmt.Errorf("%w (not tried again: the run stopped)", cmp.Or(ans.Err, errTransient))
			break
		}
		rec.Attempts = attempt + 1
		rec.SentAt = a.cfg.Now()
		a.Stats.Requests.Add(1)
		ans = a.caller.Call(ctx, rec.Params)
		if ans.Class != Transient || attempt >= a.cfg.Retry.Max || ctx.Err() != nil {
			break
		}
		if a.isStopped() || a.cfg.Sleep(waitCtx, a.backoff(attempt, ans.RetryAfter)) != nil {
			ans.Err = fmt.Errorf("%w (not tried again: the run stopped)", cmp.Or(ans.Err, errTransient))
			break
		}
		a.Stats.Retries.Add(1)
	}
	a.Stats.Sent.Add(1)
	rec.HTTPStatus = ans.HTTPStatus
	rec.LatencyMS = float64(ans.Latency.Microseconds()) / 1000
	rec.Response = ans.Response
	switch ans.Class {
	case Updated:
		rec.Status = report.StatusUpdated
		if ans.Warning != "" {
			rec.Warnings = append(rec.Warnings, report.Issue{Message: ans.Warning})
		}
		a.Stats.Updated.Add(1)
		a.consec.Store(0)
		return
	case RowError:
		a.consec.Store(0)
	case Systemic:
		a.Stop(&StopError{Reason: ErrSystemic, Detail: errText(ans.Err), Fix: ans.Fix})
	case Transient, Unknown:
		if n := a.consec.Add(1); a.cfg.MaxConsecutiveFailures > 0 && n >= int64(a.cfg.MaxConsecutiveFailures) {
			a.Stop(&StopError{Reason: ErrCircuitOpen, Detail: fmt.Sprintf("%d rows in a row failed after retries, the last with: %s", n, errText(ans.Err)),
				Fix: "check that the server is up and reachable, then run again with --resume"})
		}
	}
	rec.Status = report.StatusFailed
	rec.Errors = append(rec.Errors, report.Issue{Message: errText(ans.Err)})
	a.Stats.Failed.Add(1)
	if n := a.failed.Add(1); a.cfg.MaxErrors > 0 && n >= int64(a.cfg.MaxErrors) {
		a.Stop(&StopError{Reason: ErrMaxErrors, Detail: fmt.Sprintf("%d rows failed (--max-errors %d)", n, a.cfg.MaxErrors),
			Fix: "look at the failed rows in the report (or write them with --failed-out); run again with --resume to send the rows not sent yet, and apply the fixed failed rows as a new run"})
	}
}

// wait takes the next turn from the limiter. Only one goroutine at a time
// holds a reservation: if every idle worker reserved its own future slot, a
// stall of the process (GC, a loaded machine, a laptop asleep) would let all
// the overdue slots fire together, up to --workers requests at once instead
// of --burst.
func (a *Applier) wait(ctx context.Context) error {
	a.limMu.Lock()
	defer a.limMu.Unlock()
	return a.cfg.Limiter.Wait(ctx)
}

// errTransient stands for a transient answer that came without an error.
var errTransient = errors.New("transient failure")

func errText(err error) string {
	if err == nil {
		return "failed"
	}
	return err.Error()
}

// backoff is the wait before retry number attempt+1: exponential with full
// jitter, or the server's Retry-After when it asks for longer (up to a cap).
func (a *Applier) backoff(attempt int, retryAfter time.Duration) time.Duration {
	base, limit := a.cfg.Retry.Base, a.cfg.Retry.Cap
	if base <= 0 {
		base = 200 * time.Millisecond
	}
	if limit <= 0 {
		limit = 10 * time.Second
	}
	d := base << attempt
	if d > limit || d <= 0 {
		d = limit
	}
	d = d/2 + time.Duration(a.cfg.Jitter()*float64(d/2))
	if retryAfter > 0 {
		ra := retryAfter
		if c := a.cfg.Retry.RetryAfterCap; c > 0 && ra > c {
			ra = c
		}
		if ra > d {
			d = ra
		}
	}
	return d
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
