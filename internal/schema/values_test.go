package schema

import (
	"strings"
	"testing"
)

// valueCase is one value in one column of a row that otherwise only has
// user_id=1 (or, for user_id itself, u17=Smith).
type valueCase struct {
	col  string // the header name
	in   string // the cell as read
	want string // the value sent; "" when the row must be invalid
	err  string // substrings of the one error, "|"-separated (invalid rows)
}

func runValueCases(t *testing.T, cases []valueCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.col+"="+tc.in, func(t *testing.T) {
			t.Parallel()
			v := testSchema.NewValidator(fixedToday)
			header, vals := []string{"user_id", tc.col}, []string{"1", tc.in}
			if p, _ := testSchema.Lookup(tc.col); p.Code == "user_id" {
				header, vals = []string{tc.col, "u17"}, []string{tc.in, "Smith"}
			}
			out := checkCSV(t, v, header, vals...)
			if tc.want == "" {
				if out.Status != StatusInvalid || len(out.Params) != 0 {
					t.Fatalf("status %s, params %q: want invalid with no params", out.Status, sent(out))
				}
				wantProblems(t, "errors", out.Errors, []string{strings.ToLower(strings.TrimSpace(tc.col)) + ": " + tc.err})
				return
			}
			if out.Status != StatusValid || len(out.Errors) != 0 {
				t.Fatalf("status %s, errors:\n%s", out.Status, problems(out.Errors))
			}
			p, _ := testSchema.Lookup(tc.col)
			for _, kv := range out.Params {
				if kv.Key == p.Code {
					if kv.Value != tc.want {
						t.Fatalf("%s sent as %q, want %q", p.Code, kv.Value, tc.want)
					}
					return
				}
			}
			t.Fatalf("%s not sent: %s", p.Code, sent(out))
		})
	}
}

func TestCheckIDs(t *testing.T) {
	t.Parallel()
	runValueCases(t, []valueCase{
		{"user_id", "1001", "1001", ""},                                    // a plain id
		{"user_id", "007", "7", ""},                                        // leading zeros are dropped, so the hash and lookup see 7
		{"user_id", "0000000000000000000000042", "42", ""},                 // many leading zeros do not count towards the length limit
		{"user_id", " 12 ", "12", ""},                                      // surrounding spaces are trimmed
		{"user_id", "0", "", "admin"},                                      // user_id 0 is the admin and is refused
		{"user_id", "000", "", "admin"},                                    // still 0 with leading zeros
		{"user_id", "+7", "", "base 10|without a sign"},                    // a plus sign
		{"user_id", "-7", "", "base 10|without a sign"},                    // a minus sign
		{"user_id", "1.13201E+11", "", "scientific notation|as Text"},      // B14: Excel turned a long id into a float
		{"user_id", "1e3", "", "scientific notation"},                      // a lower-case exponent
		{"user_id", "1_000", "", "without separators"},                     // Go/Python digit grouping
		{"user_id", "1,000", "", "without separators"},                     // thousands comma
		{"user_id", "1 000", "", "without separators"},                     // thousands space
		{"user_id", "1'000", "", "without separators"},                     // Swiss thousands apostrophe
		{"user_id", "0x1F", "", "base 10"},                                 // hexadecimal
		{"user_id", "0b101", "", "base 10"},                                // binary
		{"user_id", "7.0", "", "whole number"},                             // a decimal point
		{"user_id", "7.", "", "whole number"},                              // a trailing point
		{"user_id", "abc", "", "whole number in base 10"},                  // not a number at all
		{"user_id", "１２", "", "whole number in base 10"},                   // full-width digits are not ASCII digits
		{"user_id", "99999999999999999999", "", "whole number in base 10"}, // too large for 64 bits
		{"u1", "0", "0", ""},                                               // lcr_id has no minimum
		{"lcr_id", "05", "5", ""},                                          // by alias, leading zero dropped
		{"u4", "1", "1", ""},                                               // currency id minimum
		{"u4", "0", "", "at least 1"},                                      // currency id below its minimum
		{"u5", "0", "", "at least 1"},                                      // tariff id below its minimum
		{"u7", "0", "0", ""},                                               // spy device 0 = none
		{"u14", "0", "", "at least 1"},                                     // taxation country below its minimum
		{"u16", "0", "0", ""},                                              // quick-forwards rule 0 = none
		{"a6", "0", "", "at least 1"},                                      // address country below its minimum
		{"accountant_type", "0", "0", ""},                                  // permission group id may be 0
	})
}

