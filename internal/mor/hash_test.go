package mor

import (
	"crypto/sha1"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
)

// q turns a query string from the doc into Params, in order.
func q(t testing.TB, s string) Params {
	t.Helper()
	var ps Params
	for _, kv := range strings.Split(s, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			t.Fatal(err)
		}
		v, err = url.QueryUnescape(v)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, Param{Key: k, Value: v})
	}
	return ps
}

// TestHashVectors checks every user_update_api vector of doc §2.5, plus the
// user_details one (§5.1), byte for byte: hashed string and SHA-1.
func TestHashVectors(t *testing.T) {
	t.Parallel()
	h := NewHasher()
	tests := []struct {
		name   string
		query  string
		key    string
		mode   HashMode
		joined string // the hashed string without the key
		want   string
	}{
		// Wiki example: only user_id (both modes agree).
		{"wiki 581", "user_id=581", "asdfghjkl", HashFull, "581", "b3b8a6f4063a0569212c91098627a9c394283bd6"},
		{"wiki 581 legacy", "user_id=581", "asdfghjkl", HashLegacy, "581", "b3b8a6f4063a0569212c91098627a9c394283bd6"},
		// Official MOR 11 test, Mode L: u28 is not hashed.
		{"mor11 mode L", "user_id=3&u28=0", "secret", HashLegacy, "3", "7f544a3f166563efce4dc5da5425cdd0d7a41634"},
		// X3 tests, Mode F: u15 then u25.
		{"x3 6 u15 u25", "user_id=6&u15=0&u25=1", "secret", HashFull, "601", "51ba7ae4d5742527ba30e8dbe766e1b904611c3b"},
		{"x3 5 u15 u25", "user_id=5&u15=1&u25=0", "secret", HashFull, "510", "136aa47d908785cb053cabedc90d6993912a57c2"},
		// u5 sent last on the request line but hashed before u15.
		{"x3 u5 before u15", "user_id=0&u15=1&u25=0&u5=1", "secret", HashFull, "0110", "4b63372c04043de439e7badcbb5dca7adfce3c46"},
		{"x3 2 u15 u25", "user_id=2&u15=0&u25=1", "secret", HashFull, "201", "1fe850b1e66401c7e89f34b801f5c925f0816e31"},
		// i4 comes before i1..i3 in the server order.
		{"x3 6 invoices i4 first", "user_id=6&u15=0&u25=1&i1=2&i2=4&i3=8&i4=16", "secret", HashFull, "60116248", "20ab5a816cf25c00f94bea4cd31d428940065f3e"},
		{"x3 2 invoices i4 first", "user_id=2&u15=0&u25=1&i1=2&i2=4&i3=8&i4=16", "secret", HashFull, "20116248", "016f269ecb34bd5ca7cf870cecdd57f4f947a8d8"},
		{"x3 6 invoices only", "user_id=6&i1=2&i2=4&i3=8&i4=16", "secret", HashFull, "616248", "fff425dbdebb6e863567b038851c6a15ef24d70e"},
		// No user_id at all.
		{"warning_email_active alone", "warning_email_active=1", "secret", HashFull, "1", "bc2f114099d16656d37e45fd9e8744cb9386d462"},
		{"user 3 warning_email_active", "user_id=3&warning_email_active=1", "secret", HashFull, "31", "e8f6a1b208f255408b55fde9c935d8a6e6840ad9"},
		// a8 (address email), raw, '@' included.
		{"a8 user 2", "user_id=2&a8=test_reseller@email.test", "secret", HashFull, "2test_reseller@email.test", "ab22e29a8ed57eae21cea69d354ef2992a135143"},
		{"a8 user 5", "user_id=5&a8=test_reseller%40email.test", "secret", HashFull, "5test_reseller@email.test", "b9cffa3c5cbca7c5e1a5586bc520c1c923c10034"},
		// The doc's additional example: request order differs from hash order.
		{"42 Smith John", "user_id=42&u23=John&u17=Smith&u15=1&credit=10.5&a8=john@example.com", "secret", HashFull, "421SmithJohn10.5john@example.com", "6ffcdd5e041abb7559cbd6c2c3ee5d7813903e0c"},
		// 7162: i4 before i1.
		{"7162", "user_id=7&i1=2&i4=16", "secret", HashFull, "7162", "8feae87de095b423843ff0af05c1008cd2be04a2"},
		// user_details(_get) read hash, §5.1.
		{"user_details 123", "user_id=123", "456789", HashLegacy, "123", "f7c3bc1d808e04732adf679965ccc34ca7ae3441"},
		// HashDefault means full.
		{"default is full", "user_id=7&i1=2&i4=16", "secret", HashDefault, "7162", "8feae87de095b423843ff0af05c1008cd2be04a2"},
		// Legacy mode ignores everything but user_id.
		{"legacy ignores the rest", "user_id=7&i1=2&i4=16", "secret", HashLegacy, "7", sha1hex("7secret")},
		// Never hashed: pgui, user_warning_email_hour, unlimited, i5..i8, u, p, unknown names.
		{"never hashed", "user_id=9&pgui=1&user_warning_email_hour=00&unlimited=1&i5=32&i8=256&u=admin&p=x&foo=bar&pcsv=2", "secret", HashFull, "92", sha1hex("92secret")},
		// user_id normalised: leading zeros dropped.
		{"user_id 007", "user_id=007&u15=1", "secret", HashFull, "71", sha1hex("71secret")},
		// user_id empty counts as 0.
		{"user_id empty", "user_id=&u15=1", "secret", HashFull, "01", sha1hex("01secret")},
		// user_id with a sign is dropped.
		{"user_id signed", "user_id=-7&u15=1", "secret", HashFull, "1", sha1hex("1secret")},
		// user_id with a space is dropped, also in legacy mode.
		{"user_id space legacy", "user_id=+7", "secret", HashLegacy, "", sha1hex("secret")},
		// Empty values contribute nothing; other values are raw (no trim, 1.0 stays 1.0).
		{"raw values", "user_id=1&tax4_name=&credit=1.0&u17=+Smith+", "secret", HashFull, "1 Smith 1.0", sha1hex("1 Smith 1.0secret")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := h.Hash(tc.mode, q(t, tc.query), tc.key)
			var joined strings.Builder
			for _, p := range got.Parts {
				joined.WriteString(p.Value)
			}
			if joined.String() != tc.joined {
				t.Errorf("hashed string = %q, want %q", joined.String(), tc.joined)
			}
			if got.Hex != tc.want {
				t.Errorf("hash = %s, want %s", got.Hex, tc.want)
			}
		})
	}
}

