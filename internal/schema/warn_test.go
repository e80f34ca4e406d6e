package schema

import "testing"

// TestWarnings triggers every warning of warn.go (and the block-at warning
// of checkGroups), and checks that each stays quiet when it should.
func TestWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cols  []string // header after user_id
		vals  []string
		warns []string // "column: substrings", in order; nil = none
	}{
		// A row with nothing special has no warning.
		{"plain row", []string{"u17", "credit", "u2", "u3"}, []string{"Lee", "5", "3", "1"}, nil},

		// Invoice bits: any i-field rebuilds the whole mask.
		{"i1 alone", []string{"i1"}, []string{"2"}, []string{"i1: rebuilds the whole invoice mask|i2, i3, i4 (and i5-i8"}},
		{"i3 and i4", []string{"i3", "i4"}, []string{"8", "0"}, []string{"i3: i1, i2 (and i5-i8"}},
		{"i1-i4 given", []string{"i1", "i2", "i3", "i4"}, []string{"2", "0", "8", "0"}, nil},
		{"i5 alone", []string{"i5"}, []string{"32"}, []string{"i5: i1, i2, i3, i4 (and"}},
		{"i1-i4 and i8", []string{"i1", "i2", "i3", "i4", "i8"}, []string{"0", "0", "0", "0", "256"}, nil},
		{"by alias", []string{"invoice_pdf"}, []string{"2"}, []string{"invoice_pdf: rebuilds the whole invoice mask"}},

		// Cyberplat: u21 only triggers, cyberplat_active decides.
		{"u21 alone", []string{"u21"}, []string{"1"}, []string{"u21: turns Cyberplat OFF|cyberplat_active=1"}},
		{"u21 alone by alias", []string{"cyberplat"}, []string{"0"}, []string{"cyberplat: turns Cyberplat OFF"}},
		{"cyberplat_active alone", []string{"cyberplat_active"}, []string{"1"}, []string{"cyberplat_active: ignored by MOR unless u21"}},
		{"both on", []string{"u21", "cyberplat_active"}, []string{"1", "1"}, nil},
		{"both off", []string{"u21", "cyberplat_active"}, []string{"0", "0"}, nil},
		{"values differ", []string{"u21", "cyberplat_active"}, []string{"1", "0"}, []string{"u21: stores cyberplat_active's value (0), not u21's (1)"}},

		// Privacy: pgui + pcsv + ppdf overwrite hide_destination_end, warned once.
		{"pcsv alone", []string{"pcsv"}, []string{"2"}, []string{"pcsv: pgui+pcsv+ppdf = 2|missing one counts as 0"}},
		{"all privacy", []string{"pgui", "pcsv", "ppdf"}, []string{"1", "2", "4"}, []string{"pgui: = 7"}},
		{"privacy and u3", []string{"u3", "ppdf"}, []string{"5", "4"}, []string{"ppdf: = 4|u3 in this row is overwritten"}},
		{"u3 alone", []string{"u3"}, []string{"-1"}, nil},

		// The warning hour is recomputed when warning_email_active is sent.
		{"active alone", []string{"warning_email_active"}, []string{"1"}, []string{"warning_email_active: it becomes 0"}},
		{"active and hour", []string{"warning_email_active", "user_warning_email_hour"}, []string{"1", "7"}, []string{"warning_email_active: it becomes 7"}},
		{"active and u2 -1", []string{"warning_email_active", "u2", "user_warning_email_hour"}, []string{"0", "-1", "7"}, []string{"warning_email_active: it becomes -1"}},
		{"active and u2 -01", []string{"warning_email_active", "u2"}, []string{"1", "-01"}, []string{"warning_email_active: it becomes -1"}},
		{"active and u2 hour", []string{"warning_email_active", "u2", "user_warning_email_hour"}, []string{"1", "5", "9"}, []string{"warning_email_active: it becomes 9"}},
		{"hour alone", []string{"user_warning_email_hour"}, []string{"7"}, []string{"user_warning_email_hour: only used when warning_email_active"}},
		{"u2 alone", []string{"u2"}, []string{"-1"}, nil},

		// accountant_type needs u13 accountant or reseller.
		{"accountant_type alone", []string{"accountant_type"}, []string{"3"}, []string{"accountant_type: ignored unless u13"}},
		{"accountant_type with user", []string{"u13", "accountant_type"}, []string{"user", "3"}, []string{"accountant_type: ignored unless u13"}},
		{"accountant_type with accountant", []string{"u13", "accountant_type"}, []string{"accountant", "3"}, nil},
		{"accountant_type with reseller", []string{"u13", "accountant_type"}, []string{"reseller", "3"}, []string{"u13: resets all his users' LCR"}},

		// Editing a reseller can rewrite all his users' LCR.
		{"reseller", []string{"usertype"}, []string{"reseller"}, []string{"usertype: resets all his users' LCR|own_providers=1"}},
		{"user", []string{"u13"}, []string{"user"}, nil},
		{"own_providers 1", []string{"own_providers"}, []string{"1"}, []string{"own_providers: whole customer base"}},
		{"own_providers 0", []string{"own_providers"}, []string{"0"}, []string{"own_providers: own_providers=0|resets all his users'"}},

		// credit and unlimited=1 contradict each other.
		{"credit and unlimited", []string{"credit", "unlimited"}, []string{"10", "1"}, []string{"credit: send one of them"}},
		{"credit and unlimited 0", []string{"credit", "unlimited"}, []string{"10", "0"}, nil},
		{"unlimited alone", []string{"unlimited"}, []string{"1"}, nil},

		// Short passwords are refused by X3 and later.
		{"short password", []string{"pswd"}, []string{"abc12"}, []string{"pswd: shorter than 6 characters"}},
		{"short password alias", []string{"password"}, []string{"x"}, []string{"password: shorter than 6"}},
		{"password of 6", []string{"pswd"}, []string{"abc123"}, nil},

		// u20 is in MB.
		{"u20", []string{"u20"}, []string{"6"}, []string{"u20: in MB|1048576"}},
		{"u20 by alias", []string{"recording_hdd_quota"}, []string{"0"}, []string{"recording_hdd_quota: in MB"}},

		// GUI form artefacts only change the hash.
		{"accountant_type_invalid", []string{"accountant_type_invalid"}, []string{"x"}, []string{"accountant_type_invalid: GUI form artefact"}},
		{"email_warning_sent_test", []string{"email_warning_sent_test"}, []string{"0"}, []string{"email_warning_sent_test: GUI form artefact"}},

		// A block-at date before today never blocks (today is 2025-06-15 here).
		{"block-at past", []string{"by", "bm", "bd"}, []string{"2025", "6", "14"}, []string{"by: in the past|set u15 (blocked) to 1"}},
		{"block-at past by alias", []string{"block_at_year", "block_at_month", "block_at_day"}, []string{"2020", "1", "1"}, []string{"block_at_year: in the past"}},
		{"block-at today", []string{"by", "bm", "bd"}, []string{"2025", "6", "15"}, nil},
		{"block-at future", []string{"by", "bm", "bd"}, []string{"2025", "6", "16"}, nil},
		{"agreement date past", []string{"ay", "am", "ad"}, []string{"2001", "1", "1"}, nil},

		// Several warnings in one row, in warn.go's order.
		{"several", []string{"u21", "i2", "pswd"}, []string{"1", "4", "abc"}, []string{"i2: invoice mask", "u21: turns Cyberplat OFF", "pswd: shorter than 6"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			header := append([]string{"user_id"}, tc.cols...)
			vals := append([]string{"1"}, tc.vals...)
			out := checkCSV(t, testSchema.NewValidator(fixedToday), header, vals...)
			if out.Status != StatusValid {
				t.Fatalf("status %s:\n%s", out.Status, problems(out.Errors))
			}
			wantProblems(t, "warnings", out.Warnings, tc.warns)
		})
	}
}

// TestWarningsOnInvalidRows: warnings are still given on an invalid row, so
// the user fixes everything at once.
func TestWarningsOnInvalidRows(t *testing.T) {
	t.Parallel()
	out := checkCSV(t, testSchema.NewValidator(fixedToday), []string{"user_id", "u21", "u15"}, "1", "1", "yes")
	if out.Status != StatusInvalid {
		t.Fatalf("status %s", out.Status)
	}
	wantProblems(t, "warnings", out.Warnings, []string{"u21: turns Cyberplat OFF"})
}
