package morsim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestErrorPaths runs every error path of doc §4 in every profile over real
// HTTP and compares the bodies byte for byte.
func TestErrorPaths(t *testing.T) {
	t.Parallel()
	off := false
	notFound := byProfile(rootError("User was not found"), pageError("User was not found"), pageError("User was not found"))
	smart := byProfile(rootError("Don't be so smart"), pageError("Don't be so smart"), pageError("Access Denied"))
	smartNotice := byProfile(rootError("Don't be so smart..."), pageError("Don't be so smart..."), pageError("Access Denied"))
	tariff := byProfile(rootError("Tariff not found"), pageError("Tariff not found"), pageError("Tariff was not found"))
	badLogin := byProfile(rootError("Bad login"), pageError("Bad login"), pageError("Bad login"))
	hashErr := byProfile(rootError("Incorrect hash"), pageError("Incorrect hash"), statusErr("Incorrect hash"))
	noRights := byProfile(rootError(textNoRights), pageError(textNoRights), pageError(textNoRights))
	ok := byProfile(updated11, updated, updated)
	admin := func(pr string, pairs ...string) url.Values {
		return signFor(pr, "secret", append([]string{"u=admin", "p=admin1"}, pairs...)...)
	}

	tests := []struct {
		name   string
		mutate func(*Seed)
		method string
		action string
		vals   func(pr string) url.Values
		want   map[string]string
		status int
	}{
		// Row 1: API disabled, MOR 11 without declaration.
		{name: "api disabled", mutate: func(s *Seed) { s.Settings.AllowAPI = &off },
			vals: func(pr string) url.Values { return admin(pr, "user_id=5") },
			want: byProfile("<status>API Requests are disabled</status>", statusErr("API Requests are disabled"), statusErr("API Requests are disabled"))},
		// Row 1 beats row 2 and row 3: a GET with a bad hash while the API is off.
		{name: "api disabled beats get and hash", mutate: func(s *Seed) { s.Settings.AllowAPI = &off }, method: http.MethodGet,
			vals: func(string) url.Values { return q("u=admin", "p=admin1", "user_id=5", "hash=bad") },
			want: byProfile("<status>API Requests are disabled</status>", statusErr("API Requests are disabled"), statusErr("API Requests are disabled"))},
		// Row 2: GET refused unless Allow_GET_API, even with a good hash.
		{name: "get disabled", method: http.MethodGet,
			vals: func(pr string) url.Values { return admin(pr, "user_id=5") },
			want: byProfile("<status>GET Requests are disabled</status>", statusErr("GET Requests are disabled"), statusErr("GET Requests are disabled"))},
		// Row 2 beats row 3.
		{name: "get disabled beats hash", method: http.MethodGet,
			vals: func(string) url.Values { return q("u=admin", "p=admin1", "user_id=5", "hash=x") },
			want: byProfile("<status>GET Requests are disabled</status>", statusErr("GET Requests are disabled"), statusErr("GET Requests are disabled"))},
		// GET allowed by the setting.
		{name: "get enabled", method: http.MethodGet, mutate: func(s *Seed) { s.Settings.AllowGETAPI = true },
			vals: func(pr string) url.Values { return admin(pr, "user_id=5") }, want: ok},
		// Row 3: a wrong hash.
		{name: "incorrect hash",
			vals: func(string) url.Values { return q("u=admin", "p=admin1", "user_id=5", "hash="+sha1hex("5wrong")) },
			want: hashErr},
		// Row 3: a missing hash.
		{name: "missing hash", vals: func(string) url.Values { return q("u=admin", "p=admin1", "user_id=5") }, want: hashErr},
		// Row 3: an uppercase hash never matches.
		{name: "uppercase hash",
			vals: func(string) url.Values {
				return q("u=admin", "p=admin1", "user_id=5", "hash="+strings.ToUpper(sha1hex("5secret")))
			},
			want: hashErr},
		// Row 3 beats row 4: unknown user and a wrong hash.
		{name: "hash beats bad login", vals: func(string) url.Values { return q("u=adm", "p=admin1", "user_id=5", "hash=123") }, want: hashErr},
		// Row 4: unknown user with a correct (admin key) hash.
		{name: "bad login unknown user", vals: func(pr string) url.Values { return signFor(pr, "secret", "u=adm", "p=admin1", "user_id=5") }, want: badLogin},
		// Row 4: wrong password; X3+ ignores p.
		{name: "wrong password", vals: func(pr string) url.Values { return signFor(pr, "secret", "u=admin", "p=nope", "user_id=5") },
			want: byProfile(rootError("Bad login"), pageError("Bad login"), updated)},
		// Row 4: empty password.
		{name: "empty password", vals: func(pr string) url.Values { return signFor(pr, "secret", "u=admin", "user_id=5") },
			want: byProfile(rootError("Bad login"), pageError("Bad login"), updated)},
		// Row 5: a simple user caller.
		{name: "simple user caller", vals: func(pr string) url.Values { return signFor(pr, "secret", "u=user2", "p=pass22", "user_id=2") }, want: smart},
		// Row 5: accountant with user_id 0 (the admin).
		{name: "accountant edits admin", vals: func(pr string) url.Values { return signFor(pr, "secret", "u=acc12", "p=pass12", "user_id=0") }, want: smart},
		// Row 5: accountant without user_id.
		{name: "accountant without user_id", vals: func(pr string) url.Values { return signFor(pr, "secret", "u=acc12", "p=pass12") }, want: smart},
		// Row 5 (12+): accountant editing himself; MOR 11 allowed it.
		{name: "accountant edits himself", vals: func(pr string) url.Values { return signFor(pr, "secret", "u=acc12", "p=pass12", "user_id=12") },
			want: byProfile(updated11, pageError("Don't be so smart"), pageError("Access Denied"))},
		// Row 6: admin with an absent id ([TEST] user_id=499).
		{name: "user not found", vals: func(pr string) url.Values { return admin(pr, "user_id=499") }, want: notFound},
		// Row 6: no user_id at all ([TEST] warning_email_active=1 alone).
		{name: "no user_id", vals: func(pr string) url.Values { return admin(pr, "warning_email_active=1") }, want: notFound},
		// Row 6: a user_id that is not digits is dropped from the hash and the lookup.
		{name: "user_id with sign", vals: func(string) url.Values {
			return q("u=admin", "p=admin1", "user_id=-5", "hash="+sha1hex("secret"))
		}, want: notFound},
		// Row 6: admin cannot edit a reseller's user.
		{name: "admin edits reseller's user", vals: func(pr string) url.Values { return admin(pr, "user_id=20") }, want: notFound},
		// Row 6: reseller editing an admin-owned user ([TEST]).
		{name: "reseller edits admin's user", vals: func(pr string) url.Values {
			return signFor(pr, keyFor(pr, "key3"), "u=reseller3", "p=pass33", "user_id=2")
		}, want: notFound},
		// Row 6: reseller editing an accountant ([TEST]).
		{name: "reseller edits accountant", vals: func(pr string) url.Values {
			return signFor(pr, keyFor(pr, "key3"), "u=reseller3", "p=pass33", "user_id=12")
		}, want: notFound},
		// Row 6 (MOR 11) / success (12+): reseller editing himself ([TEST]).
		{name: "reseller edits himself", vals: func(pr string) url.Values {
			return signFor(pr, keyFor(pr, "key3"), "u=reseller3", "p=pass33", "user_id=3")
		},
			want: byProfile(rootError("User was not found"), updated, updated)},
		// Row 6: accountant editing a reseller's user ([TEST]).
		{name: "accountant edits reseller's user", vals: func(pr string) url.Values { return signFor(pr, "secret", "u=acc12", "p=pass12", "user_id=20") }, want: notFound},
		// 7a: accountant without Manage Users = 2 ([TEST]).
		{name: "accountant without right", vals: func(pr string) url.Values { return signFor(pr, "secret", "u=acc13", "p=pass13", "user_id=5") }, want: noRights},
		// 7a: "can only view" caps Manage Users at 1.
		{name: "accountant only view", vals: func(pr string) url.Values { return signFor(pr, "secret", "u=acc15", "p=pass15", "user_id=5") }, want: noRights},
		// 7b: reseller sends u13 other than user.
		{name: "reseller u13", vals: func(pr string) url.Values {
			return signFor(pr, keyFor(pr, "key3"), "u=reseller3", "p=pass33", "user_id=20", "u13=reseller")
		}, want: smartNotice},
		// 7c: accountant sends u13=admin.
		{name: "accountant u13 admin", vals: func(pr string) url.Values {
			return signFor(pr, "secret", "u=acc12", "p=pass12", "user_id=5", "u13=admin")
		}, want: smartNotice},
		// 7d: a tariff that does not exist ([TEST]).
		{name: "tariff not found", vals: func(pr string) url.Values { return admin(pr, "user_id=5", "u5=99") }, want: tariff},
		// 7d: a reseller's tariff for an admin caller.
		{name: "admin uses reseller tariff", vals: func(pr string) url.Values { return admin(pr, "user_id=5", "u5=3") }, want: tariff},
		// 7d: a reseller may not use the admin's tariff.
		{name: "reseller uses admin tariff", vals: func(pr string) url.Values {
			return signFor(pr, keyFor(pr, "key3"), "u=reseller3", "p=pass33", "user_id=20", "u5=2")
		}, want: tariff},
		// 7a then 7d: the last notice wins.
		{name: "last notice wins", vals: func(pr string) url.Values { return signFor(pr, "secret", "u=acc13", "p=pass13", "user_id=5", "u5=99") }, want: tariff},
		// 7b then 7d: the tariff notice overwrites the reseller u13 notice.
		{name: "u13 then tariff", vals: func(pr string) url.Values {
			return signFor(pr, keyFor(pr, "key3"), "u=reseller3", "p=pass33", "user_id=20", "u13=admin", "u5=99")
		}, want: tariff},
		// 7e: X3 password too short.
		{name: "password too short", vals: func(pr string) url.Values { return admin(pr, "user_id=5", "pswd=abc") },
			want: byProfile(updated11, updated, pageError("Password must be longer than 5 characters"))},
		// 8: duplicate e-mail ([TEST] X3), accepted before X3.
		{name: "email must be unique", vals: func(pr string) url.Values { return admin(pr, "user_id=5", "a8=user2@example.com") },
			want: byProfile(updated11, updated, page("  <error>User was not updated</error>\n  <message>Email must be unique</message>\n"))},
		// 8: MOR 11's two-root answer for a taken username.
		{name: "username taken", vals: func(pr string) url.Values { return admin(pr, "user_id=5", "u9=taken") },
			want: byProfile(decl+"<error>User was not updated</error>\n<message>Username has already been taken</message>\n",
				page("  <error>User was not updated</error>\n  <message>Username has already been taken</message>\n"),
				page("  <error>User was not updated</error>\n  <message>Username has already been taken</message>\n"))},
		// 9: user_id alone succeeds ([TEST]).
		{name: "user_id alone", vals: func(pr string) url.Values { return admin(pr, "user_id=5") }, want: ok},
		// Unknown action: method_missing.
		{name: "undefined method", action: "foo", vals: func(pr string) url.Values { return admin(pr, "user_id=5") },
			want: byProfile("<error><type>Undefined method</type><name>foo</name></error>",
				"<error><type>Undefined method</type><name>foo</name></error>",
				"<error><type>Undefined method</type><name>foo</name></error>")},
		// user_details_update is X4's name: earlier servers have no such method.
		{name: "alias", action: "user_details_update", vals: func(pr string) url.Values { return admin(pr, "user_id=5") },
			want: map[string]string{
				ProfileMOR11: "<error><type>Undefined method</type><name>user_details_update</name></error>",
				ProfileMOR12: "<error><type>Undefined method</type><name>user_details_update</name></error>",
				ProfileX3:    "<error><type>Undefined method</type><name>user_details_update</name></error>",
				ProfileX4:    ok[ProfileX4]}},
		// Accountant without an acc group: MOR's SQL breaks, HTTP 500.
		{name: "accountant null group", vals: func(pr string) url.Values { return signFor(pr, "secret", "u=acc16", "p=pass16", "user_id=5") },
			want: byProfile(rails500, rails500, rails500), status: http.StatusInternalServerError},
		// MOR 11 misspells a9 as satate: HTTP 500; later eras save it.
		{name: "a9 state", vals: func(pr string) url.Values { return admin(pr, "user_id=5", "a9=CA") },
			want: byProfile(rails500, updated, updated)},
	}
	for _, tc := range tests {
		for _, pr := range allProfiles {
			t.Run(tc.name+"/"+pr, func(t *testing.T) {
				t.Parallel()
				_, base := startSim(t, pr, tc.mutate)
				method, action := tc.method, tc.action
				if method == "" {
					method = http.MethodPost
				}
				if action == "" {
					action = "user_update_api"
				}
				vals := tc.vals(pr)
				vals.Set("test", "1")
				r := do(t, method, base+"/api/"+action, vals)
				want := tc.want[pr]
				status := tc.status
				if status == 0 {
					status = http.StatusOK
					if want == rails500 {
						status = http.StatusInternalServerError
					}
				}
				if r.status != status {
					t.Errorf("status = %d, want %d", r.status, status)
				}
				if r.body != want {
					t.Errorf("body =\n%q\nwant\n%q", r.body, want)
				}
			})
		}
	}
}

// keyFor is the key a reseller signs with: his own from MOR 12 on, the
// global admin key in MOR 11.
func keyFor(pr, resellerKey string) string {
	if pr == ProfileMOR11 {
		return "secret"
	}
	return resellerKey
}
