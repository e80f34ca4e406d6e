package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/morbulk/morbulk/internal/pipeline"
	"github.com/morbulk/morbulk/internal/report"
	"github.com/morbulk/morbulk/internal/schema"
	"github.com/morbulk/morbulk/internal/source"
)

type applyOpts struct {
	input     inputFlags
	conn      connFlags
	workers   int
	rate      float64
	burst     int
	retries   int
	maxConsec int
	maxErrors int
	limit     int
	reports   []string
	failedOut string
	progress  string
	resume    bool
	noRetry   bool
	html      htmlFlags
}

func (a *app) applyCmd() *cobra.Command {
	var o applyOpts
	cmd := &cobra.Command{
		Use:   "apply [flags] FILE...",
		Short: "Apply change files to a MOR server (or the built-in simulator)",
		Long: `Apply reads CSV and YAML change files, validates every row exactly as
'morbulk validate' does, and sends the valid rows to user_update_api through
--workers concurrent workers behind one shared rate limit (--rate requests per
second). Invalid and skipped rows are reported and never sent.

Target: --url BASE for a real server (or MORBULK_URL, or a config file), or
--sim for the built-in simulator on a loopback port. One of them is required.
Credentials: --user or MORBULK_USER; the password from MORBULK_PASSWORD or
--password-file; the secret key from MORBULK_SECRET or --secret-file. They are
never accepted as flag values. With --sim they default to the seed's admin.

Transient failures (connection errors, timeouts, HTTP 5xx and 429) are retried
with exponential backoff and jitter, honouring Retry-After. Resending is
harmless: MOR's update sets absolute values, so a request that reached the
server before a timeout does the same thing twice. The run stops at once when
the server refuses the credentials or the API (Bad login, Incorrect hash, API
or GET requests disabled), after --max-consecutive-failures transient
failures in a row, or after --max-errors failed rows; rows never sent are
reported not_sent with the reason.

Ctrl-C once stops taking new rows and lets the requests in flight finish and
be recorded; a second Ctrl-C aborts them.

` + exitStatus(nil, ExitOK, ExitError, ExitUsage, ExitRowsFailed, ExitStopped, ExitInterrupted),
		Example: `  # rehearse on the built-in simulator (credentials from the sample seed)
  morbulk apply --sim samples/tariff-sweep.csv

  # a canary of 10 rows against production, then the rest
  export MORBULK_USER=api MORBULK_PASSWORD=... MORBULK_SECRET=...
  morbulk apply --url https://billing.example.com/billing --profile x3 --limit 10 changes.csv
  morbulk apply --url https://billing.example.com/billing --profile x3 --rate 10 --workers 8 \
      --report reports/june.jsonl --failed-out reports/june-failed.csv changes.csv`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := a.run(cmd)
			return a.runApply(ctx, &o, args)
		},
	}
	o.input.register(cmd)
	o.conn.register(cmd)
	fl := cmd.Flags()
	fl.IntVar(&o.workers, "workers", 4, "concurrent requests")
	fl.Float64Var(&o.rate, "rate", 5, "requests per second over all workers (0: no limit)")
	fl.IntVar(&o.burst, "burst", 1, "requests that may go at once after a pause")
	fl.IntVar(&o.retries, "retries", 3, "retries of a transient failure (connection, timeout, HTTP 5xx, 429)")
	fl.IntVar(&o.maxConsec, "max-consecutive-failures", 10, "stop after this many rows in a row fail transiently (0: never)")
	fl.IntVar(&o.maxErrors, "max-errors", 0, "stop after this many failed rows (0: never)")
	fl.IntVar(&o.limit, "limit", 0, "send only the first N valid rows, as a canary (0: all)")
	fl.StringArrayVar(&o.reports, "report", nil, "report path, .jsonl (the journal) or .csv; repeat for both (default: reports/apply-TIME-PID.{jsonl,csv})")
	fl.StringVar(&o.failedOut, "failed-out", "", "write the failed and invalid rows, in the input's columns, to this .csv file")
	fl.BoolVar(&o.resume, "resume", false, "continue the run of the journal (the .jsonl --report, default the newest reports/apply-*.jsonl): rows already updated, invalid or skipped are not sent again")
	fl.BoolVar(&o.noRetry, "no-retry-failed", false, "with --resume, send only the rows not sent before, not the failed ones")
	fl.StringVar(&o.progress, "progress", "auto", "progress display: auto (a bar on a terminal, lines otherwise), bar, lines or none")
	o.html.register(cmd)
	return cmd
}