func TestCheckInts(t *testing.T) {
	t.Parallel()
	runValueCases(t, []valueCase{
		{"u2", "-1", "-1", ""},                                        // u2 -1: warn once when the balance drops
		{"u2", "0", "0", ""},                                          // u2 lowest hour
		{"u2", "23", "23", ""},                                        // u2 highest hour
		{"u2", "07", "7", ""},                                         // a leading zero is dropped
		{"u2", "-01", "-1", ""},                                       // -1 written with a leading zero
		{"u2", "24", "", "-1 or 0..23"},                               // one past the last hour
		{"u2", "-2", "", "-1 or 0..23"},                               // the only negative allowed is -1
		{"u2", "+5", "", "without a sign"},                            // a plus sign
		{"u2", "5.0", "", "whole number"},                             // a decimal point
		{"u3", "-1", "-1", ""},                                        // hide_destination_end -1 follows the global setting
		{"u3", "7", "7", ""},                                          // all three privacy bits
		{"u3", "8", "", "-1 or 0..7"},                                 // no such bit
		{"u18", "0", "0", ""},                                         // call limit 0 = unlimited
		{"u18", "0545", "545", ""},                                    // mor-api.md: 0545 -> 545
		{"u18", "-5", "", "0..1000000|negative limit as 0|unlimited"}, // a negative call limit is explained
		{"u20", "6", "6", ""},                                         // recording quota in MB
		{"u20", "-1", "", "0..8000000"},                               // negative quota
		{"block_at_conditional", "1", "1", ""},                        // first day of the month
		{"block_at_conditional", "31", "31", ""},                      // last possible day
		{"block_at_conditional", "0", "", "1..31"},                    // day 0
		{"block_at_conditional", "32", "", "1..31"},                   // day 32
		{"user_warning_email_hour", "0", "0", ""},                     // midnight
		{"user_warning_email_hour", "23", "23", ""},                   // last hour
		{"user_warning_email_hour", "24", "", "0..23"},                // one past the last hour
		{"user_warning_email_hour", "-1", "", "0..23"},                // -1 belongs to u2, not here
	})
}

func TestCheckFlags(t *testing.T) {
	t.Parallel()
	runValueCases(t, []valueCase{
		{"u15", "0", "0", ""},                          // unblocked
		{"u15", "1", "1", ""},                          // blocked
		{"blocked", "1", "1", ""},                      // by alias
		{"u15", "2", "", "0 or 1"},                     // not a flag value
		{"u15", "01", "", "0 or 1"},                    // flags are exactly 0 or 1
		{"u15", "yes", "", "0 or 1|write 1 for yes"},   // B18: YAML 1.1 booleans are not flags
		{"u15", "no", "", "0 or 1|write 1 for yes"},    // the Norway problem
		{"u15", "true", "", "0 or 1|write 1 for yes"},  // JSON-style boolean
		{"u15", "FALSE", "", "0 or 1|write 1 for yes"}, // any case
		{"u15", "on", "", "0 or 1|write 1 for yes"},    // on
		{"u15", "off", "", "0 or 1|write 1 for yes"},   // off
		{"u15", "Y", "", "0 or 1|write 1 for yes"},     // one-letter yes
		{"u15", "x", "", "0 or 1 (got \"x\")"},         // no hint for a random word
		{"u12", "1", "1", ""},                          // generate_invoice
		{"u12", "2", "", "0 or 1"},                     // the server would store 0 for 2
		{"u10", "1", "1", ""},                          // warning_balance_call
		{"u25", "0", "0", ""},                          // prepaid
		{"u28", "1", "1", ""},                          // hidden
		{"tax2_enabled", "1", "1", ""},                 // a top-level flag
		{"unlimited", "1", "1", ""},                    // unlimited credit
		{"block_conditional_use", "0", "0", ""},        // an unhashed flag
	})
}

