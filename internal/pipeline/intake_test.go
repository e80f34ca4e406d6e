package pipeline_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/morbulk/morbulk/internal/pipeline"
	"github.com/morbulk/morbulk/internal/schema"
	"github.com/morbulk/morbulk/internal/source"
)

// TestColumns: the report columns of several inputs merge the names of one
// parameter across files (the first spelling wins, the others are renamed
// per file), keep two names of one parameter within a file apart (a file
// error whose values must not be lost), and keep unknown names as written.
func TestColumns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := write("a.csv", "user_id,u17\n1,A\n")
	b := write("b.csv", "User_ID, Last_Name ,credit\n2,B,1\n")
	c := write("c.csv", "user_id,u17,last_name\n3,C,D\n") // u17 twice: a file error
	y := write("d.yaml", "- user_id: 4\n  first_name: E\n  u23: F\n")
	s := schema.New()
	cols, rename := pipeline.Columns([]string{a, b, c, y}, source.Options{}, s)
	if want := []string{"user_id", "u17", "credit", "last_name", "first_name", "u23"}; !slices.Equal(cols, want) {
		t.Errorf("columns %q, want %q", cols, want)
	}
	tests := []struct {
		file, name, want string // want "" = not renamed
	}{
		{b, "User_ID", "user_id"},
		{b, " Last_Name ", "u17"},
		{c, "last_name", ""}, // its own column: the same file names u17 too
		{a, "u17", ""},
		{y, "u23", ""}, // first_name and u23 in one item: both kept
	}
	for _, tc := range tests {
		if got := rename[tc.file][tc.name]; got != tc.want {
			t.Errorf("%s: %q renamed to %q, want %q", filepath.Base(tc.file), tc.name, got, tc.want)
		}
	}
}
