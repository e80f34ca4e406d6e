package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/morbulk/morbulk/internal/report"
	"github.com/morbulk/morbulk/internal/schema"
	"github.com/morbulk/morbulk/internal/source"
)

// Checked is one input row after validation, ready to be reported or sent.
type Checked struct {
	Rec *report.Record // the result so far (status valid, invalid, skipped or file_error); Rec.Params is what to send
}

// Intake reads files in order, validates every row and hands each one to
// emit, in input order. A file with a file error yields file_error records
// for the whole file and nothing from it is valid. It returns an error only
// when emit fails or ctx ends; bad input is never an error here.
type Intake struct {
	Schema    *schema.Schema
	Validator *schema.Validator
	Options   source.Options
	// OnFile is told what was detected about each file (may be nil).
	OnFile  func(name string, info source.Info)
	scratch []schema.KV
	seq     int // records numbered in input order
	// NewRecord supplies the record for the next row (nil: allocate one).
	// Batched's alloc recycles records so that validation allocates little.
	NewRecord func() *report.Record
	// Prefetch reads rows on a goroutine of their own, ahead of validation.
	Prefetch bool
	// KeepInput copies each row's own cells into the record (for the CSV
	// report and the failed-rows file); without it records carry none.
	KeepInput bool
	// Rename gives the kept cells of a column another name, per file: the
	// one the reports use for the same parameter (from Columns).
	Rename map[string]map[string]string
}

// Run processes the files; emit is called once per input row.
func (in *Intake) Run(ctx context.Context, files []string, emit func(Checked) error) error {
	for _, f := range files {
		if err := in.file(ctx, f, emit); err != nil {
			return err
		}
	}
	return nil
}

func (in *Intake) file(ctx context.Context, name string, emit func(Checked) error) error {
	opts := in.Options
	if opts.IsColumn == nil {
		opts.IsColumn = in.Schema.IsColumn
	}
	r, err := source.Open(name, opts)
	if err != nil {
		return emit(Checked{Rec: in.fileError(name, err)})
	}
	if in.Prefetch {
		r = prefetch(r)
	}
	defer r.Close()
	info := r.Info()
	if in.OnFile != nil {
		in.OnFile(name, info)
	}
	var hdr *schema.Header
	headerBad := false
	if info.Format == "csv" {
		h, probs := in.Schema.ResolveHeader(info.Header)
		hdr = h
		if len(probs) > 0 {
			headerBad = true
			rec := in.newRecord()
			rec.File, rec.Row, rec.Line, rec.Status = name, 1, 1, report.StatusFileError
			for _, p := range probs {
				rec.Errors = append(rec.Errors, report.Issue{Column: p.Column, Message: "file error: " + p.Message})
			}
			if err := emit(Checked{Rec: rec}); err != nil {
				return err
			}
		}
	}
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			// A problem that stops this file; the rows already read keep their results.
			return emit(Checked{Rec: in.fileError(name, err)})
		}
		if headerBad {
			rec := in.baseRecord(row)
			rec.Status = report.StatusFileError
			rec.Errors = []report.Issue{{Message: "not checked: the header of this file has errors (row 1); nothing from this file is sent"}}
			if err := emit(Checked{Rec: rec}); err != nil {
				return err
			}
			continue
		}
		rec := in.baseRecord(row)
		out := in.Validator.Check(row, hdr, in.scratch)
		in.scratch = out.Params
		rec.Status = string(out.Status)
		rec.UserID = out.UserID
		rec.Errors = issues(out.Errors)
		rec.Warnings = issues(out.Warnings)
		for _, p := range out.Params {
			rec.Params = append(rec.Params, report.KV{Key: p.Key, Value: p.Value})
		}
		if err := emit(Checked{Rec: rec}); err != nil {
			return err
		}
	}
}

// newRecord returns an empty record, recycled when NewRecord is set.
func (in *Intake) newRecord() *report.Record {
	in.seq++
	if in.NewRecord == nil {
		return &report.Record{Seq: in.seq}
	}
	rec := in.NewRecord()
	*rec = report.Record{Params: rec.Params[:0], Input: rec.Input[:0], Seq: in.seq}
	return rec
}

