package morsim

import (
	"strings"
	"testing"
)

// TestHashVectors checks the server-side hash against the verified vectors of
// doc §2.5 (wiki, [TEST] MOR 11 and X3, and the additional examples).
func TestHashVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		profile string
		query   string
		key     string
		want    string
	}{
		// The wiki's user_update_api example: 581 + asdfghjkl.
		{"wiki 581", ProfileMOR12, "user_id=581", "asdfghjkl", "b3b8a6f4063a0569212c91098627a9c394283bd6"},
		// MOR 11 [TEST]: u28 is not hashed in Mode L.
		{"mor11 u28 not hashed", ProfileMOR11, "user_id=3&u28=0", "secret", "7f544a3f166563efce4dc5da5425cdd0d7a41634"},
		// X3 [TEST] rows.
		{"x3 6 u15 u25", ProfileX3, "user_id=6&u15=0&u25=1", "secret", "51ba7ae4d5742527ba30e8dbe766e1b904611c3b"},
		{"x3 5 u15 u25", ProfileX3, "user_id=5&u15=1&u25=0", "secret", "136aa47d908785cb053cabedc90d6993912a57c2"},
		// u5 before u15 before u25 whatever the request order.
		{"x3 u5 order", ProfileX3, "u25=0&u15=1&u5=1&user_id=0", "secret", "4b63372c04043de439e7badcbb5dca7adfce3c46"},
		{"x3 2 u15 u25", ProfileX3, "user_id=2&u15=0&u25=1", "secret", "1fe850b1e66401c7e89f34b801f5c925f0816e31"},
		// i4 comes before i1, i2, i3.
		{"x3 invoices 6", ProfileX3, "user_id=6&u15=0&u25=1&i1=2&i2=4&i3=8&i4=16", "secret", "20ab5a816cf25c00f94bea4cd31d428940065f3e"},
		{"x3 invoices 2", ProfileX3, "user_id=2&u15=0&u25=1&i1=2&i2=4&i3=8&i4=16", "secret", "016f269ecb34bd5ca7cf870cecdd57f4f947a8d8"},
		{"x3 invoices only", ProfileX3, "user_id=6&i1=2&i2=4&i3=8&i4=16", "secret", "fff425dbdebb6e863567b038851c6a15ef24d70e"},
		// warning_email_active without user_id.
		{"x3 warning only", ProfileX3, "warning_email_active=1", "secret", "bc2f114099d16656d37e45fd9e8744cb9386d462"},
		{"x3 warning 3", ProfileX3, "user_id=3&warning_email_active=1", "secret", "e8f6a1b208f255408b55fde9c935d8a6e6840ad9"},
		{"x3 a8 2", ProfileX3, "user_id=2&a8=test_reseller@email.test", "secret", "ab22e29a8ed57eae21cea69d354ef2992a135143"},
		{"x3 a8 5", ProfileX3, "user_id=5&a8=test_reseller@email.test", "secret", "b9cffa3c5cbca7c5e1a5586bc520c1c923c10034"},
		// Additional example: credit in the middle, u17 before u23.
		{"additional 42", ProfileMOR12, "user_id=42&u23=John&u17=Smith&u15=1&credit=10.5&a8=john@example.com", "secret", "6ffcdd5e041abb7559cbd6c2c3ee5d7813903e0c"},
		{"additional i4 before i1", ProfileMOR12, "user_id=7&i1=2&i4=16", "secret", "8feae87de095b423843ff0af05c1008cd2be04a2"},
		// user_details_get example of the wiki.
		{"details 123", ProfileX4, "user_id=123", "456789", "f7c3bc1d808e04732adf679965ccc34ca7ae3441"},
		// invoice_update example: a stray "id" is in the tail of the order.
		{"invoice id", ProfileX3, "id=2", "secret", "38282ca5e65e63746498ef5b39a2fe71c6448df4"},
		// The never-hashed pair: user_warning_email_hour and pgui contribute nothing.
		{"never hashed", ProfileMOR12, "user_id=3&user_warning_email_hour=00&pgui=0&warning_email_active=1", "secret", "e8f6a1b208f255408b55fde9c935d8a6e6840ad9"},
		// user_id normalisation: "007" hashes as "7".
		{"leading zeros", ProfileMOR12, "user_id=007&i1=2&i4=16", "secret", "8feae87de095b423843ff0af05c1008cd2be04a2"},
		// the wiki's hash-construction example (period_start, calltype).
		{"wiki period", ProfileMOR12, "user_id=123&period_start=1252454580&calltype=answered", "Very Sercet Key", "b93c35d5c6183288322122561a3da7e09abb63b7"},
		// Mode L uses the same well-formed neighbours.
		{"legacy period", ProfileMOR11, "user_id=123&period_start=1252454580&calltype=answered&u5=9", "Very Sercet Key", "b93c35d5c6183288322122561a3da7e09abb63b7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pr, err := lookupProfile(tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			p := params{}
			for k, v := range q(strings.Split(tc.query, "&")...) {
				p[k] = v[0]
			}
			if got := sha1Hex(hashString(pr, p) + tc.key); got != tc.want {
				t.Errorf("hash(%s) = %s (string %q), want %s", tc.query, got, hashString(pr, p)+tc.key, tc.want)
			}
		})
	}
}

