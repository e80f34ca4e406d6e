package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// defaultBase is the default report path without extension: under
// reports/, named for the command and the start time, with the process id
// so that two runs started in the same second never share a name. Names
// still sort by start time.
func defaultBase(command string, start time.Time) string {
	return filepath.Join("reports", fmt.Sprintf("%s-%s-%d", command, start.Format("20060102-150405"), os.Getpid()))
}

// checkOutputs refuses an output path that is also an input: writing the
// report would destroy the file before it is read.
func checkOutputs(inputs, outputs []string) error {
	for _, out := range outputs {
		if out == "" {
			continue
		}
		for _, in := range inputs {
			if samePath(in, out) {
				return usagef("%q is both an input file and an output (--report, --html or --failed-out): writing the output would destroy the input; choose another output path", in)
			}
		}
	}
	return nil
}

func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 == nil && err2 == nil && aa == bb {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// target is where the HTML report of a run goes: --html, else beside the
// first report; "" with --no-html.
func (f *htmlFlags) target(reports []string) string {
	if f.off {
		return ""
	}
	if f.path != "" {
		return f.path
	}
	if len(reports) == 0 {
		return ""
	}
	return strings.TrimSuffix(reports[0], filepath.Ext(reports[0])) + ".html"
}
