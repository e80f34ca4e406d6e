package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/morbulk/morbulk/internal/report"
	"github.com/morbulk/morbulk/internal/source"
)

func (a *app) reportCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "report [--html PATH] JOURNAL.jsonl",
		Short: "Rebuild the HTML report of a run from its JSONL journal",
		Long: `Report reads the JSONL journal of an apply run (or the JSONL report of a
validate run) and writes its HTML report again: the run's inputs and settings
from the journal's runs file (JOURNAL.jsonl.runs.json), the count of every
status, the problems grouped by message, requests and latency over time, and a
table of every row that filters by status and searches by user id.

A row written by several runs of a resumed journal counts once, with its latest
result; a torn last line (a run killed mid-write) is ignored. The page is one
self-contained file: it needs no network to open, and prints.

Without --html, the report goes beside the journal with the extension .html.
The exit status does not depend on the rows' outcome: 0 once the report is
written.

` + exitStatus(map[int]string{ExitOK: "the page was written"}, ExitOK, ExitError, ExitUsage),
		Example: `  morbulk report reports/apply-20260301-093000.jsonl
  morbulk report --html /tmp/june.html reports/june.jsonl
  morbulk report reports/validate-20260301-093000.jsonl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.run(cmd)
			return a.runReport(args[0], out)
		},
	}
	cmd.Flags().StringVar(&out, "html", "", "where to write the HTML report (default: beside the journal, .html)")
	return cmd
}

// runReport rebuilds the HTML report of a journal.
func (a *app) runReport(journal, out string) error {
	if _, err := os.Stat(journal); err != nil {
		return usageError{fmt.Errorf("journal: %w", err)}
	}
	if out == "" {
		out = strings.TrimSuffix(journal, filepath.Ext(journal)) + ".html"
	}
	if filepath.Clean(out) == filepath.Clean(journal) {
		return usagef("--html %s would overwrite the journal", out)
	}
	if err := report.RebuildHTML(journal, out); err != nil {
		return err
	}
	fmt.Fprintf(a.env.Stderr, "report: %s\n", out)
	return nil
}

// htmlFlags say whether and where validate and apply write their HTML report.
type htmlFlags struct {
	path string
	off  bool
}

func (f *htmlFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.path, "html", "", "write the HTML report here (default: beside the first --report, .html)")
	cmd.Flags().BoolVar(&f.off, "no-html", false, "do not write the HTML report")
	cmd.MarkFlagsMutuallyExclusive("html", "no-html")
}

// create opens the HTML report of a run whose other reports are reports,
// with links to them and to the failed-rows file; nil when --no-html.
func (f *htmlFlags) create(reports []string, failedOut string, meta report.HTMLMeta) (*report.HTML, error) {
	if f.off {
		if f.path != "" {
			return nil, usagef("--html and --no-html contradict each other")
		}
		return nil, nil
	}
	path := f.target(reports)
	if path == "" {
		return nil, nil
	}
	for _, r := range append(slices.Clone(reports), failedOut) {
		if r != "" && filepath.Clean(r) == filepath.Clean(path) {
			return nil, usagef("--html %s is also a report path", path)
		}
	}
	meta.Links = map[string]string{}
	link := func(label, p string) {
		for n := 2; meta.Links[label] != ""; n++ {
			label = strings.TrimSuffix(label, " "+strconv.Itoa(n-1)) + " " + strconv.Itoa(n)
		}
		meta.Links[label] = p
	}
	for _, r := range reports {
		switch strings.ToLower(filepath.Ext(r)) {
		case ".csv":
			link("spreadsheet report (CSV)", r)
		case ".jsonl":
			link("journal (JSONL)", r)
		}
	}
	if failedOut != "" {
		link("failed rows (CSV)", failedOut)
	}
	h, err := report.NewHTML(path, meta)
	if err != nil {
		return nil, usageError{err}
	}
	return h, nil
}

// reportPaths are the report paths to print: the reports and the HTML one.
func reportPaths(reports []string, h *report.HTML) string {
	if h != nil {
		reports = append(slices.Clone(reports), h.Path())
	}
	return strings.Join(reports, ", ")
}

// validateSettings are the reading options of a validate run, for its HTML report.
func validateSettings(opts source.Options) map[string]string {
	m := map[string]string{}
	if opts.Encoding != "" {
		m["encoding"] = opts.Encoding
	}
	if opts.Delimiter != 0 {
		m["delimiter"] = strconv.QuoteRune(opts.Delimiter)
	}
	return m
}
