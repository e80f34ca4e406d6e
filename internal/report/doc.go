// Package report writes the results of a run: the JSONL journal (one object
// per input row, flushed as it is written), the CSV report that opens in a
// spreadsheet and can be fixed and fed back, the failed-rows file, and the
// summary. It knows nothing about MOR or validation beyond the plain Record.
package report
