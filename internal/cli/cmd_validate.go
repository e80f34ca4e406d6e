package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/morbulk/morbulk/internal/pipeline"
	"github.com/morbulk/morbulk/internal/report"
	"github.com/morbulk/morbulk/internal/schema"
	"github.com/morbulk/morbulk/internal/source"
)

// inputFlags are the flags that say how to read input files.
type inputFlags struct {
	encoding  string
	delimiter string
}

func (f *inputFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.encoding, "encoding", "", "encoding of input files without a BOM: utf-8 (default), windows-1252 or iso-8859-1")
	cmd.Flags().StringVar(&f.delimiter, "delimiter", "", `CSV delimiter: ",", ";" or "tab" (default: detected from the header)`)
}

func (f *inputFlags) options(s *schema.Schema) (source.Options, error) {
	opts := source.Options{IsColumn: s.IsColumn}
	switch strings.ToLower(f.encoding) {
	case "", "utf-8", "utf8":
	case "windows-1252", "cp1252", "iso-8859-1", "latin1", "latin-1":
		opts.Encoding = strings.ToLower(f.encoding)
		switch opts.Encoding {
		case "cp1252":
			opts.Encoding = "windows-1252"
		case "latin1", "latin-1":
			opts.Encoding = "iso-8859-1"
		}
	default:
		return opts, usagef("--encoding %q: use utf-8, windows-1252 or iso-8859-1", f.encoding)
	}
	if opts.Encoding == "" && f.encoding != "" {
		opts.Encoding = "utf-8"
	}
	switch d := f.delimiter; strings.ToLower(d) {
	case "":
	case "tab", `\t`:
		opts.Delimiter = '\t'
	default:
		r, n := utf8.DecodeRuneInString(d)
		if n != len(d) || !strings.ContainsRune(",;\t|", r) {
			return opts, usagef(`--delimiter %q: use ",", ";", "|" or "tab"`, d)
		}
		opts.Delimiter = r
	}
	return opts, nil
}

type validateOpts struct {
	input   inputFlags
	reports []string
	html    htmlFlags
}

func (a *app) validateCmd() *cobra.Command {
	var o validateOpts
	cmd := &cobra.Command{
		Use:   "validate [flags] FILE...",
		Short: "Check change files against the parameter schema, with no network at all",
		Long: `Validate reads CSV and YAML change files and checks every row against the
parameter schema of user_update_api, reporting every error of every row with
its row, column and the fix. Nothing is sent anywhere.

The report's format follows its extension: .jsonl (one object per input row)
or .csv (the result columns first, then the input's own columns; fix it in a
spreadsheet and feed it back). Without --report, both go under reports/.

` + exitStatus(nil, ExitOK, ExitError, ExitUsage, ExitRowsFailed, ExitInterrupted),
		Example: `  morbulk validate samples/tariff-sweep.csv
  morbulk validate --report out.jsonl --report out.csv samples/*.csv samples/*.yaml
  morbulk validate --encoding windows-1252 old-export.csv
  morbulk validate --delimiter ';' excel-de.csv`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s := schema.New()
			opts, err := o.input.options(s)
			if err != nil {
				return err
			}
			ctx, stop := a.runInterruptible(cmd)
			defer stop()
			return a.runValidate(ctx, s, opts, o.reports, args, o.html)
		},
	}
	o.input.register(cmd)
	o.html.register(cmd)
	cmd.Flags().StringArrayVar(&o.reports, "report", nil, "report path, .jsonl or .csv (repeat for both; default: reports/validate-TIME-PID.{jsonl,csv})")
	return cmd
}