func (a *app) runApply(ctx context.Context, o *applyOpts, files []string) error {
	if o.workers < 1 || o.workers > 256 {
		return usagef("--workers %d: use 1 to 256", o.workers)
	}
	if math.IsNaN(o.rate) || math.IsInf(o.rate, 0) {
		return usagef("--rate %v: give a number of requests per second, 0 for no limit", o.rate)
	}
	if o.conn.timeout <= 0 {
		return usagef("--timeout %v: give a positive duration, e.g. 30s", o.conn.timeout)
	}
	if o.rate < 0 || o.burst < 1 || o.retries < 0 || o.maxConsec < 0 || o.maxErrors < 0 || o.limit < 0 {
		return usagef("--rate, --retries, --max-* and --limit must not be negative, --burst at least 1")
	}
	if o.progress != "auto" && o.progress != "bar" && o.progress != "lines" && o.progress != "none" {
		return usagef("--progress %q: use auto, bar, lines or none", o.progress)
	}
	s := schema.New()
	opts, err := o.input.options(s)
	if err != nil {
		return err
	}
	start := a.env.Now()
	if len(o.reports) == 0 {
		base := defaultBase("apply", start)
		if o.resume {
			j, err := latestJournal("reports")
			if err != nil {
				return err
			}
			base = strings.TrimSuffix(j, ".jsonl")
		}
		o.reports = []string{base + ".jsonl", base + ".csv"}
	}
	jpath := journalPath(o.reports)
	if jpath == "" {
		return usagef("apply needs a .jsonl --report: it is the journal that makes a run resumable")
	}
	if o.noRetry && !o.resume {
		return usagef("--no-retry-failed only makes sense with --resume")
	}
	if err := checkOutputs(files, append([]string{o.failedOut, o.html.target(o.reports)}, o.reports...)); err != nil {
		return err
	}
	prints, err := fingerprintAll(files)
	if err != nil {
		return err
	}
	js, err := checkJournal(jpath, o.resume, prints)
	if err != nil {
		return err
	}

	// A first pass finds file errors before anything is sent, and counts rows for the progress display.
	pre, err := prescan(ctx, s, opts, files)
	if err != nil {
		return err
	}
	for f, msg := range pre.bad {
		a.log.Error().Str("file", f).Msg("nothing from this file will be sent: " + msg)
	}

	if o.conn.sim && o.conn.simDB == "" && len(js.runs) > 0 {
		// A resumed rehearsal goes on in the simulator database the run
		// began in, not in a fresh one.
		if db := js.runs[len(js.runs)-1].Settings["sim_db"]; db != "" {
			if _, err := os.Stat(db); err == nil {
				o.conn.simDB = db
				a.log.Info().Str("db", db).Msg("resuming in the simulator database of the earlier run")
			} else {
				a.log.Warn().Str("db", db).Msg("the simulator database of the earlier run is gone: this run starts a fresh one, so the rehearsal's changes are split between the two")
			}
		}
	}
	t, err := a.connect(ctx, &o.conn)
	if err != nil {
		return err
	}
	defer t.close()
	a.log.Info().Str("target", t.label).Str("user", t.user).Str("profile", orDefault(t.client.Profile().Name)).
		Str("hash", t.client.HashMode().String()).Msg("target")

	runs := append(js.runs, report.RunInfo{Run: js.run, Started: start, Target: t.label, Files: prints, Settings: map[string]string{
		"user": t.user, "profile": orDefault(t.client.Profile().Name), "hash_mode": t.client.HashMode().String(),
		"workers": fmt.Sprint(o.workers), "rate": fmt.Sprint(o.rate), "burst": fmt.Sprint(o.burst), "retries": fmt.Sprint(o.retries),
		"limit": fmt.Sprint(o.limit), "max_errors": fmt.Sprint(o.maxErrors), "max_consecutive_failures": fmt.Sprint(o.maxConsec),
	}})
	if t.simDB != "" {
		runs[len(runs)-1].Settings["sim_db"] = t.simDB
	}
	jf, err := js.open()
	if err != nil {
		return err
	}
	journal := report.JournalWriter(jf)
	if err := report.WriteRuns(jpath, runs); err != nil {
		journal.Close()
		return err
	}
	if js.run > 1 {
		a.log.Info().Int("run", js.run).Str("journal", jpath).Int("records", js.index.Lines).Bool("torn_tail_cut", js.index.Torn).Msg("resuming")
	}

	cols, rename := pipeline.Columns(files, opts, s)
	out, failed, htmlOut, err := openApplyOutputs(o, journal, cols, js.run > 1, report.HTMLMeta{Command: "apply", Files: prints, Target: t.label,
		Profile: orDefault(t.client.Profile().Name), Settings: runs[len(runs)-1].Settings, Started: start, Runs: runs})
	if err != nil {
		return err
	}

	var lim pipeline.Limiter
	if o.rate > 0 {
		lim = rate.NewLimiter(rate.Limit(o.rate), o.burst)
	}
	ap := pipeline.NewApplier(morCaller{t.client}, pipeline.Config{
		Workers: o.workers, Limiter: lim,
		Retry:                  pipeline.Retry{Max: o.retries, Base: 250 * time.Millisecond, Cap: 10 * time.Second, RetryAfterCap: 60 * time.Second},
		MaxConsecutiveFailures: o.maxConsec, MaxErrors: o.maxErrors, Limit: o.limit,
		Now: a.env.Now, Run: js.run, Carry: js.carry(!o.noRetry),
	})

	// Signals: the first stops intake, the second aborts requests in flight.
	callCtx, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer abort()
	interrupted := make(chan struct{})
	go a.watchSignals(ctx, ap, abort, interrupted)

	prog := a.newProgress(o.progress, &ap.Stats, pre.rows)
	prog.start()
	sum := report.NewSummary(start)
	in := &pipeline.Intake{Schema: s, Validator: s.NewValidator(a.env.Now), Options: opts, KeepInput: true, Rename: rename,
		OnFile: a.logFile}
	err = ap.Run(ctx, callCtx, func(emit func(pipeline.Checked) error) error {
		return in.Run(ctx, files, func(c pipeline.Checked) error {
			if msg, bad := pre.bad[c.Rec.File]; bad && c.Rec.Status == report.StatusValid {
				c.Rec.Status = report.StatusFileError
				c.Rec.Params = nil
				c.Rec.Errors = append(c.Rec.Errors, report.Issue{Message: "not sent: this file has errors (" + msg + ")"})
			}
			if orig, ok := js.names[c.Rec.File]; ok {
				c.Rec.File = orig // the journal knows the file by the name its first run used
			}
			return emit(c)
		})
	}, func(r *report.Record) error {
		sum.Add(r)
		if ev := a.log.Debug(); ev.Enabled() { // every row's result, for following a run closely
			msg := cmp.Or(joinErrors(r.Errors), r.Reason, r.Status)
			ev.Str("file", r.File).Int("row", r.Row).Str("status", r.Status).Str("user_id", r.UserID).
				Int("attempts", r.Attempts).Int("http_status", r.HTTPStatus).Float64("latency_ms", r.LatencyMS).Msg(msg)
		}
		return out.Write(r)
	})
	close(interrupted)
	prog.stop()
	if htmlOut != nil {
		htmlOut.SetEnded(a.env.Now())
	}
	if cerr := out.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write report: %w", cerr)
	}
	sum.Ended = a.env.Now()
	sum.Print(a.env.Stderr, "finished")
	fmt.Fprintf(a.env.Stderr, "report: %s\n", reportPaths(o.reports, htmlOut))
	if failed != nil {
		fmt.Fprintf(a.env.Stderr, "failed rows: %d written to %s\n", failed.N, o.failedOut)
	}
	return applyResult(err, sum)
}