// TestHashStringRules checks the per-key collection rules of §2.3.
func TestHashStringRules(t *testing.T) {
	t.Parallel()
	mor12, _ := lookupProfile(ProfileMOR12)
	x4, _ := lookupProfile(ProfileX4)
	mor11, _ := lookupProfile(ProfileMOR11)
	tests := []struct {
		name string
		pr   *profile
		p    params
		want string
	}{
		// "" user_id is taken as 0.
		{"empty user_id", mor12, params{"user_id": ""}, "0"},
		// a user_id with a sign is dropped.
		{"signed user_id", mor12, params{"user_id": "-5", "u1": "x"}, "x"},
		// empty values contribute nothing.
		{"empty tax name", mor12, params{"user_id": "1", "tax4_name": ""}, "1"},
		// raw strings: credit=1.0 stays 1.0.
		{"raw credit", mor12, params{"user_id": "1", "credit": "1.0"}, "11.0"},
		// monitoring_id and ignore_global_monitorings are hashed by MOR 12/X3 ...
		{"mor12 monitorings", mor12, params{"user_id": "1", "ignore_global_monitorings": "1", "monitoring_id": "4"}, "141"},
		// ... but not by later servers.
		{"x4 monitorings", x4, params{"user_id": "1", "ignore_global_monitorings": "1", "monitoring_id": "4"}, "1"},
		// stray tail keys: id, name, username, status.
		{"stray tail", mor12, params{"user_id": "1", "id": "17", "name": "n", "username": "bob", "status": "s"}, "1n17sbob"},
		// later list: did and state are hashed, device_callerid never.
		{"x4 tail", x4, params{"user_id": "1", "state": "CA", "did": "9", "device_callerid": "c"}, "19CA"},
		// Mode L: email only when true|false, u-fields never.
		{"legacy email", mor11, params{"user_id": "1", "email": "x@y", "u9": "bob"}, "1"},
		{"legacy email bool", mor11, params{"user_id": "1", "email": "true"}, "1true"},
		// Full mode: email any value.
		{"full email", mor12, params{"user_id": "1", "email": "x@y"}, "1x@y"},
		// users must match its pattern (Ruby multi-line anchors).
		{"users bad", mor12, params{"users": "x"}, ""},
		{"users ok", mor12, params{"users": "1,2"}, "1,2"},
		// tariff_id is to_i'd.
		{"tariff_id", mor12, params{"tariff_id": "05"}, "5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := hashString(tc.pr, tc.p); got != tc.want {
				t.Errorf("hashString(%v) = %q, want %q", tc.p, got, tc.want)
			}
		})
	}
}
