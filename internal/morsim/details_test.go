package morsim

import (
	"net/url"
	"strings"
	"testing"
)

// TestUserDetails checks user_details (doc §5.1): scope, errors and the body.
func TestUserDetails(t *testing.T) {
	t.Parallel()
	full12 := decl + `<page>
  <pagename>Personal details</pagename>
  <language>en</language>
  <userid>0</userid>
  <details>
    <main_detail>
      <account>Postpaid</account>
      <balance>0.0000 USD</balance>
      <balance_number>0.0000</balance_number>
      <balance_currency>USD</balance_currency>
      <credit>10.5000</credit>
    </main_detail>
    <other_details>
      <username>user2</username>
      <first_name>Ann</first_name>
      <surname>Lee</surname>
      <personalid></personalid>
      <agreement_number></agreement_number>
      <agreement_date/>
      <taxation_country></taxation_country>
      <vat_reg_number></vat_reg_number>
      <vat_percent>0.0</vat_percent>
    </other_details>
    <registration>
      <reg_address/>
      <reg_postcode/>
      <reg_city>Vilnius</reg_city>
      <reg_country/>
      <reg_state/>
      <reg_direction>user2@example.com</reg_direction>
      <reg_phone/>
      <reg_mobile/>
      <reg_fax/>
      <reg_email>user2@example.com</reg_email>
    </registration>
  </details>
</page>
`
	tests := []struct {
		name    string
		profile string
		action  string
		vals    url.Values
		want    string // exact body, or
		has     string // a fragment the body must contain
	}{
		// Admin reads user 2: the full body (MOR 12: <userid> is the caller).
		{name: "admin full body", profile: ProfileMOR12, vals: q("u=admin", "p=admin1", "user_id=2", "hash="+sha1hex("2secret")), want: full12},
		// X3: <userid> is the target.
		{name: "x3 userid target", profile: ProfileX3, vals: q("u=admin", "user_id=2", "hash="+sha1hex("2secret")), has: "<userid>2</userid>"},
		// MOR 11 has no balance_number yet.
		{name: "mor11 no balance_number", profile: ProfileMOR11, vals: q("u=admin", "p=admin1", "user_id=2", "hash="+sha1hex("2secret")),
			has: "<balance>0.0000 USD</balance>\n      <credit>10.5000</credit>"},
		// Unlimited credit.
		{name: "unlimited", profile: ProfileMOR12, vals: q("u=admin", "p=admin1", "user_id=0", "hash="+sha1hex("0secret")), has: "<credit>Unlimited</credit>"},
		// Admin reads anyone, even a reseller's user.
		{name: "admin any user", profile: ProfileMOR12, vals: q("u=admin", "p=admin1", "user_id=20", "hash="+sha1hex("20secret")), has: "<username>ruser20</username>"},
		// Reseller reads his own user with his own key.
		{name: "reseller own user", profile: ProfileMOR12, vals: q("u=reseller3", "p=pass33", "user_id=20", "hash="+sha1hex("20key3")), has: "<username>ruser20</username>"},
		// Reseller cannot read the admin's user.
		{name: "reseller other user", profile: ProfileMOR12, vals: q("u=reseller3", "p=pass33", "user_id=2", "hash="+sha1hex("2key3")), want: pageError("User was not found")},
		// A simple user gets his own record whatever user_id says.
		{name: "simple user own record", profile: ProfileMOR12, vals: q("u=user2", "p=pass22", "user_id=5", "hash="+sha1hex("5secret")), has: "<username>user2</username>"},
		// Wrong password: "User was not found" before X3 ...
		{name: "bad login mor12", profile: ProfileMOR12, vals: q("u=admin", "p=x", "user_id=2", "hash="+sha1hex("2secret")), want: pageError("User was not found")},
		// ... "Bad login" in X3 (unknown user).
		{name: "bad login x3", profile: ProfileX3, vals: q("u=nobody", "user_id=2", "hash="+sha1hex("2secret")), want: pageError("Bad login")},
		// Incorrect hash.
		{name: "incorrect hash", profile: ProfileX3, vals: q("u=admin", "user_id=2", "hash="+sha1hex("3secret")), want: statusErr("Incorrect hash")},
		// X4 user_details_get by username (hashed after user_id, in the tail).
		{name: "x4 by username", profile: ProfileX4, action: "user_details_get", vals: q("u=admin", "username=user5", "hash="+sha1hex("user5secret")), has: "<userid>5</userid>"},
		// user_details_get is unknown before X4.
		{name: "get before x4", profile: ProfileX3, action: "user_details_get", vals: q("u=admin", "user_id=2", "hash="+sha1hex("2secret")),
			want: "<error><type>Undefined method</type><name>user_details_get</name></error>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, base := startSim(t, tc.profile, nil)
			action := tc.action
			if action == "" {
				action = "user_details"
			}
			r := post(t, base, action, tc.vals)
			if tc.want != "" && r.body != tc.want {
				t.Errorf("body =\n%s\nwant\n%s", r.body, tc.want)
			}
			if tc.has != "" && !strings.Contains(r.body, tc.has) {
				t.Errorf("body %q lacks %q", r.body, tc.has)
			}
		})
	}
}
