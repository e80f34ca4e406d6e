package morsim

import (
	"net/url"
	"testing"
)

// TestPermissions checks the field filters of resellers and accountants
// (doc §3.3, §6): disallowed fields are dropped silently and the answer is
// still "User was updated".
func TestPermissions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		profile string
		caller  []string // u, p
		key     string
		id      string
		pairs   []string
		want    map[string]string
	}{
		// Reseller on his own user: whitelisted fields applied, hidden dropped.
		{name: "reseller own user", caller: []string{"u=reseller3", "p=pass33"}, key: "key3", id: "20",
			pairs: []string{"u23=Rita", "u5=3", "u15=1", "u28=1", "u9=renamed20", "u13=user"},
			want:  map[string]string{"first_name": "Rita", "tariff_id": "3", "blocked": "1", "hidden": "0", "username": "renamed20", "usertype": "user"}},
		// Reseller on himself: username, tariff, blocked and credit dropped; names kept.
		{name: "reseller himself", caller: []string{"u=reseller3", "p=pass33"}, key: "key3", id: "3",
			pairs: []string{"u23=Self", "u9=newname", "u5=3", "u15=1", "credit=99"},
			want:  map[string]string{"first_name": "Self", "username": "reseller3", "tariff_id": "2", "blocked": "0", "credit": "-1.0"}},
		// Reseller: lcr_id needs own_providers.
		{name: "reseller lcr dropped", caller: []string{"u=reseller3", "p=pass33"}, key: "key3", id: "20",
			pairs: []string{"u1=9"}, want: map[string]string{"lcr_id": "1"}},
		// Reseller: password is whitelisted.
		{name: "reseller password", caller: []string{"u=reseller3", "p=pass33"}, key: "key3", id: "20",
			pairs: []string{"pswd=secret99"}, want: map[string]string{"password": sha1hex("secret99")}},
		// Accountant with every right: all fields applied.
		{name: "accountant all rights", caller: []string{"u=acc12", "p=pass12"}, key: "secret", id: "5",
			pairs: []string{"u5=1", "u25=0", "u28=1", "u18=3", "u13=reseller", "u1=4", "pswd=abcdef1"},
			want: map[string]string{"tariff_id": "1", "postpaid": "0", "hidden": "1", "call_limit": "3", "usertype": "reseller",
				"lcr_id": "4", "password": sha1hex("abcdef1")}},
		// Accountant with Manage Users only: rights-bound fields dropped, others applied.
		{name: "accountant no field rights", caller: []string{"u=acc14", "p=pass14"}, key: "secret", id: "5",
			pairs: []string{"u5=1", "u25=0", "u28=1", "u18=3", "u13=reseller", "u1=4", "pswd=abcdef1", "u23=Kept"},
			want: map[string]string{"tariff_id": "2", "postpaid": "1", "hidden": "0", "call_limit": "0", "usertype": "user",
				"lcr_id": "1", "password": "", "first_name": "Kept"}},
		// Accountant may edit a reseller (owner 0).
		{name: "accountant edits reseller", caller: []string{"u=acc12", "p=pass12"}, key: "secret", id: "3",
			pairs: []string{"u17=Acc"}, want: map[string]string{"last_name": "Acc"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pr := tc.profile
			if pr == "" {
				pr = ProfileMOR12
			}
			sim, base := startSim(t, pr, nil)
			vals := signFull(tc.key, q(append(append([]string{"user_id=" + tc.id}, tc.caller...), tc.pairs...)...))
			if r := post(t, base, "user_update_api", vals); r.body != updated {
				t.Fatalf("body = %q", r.body)
			}
			checkCols(t, mustUser(t, sim, rubyToI(tc.id)), tc.want)
		})
	}
}

