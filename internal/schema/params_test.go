package schema

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestTableIntegrity checks the table itself: the one source of truth must
// be consistent before anything is derived from it.
func TestTableIntegrity(t *testing.T) {
	t.Parallel()
	tab := Table()
	if len(tab) >= nParams {
		t.Fatalf("len(Table()) = %d, nParams = %d: raise nParams", len(tab), nParams)
	}
	if tab[0].Code != "user_id" {
		t.Errorf("first parameter %q, want user_id (it is sent first)", tab[0].Code)
	}

	t.Run("names unique", func(t *testing.T) {
		t.Parallel()
		seen := map[string]string{}
		for _, p := range tab {
			for _, n := range []string{p.Code, p.Alias} {
				if n == "" {
					continue
				}
				k := strings.ToLower(n)
				if prev, dup := seen[k]; dup {
					t.Errorf("name %q of %s is also a name of %s", n, p.Code, prev)
				}
				seen[k] = p.Code
				if n != strings.TrimSpace(n) || strings.HasPrefix(n, resultPrefix) {
					t.Errorf("name %q cannot be written in a header", n)
				}
			}
		}
	})

	t.Run("every code present", func(t *testing.T) {
		t.Parallel()
		want := []string{"user_id", "ay", "am", "ad", "by", "bm", "bd", "pswd", "user_warning_email_hour", "pgui", "pcsv", "ppdf",
			"credit", "unlimited", "tax1_value", "tax2_value", "tax3_value", "tax4_value", "cyberplat_active", "own_providers"}
		for i := 0; i <= 28; i++ {
			want = append(want, "u"+strconv.Itoa(i))
		}
		for i := 0; i <= 9; i++ {
			want = append(want, "a"+strconv.Itoa(i))
		}
		for i := 1; i <= 8; i++ {
			want = append(want, "i"+strconv.Itoa(i))
		}
		for _, c := range want {
			p, ok := testSchema.Lookup(c)
			if !ok || p.Code != c {
				t.Errorf("code %s missing", c)
			}
		}
	})

	t.Run("hash positions", func(t *testing.T) {
		t.Parallel()
		last := -1
		for _, p := range tab {
			if !p.Hashed() {
				if p.Hash != notHashed {
					t.Errorf("%s: Hash %d, want %d or >= 0", p.Code, p.Hash, notHashed)
				}
				continue
			}
			if p.Hash <= last {
				t.Errorf("%s: hash position %d after %d: keep the table in hash order", p.Code, p.Hash, last)
			}
			last = p.Hash
		}
		for _, c := range []string{"user_warning_email_hour", "pgui", "unlimited", "block_conditional_use", "i5", "i6", "i7", "i8"} {
			if p, _ := testSchema.Lookup(c); p.Hashed() {
				t.Errorf("%s is hashed; the server never hashes it", c)
			}
		}
		for _, c := range []string{"user_id", "pswd", "pcsv", "ppdf", "i1", "i4", "credit", "a9", "accountant_type_invalid"} {
			if p, _ := testSchema.Lookup(c); !p.Hashed() {
				t.Errorf("%s is not hashed", c)
			}
		}
	})

	t.Run("hash order", func(t *testing.T) {
		t.Parallel()
		var want []string
		for _, p := range tab {
			if p.Hashed() {
				want = append(want, p.Code)
			}
		}
		got := testSchema.HashOrder()
		if !slices.Equal(got, want) {
			t.Errorf("HashOrder() = %v\nwant %v", got, want)
		}
		// mor-api.md §7.3: i4 before i1, credit in the middle, u5 before u15.
		pos := func(c string) int { return slices.Index(got, c) }
		if pos("i4") > pos("i1") || pos("u5") > pos("u15") || pos("credit") < pos("tax1_value") || pos("user_id") != 0 {
			t.Errorf("hash order lost a known quirk: %v", got)
		}
	})

	t.Run("descriptions", func(t *testing.T) {
		t.Parallel()
		for _, p := range tab {
			if strings.TrimSpace(p.Desc) == "" || strings.TrimSpace(p.Column) == "" {
				t.Errorf("%s: Desc %q, Column %q", p.Code, p.Desc, p.Column)
			}
			if strings.Contains(p.Desc, "\n") {
				t.Errorf("%s: Desc is not one line", p.Code)
			}
		}
	})

	t.Run("kinds", func(t *testing.T) {
		t.Parallel()
		for _, p := range tab {
			switch p.Kind {
			case KindBit:
				if p.Max <= 0 || p.Max&(p.Max-1) != 0 {
					t.Errorf("%s: bit value %d is not a power of two", p.Code, p.Max)
				}
			case KindInt:
				if p.Min > p.Max {
					t.Errorf("%s: range %d..%d", p.Code, p.Min, p.Max)
				}
			case KindEnum:
				if len(p.Values) == 0 {
					t.Errorf("%s: enum without values", p.Code)
				}
			case KindText, KindSecret, KindEmail:
				if p.MaxLen <= 0 {
					t.Errorf("%s: text without a length limit", p.Code)
				}
			}
			if p.Kind.String() == "unknown" {
				t.Errorf("%s: kind %d has no name", p.Code, p.Kind)
			}
		}
	})
}

