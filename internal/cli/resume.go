package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/morbulk/morbulk/internal/report"
)

// journalState is what apply knows about its journal before it starts.
type journalState struct {
	path   string
	runs   []report.RunInfo
	index  *report.Journal // nil for a new journal
	run    int             // the number of this run
	resume bool
	names  map[string]string // input path now -> the path the first run used, where they differ
	// takeover: the journal was empty with no runs file (a run killed at its
	// start); open checks again under the lock that it still is.
	takeover bool
}

// finalStatuses are the statuses a resumed run does not send again.
func finalStatuses(retryFailed bool) map[string]bool {
	m := map[string]bool{report.StatusUpdated: true, report.StatusInvalid: true, report.StatusSkipped: true, report.StatusFileError: true}
	if !retryFailed {
		m[report.StatusFailed] = true
	}
	return m
}

// journalPath is the first .jsonl report: the journal of the run.
func journalPath(reports []string) string {
	for _, r := range reports {
		if strings.EqualFold(filepath.Ext(r), ".jsonl") {
			return r
		}
	}
	return ""
}

// latestJournal finds the newest reports/apply-*.jsonl, for --resume without --report.
func latestJournal(dir string) (string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "apply-*.jsonl"))
	if err != nil || len(matches) == 0 {
		return "", usagef("--resume: no journal found under %s/; name it with --report PATH.jsonl", dir)
	}
	sort.Strings(matches) // names carry a sortable timestamp
	return matches[len(matches)-1], nil
}

// checkJournal looks at the journal before anything starts: for a new run
// it must not exist yet (an existing journal is continued with --resume,
// never overwritten); for a resumed run it must exist and the inputs must be
// the ones fingerprinted by its first run.
func checkJournal(path string, resume bool, prints []report.Fingerprint) (*journalState, error) {
	st := &journalState{path: path, run: 1, resume: resume}
	fi, err := os.Stat(path)
	exists := err == nil
	if exists && fi.Size() == 0 {
		if _, err := os.Stat(report.RunsPath(path)); errors.Is(err, fs.ErrNotExist) {
			// A run killed between creating its journal and writing its
			// runs file sent nothing: this run takes the journal over (the
			// lock still keeps out a run that is starting right now).
			st.resume, st.takeover = true, true
			return st, nil
		}
	}
	if !resume {
		if exists {
			if _, err := os.Stat(report.RunsPath(path)); err != nil {
				return nil, usagef("%s already exists and is not an apply journal (validate's report, or another file): "+
					"choose another --report path; morbulk never overwrites it", path)
			}
			return nil, usagef("journal %s already exists: add --resume to continue that run, or choose another --report path", path)
		}
		return st, nil
	}
	if !exists {
		return nil, usagef("--resume: journal %s does not exist; run without --resume to start", path)
	}
	runs, err := report.ReadRuns(path)
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, usagef("--resume: %s has no runs file (%s): it was not written by apply", path, report.RunsPath(path))
	}
	if err := sameInputs(runs[0].Files, prints); err != nil {
		return nil, err
	}
	st.names = map[string]string{}
	for i, fp := range runs[0].Files {
		if prints[i].Path != fp.Path {
			st.names[prints[i].Path] = fp.Path
		}
	}
	st.runs = runs
	st.run = runs[len(runs)-1].Run + 1
	return st, nil
}

// open opens and locks the journal; for a resumed run it then cuts a torn
// last line and indexes the rows already final. Nothing reads or changes
// the journal before the lock is held.
func (st *journalState) open() (*os.File, error) {
	f, err := report.OpenJournal(st.path, st.resume)
	if errors.Is(err, fs.ErrExist) {
		return nil, usagef("journal %s already exists (another run has just created it): choose another --report path", st.path)
	}
	if errors.Is(err, report.ErrLocked) {
		return nil, usagef("%v: wait for it to finish, or choose another --report path", err)
	}
	if err != nil || !st.resume {
		return f, err
	}
	if st.takeover {
		fi, serr := f.Stat()
		_, rerr := os.Stat(report.RunsPath(st.path))
		if serr != nil || fi.Size() > 0 || rerr == nil {
			f.Close()
			return nil, usagef("journal %s was taken by another run that started at the same time: wait for it to finish, or choose another --report path", st.path)
		}
	}
	idx, err := report.ReadJournal(st.path)
	if err == nil && idx.Torn {
		if terr := f.Truncate(idx.Valid); terr != nil {
			err = fmt.Errorf("cut the torn last line of the journal: %w", terr)
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	st.index = idx
	return f, nil
}

// errInputChanged means a resumed run was given other inputs than the first run.
var errInputChanged = errors.New("the inputs differ from the run being resumed")

func sameInputs(was, now []report.Fingerprint) error {
	if len(was) != len(now) {
		return usageError{fmt.Errorf("%w: the journal's run read %d files, this one names %d; give the same files in the same order", errInputChanged, len(was), len(now))}
	}
	for i := range was {
		switch {
		case was[i].Size != now[i].Size || was[i].SHA256 != now[i].SHA256:
			if was[i].Path != now[i].Path {
				return usageError{fmt.Errorf("%w: file %d was %s, now %s, and the content differs; give the same files in the same order", errInputChanged, i+1, was[i].Path, now[i].Path)}
			}
			return usageError{fmt.Errorf("%w: %s has changed since the first run (size %d -> %d, sha256 %.12s -> %.12s): rows are matched by number, so resuming would skip or repeat rows; put the original file back, or start a new run with the changed file and another --report path",
				errInputChanged, now[i].Path, was[i].Size, now[i].Size, was[i].SHA256, now[i].SHA256)}
		}
	}
	return nil
}

// carry returns the pipeline's Carry function for a resumed journal.
func (st *journalState) carry(retryFailed bool) func(*report.Record) bool {
	if st.index == nil {
		return nil
	}
	final := finalStatuses(retryFailed)
	return func(rec *report.Record) bool {
		e, ok := st.index.Latest(rec.File, rec.Row)
		if !ok || !final[e.Status] {
			return false
		}
		rec.Status, rec.Run, rec.Carried = e.Status, e.Run, true
		if e.Status != report.StatusInvalid && e.Status != report.StatusFileError {
			rec.Errors = nil
		}
		return true
	}
}