func TestCheckBits(t *testing.T) {
	t.Parallel()
	runValueCases(t, []valueCase{
		{"i1", "0", "0", ""}, // invoice PDF off
		{"i1", "2", "2", ""}, // invoice PDF on is 2
		{"i1", "1", "", "0 or 2|invoice mask odd|write 2"},  // 1 would mean "use the system default"
		{"i1", "4", "", "0 or 2"},                           // another bit's value
		{"i1", "02", "", "0 or 2"},                          // bits are written exactly
		{"i1", "yes", "", "0 or 2|write 1 for yes"},         // a boolean word
		{"i2", "4", "4", ""},                                // invoice CSV
		{"i2", "2", "", "0 or 4"},                           // i1's bit in i2
		{"i3", "8", "8", ""},                                // detailed PDF
		{"i3", "1", "", "0 or 8|invoice mask odd"},          // 1 explained for i3 too
		{"i4", "16", "16", ""},                              // detailed CSV
		{"i4", "0", "0", ""},                                // detailed CSV off
		{"i5", "32", "32", ""},                              // by-CallerID PDF
		{"i6", "64", "64", ""},                              // by-destinations CSV
		{"i7", "128", "128", ""},                            // by-CallerID CSV
		{"i8", "256", "256", ""},                            // calls CSV
		{"i8", "1", "", "0 or 256|invoice mask odd"},        // 1 explained
		{"invoice_pdf", "2", "2", ""},                       // by alias
		{"pgui", "1", "1", ""},                              // the GUI privacy bit is 1
		{"pgui", "0", "0", ""},                              // GUI privacy off
		{"pgui", "2", "", "0 or 1"},                         // pgui is not 2
		{"pcsv", "2", "2", ""},                              // the CSV privacy bit is 2
		{"pcsv", "1", "", "0 or 2|GUI bit instead|write 2"}, // mor-api.md: pcsv=1 would set the GUI bit
		{"ppdf", "4", "4", ""},                              // the PDF privacy bit is 4
		{"ppdf", "1", "", "0 or 4|GUI bit instead|write 4"}, // same trap for ppdf
		{"privacy_csv", "on", "", "0 or 2|write 1 for yes"}, // a boolean word, by alias
	})
}

