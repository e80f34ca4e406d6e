package morsim

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// checkCols compares columns: "col" is a users column, "addr.col" an
// addresses column, "tax.col" a taxes column; "NULL" expects NULL.
func checkCols(t *testing.T, rec *UserRecord, want map[string]string) {
	t.Helper()
	for k, w := range want {
		row, col := rec.User, k
		if table, c, ok := strings.Cut(k, "."); ok {
			col = c
			switch table {
			case "addr":
				row = rec.Address
			case "tax":
				row = rec.Tax
			}
			if row == nil {
				t.Errorf("%s: no %s row", k, table)
				continue
			}
		}
		if w == "NULL" {
			if !row.IsNull(col) {
				t.Errorf("%s = %q, want NULL", k, row.Str(col))
			}
			continue
		}
		if row.IsNull(col) {
			t.Errorf("%s = NULL, want %q", k, w)
		} else if got := row.Str(col); got != w {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}
}

// TestUpdateSemantics checks the normalisation rules of doc §3 through real
// admin updates.
func TestUpdateSemantics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		profile string // default mor12
		id      string
		pairs   []string
		want    map[string]string
		body    string // default "User was updated" in the profile's envelope
	}{
		// Absent parameters are untouched.
		{name: "partial update", id: "2", pairs: []string{"u23=Maria"},
			want: map[string]string{"first_name": "Maria", "last_name": "Lee", "tariff_id": "2", "credit": "10.5", "addr.city": "Vilnius"}},
		// Texts are stripped (u0, u9, u17, u23, addresses).
		{name: "strip", id: "2", pairs: []string{"u23=  Maria ", "u17= Ng ", "u0= LT123 ", "u9= ann2 ", "a1=  Kaunas "},
			want: map[string]string{"first_name": "Maria", "last_name": "Ng", "vat_number": "LT123", "username": "ann2", "addr.city": "Kaunas"}},
		// An empty string is present: it blanks a text column ...
		{name: "empty text", id: "2", pairs: []string{"u23="}, want: map[string]string{"first_name": ""}},
		// ... and a numeric column becomes NULL (Rails' blank cast).
		{name: "empty number", id: "2", pairs: []string{"u4="}, want: map[string]string{"currency_id": "NULL"}},
		// Flags: > 0 -> 1, else 0.
		{name: "flags on", id: "2", pairs: []string{"u15=5", "u25=2", "u28=1", "u10=3"},
			want: map[string]string{"blocked": "1", "postpaid": "1", "hidden": "1", "warning_balance_call": "1"}},
		{name: "flags off", id: "2", pairs: []string{"u15=-3", "u25=0", "u28=abc", "u10=0"},
			want: map[string]string{"blocked": "0", "postpaid": "0", "hidden": "0", "warning_balance_call": "0"}},
		// u12: only "1" gives 1.
		{name: "u12 one", id: "2", pairs: []string{"u12=1"}, want: map[string]string{"generate_invoice": "1"}},
		{name: "u12 two", id: "2", pairs: []string{"u12=2"}, want: map[string]string{"generate_invoice": "0"}},
		{name: "u12 yes", id: "2", pairs: []string{"u12=yes"}, want: map[string]string{"generate_invoice": "0"}},
		// credit: negative -> 0; unlimited=1 -> -1 and wins over credit.
		{name: "credit negative", id: "2", pairs: []string{"credit=-1"}, want: map[string]string{"credit": "0.0"}},
		{name: "credit value", id: "2", pairs: []string{"credit=25.75"}, want: map[string]string{"credit": "25.75"}},
		{name: "unlimited", id: "2", pairs: []string{"credit=5", "unlimited=1"}, want: map[string]string{"credit": "-1.0"}},
		// u18: stripped, negative -> 0, "0545" -> 545 ([TEST]).
		{name: "call limit negative", id: "2", pairs: []string{"u18=-5"}, want: map[string]string{"call_limit": "0"}},
		{name: "call limit leading zero", id: "2", pairs: []string{"u18=0545"}, want: map[string]string{"call_limit": "545"}},
		{name: "call limit spaces", id: "2", pairs: []string{"u18= 7 "}, want: map[string]string{"call_limit": "7"}},
		// u20: MB -> bytes.
		{name: "hdd quota", id: "2", pairs: []string{"u20=6"}, want: map[string]string{"recording_hdd_quota": "6291456"}},
		// Invoice bits replace the whole mask (user 6 starts at 3); i5..i8 are not hashed.
		{name: "invoice mask", id: "6", pairs: []string{"i1=2", "i4=16"}, want: map[string]string{"send_invoice_types": "18"}},
		{name: "invoice unhashed i5", id: "6", pairs: []string{"i5=32"}, want: map[string]string{"send_invoice_types": "32"}},
		// Privacy: the sum of pgui/pcsv/ppdf overrides u3; pcsv=1 sets the GUI bit.
		{name: "privacy overrides u3", id: "2", pairs: []string{"u3=7", "pcsv=1"}, want: map[string]string{"hide_destination_end": "1"}},
		{name: "privacy sum", id: "2", pairs: []string{"pgui=1", "pcsv=2", "ppdf=4"}, want: map[string]string{"hide_destination_end": "7"}},
		{name: "u3 alone", id: "2", pairs: []string{"u3=6"}, want: map[string]string{"hide_destination_end": "6"}},
		// u21 only triggers; the top-level cyberplat_active decides.
		{name: "cyberplat both", id: "2", pairs: []string{"u21=1", "cyberplat_active=1"}, want: map[string]string{"cyberplat_active": "1"}},
		{name: "cyberplat u21 alone", id: "2", pairs: []string{"u21=1"}, want: map[string]string{"cyberplat_active": "0"}},
		// warning_email_active rewrites the hour; missing values count as 0.
		{name: "warning active alone", id: "2", pairs: []string{"warning_email_active=1"},
			want: map[string]string{"warning_email_active": "1", "warning_email_hour": "0"}},
		{name: "warning active once", id: "2", pairs: []string{"warning_email_active=1", "u2=-1", "user_warning_email_hour=14"},
			want: map[string]string{"warning_email_hour": "-1"}},
		{name: "warning active daily", id: "2", pairs: []string{"warning_email_active=2", "u2=0", "user_warning_email_hour=14"},
			want: map[string]string{"warning_email_active": "1", "warning_email_hour": "14"}},
		{name: "u2 alone", id: "2", pairs: []string{"u2=5"}, want: map[string]string{"warning_email_hour": "5", "warning_email_active": "0"}},
		// Dates only when all three parts are sent.
		{name: "agreement date", id: "2", pairs: []string{"ay=2012", "am=3", "ad=5"}, want: map[string]string{"agreement_date": "2012-03-05"}},
		{name: "agreement date partial", id: "2", pairs: []string{"ay=2012", "am=3"}, want: map[string]string{"agreement_date": "NULL"}},
		{name: "block at", id: "2", pairs: []string{"by=2030", "bm=12", "bd=31"}, want: map[string]string{"block_at": "2030-12-31"}},
		// pswd is stored as SHA1; blank is ignored.
		{name: "password", id: "2", pairs: []string{"pswd=newpass1"}, want: map[string]string{"password": sha1hex("newpass1")}},
		{name: "password blank", id: "2", pairs: []string{"pswd="}, want: map[string]string{"password": sha1hex("pass22")}},
		// accountant_type sets acc_group_id only with u13 accountant/reseller.
		{name: "accountant type", id: "2", pairs: []string{"u13=accountant", "accountant_type=3"},
			want: map[string]string{"usertype": "accountant", "acc_group_id": "3"}},
		{name: "accountant type without u13", id: "12", pairs: []string{"accountant_type=3"}, want: map[string]string{"acc_group_id": "1"}},
		// MOR 11 wipes acc_group_id on every update.
		{name: "mor11 acc group wipe", profile: ProfileMOR11, id: "12", pairs: []string{"u23=X"}, want: map[string]string{"acc_group_id": "0"}},
		// u11 sets the group directly.
		{name: "u11", id: "12", pairs: []string{"u11=4"}, want: map[string]string{"acc_group_id": "4"}},
		// Tax row created when missing; blank names ignored; total name defaults.
		{name: "tax new row", id: "2", pairs: []string{"tax2_value=5", "tax2_enabled=1", "tax2_name=", "total_tax_name="},
			want: map[string]string{"tax.tax2_value": "5.0", "tax.tax2_enabled": "1", "tax.tax1_enabled": "1", "tax.total_tax_name": "TAX", "tax.tax1_name": "TAX"}},
		{name: "tax existing row", id: "40", pairs: []string{"tax3_name=City", "tax1_name= "},
			want: map[string]string{"tax.tax3_name": "City", "tax.tax1_value": "18.0", "tax.total_tax_name": "VAT"}},
		// Addresses: created when missing; a6 is the direction id.
		{name: "address created", id: "6", pairs: []string{"a1=Kaunas", "a6=123", "a7=+37060000000"},
			want: map[string]string{"addr.city": "Kaunas", "addr.direction_id": "123", "addr.phone": "+37060000000"}},
		// Blank e-mail: "" before X3, NULL in X3.
		{name: "blank email mor12", id: "2", pairs: []string{"a8="}, want: map[string]string{"addr.email": ""}},
		{name: "blank email x3", profile: ProfileX3, id: "2", pairs: []string{"a8="}, want: map[string]string{"addr.email": "NULL"}},
		// show_zero_calls, allow_loss_calls, block_at_conditional, block_conditional_use.
		{name: "misc flags", id: "2", pairs: []string{"show_zero_calls=0", "allow_loss_calls=1", "block_at_conditional=20", "block_conditional_use=1"},
			want: map[string]string{"invoice_zero_calls": "0", "allow_loss_calls": "1", "block_at_conditional": "20", "block_conditional_use": "1"}},
		// Tariff 1 (a provider tariff) is accepted: purpose is not checked ([TEST]).
		{name: "provider tariff", id: "0", pairs: []string{"u15=1", "u25=0", "u5=1"}, want: map[string]string{"tariff_id": "1", "blocked": "1"}},
		// own_providers only for a reseller target.
		{name: "own providers reseller", id: "3", pairs: []string{"own_providers=1"}, want: map[string]string{"own_providers": "1"}},
		{name: "own providers user", id: "5", pairs: []string{"own_providers=1"}, want: map[string]string{"own_providers": "0"}},
		// u13 outside the four types is dropped (INFERENCE).
		{name: "bad usertype", id: "2", pairs: []string{"u13=partner"}, want: map[string]string{"usertype": "user"}},
		// Validations: nothing changes when the save fails.
		{name: "blank username", id: "2", pairs: []string{"u9=", "u23=Changed"}, want: map[string]string{"username": "user2", "first_name": "Ann"},
			body: page("  <error>User was not updated</error>\n  <message>Username cannot be blank</message>\n")},
		{name: "username case-insensitive", id: "2", pairs: []string{"u9=TAKEN"}, want: map[string]string{"username": "user2"},
			body: page("  <error>User was not updated</error>\n  <message>Username has already been taken</message>\n")},
		{name: "bad email", id: "2", pairs: []string{"a8=not-an-email", "u23=Changed"}, want: map[string]string{"addr.email": "user2@example.com", "first_name": "Ann"},
			body: page("  <error>User was not updated</error>\n  <message>Please enter correct email</message>\n")},
		{name: "bad recordings email", id: "2", pairs: []string{"u22=nope"}, want: map[string]string{"recordings_email": "NULL"},
			body: page("  <error>User was not updated</error>\n  <message>Please enter correct recordings email</message>\n")},
		{name: "user and address errors mor12", id: "2", pairs: []string{"u9=taken", "a8=bad"},
			body: page("  <error>User was not updated</error>\n  <message>Username has already been taken</message>\n  <message>Please enter correct email</message>\n")},
		// X3 reports address errors instead of user errors.
		{name: "address errors first x3", profile: ProfileX3, id: "2", pairs: []string{"u9=taken", "a8=bad"},
			body: page("  <error>User was not updated</error>\n  <message>Please enter correct email</message>\n")},
		// Non-ASCII text is kept in the database; the answer is unaffected.
		{name: "utf8 name", id: "2", pairs: []string{"u23=Žydrūnė"}, want: map[string]string{"first_name": "Žydrūnė"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pr := tc.profile
			if pr == "" {
				pr = ProfileMOR12
			}
			sim, base := startSim(t, pr, nil)
			vals := q(append([]string{"user_id=" + tc.id}, tc.pairs...)...)
			var r resp
			if pr == ProfileMOR11 {
				vals.Set("u", "admin")
				vals.Set("p", "admin1")
				vals.Set("hash", sha1hex(tc.id+"secret"))
				r = post(t, base, "user_update_api", vals)
			} else {
				r = adminUpdate(t, base, vals)
			}
			want := tc.body
			if want == "" {
				want = updated
				if pr == ProfileMOR11 {
					want = updated11
				}
			}
			if r.body != want {
				t.Fatalf("body =\n%q\nwant\n%q", r.body, want)
			}
			checkCols(t, mustUser(t, sim, rubyToI(tc.id)), tc.want)
		})
	}
}