// TestKeysAndHashChecking covers per-owner keys, disable_hash_checking
// (global and per reseller), the never-hashed pair and stray parameters.
func TestKeysAndHashChecking(t *testing.T) {
	t.Parallel()
	hashErr := map[string]string{ProfileMOR11: rootError("Incorrect hash"), ProfileMOR12: pageError("Incorrect hash"),
		ProfileX3: statusErr("Incorrect hash"), ProfileX4: statusErr("Incorrect hash")}
	ok := map[string]string{ProfileMOR11: updated11, ProfileMOR12: updated, ProfileX3: updated, ProfileX4: updated}
	tests := []struct {
		name    string
		profile string
		mutate  func(*Seed)
		vals    url.Values
		want    string // "ok" or "hash"
	}{
		// MOR 12+: a reseller signs with his own key ...
		{name: "reseller own key", profile: ProfileMOR12, vals: signFull("key3", q("u=reseller3", "p=pass33", "user_id=20")), want: "ok"},
		// ... not with the admin key (before X4) ...
		{name: "reseller admin key mor12", profile: ProfileMOR12, vals: signFull("secret", q("u=reseller3", "p=pass33", "user_id=20")), want: "hash"},
		// ... X4 accepts the admin key too.
		{name: "reseller admin key x4", profile: ProfileX4, vals: signFull("secret", q("u=reseller3", "user_id=20")), want: "ok"},
		// MOR 11: one global key for everybody.
		{name: "mor11 global key", profile: ProfileMOR11, vals: q("u=reseller3", "p=pass33", "user_id=20", "hash="+sha1hex("20secret")), want: "ok"},
		{name: "mor11 reseller key refused", profile: ProfileMOR11, vals: q("u=reseller3", "p=pass33", "user_id=20", "hash="+sha1hex("20key3")), want: "hash"},
		// X3 finds the key's owner by u AND p: without p the admin key applies.
		{name: "x3 reseller without p", profile: ProfileX3, vals: signFull("secret", q("u=reseller3", "user_id=20")), want: "ok"},
		{name: "x3 reseller with p", profile: ProfileX3, vals: signFull("key3", q("u=reseller3", "p=pass33", "user_id=20")), want: "ok"},
		// X4 finds it by u alone.
		{name: "x4 reseller own key without p", profile: ProfileX4, vals: signFull("key3", q("u=reseller3", "user_id=20")), want: "ok"},
		// Global disable_hash_checking ([TEST]: no hash at all).
		{name: "disabled globally", profile: ProfileX3, mutate: func(s *Seed) { s.Settings.DisableHashChecking = true },
			vals: q("u=admin", "user_id=5", "u15=1", "u25=0"), want: "ok"},
		// MOR 11 predates the setting.
		{name: "disabled mor11", profile: ProfileMOR11, mutate: func(s *Seed) { s.Settings.DisableHashChecking = true },
			vals: q("u=admin", "p=admin1", "user_id=5"), want: "hash"},
		// Per reseller: reseller30 has it on, the admin has not.
		{name: "disabled per reseller", profile: ProfileMOR12, vals: q("u=reseller30", "p=pass30", "user_id=31", "u23=X"), want: "ok"},
		{name: "admin not disabled", profile: ProfileMOR12, vals: q("u=admin", "p=admin1", "user_id=5"), want: "hash"},
		// Any hash passes when disabled.
		{name: "disabled any hash", profile: ProfileMOR12, vals: q("u=reseller30", "p=pass30", "user_id=31", "hash=whatever"), want: "ok"},
		// The never-hashed bug: signing user_warning_email_hour or pgui fails ...
		{name: "wiki-literal hour hashed", profile: ProfileMOR12,
			vals: q("u=admin", "p=admin1", "user_id=5", "warning_email_active=1", "user_warning_email_hour=14",
				"hash="+sha1hex("5"+"14"+"1"+"secret")), want: "hash"},
		{name: "wiki-literal pgui hashed", profile: ProfileMOR12,
			vals: q("u=admin", "p=admin1", "user_id=5", "pgui=1", "hash="+sha1hex("51secret")), want: "hash"},
		// ... and leaving them out passes.
		{name: "hour and pgui unhashed", profile: ProfileMOR12,
			vals: q("u=admin", "p=admin1", "user_id=5", "warning_email_active=1", "user_warning_email_hour=14", "pgui=1",
				"hash="+sha1hex("51secret")), want: "ok"},
		// A stray id=17 ([TEST]) is part of the server's hash.
		{name: "stray id hashed", profile: ProfileX3,
			vals: q("u=admin", "user_id=5", "u23=A", "id=17", "hash="+sha1hex("5A17secret")), want: "ok"},
		{name: "stray id unsigned", profile: ProfileX3,
			vals: q("u=admin", "user_id=5", "u23=A", "id=17", "hash="+sha1hex("5Asecret")), want: "hash"},
		// Request order does not matter; the server uses its own.
		{name: "order independent", profile: ProfileMOR12,
			vals: q("u25=0", "u5=1", "u=admin", "p=admin1", "u15=1", "user_id=0", "hash=4b63372c04043de439e7badcbb5dca7adfce3c46"), want: "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, base := startSim(t, tc.profile, tc.mutate)
			r := post(t, base, "user_update_api", tc.vals)
			want := ok[tc.profile]
			if tc.want == "hash" {
				want = hashErr[tc.profile]
			}
			if r.body != want {
				t.Errorf("body = %q, want %q", r.body, want)
			}
		})
	}
}