// maxOutOfOrder is how many finished rows a report holds back at most while
// an earlier row is still being sent, to write them in input order.
const maxOutOfOrder = 4096

// fingerprintAll fingerprints the input files, for the journal's runs file.
func fingerprintAll(files []string) ([]report.Fingerprint, error) {
	prints := make([]report.Fingerprint, len(files))
	for i, f := range files {
		fp, err := report.FingerprintFile(f)
		if err != nil {
			return nil, usageError{fmt.Errorf("input file %q cannot be read: %w", f, errors.Unwrap(err))}
		}
		prints[i] = fp
	}
	return prints, nil
}

// openApplyOutputs creates the reports of a run: the journal and CSV
// reports (appended to when resuming), the failed-rows file and the HTML page.
func openApplyOutputs(o *applyOpts, journal report.Writer, cols []string, resumed bool, meta report.HTMLMeta) (report.Multi, *report.Failed, *report.HTML, error) {
	out := report.Multi{journal}
	jpath := journalPath(o.reports)
	for _, path := range o.reports {
		if path == jpath {
			continue // already open, and locked
		}
		w, err := report.Create(path, report.Options{Columns: cols, Apply: true, Append: resumed})
		if err != nil {
			out.Close()
			return nil, nil, nil, usageError{err}
		}
		// The journal takes results as they finish (that is what makes it
		// crash-safe); the other reports list them in input order.
		out = append(out, report.NewOrdered(w, maxOutOfOrder))
	}
	var failed *report.Failed
	if o.failedOut != "" {
		var err error
		if failed, err = report.CreateFailed(o.failedOut, cols); err != nil {
			out.Close()
			return nil, nil, nil, usageError{err}
		}
		out = append(out, report.NewOrdered(failed, maxOutOfOrder))
	}
	htmlOut, err := o.html.create(o.reports, o.failedOut, meta)
	if err != nil {
		out.Close()
		return nil, nil, nil, err
	}
	if htmlOut != nil {
		out = append(out, htmlOut)
	}
	return out, failed, htmlOut, nil
}