func (in *Intake) baseRecord(row source.Row) *report.Record {
	rec := in.newRecord()
	rec.File, rec.Row, rec.Line = row.File, row.Num, row.Line
	if in.KeepInput {
		for _, f := range row.Fields {
			key := f.Key
			if to, ok := in.Rename[row.File][key]; ok {
				key = to
			}
			rec.Input = append(rec.Input, report.KV{Key: key, Value: f.Value})
		}
		// A row that cannot be taken as read goes back whole: its values
		// past the header, or its text as written, follow as cells with no
		// column, so a fed-back copy stays invalid until it is fixed.
		for _, v := range row.Extra {
			rec.Input = append(rec.Input, report.KV{Value: v})
		}
		if row.Raw != "" {
			rec.Input = append(rec.Input, report.KV{Value: row.Raw})
		}
	}
	return rec
}

func issues(ps []schema.Problem) []report.Issue {
	if len(ps) == 0 {
		return nil
	}
	out := make([]report.Issue, len(ps))
	for i, p := range ps {
		out[i] = report.Issue{Column: p.Column, Message: p.Message}
	}
	return out
}

// fileErrorRecord turns an error that stops a file into its one record.
func (in *Intake) fileError(name string, err error) *report.Record {
	rec := in.newRecord()
	rec.File, rec.Status = name, report.StatusFileError
	var fe *source.FileError
	if errors.As(err, &fe) {
		rec.Line = fe.Line
		rec.Errors = []report.Issue{{Column: fe.Column, Message: "file error: " + fe.Message}}
		return rec
	}
	rec.Errors = []report.Issue{{Message: "file error: " + strings.TrimPrefix(err.Error(), name+": ")}}
	return rec
}

// Columns lists the input columns of files as written, in order of first
// appearance, for the CSV report and the failed-rows file. CSV files give
// their header; YAML files are read once for their keys. Names of the same
// parameter (u17, last_name, " Last_Name ") make one column, named as it
// first appears, so that the file can be fed back; rename maps every other
// spelling to that name, per file (for Intake.Rename). Two names of one parameter in
// the same file (a file error) stay two columns, so that no value is lost.
func Columns(files []string, opts source.Options, s *schema.Schema) (cols []string, rename map[string]map[string]string) {
	first := map[string]string{} // parameter code (or the name itself) -> column name
	have := map[string]bool{}    // column names
	rename = map[string]map[string]string{}
	var inFile map[string]string // parameter code -> the name this file gives it
	var file string
	add := func(k string) {
		id := k
		if p, ok := s.Lookup(k); ok {
			id = p.Code
		}
		if prev, ok := inFile[id]; ok && prev != k {
			id = "\x00" + k // a second name for it in this file: a column of its own
		}
		inFile[id] = k
		switch name, seen := first[id]; {
		case !seen && !have[k]:
			first[id], have[k] = k, true
			cols = append(cols, k)
		case seen && name != k:
			if rename[file] == nil {
				rename[file] = map[string]string{}
			}
			rename[file][k] = name
		}
	}
	if opts.IsColumn == nil {
		opts.IsColumn = s.IsColumn
	}
	for _, f := range files {
		r, err := source.Open(f, opts)
		if err != nil {
			continue
		}
		inFile, file = map[string]string{}, f
		info := r.Info()
		if info.Format == "csv" {
			for _, h := range info.Header {
				add(h)
			}
			r.Close()
			continue
		}
		for {
			row, err := r.Next()
			if err != nil {
				break
			}
			for _, fl := range row.Fields {
				add(fl.Key)
			}
		}
		r.Close()
	}
	return cols, rename
}

// Describe says in words what was detected about a file, for logs.
func Describe(info source.Info) string {
	note := ""
	if info.Note != "" {
		note = "; " + info.Note
	}
	if info.Format == "csv" {
		d := map[string]string{",": "comma", ";": "semicolon", "\t": "TAB"}[info.Delimiter]
		how := "detected"
		if !info.Detected {
			how = "given"
		}
		return fmt.Sprintf("CSV, %s, delimiter %s (%s)%s", info.Encoding, d, how, note)
	}
	return fmt.Sprintf("YAML, %s%s", info.Encoding, note)
}
