package schema

import "testing"

func TestResolveHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		names []string
		probs []string // "column: substrings" in order; nil = a usable header
		codes []string // the code each column maps to ("" = ignored), when probs is nil
	}{
		{
			// B01: a plain header.
			name:  "plain",
			names: []string{"user_id", "u15", "u17", "a8"},
			codes: []string{"user_id", "u15", "u17", "a8"},
		},
		{
			// B10: names are trimmed and matched in any case.
			name:  "space and case",
			names: []string{"User_ID ", " U15", "u17\t"},
			codes: []string{"user_id", "u15", "u17"},
		},
		{
			// Aliases map to their codes.
			name:  "aliases",
			names: []string{"user_id", "Last_Name", "tariff_id", "email"},
			codes: []string{"user_id", "u17", "u5", "a8"},
		},
		{
			// The result columns of a fed-back CSV report are ignored, even a lone "_".
			name:  "result columns",
			names: []string{"_file", "_row", "_status", "user_id", "_", "u17"},
			codes: []string{"", "", "", "user_id", "", "u17"},
		},
		{
			// B09: a column with no name.
			name:  "blank name",
			names: []string{"user_id", "", "u17"},
			probs: []string{": header column 2 has no name"},
		},
		{
			// A name of spaces is blank too.
			name:  "spaces name",
			names: []string{"user_id", "u17", "   "},
			probs: []string{": header column 3 has no name"},
		},
		{
			// B09: the same code twice, with both positions.
			name:  "duplicate code",
			names: []string{"user_id", "u17", "u15", "u17"},
			probs: []string{"u17: column u17 appears twice in the header (columns 2 and 4)|keep one"},
		},
		{
			// The same name twice in different case.
			name:  "duplicate any case",
			names: []string{"user_id", "Credit", "CREDIT"},
			probs: []string{"credit: column credit appears twice in the header (columns 2 and 3)"},
		},
		{
			// Code and alias of the same parameter.
			name:  "code and alias",
			names: []string{"user_id", "u17", "last_name"},
			probs: []string{"last_name: columns u17 and last_name are the same parameter (u17, columns 2 and 3)"},
		},
		{
			// B11: unknown columns with suggestions, all reported.
			name:  "unknown with suggestions",
			names: []string{"user_id", "tax_value", "u_17", "u15"},
			probs: []string{"tax_value: unknown column \"tax_value\" (header column 2)|did you mean tax1_value?", "u_17: did you mean u17?"},
		},
		{
			// A transposed letter.
			name:  "frist_name",
			names: []string{"user_id", "frist_name"},
			probs: []string{"frist_name: did you mean first_name?"},
		},
		{
			// The unknown name is quoted as written (trimmed), not lower-cased.
			name:  "unknown as written",
			names: []string{"user_id", " Credt "},
			probs: []string{"Credt: unknown column \"Credt\"|did you mean credit?"},
		},
		{
			// Nothing close: the user is sent to `morbulk schema`.
			name:  "unknown no suggestion",
			names: []string{"user_id", "favourite_colour"},
			probs: []string{"favourite_colour: morbulk schema"},
		},
		{
			// B01 without BOM stripping would be this: an unknown first column and no user_id.
			name:  "BOM not stripped",
			names: []string{"\ufeffuser_id", "u17"},
			probs: []string{"\ufeffuser_id: unknown column", "user_id: no user_id column"},
		},
		{
			// No user_id column at all.
			name:  "no user_id",
			names: []string{"u17", "u15"},
			probs: []string{"user_id: no user_id column"},
		},
		{
			// B02 read with the wrong delimiter: one unknown column, no user_id.
			name:  "one big column",
			names: []string{"user_id;u4;u5;u15;u17"},
			probs: []string{"user_id;u4;u5;u15;u17: unknown column", "user_id: no user_id column"},
		},
		{
			// An empty header.
			name:  "empty",
			probs: []string{"user_id: no user_id column"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, probs := testSchema.ResolveHeader(tc.names)
			wantProblems(t, "problems", probs, tc.probs)
			if tc.probs != nil {
				return
			}
			for i, want := range tc.codes {
				got := ""
				if h.params[i] >= 0 {
					got = table[h.params[i]].Code
				}
				if got != want {
					t.Errorf("column %d (%q): %q, want %q", i+1, tc.names[i], got, want)
				}
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"tax_value", "tax1_value"},                     // the first of equally close names, in table order
		{"u_17", "u17"},                                 // a stray underscore
		{"frist_name", "first_name"},                    // a transposition
		{"lastname", "last_name"},                       // a missing underscore
		{"emial", "email"},                              // a typo in an alias
		{"CREDT", "credit"},                             // any case
		{" usr_id ", "user_id"},                         // trimmed
		{"zz", ""},                                      // too short to guess
		{"u99", "u9"},                                   // one edit from a code
		{"xyzzy_plugh", ""},                             // nothing close
		{"user_id", "user_id"},                          // an exact name suggests itself
		{"tax1_valu", "tax1_value"},                     // a missing letter
		{"pgiu", ""},                                    // two edits on a short name are not guessed
		{"warning_email_activ", "warning_email_active"}, // long names too
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := testSchema.Suggest(tc.in); got != tc.want {
				t.Errorf("Suggest(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		code string // "" = not found
	}{
		{"u17", "u17"},         // a code
		{"last_name", "u17"},   // an alias
		{" LAST_NAME ", "u17"}, // trimmed, any case
		{"pswd", "pswd"},       // the password code
		{"password", "pswd"},   // its alias
		{"user_warning_email_hour", "user_warning_email_hour"}, // a code with no alias
		{"u29", ""},     // a later MOR parameter this table does not have
		{"", ""},        // nothing
		{"_status", ""}, // a result column is not a parameter
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			p, ok := testSchema.Lookup(tc.in)
			if tc.code == "" {
				if ok || testSchema.IsColumn(tc.in) {
					t.Fatalf("Lookup(%q) found %v", tc.in, p)
				}
				return
			}
			if !ok || p.Code != tc.code || !testSchema.IsColumn(tc.in) {
				t.Fatalf("Lookup(%q) = %v, %v; want %s", tc.in, p, ok, tc.code)
			}
		})
	}
}