func TestCheckDecimals(t *testing.T) {
	t.Parallel()
	runValueCases(t, []valueCase{
		{"tax1_value", "0.5", "0.5", ""},                                                       // B12: a plain decimal
		{"credit", "10.25", "10.25", ""},                                                       // B12
		{"credit", "0", "0", ""},                                                               // B15: an explicit 0 is sent
		{"credit", "1500", "1500", ""},                                                         // no point at all
		{"tax1_value", "0,5", "", "decimal comma|write 0.5"},                                   // B12 row 3
		{"credit", "1,234.50", "", "thousands separator|write 1234.50"},                        // B12 row 4
		{"credit", "1.234,50", "", "locale grouping and a decimal comma|write 1234.50"},        // B12 row 5
		{"credit", "1,234,567", "", "thousands separators|write 1234567"},                      // several commas
		{"credit", "1 234.50", "", "grouping characters|write 1234.50"},                        // space grouping keeps the point
		{"credit", "1\u00a0234.50", "", "grouping characters|write 1234.50"},                   // no-break space grouping
		{"credit", "1'234.50", "", "grouping characters|write 1234.50"},                        // Swiss grouping
		{"credit", "1_234", "", "grouping characters|write 1234"},                              // underscore grouping
		{"credit", "1.5E+3", "", "exponent notation|write the number in full|1500"},            // B14 row 4
		{"credit", "2e-2", "", "exponent notation|0.02"},                                       // a negative exponent
		{"credit", "NaN", "", "not a finite number"},                                           // NaN
		{"credit", "Inf", "", "not a finite number"},                                           // Inf
		{"u6", "-Infinity", "", "not a finite number"},                                         // even where negatives are allowed
		{"credit", "+5", "", "plus sign|write 5"},                                              // a plus sign
		{"credit", ".5", "", "digits on both sides"},                                           // no leading digit
		{"credit", "5.", "", "digits on both sides"},                                           // no trailing digit
		{"credit", "1.2.3", "", "decimal number with . as the point"},                          // two points
		{"credit", "$10", "", "currency or percent sign"},                                      // a currency sign
		{"credit", "10%", "", "currency or percent sign"},                                      // a percent sign
		{"credit", "ten", "", "decimal number with . as the point"},                            // a word
		{"credit", "-1", "", "must not be negative|stores a negative credit as 0|unlimited=1"}, // mor-api.md §7.3: credit=-1 -> 0
		{"credit", "-0.01", "", "negative credit as 0"},                                        // any negative credit
		{"tax1_value", "-1", "", "must not be negative (got \"-1\")"},                          // a negative tax is refused
		{"tax4_value", "-0.5", "", "must not be negative"},                                     // every tax
		{"u6", "-5.5", "-5.5", ""},                                                             // the warning balance may be negative
		{"warning_email_balance", "12", "12", ""},                                              // by alias
		{"credit", strings.Repeat("1", 25), "", "decimal number"},                              // too long to be a real amount
	})
}

func TestCheckEnum(t *testing.T) {
	t.Parallel()
	runValueCases(t, []valueCase{
		{"u13", "user", "user", ""},                                          // a simple user
		{"u13", "reseller", "reseller", ""},                                  // a reseller
		{"u13", "accountant", "accountant", ""},                              // an accountant
		{"usertype", "admin", "admin", ""},                                   // admin, by alias
		{"u13", "Reseller", "", "lower case: reseller"},                      // the right word in the wrong case
		{"u13", "USER", "", "lower case: user"},                              // all capitals
		{"u13", "superuser", "", "one of user, reseller, accountant, admin"}, // not a user type
	})
}

func TestCheckTexts(t *testing.T) {
	t.Parallel()
	long255 := strings.Repeat("é", 255) // 510 bytes, 255 characters
	runValueCases(t, []valueCase{
		{"u17", "Smith", "Smith", ""},                                           // plain text
		{"u17", "  Smith  ", "Smith", ""},                                       // trimmed like the server strips it
		{"u17", "Åberg", "Åberg", ""},                                           // B04: non-ASCII letters
		{"u23", "Anna, Maria", "Anna, Maria", ""},                               // B06: a comma inside a name
		{"u23", `Kim "KJ"`, `Kim "KJ"`, ""},                                     // B06: quotes inside a name
		{"u17", "No", "No", ""},                                                 // B18: text that looks like a boolean stays text
		{"u17", long255, long255, ""},                                           // 255 multibyte characters: at the limit
		{"u17", long255 + "é", "", "256 characters long|limit is 255"},          // 256 characters, counted in runes
		{"u8", "abcdefghij", "abcdefghij", ""},                                  // language at its 10-character limit
		{"u8", "abcdefghijk", "", "11 characters long|limit is 10"},             // one past
		{"u17", "Two\nLines", "", "line break|last_name must be one line"},      // B06 row 3
		{"u17", "Two\rLines", "", "line break"},                                 // a bare CR
		{"u17", "a\x01b", "", "control character U+0001"},                       // SOH
		{"u17", "a\tb", "", "control character U+0009"},                         // an inner TAB
		{"u17", "a\x7fb", "", "control character U+007F"},                       // DEL
		{"u17", "\ufeffSmith", "", "invisible character U+FEFF"},                // a BOM inside a value
		{"u23", "An\u200bna", "", "invisible character U+200B"},                 // a zero-width space
		{"u23", "Ann\u200dа", "Ann\u200dа", ""},                                 // a zero-width joiner is part of some scripts
		{"u17", "a\u0085b", "", "control character U+0085"},                     // a C1 control (NEL)
		{"u17", "a\x00b", "", "control character U+0"},                          // NUL
		{"u17", "M\xfcller", "", "not valid UTF-8"},                             // B03: Windows-1252 bytes
		{"a7", "+49 30 1234567", "+49 30 1234567", ""},                          // a phone kept as written
		{"a7", "0049301234567", "0049301234567", ""},                            // leading zeros kept in text
		{"a7", "6.12345E+09", "", "scientific notation|dropped digits|as Text"}, // B14 row 2
		{"a4", "4.9E+11", "", "scientific notation"},                            // the same in the mobile phone
		{"u17", "1E5 Street", "1E5 Street", ""},                                 // an E after digits inside text is not a number
		{"u17", "#N/A", "", "spreadsheet error value"},                          // a failed lookup
		{"u17", "#REF!", "", "spreadsheet error value"},                         // a broken reference
		{"u17", "#n/a", "", "spreadsheet error value"},                          // in any case
		{"u17", "#DIV/0!", "", "spreadsheet error value"},                       // a division by zero
		{"u17", "#hashtag", "#hashtag", ""},                                     // a hash sign alone is text
		{"pswd", "s3cret!pw", "s3cret!pw", ""},                                  // a password is accepted
		{"password", "long enough", "long enough", ""},                          // by alias
		{"pswd", "a\nb", "", "line break|password must be one line"},            // a password is one line too
		{"accountant_type_invalid", "x", "x", ""},                               // a hashed artefact takes any text
	})
}