// runValidate checks files and writes the reports; it returns ErrRowsFailed
// when any row or file is not valid.
func (a *app) runValidate(ctx context.Context, s *schema.Schema, opts source.Options, reports, files []string, html htmlFlags) error {
	start := a.env.Now()
	if len(reports) == 0 {
		base := defaultBase("validate", start)
		reports = []string{base + ".jsonl", base + ".csv"}
	}
	if err := checkOutputs(files, append([]string{html.target(reports)}, reports...)); err != nil {
		return err
	}
	var cols []string
	var rename map[string]map[string]string
	for _, r := range reports {
		if strings.EqualFold(filepath.Ext(r), ".csv") {
			cols, rename = pipeline.Columns(files, opts, s)
			break
		}
	}
	var out report.Multi
	for _, path := range reports {
		w, err := report.Create(path, report.Options{Columns: cols, FlushEvery: 4096})
		if err != nil {
			out.Close()
			return usageError{err}
		}
		out = append(out, w)
	}
	var prints []report.Fingerprint
	if !html.off {
		prints, _ = fingerprintAll(files) // shown in the page; an unreadable file is reported by the run itself
	}
	htmlOut, herr := html.create(reports, "", report.HTMLMeta{Command: "validate", Files: prints, Settings: validateSettings(opts), Started: start})
	if herr != nil {
		out.Close()
		return herr
	}
	if htmlOut != nil {
		out = append(out, htmlOut)
	}
	sum := report.NewSummary(start)
	// What was detected about a file is logged when its first row is
	// reported, so that the line does not fall among the previous file's
	// errors (the intake runs ahead of the writer).
	var infoMu sync.Mutex
	infos := map[string]source.Info{}
	in := &pipeline.Intake{
		Schema: s, Validator: s.NewValidator(a.env.Now), Options: opts, KeepInput: cols != nil, Rename: rename, Prefetch: true,
		OnFile: func(name string, info source.Info) {
			infoMu.Lock()
			infos[name] = info
			infoMu.Unlock()
		},
	}
	shown, lastFile := 0, ""
	err := pipeline.Batched(ctx, func(next func() *report.Record) error {
		in.NewRecord = next
		return in.Run(ctx, files, func(pipeline.Checked) error { return nil })
	}, func(r *report.Record) error {
		if r.File != lastFile {
			lastFile = r.File
			infoMu.Lock()
			info, ok := infos[r.File]
			delete(infos, r.File)
			infoMu.Unlock()
			if ok {
				a.logFile(r.File, info)
			}
		}
		sum.Add(r)
		if (len(r.Errors) > 0 || len(r.Warnings) > 0) && shown < maxShown {
			shown++
			a.showErrors(r)
		}
		return out.Write(r)
	})
	if htmlOut != nil {
		htmlOut.SetEnded(a.env.Now())
	}
	if cerr := out.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write report: %w", cerr)
	}
	if errors.Is(err, context.Canceled) && errors.Is(context.Cause(ctx), ErrInterrupted) {
		return fmt.Errorf("%w: the reports hold the rows checked so far (%s)", ErrInterrupted, strings.Join(reports, ", "))
	}
	if err != nil {
		return err
	}
	sum.Ended = a.env.Now()
	sum.Print(a.env.Stderr, "validated")
	fmt.Fprintf(a.env.Stderr, "report: %s\n", reportPaths(reports, htmlOut))
	if sum.Counts[report.StatusInvalid]+sum.Counts[report.StatusFileError] > 0 {
		return ErrRowsFailed
	}
	return nil
}

// maxShown is how many rows with errors are also printed on stderr.
const maxShown = 20

// showErrors prints a row's errors and warnings on stderr as
// file: row N (line L): column: message.
func (a *app) showErrors(r *report.Record) {
	all := append(slices.Clip(r.Errors), r.Warnings...)
	if len(all) > maxShown {
		defer fmt.Fprintf(a.env.Stderr, "%s: ... and %d more on this row: see the report\n", r.File, len(all)-maxShown)
		all = all[:maxShown]
	}
	for i, e := range all {
		if i >= len(r.Errors) {
			e.Message = "warning: " + e.Message
		}
		col := ""
		if e.Column != "" {
			col = e.Column + ": "
		}
		if r.Row > 0 {
			unit := "row"
			if ext := strings.ToLower(filepath.Ext(r.File)); ext == ".yaml" || ext == ".yml" {
				unit = "item"
			}
			fmt.Fprintf(a.env.Stderr, "%s: %s %d (line %d): %s%s\n", r.File, unit, r.Row, r.Line, col, e.Message)
		} else {
			fmt.Fprintf(a.env.Stderr, "%s: %s%s\n", r.File, col, e.Message)
		}
	}
}