// TestUpdateSideEffects checks audit rows and the reseller LCR side effect.
func TestUpdateSideEffects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name    string
		profile string
		id      string
		pairs   []string
		actions []string          // action names expected, in order
		users   map[int64]string  // user id -> expected lcr_id
		cols    map[string]string // columns of the target
	}{
		// A tariff change writes user_tariff_changed before user_edited.
		{name: "tariff changed", profile: ProfileMOR12, id: "5", pairs: []string{"u5=1"},
			actions: []string{"user_tariff_changed", "user_edited"}},
		// An unchanged tariff only writes user_edited.
		{name: "tariff same", profile: ProfileMOR12, id: "5", pairs: []string{"u5=2"}, actions: []string{"user_edited"}},
		// MOR 12: every update of a reseller with own_providers 0 resets his users' LCR.
		{name: "mor12 reseller lcr reset", profile: ProfileMOR12, id: "3", pairs: []string{"u23=R"},
			actions: []string{"user_edited", "reseller_users_lcr_reset"}, users: map[int64]string{20: "7", 21: "7"}},
		// MOR 12: own_providers=1 stops the reset.
		{name: "mor12 own providers on", profile: ProfileMOR12, id: "3", pairs: []string{"own_providers=1"},
			actions: []string{"user_edited"}, users: map[int64]string{20: "1", 21: "2"}, cols: map[string]string{"own_providers": "1"}},
		// X3: switching own_providers on records the BLANK LCR.
		{name: "x3 own providers on", profile: ProfileX3, id: "3", pairs: []string{"own_providers=1"},
			actions: []string{"user_edited", "own_providers_blank_lcr"}, users: map[int64]string{20: "1"}},
		// X3: an update without own_providers=1 resets the LCR of his users.
		{name: "x3 reset", profile: ProfileX3, id: "3", pairs: []string{"u17=R"},
			actions: []string{"user_edited", "reseller_users_lcr_reset"}, users: map[int64]string{20: "7", 21: "7"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sim, base := startSim(t, tc.profile, nil)
			r := adminUpdate(t, base, q(append([]string{"user_id=" + tc.id}, tc.pairs...)...))
			if r.body != updated {
				t.Fatalf("body = %q", r.body)
			}
			acts, err := sim.Actions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range acts {
				names = append(names, a.Action)
			}
			if strings.Join(names, ",") != strings.Join(tc.actions, ",") {
				t.Errorf("actions = %v, want %v", names, tc.actions)
			}
			for id, lcr := range tc.users {
				checkCols(t, mustUser(t, sim, id), map[string]string{"lcr_id": lcr})
			}
			checkCols(t, mustUser(t, sim, rubyToI(tc.id)), tc.cols)
		})
	}
}

// TestIncorrectHashIsAudited checks the "API : Incorrect hash" action row.
func TestIncorrectHashIsAudited(t *testing.T) {
	t.Parallel()
	sim, base := startSim(t, ProfileMOR12, nil)
	post(t, base, "user_update_api", url.Values{"u": {"admin"}, "p": {"admin1"}, "user_id": {"5"}, "hash": {"x"}})
	acts, err := sim.Actions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || acts[0].Action != "error" || acts[0].Data != "API : Incorrect hash" || acts[0].UserID != -1 {
		t.Errorf("actions = %+v", acts)
	}
}