func TestCheckEmails(t *testing.T) {
	t.Parallel()
	runValueCases(t, []valueCase{
		{"a8", "user1@example.com", "user1@example.com", ""},                                    // B01
		{"email", "a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk", ""},                 // dots, plus and subdomains
		{"a8", "O'Brien@example.ie", "O'Brien@example.ie", ""},                                  // an apostrophe is legal in the local part
		{"u22", "rec@example.com", "rec@example.com", ""},                                       // recordings email
		{"a8", "user@", "", "not a valid email address"},                                        // no domain
		{"a8", "@example.com", "", "not a valid email address"},                                 // no local part
		{"a8", "user.example.com", "", "not a valid email address"},                             // no @
		{"a8", "user@example", "", "not a valid email address"},                                 // no top-level domain
		{"a8", "user@@example.com", "", "not a valid email address"},                            // two @
		{"a8", "a@b@example.com", "", "not a valid email address"},                              // @ in the domain
		{"a8", "user@exa mple.com", "", "not a valid email address"},                            // a space in the domain
		{"a8", "us er@example.com", "", "not a valid email address"},                            // a space in the local part
		{"a8", ".user@example.com", "", "not a valid email address"},                            // a leading dot
		{"a8", "user.@example.com", "", "not a valid email address"},                            // a trailing dot
		{"a8", "us..er@example.com", "", "not a valid email address"},                           // two dots in a row
		{"a8", "user@-example.com", "", "not a valid email address"},                            // a label starting with -
		{"a8", "user@example-.com", "", "not a valid email address"},                            // a label ending with -
		{"a8", "user@example..com", "", "not a valid email address"},                            // an empty label
		{"a8", "user@example.c", "", "not a valid email address"},                               // a one-letter TLD
		{"a8", "user@10.0.0.1", "", "not a valid email address"},                                // a numeric TLD
		{"a8", "jürgen@example.de", "", "not a valid email address"},                            // non-ASCII local part
		{"a8", "user@example.com\n", "user@example.com", ""},                                    // a trailing line end is trimmed
		{"a8", "a@b\x01.com", "", "control character"},                                          // control characters are text errors first
		{"u22", strings.Repeat("a", 39) + "@example.com", "", "51 characters long|limit is 50"}, // u22 is at most 50
	})
}