// logFile says what was detected about an input file; a warning when the
// reader had to overrule the options (a forced encoding on a UTF-8 file).
func (a *app) logFile(name string, info source.Info) {
	ev := a.log.Info()
	if info.Note != "" {
		ev = a.log.Warn()
	}
	ev.Str("file", name).Msg(pipeline.Describe(info))
}

// applyResult maps the outcome of a run to the error that gives its exit status.
func applyResult(err error, sum *report.Summary) error {
	var stop *pipeline.StopError
	switch {
	case errors.As(err, &stop) && errors.Is(stop.Reason, pipeline.ErrInterrupted):
		return fmt.Errorf("%w: %s", ErrInterrupted, stop.Detail)
	case errors.As(err, &stop):
		return fmt.Errorf("%w: %v", ErrStopped, stop)
	case err != nil:
		return err
	}
	if sum.Counts[report.StatusFailed]+sum.Counts[report.StatusInvalid]+sum.Counts[report.StatusFileError] > 0 {
		return ErrRowsFailed
	}
	return nil
}

// watchSignals turns the first interrupt into a graceful stop and the second into an abort.
func (a *app) watchSignals(ctx context.Context, ap *pipeline.Applier, abort context.CancelFunc, done chan struct{}) {
	if a.env.Signals == nil {
		return
	}
	n := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-a.env.Signals:
			n++
			if n == 1 {
				fmt.Fprintln(a.env.Stderr, "\nmorbulk: interrupted: finishing the requests in flight (Ctrl-C again to abort them)")
				ap.Stop(&pipeline.StopError{Reason: pipeline.ErrInterrupted, Detail: "stopped by the user", Fix: "run again with --resume to continue"})
				continue
			}
			fmt.Fprintln(a.env.Stderr, "morbulk: aborting the requests in flight")
			abort()
			return
		}
	}
}

func joinErrors(is []report.Issue) string {
	parts := make([]string, len(is))
	for i, x := range is {
		parts[i] = x.Message
		if x.Column != "" {
			parts[i] = x.Column + ": " + x.Message
		}
	}
	return strings.Join(parts, "; ")
}

// prescanResult is what the first pass learned.
type prescanResult struct {
	rows int               // input rows
	bad  map[string]string // files with a file error -> the first message
}

// prescan validates every file once without sending, so that a file error
// anywhere in a file keeps the whole file from being sent.
func prescan(ctx context.Context, s *schema.Schema, opts source.Options, files []string) (prescanResult, error) {
	res := prescanResult{bad: map[string]string{}}
	in := &pipeline.Intake{Schema: s, Validator: s.NewValidator(nil), Options: opts}
	err := in.Run(ctx, files, func(c pipeline.Checked) error {
		res.rows++
		if c.Rec.Status == report.StatusFileError {
			if _, seen := res.bad[c.Rec.File]; !seen {
				res.bad[c.Rec.File] = joinErrors(c.Rec.Errors)
			}
		}
		return nil
	})
	return res, err
}