func TestAllowed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code, want string
	}{
		{"u15", "0 or 1"}, // flag
		{"i4", "0 or 16"}, // bit
		{"u13", "user, reseller, accountant, admin"}, // enum
		{"user_id", "whole number >= 1"},             // id with a minimum
		{"u1", "whole number >= 0"},                  // id without one
		{"u2", "-1 or 0..23"},                        // int with an extra value
		{"block_at_conditional", "1..31"},            // plain int range
		{"u6", "decimal number"},                     // decimal that may be negative
		{"credit", "decimal number >= 0"},            // decimal that may not
		{"ay", "4-digit year"},                       // year
		{"am", "1..12"},                              // month
		{"ad", "1..31"},                              // day
		{"a8", "email address"},                      // email
		{"u27", "text, at most 20 characters"},       // text
		{"pswd", "text, at most 255 characters"},     // password
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			p, _ := testSchema.Lookup(tc.code)
			if got := p.Allowed(); got != tc.want {
				t.Errorf("Allowed() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParamName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code, name string
	}{
		{"u17", "last_name"}, // the alias when there is one
		{"credit", "credit"}, // else the code
	}
	for _, tc := range tests {
		p, _ := testSchema.Lookup(tc.code)
		if p.Name() != tc.name {
			t.Errorf("%s: Name() = %q, want %q", tc.code, p.Name(), tc.name)
		}
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		k    Kind
		want string
	}{
		{KindID, "id"},              // first
		{KindSecret, "password"},    // last
		{KindSecret + 1, "unknown"}, // out of range
	}
	for _, tc := range tests {
		if got := tc.k.String(); got != tc.want {
			t.Errorf("Kind(%d).String() = %q, want %q", tc.k, got, tc.want)
		}
	}
}

func TestItoa(t *testing.T) {
	t.Parallel()
	for _, n := range []int64{0, 1, -1, 9, 10, -23, 1 << 40, -(1 << 62)} { // zero, signs, several digits, large
		if got, want := itoa(n), strconv.FormatInt(n, 10); got != want {
			t.Errorf("itoa(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestIDSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ids  []uint64
		new  []bool // what add reports for each id
	}{
		// Small ids in the bitmap.
		{"small", []uint64{1, 2, 1, 63, 64, 63}, []bool{true, true, false, true, true, false}},
		// Zero is an id like any other for the set.
		{"zero", []uint64{0, 0}, []bool{true, false}},
		// The bitmap grows for a larger id and keeps the old bits.
		{"grow", []uint64{5, 100000, 5, 100000}, []bool{true, true, false, false}},
		// Both sides of the dense limit.
		{"limit", []uint64{denseLimit - 1, denseLimit, denseLimit - 1, denseLimit}, []bool{true, true, false, false}},
		// Very large ids go to the map.
		{"huge", []uint64{1<<64 - 1, 1 << 40, 1<<64 - 1}, []bool{true, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s idSet
			for i, id := range tc.ids {
				if got := s.add(id); got != tc.new[i] {
					t.Errorf("add(%d) #%d = %v, want %v", id, i, got, tc.new[i])
				}
			}
		})
	}
}