// TestHashedString prints the hashed string with the key (and a new password) masked.
func TestHashedString(t *testing.T) {
	t.Parallel()
	h := NewHasher()
	tests := []struct {
		name, query, want string
	}{
		// The doc's example.
		{"42 Smith John", "user_id=42&u23=John&u17=Smith&u15=1&credit=10.5&a8=john@example.com", "42 1 Smith John 10.5 john@example.com ****"},
		// pswd is a new password: masked too.
		{"pswd masked", "user_id=5&pswd=NewPass123", "5 **** ****"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := h.Hash(HashFull, q(t, tc.query), "topsecretkey").String()
			if got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			if strings.Contains(got, "topsecretkey") {
				t.Error("secret printed")
			}
		})
	}
}

// TestNormalizeUserID follows the server's to_i.to_s on digits only.
func TestNormalizeUserID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"42", "42", true}, // plain
		{"007", "7", true}, // leading zeros
		{"", "0", true},    // empty is 0
		{"000", "0", true}, // all zeros
		{" 7", "", false},  // space: dropped
		{"-7", "", false},  // sign: dropped
		{"+7", "", false},  // plus sign: dropped
		{"7a", "", false},  // letter: dropped
		{"٣", "", false},   // non-ASCII digit: dropped
		{"99999999999999999999999", "99999999999999999999999", true}, // bigger than int64: Ruby has bignums
	}
	for _, tc := range tests {
		got, ok := NormalizeUserID(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeUserID(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// TestParseHashModeAndProfile covers the names the CLI accepts.
func TestParseHashModeAndProfile(t *testing.T) {
	t.Parallel()
	modes := []struct {
		in   string
		want HashMode
		err  bool
	}{
		{"", HashDefault, false},      // not given
		{"legacy", HashLegacy, false}, // Mode L
		{"FULL", HashFull, false},     // any case
		{"sha256", HashDefault, true}, // unknown
	}
	for _, tc := range modes {
		got, err := ParseHashMode(tc.in)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("ParseHashMode(%q) = %v, %v", tc.in, got, err)
		}
	}
	profiles := []struct {
		in       string
		mode     HashMode
		update   string
		details  string
		password PasswordUse
		err      bool
	}{
		{"", HashFull, "user_update_api", "user_details", PasswordIfSet, false},           // default
		{"mor11", HashLegacy, "user_update_api", "user_details", PasswordRequired, false}, // MOR 11 as documented
		{"MOR12", HashFull, "user_update_api", "user_details", PasswordRequired, false},   // any case
		{"x3", HashFull, "user_update_api", "user_details", PasswordIfSet, false},         // p not checked, but finds the key's owner
		{"x4", HashFull, "user_details_update", "user_details_get", PasswordNotSent, false},
		{"x5", HashDefault, "", "", PasswordIfSet, true}, // unknown
	}
	for _, tc := range profiles {
		p, err := ParseProfile(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseProfile(%q) error = %v", tc.in, err)
			continue
		}
		if p.HashMode != tc.mode || p.UpdateEndpoint != tc.update || p.DetailsEndpoint != tc.details || p.Password != tc.password {
			t.Errorf("ParseProfile(%q) = %+v", tc.in, p)
		}
	}
}

// sha1hex is an independent SHA-1 for expected values.
func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
